"""`ftcurate compare-curation`: raw vs curated data, same model and budget, traced back to the flags.

A real project (SQLite) with real checks (pii with presidio, conflict), a real redaction and real
rejections, exported, then compared with the tiny model."""

from __future__ import annotations

import json

import pytest

from ftcurate.cli import main

EMAILS = ["jane.doe@example.com", "mark.hill@example.org", "sara.lee@example.net"]


def _chats():
    rows = []
    for i in range(36):
        q = ["How do I cancel order {n}?", "Where is my refund for order {n}?", "Can I change my password?",
             "Do you ship to Canada?"][i % 4].format(n=1000 + 37 * i)
        a = ["Open Orders and press Cancel.", "Your refund arrives in 5 to 7 business days.",
             "Yes: open Settings and choose Password.", "Yes, we ship to Canada in 5 days."][i % 4]
        if i % 9 == 0:
            a += f" Write to me at {EMAILS[(i // 9) % 3]} if it does not work."
        rows.append([{"role": "user", "content": q}, {"role": "assistant", "content": a}])
    for i in range(8):  # the same question, two policies: 30 days (6x) and a contradicting 14 days (2x)
        a = "You can return any item within 30 days." if i < 6 else "Returns are only accepted within 14 days."
        rows.append([{"role": "user", "content": "What is your return window?"}, {"role": "assistant", "content": a}])
    return rows


@pytest.fixture
def curated_project(tmp_path):
    from ftcurate.core.checks.runner import run_checks
    from ftcurate.core.commands import SetStatusCommand
    from ftcurate.core.export import export_project
    from ftcurate.core.pii.redact import redaction_command
    from ftcurate.core.records import Example
    from ftcurate.core.store import Project

    path = tmp_path / "shop.ftcurate"
    with Project.create(path) as p:
        p.add_examples([Example(messages=m) for m in _chats()])
        run_checks(p, ["pii", "conflict"], config={"conflict": {"match": "exact", "answer_similarity": "minhash"}})
        flags = p.flags_frame()
        pii = flags.filter((flags["check"] == "pii") & (flags["kind"] == "EMAIL_ADDRESS"))["id"].to_list()
        assert len(pii) == 4
        p.apply(redaction_command(p, pii, "placeholder"))
        rejected = [ex for (ex,) in p.query("SELECT id FROM examples WHERE output LIKE '%14 days%'")]
        p.apply(SetStatusCommand(rejected, "rejected"))
        export_project(p, tmp_path / "export", format="openai", test_fraction=0.25, seed=0)
    return path, rejected


def test_raw_set_is_the_imported_text_without_the_test_chats(curated_project):
    from ftcurate.core.report.curation_data import curation_actions, raw_examples
    from ftcurate.core.store import Project

    path, rejected = curated_project
    with Project.open(path) as p:
        test = set(p.get_split("test"))
        raw, left = raw_examples(p, test)
        actions = curation_actions(p)
    texts = " ".join(m["content"] for r in raw for m in r["messages"])
    assert not test & {r["id"] for r in raw} and left["in the test split"] == len(test)
    assert set(rejected) - test <= {r["id"] for r in raw}  # rejected examples are raw data
    kept_emails = [e for e in EMAILS if e in texts]
    assert kept_emails and "<EMAIL_ADDRESS>" not in texts  # the text as imported, before redaction
    redacted = {d["text"] for a in actions.values() for d in a["redacted"]}
    assert redacted == {e for e in EMAILS if any(e in m["content"] for c in _chats() for m in c)}


def test_compare_curation_report_is_deterministic_and_traced(curated_project, tiny_model, tmp_path, capsys):
    path, rejected = curated_project
    args = ["compare-curation", str(path), "--model", str(tiny_model), "--device", "cpu", "--seed", "3", "--json"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    a = json.loads((tmp_path / "a" / "report.json").read_text())
    b = json.loads((tmp_path / "b" / "report.json").read_text())
    a.pop("run"), b.pop("run")
    assert a == b  # same seed, same report
    assert (tmp_path / "a" / "report.html").read_bytes() == (tmp_path / "b" / "report.html").read_bytes()
    assert first["verdict"] in ("helped", "no difference", "hurt") and first["report"].endswith("report.html")

    ch = a["changes"]
    assert ch["removed_why"].get("rejected in review") == len(set(rejected) & set(ch["removed_ids"])) >= 1
    assert ch["redacted_details"] >= 1 and ch["edited"] >= 1
    assert a["settings"]["steps"] == a["settings"]["raw_steps"]  # the same budget
    assert sum(a["outcomes"].values()) == a["test_examples"] == len(a["examples"])
    assert {"base", "raw", "curated"} == set(a["totals"])
    window = [e for e in a["examples"] if e["prompt"] == "What is your return window?"]
    if window:  # a test chat from the conflict group points at the rejected answers
        assert any(t["check"] == "conflict" and t["what"] == "rejected in review" for t in window[0]["trail"])
    html = (tmp_path / "a" / "report.html").read_text()
    assert "<script" not in html and "Did curation help?" in html
    assert not any(e in html for e in EMAILS)  # a leaked detail is shown masked, never in full


def test_leak_and_conflict_tracing_on_known_answers():
    from ftcurate.core.report.curation_analysis import analyse

    actions = {1: {"status": "approved", "edited": True, "flags": [], "answer": "Write to <EMAIL_ADDRESS>.",
                   "raw_answer": "Write to jane.doe@example.com.",
                   "redacted": [{"text": "jane.doe@example.com", "kind": "EMAIL_ADDRESS"}]},
               2: {"status": "rejected", "edited": False, "answer": "Only within 14 days.",
                   "raw_answer": "Returns are only accepted within 14 days.", "redacted": [],
                   "flags": [{"check": "conflict", "cluster": 5, "kind": "answer", "state": "open"}]},
               3: {"status": "unreviewed", "edited": False, "answer": "Within 30 days.", "raw_answer": "Within 30 days.",
                   "redacted": [], "flags": [{"check": "conflict", "cluster": 5, "kind": "answer", "state": "open"}]}}
    row = {"index": 0, "line": 1, "id": 3, "prompt": "What is your return window?",
           "reference": "You can return any item within 30 days.", "n_targets": 10,
           "loss_sum": {"base": 30.0, "raw": 20.0, "curated": 10.0}, "loss": {"base": 3.0, "raw": 2.0, "curated": 1.0},
           "answer": {"base": "Hello.", "raw": "Returns are only accepted within 14 days. Mail jane.doe@example.com",
                      "curated": "You can return any item within 30 days."}}
    rep = analyse({"examples": [row]}, actions, test_ids=[3], raw_ids=[1, 2], curated_ids=[1], left_out={})
    assert rep["verdict"] == "helped" and rep["outcomes"] == {"curated": 1}
    assert [(x["model"], x["kind"]) for x in rep["leaks"]] == [("raw", "EMAIL_ADDRESS")]
    assert "jane.doe@example.com" not in json.dumps(rep["leaks"])
    assert [(x["model"], x["rejected_example"]) for x in rep["conflicts"]] == [("raw", 2)]
    assert rep["examples"][0]["trail"] == [{"check": "conflict", "example": 2, "what": "rejected in review"}]
    assert rep["totals"]["raw"]["leaks"] == 1 and rep["totals"]["curated"]["leaks"] == 0
    assert any("repeated 1 redacted personal detail" in line for line in rep["verdict_lines"])
