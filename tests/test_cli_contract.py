"""The CLI contract scripts rely on, for `pairs` files end to end."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ftcurate.cli import main

PAIRS = [
    {"input": "Where is my order #1234?", "output": "It ships tomorrow.", "label": "shipping"},
    {"messages": [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Refund?"},
                  {"role": "assistant", "content": "Yes, within 30 days."}], "label": "refunds"},
    {"input": "Do you ship to Canada?", "output": "Yes, we do.", "label": "shipping"},
]


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_pairs_end_to_end(tmp_path, capsys):
    proj = tmp_path / "p.ftcurate"
    src = _jsonl(tmp_path / "pairs.jsonl", PAIRS)
    assert _run(capsys, "new", proj)[0] == 0
    code, out, _ = _run(capsys, "import", proj, src, "--json")
    assert code == 0
    rep = json.loads(out.strip().splitlines()[-1])
    assert rep["examples"] == 3 and rep["kind"] == "pairs"

    code, out, _ = _run(capsys, "examples", proj, "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 3
    assert set(rows[0]) >= {"id", "messages", "label", "status", "source", "provenance"}
    assert rows[0]["messages"] == [{"role": "user", "content": "Where is my order #1234?"},
                                   {"role": "assistant", "content": "It ships tomorrow."}]
    assert rows[1]["messages"][0] == {"role": "system", "content": "Be kind."}
    assert rows[1]["label"] == "refunds" and rows[1]["status"] == "unreviewed"
    assert rows[2]["source"] == "pairs.jsonl" and rows[2]["provenance"] == {"line": 3}

    # importing the same content again is detected and skipped
    code, out, _ = _run(capsys, "import", proj, src, "--json")
    assert code == 0 and json.loads(out)["skipped"] is True
    assert len(_run(capsys, "examples", proj, "--json")[1].splitlines()) == 3


def test_stats_contract(tmp_path, capsys):
    proj = tmp_path / "p.ftcurate"
    _run(capsys, "new", proj)
    _run(capsys, "import", proj, _jsonl(tmp_path / "a.jsonl", PAIRS))
    code, out, _ = _run(capsys, "stats", proj, "--json")
    stats = json.loads(out)
    assert code == 0
    assert stats["examples"] == 3
    assert stats["labels"] == {"shipping": 2, "refunds": 1}
    assert stats["status"]["unreviewed"] == 3
    assert isinstance(stats["flags"], dict)


def test_bad_jsonl_exit_1_names_file_and_line_and_changes_nothing(tmp_path, capsys):
    proj = tmp_path / "p.ftcurate"
    _run(capsys, "new", proj)
    _run(capsys, "import", proj, _jsonl(tmp_path / "good.jsonl", PAIRS[:1]))
    before = proj.read_bytes()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(PAIRS[0]) + "\n" + json.dumps(PAIRS[2]) + "\n{\"input\": \"x\", \n")
    code, out, err = _run(capsys, "import", proj, bad)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "bad.jsonl" in lines[0] and "line 3" in lines[0]
    code, out, _ = _run(capsys, "examples", proj, "--json")
    assert len(out.splitlines()) == 1  # the two good lines of bad.jsonl did not land
    assert b"bad.jsonl" not in proj.read_bytes() or proj.read_bytes() == before


@pytest.mark.parametrize("content,needle", [
    ('{"input": "a"}\n', "line 1"),
    ('{"messages": [{"role": "bot", "content": "x"}]}\n', "line 1"),
    ("", "empty"),
])
def test_invalid_rows(tmp_path, capsys, content, needle):
    proj = tmp_path / "p.ftcurate"
    _run(capsys, "new", proj)
    f = tmp_path / "x.jsonl"
    f.write_text(content)
    code, _, err = _run(capsys, "import", proj, f, "--kind", "pairs")
    assert code == 1 and "x.jsonl" in err and needle in err


def test_missing_project_is_user_error(tmp_path, capsys):
    code, _, err = _run(capsys, "examples", tmp_path / "nope.ftcurate")
    assert code == 1 and "nope.ftcurate" in err and "no such project file" in err


def test_unknown_check_is_user_error(tmp_path, capsys):
    proj = tmp_path / "p.ftcurate"
    _run(capsys, "new", proj)
    code, _, err = _run(capsys, "check", proj, "--only", "no_such_check")
    assert code == 1 and "no_such_check" in err


def test_exit_codes_through_the_real_entry_point(tmp_path):
    proj = tmp_path / "p.ftcurate"
    ok = subprocess.run([sys.executable, "-m", "ftcurate.cli", "new", str(proj)], capture_output=True, text=True)
    assert ok.returncode == 0
    again = subprocess.run([sys.executable, "-m", "ftcurate.cli", "new", str(proj)], capture_output=True,
                           text=True)
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "already exists" in again.stderr


def test_bad_pii_settings_stop_the_run_with_exit_1(tmp_path, capsys):
    from ftcurate.core.store import Project

    proj = tmp_path / "p.ftcurate"
    _run(capsys, "new", proj)
    _run(capsys, "import", proj, _jsonl(tmp_path / "a.jsonl", PAIRS))
    with Project.open(proj) as p:
        p.set_setting("pii", {"custom": [{"name": "order", "entity": "ORDER_ID", "regex": "ORD-(\\d+"}]})
    code, _, err = _run(capsys, "check", proj, "--only", "pii")
    assert code == 1 and ("ORD-(" in err or "regex" in err)
    code, out, _ = _run(capsys, "flags", proj, "--json")
    assert out == ""


@pytest.mark.parametrize("argv", [["import"], ["no-such-command"], ["stats", "p.ftcurate", "--bogus"],
                                  ["redact", "p.ftcurate", "--mode", "nope"]])
def test_usage_errors_exit_1(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 1
    assert "usage:" in capsys.readouterr().err


def test_unwritable_export_folder_is_a_user_error(tmp_path, capsys):
    proj = tmp_path / "p.ftcurate"
    _run(capsys, "new", proj)
    rows = [{"input": f"Question number {i} about topic {i * 7}?", "output": f"Answer {i}."} for i in range(30)]
    _run(capsys, "import", proj, _jsonl(tmp_path / "a.jsonl", rows))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the export folder's parent should be")
    code, _, err = _run(capsys, "export", proj, blocker / "out")
    assert code == 1 and "not-a-folder" in err and "Traceback" not in err, err


def test_busy_and_unknown_errors_keep_their_exit_codes(tmp_path):
    """A locked project is exit 1 with the busy message, in a real second process."""
    import os
    import sqlite3

    proj = tmp_path / "p.ftcurate"
    assert main(["new", str(proj), "-q"]) == 0
    conn = sqlite3.connect(proj, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        r = subprocess.run([sys.executable, "-m", "ftcurate.cli", "undo", str(proj)], capture_output=True,
                           text=True, env={**os.environ, "FTCURATE_BUSY_TIMEOUT": "0.1"}, timeout=120)
    finally:
        conn.execute("COMMIT")
        conn.close()
    assert r.returncode == 1 and "project is busy" in r.stderr and "Traceback" not in r.stderr


def test_os_error_on_a_file_the_user_did_not_name_is_internal(tmp_path, capsys, monkeypatch):
    """An OSError about the user's own file is exit 1; one about ftcurate's own files stays a bug (2)."""
    import ftcurate.core.stats as stats

    proj = tmp_path / "p.ftcurate"
    _run(capsys, "new", proj)

    def broken(project):
        raise FileNotFoundError(2, "No such file or directory", "/opt/ftcurate-data/missing.bin")

    monkeypatch.setattr(stats, "project_stats", broken)
    code, _, err = _run(capsys, "stats", proj)
    assert code == 2 and "internal error" in err
