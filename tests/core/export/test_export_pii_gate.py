"""The export's PII gate: the real PII check over exactly what an export writes (issue 11).

Every bypass below exported raw personal data with exit 0 before the gate scanned at export time.
"""

from __future__ import annotations

import json

import pytest
from export_fixtures import make_project

from ftcurate.cli import main
from ftcurate.core.commands import SetFlagStateCommand
from ftcurate.core.errors import UserError
from ftcurate.core.export import export_project
from ftcurate.core.records import Example, pair_to_messages
from ftcurate.core.store import Project

EMAIL = "jane.doe@example.com"


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def _log(path, n=12, email=True):
    rows = [{"input": f"Where is my order {1000 + i}?" + (f" Write to me at user{i}.{EMAIL}" if email and i < 3
                                                             else ""),
             "output": f"Order {1000 + i} ships tomorrow.", "label": "shipping"} for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_safety_stop_names_types_and_examples_then_allow_pii(tmp_path):
    project, _ = make_project(tmp_path / "p.ftcurate", pii=True)
    ids = project.example_ids()
    out = tmp_path / "o"
    with pytest.raises(UserError) as err:
        export_project(project, out)
    msg = str(err.value)
    assert "3 open high-severity" in msg and "CREDIT_CARD 1, EMAIL_ADDRESS 1, PHONE_NUMBER 1" in msg
    assert f"example {ids[3]}" in msg and f"example {ids[40]}" in msg and "--allow-pii" in msg
    assert not out.exists()
    with pytest.raises(UserError):
        project.get_split("train")  # nothing stored either

    r = export_project(project, out, allow_pii=True)
    assert r.forced and r.pii_open == 3 and r.pii["open_high_by_kind"] == {
        "CREDIT_CARD": 1, "EMAIL_ADDRESS": 1, "PHONE_NUMBER": 1}
    card = (out / "README.md").read_text()
    assert "exported with --allow-pii while the PII scan found 3 open high-severity" in card
    assert "**--allow-pii** overrode the safety stop: 3 high-severity finding(s) open (CREDIT_CARD 1, " in card
    assert f"example {ids[40]}" in card and "--allow-pii" in card.split("## Reproduce")[1]
    project.close()


def test_marking_resolved_without_redacting_does_not_lift_the_stop_but_ignoring_does(tmp_path):
    project, _ = make_project(tmp_path / "p.ftcurate", pii=True)
    flags = project.flags_frame()
    pii = flags.filter(flags["check"] == "pii")
    high = pii.filter(pii["severity"] == "high")["id"].to_list()
    lower = pii.height - len(high)  # support identifiers and the like: low severity, never a stop
    project.apply(SetFlagStateCommand(high, "resolved"))  # the text still holds the data
    with pytest.raises(UserError, match="3 open high-severity"):
        export_project(project, tmp_path / "o")
    project.apply(SetFlagStateCommand(high, "ignored"))  # a person judged them not personal data
    r = export_project(project, tmp_path / "o")
    assert r.pii_open == 0 and r.pii["ignored"] == 3
    card = (tmp_path / "o" / "README.md").read_text()
    assert f"0 open high-severity, {lower} open lower-severity, 3 judged not personal data" in card
    project.close()


def test_redact_then_reimport_with_replace_is_caught(tmp_path, capsys):
    proj, log = tmp_path / "p.ftcurate", _log(tmp_path / "log.jsonl")
    assert _run(capsys, "new", proj)[0] == 0
    assert _run(capsys, "import", proj, log)[0] == 0
    assert _run(capsys, "check", proj, "--only", "pii")[0] == 0
    assert _run(capsys, "redact", proj)[0] == 0
    code, out, _ = _run(capsys, "export", proj, tmp_path / "a", "--test-count", "2")
    assert code == 0 and EMAIL not in (tmp_path / "a" / "train.jsonl").read_text() + (
        tmp_path / "a" / "test.jsonl").read_text()
    assert "PII scan:" in out and "0 open high-severity" in out
    # the re-import that used to bring the raw e-mails back is refused: redacted examples would go
    code, _, err = _run(capsys, "import", proj, log, "--on-duplicate", "replace")
    assert code == 1 and "reviewed" in err
    # and were raw text to come back another way (here: the same log under another name), the
    # export-time scan still stops it
    copy = tmp_path / "log-again.jsonl"
    copy.write_text(log.read_text() + "\n")
    assert _run(capsys, "import", proj, copy)[0] == 0
    code, _, err = _run(capsys, "export", proj, tmp_path / "b", "--test-count", "2")
    assert code == 1 and "EMAIL_ADDRESS" in err
    assert not (tmp_path / "b").exists()


def test_examples_added_after_the_last_check_are_scanned(tmp_path):
    project, _ = make_project(tmp_path / "p.ftcurate")
    from ftcurate.core.checks.runner import run_checks

    run_checks(project, ["pii"])
    project.add_examples([Example(messages=pair_to_messages("My SSN is 123-45-6789, is that on file?",
                                                            "Yes, we have it."), label="account")],
                         source=dict(name="late.jsonl", path="/data/late.jsonl", content_hash="ff", size=1,
                                     importer="pairs_jsonl", kind="pairs", options={}, detection={}))
    with pytest.raises(UserError, match="US_SSN 1"):
        export_project(project, tmp_path / "o")
    project.close()


@pytest.mark.parametrize("where", ["system prompt", "label", "source name", "project name"])
def test_texts_outside_the_turns_are_scanned(tmp_path, where):
    name = "shop-jane.doe@example.com.ftcurate" if where == "project name" else "p.ftcurate"
    project, _ = make_project(tmp_path / name)
    kwargs = {}
    if where == "system prompt":
        kwargs["system_prompt"] = f"You answer for Acme. Escalate to {EMAIL}."
    elif where == "label":
        project.add_examples([Example(messages=pair_to_messages("Hello?", "Hi."), label=EMAIL)],
                             source=dict(name="x.jsonl", path="/x.jsonl", content_hash="aa", size=1,
                                         importer="pairs_jsonl", kind="pairs", options={}, detection={}))
    elif where == "source name":
        project.add_examples([Example(messages=pair_to_messages("Hello?", "Hi."), label="account")],
                             source=dict(name=f"{EMAIL}.jsonl", path="/x.jsonl", content_hash="ab", size=1,
                                         importer="pairs_jsonl", kind="pairs", options={}, detection={}))
    expected = {"system prompt": "the system prompt", "label": "the label of example",
                "source name": "the name of source file", "project name": "the project file name"}[where]
    with pytest.raises(UserError, match=f"EMAIL_ADDRESS 1.*{expected}"):
        export_project(project, tmp_path / "o", **kwargs)
    r = export_project(project, tmp_path / "o", allow_pii=True, **kwargs)
    assert r.pii_open == 1
    project.close()


def test_no_check_ever_run_still_scans_and_says_so(tmp_path, capsys):
    proj = tmp_path / "p.ftcurate"
    _run(capsys, "new", proj)
    _run(capsys, "import", proj, _log(tmp_path / "clean.jsonl", email=False))
    code, out, _ = _run(capsys, "export", proj, tmp_path / "o", "--test-count", "2")
    assert code == 0 and "PII scan: " in out and "0 open high-severity" in out
    card = (tmp_path / "o" / "README.md").read_text()
    assert "- PII scan at export, of exactly what these files contain" in card
    assert "PII scan result: 0 open high-severity" in card or "PII scan result: no findings" in card
    _run(capsys, "import", proj, _log(tmp_path / "dirty.jsonl"))
    code, _, err = _run(capsys, "export", proj, tmp_path / "o2", "--test-count", "2")
    assert code == 1 and "EMAIL_ADDRESS 3" in err


def test_reexport_reads_the_cache(tmp_path):
    project, _ = make_project(tmp_path / "p.ftcurate")
    first = export_project(project, tmp_path / "a")
    assert first.pii["analysed"] > 0
    again = export_project(project, tmp_path / "a", seed=3)
    assert again.pii["analysed"] == 0 and again.pii["from_cache"] == again.pii["texts"] == first.pii["texts"]
    # a new system prompt is the only new text
    third = export_project(project, tmp_path / "a", system_prompt="You answer for Acme's shop.")
    assert third.pii["analysed"] == 1
    project.close()


def test_force_is_a_deprecated_alias_for_both(tmp_path, capsys):
    project, _ = make_project(tmp_path / "p.ftcurate", pii=True)
    project.close()
    out = tmp_path / "o"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    p = tmp_path / "p.ftcurate"
    code, _, err = _run(capsys, "export", p, out, "--allow-pii")
    assert code == 1 and "not empty" in err and "--overwrite" in err
    code, _, err = _run(capsys, "export", p, out, "--overwrite")
    assert code == 1 and "export stopped" in err
    code, out_text, err = _run(capsys, "export", p, out, "--force")
    assert code == 0 and "--force is deprecated" in err and "WARNING: --allow-pii exported 3" in out_text
    assert (out / "notes.txt").read_text() == "mine"
    with Project.open(p) as project:  # the core keeps `force=` for existing callers
        r = export_project(project, out, force=True)
    assert r.overwrite and r.allow_pii and r.pii_open == 3
