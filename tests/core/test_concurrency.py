"""Real concurrent processes on one project: an app-like long-lived connection and CLI commands,
two writers at once, a busy project. Every check here uses separate OS processes (subprocess), never
threads, because SQLite's locks are per process."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from project_dump import dump

from ftcurate.core.records import Example, pair_to_messages
from ftcurate.core.store import Project

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONUNBUFFERED": "1",
       "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}

# An app-like process: one long-lived connection, edits on command; like the GUI it also opens
# short-lived extra Project handles on the same file (background jobs, read-only reloads).
APP = textwrap.dedent("""
    import sys
    from ftcurate.core.commands import SetLabelCommand
    from ftcurate.core.store import Project

    p = Project.open(sys.argv[1])
    for line in sys.stdin:
        cmd = line.split()
        if cmd[0] == "edit":
            p.apply(SetLabelCommand([int(cmd[1])], cmd[2]))
        elif cmd[0] == "reopen":
            with Project.open(sys.argv[1], read_only=True) as ro:
                ro.count_examples()
            with Project.open(sys.argv[1]) as own:
                own.count_examples()
        print("ok", flush=True)
""")


def cli(*argv: object, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ftcurate.cli", *map(str, argv)], capture_output=True,
                          text=True, env=env or ENV, timeout=300)


def _project(tmp_path: Path, n: int = 5) -> Path:
    path = tmp_path / "p.ftcurate"
    with Project.create(path) as p:
        p.add_examples([Example(pair_to_messages(f"q{i}", f"a{i}")) for i in range(n)])
    return path


@contextmanager
def write_lock(path: Path):
    """Hold the project's write lock from this process (as a long edit in the app would)."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=60)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")
        conn.close()


def start_cli(*argv: object, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ftcurate.cli", *map(str, argv)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env or ENV)


def _sleeping(pid: int) -> bool | None:
    """True while the process sleeps in a timer (SQLite's busy handler waiting for the lock); None
    where the kernel does not say."""
    try:
        wchan = Path(f"/proc/{pid}/wchan").read_text().strip()
    except OSError:
        return None
    return None if wchan in ("", "0") else "nanosleep" in wchan


def wait_blocked(procs: list[subprocess.Popen], path: Path) -> None:
    """Wait until each process has the project open and waits for the write lock we hold.

    Only a synchronisation (nothing is asserted about time): with the fixes the processes decide inside
    the lock whatever the timing; waiting for them to block lets the old code show its race reliably."""
    target = str(path.resolve())
    for proc in procs:
        seen = 0
        while True:
            assert proc.poll() is None, proc.communicate()
            try:
                has_open = any(os.readlink(fd) == target for fd in Path(f"/proc/{proc.pid}/fd").iterdir())
            except OSError:
                has_open = False
            if has_open:
                state = _sleeping(proc.pid)
                if state is None:  # no wchan here: give it time to reach the lock
                    time.sleep(3.0)
                    break
                seen = seen + 1 if state else 0
                if seen >= 3:  # sleeping in the busy handler across three looks
                    break
            time.sleep(0.1)


def finish(procs: list[subprocess.Popen]) -> list[tuple[int, str, str]]:
    out = []
    for proc in procs:
        o, e = proc.communicate(timeout=300)
        out.append((proc.returncode, o, e))
    return out


def test_app_and_cli_on_one_project_lose_no_edit(tmp_path):
    path = _project(tmp_path)
    app = subprocess.Popen([sys.executable, "-c", APP, str(path)], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=True, env=ENV)

    def tell(line: str) -> None:
        app.stdin.write(line + "\n")
        app.stdin.flush()
        assert app.stdout.readline().strip() == "ok"

    reported = {}
    try:
        for step, (eid, cmds) in enumerate([(1, ["history"]), (2, ["stats"]), (3, ["examples"]),
                                            (4, ["history", "stats"]), (5, [])]):
            tell(f"edit {eid} L{step}")
            reported[eid] = f"L{step}"
            tell("reopen")  # the app's own extra handles on the file, as the GUI's jobs open them
            for c in cmds:  # CLI commands on the same file while the app holds its connection
                assert cli(c, path).returncode == 0
    finally:
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=30)
    assert Path(f"{path}-wal").exists()
    with Project.open(path) as p:
        assert p.query("PRAGMA integrity_check")[0][0] == "ok"
        for eid, label in reported.items():
            assert p.get_example(eid).label == label


def _pairs_file(tmp_path: Path, n: int = 2000, name: str = "pairs.jsonl") -> Path:
    f = tmp_path / name
    f.write_text("".join(json.dumps({"input": f"question {i}?", "output": f"answer {i}."}) + "\n"
                         for i in range(n)), encoding="utf-8")
    return f


def test_two_imports_of_one_file_at_once_land_once(tmp_path):
    path = _project(tmp_path, 1)
    src = _pairs_file(tmp_path)
    with write_lock(path):
        procs = [start_cli("import", path, src, "--json") for _ in range(2)]
        wait_blocked(procs, path)
    results = finish(procs)
    assert [r[0] for r in results] == [0, 0], results
    reports = [json.loads(r[1]) for r in results]
    assert sorted(r["skipped"] for r in reports) == [False, True]
    with Project.open(path) as p:
        assert len(p.sources()) == 1 and p.count_examples() == 1 + 2000


def test_two_undos_at_once_undo_two_different_edits(tmp_path):
    from ftcurate.core.commands import SetLabelCommand

    path = _project(tmp_path, 3)
    with Project.open(path) as p:
        for eid in (1, 2, 3):
            p.apply(SetLabelCommand([eid], f"edited {eid}"))
    with write_lock(path):
        procs = [start_cli("undo", path, "--json") for _ in range(2)]
        wait_blocked(procs, path)
    results = finish(procs)
    assert [r[0] for r in results] == [0, 0], results
    undone = sorted(json.loads(r[1])["history_id"] for r in results)
    with Project.open(path) as p:
        edits = {h["id"]: h["state"] for h in p.history() if h["kind"] == "edit"}
        assert undone == [2, 3] and edits == {1: "done", 2: "undone", 3: "undone"}
        assert [p.get_example(i).label for i in (1, 2, 3)] == ["edited 1", None, None]
        assert len([h for h in p.history() if h["kind"] == "undo"]) == 2


def test_redact_never_overwrites_an_edit_saved_while_it_waited(tmp_path):
    from ftcurate.core.checks.base import Flag
    from ftcurate.core.checks.runner import store_flags
    from ftcurate.core.commands import SetMessagesCommand
    from ftcurate.core.records import text_hash

    path = tmp_path / "p.ftcurate"
    text = "Mail me at jo@example.com please"
    with Project.create(path) as p:
        p.add_examples([Example(pair_to_messages(text, "Sure."))])
        store_flags(p, "pii", [Flag(1, "pii", "high", "e-mail", kind="EMAIL_ADDRESS", turn=0, start=11, end=25,
                                    data={"turn_hash": text_hash(text)})])
    edited = pair_to_messages("Mail me at jo@example.com please (edited by a colleague)", "Sure thing.")
    with write_lock(path) as conn:
        proc = start_cli("redact", path, "--json")
        wait_blocked([proc], path)
        # the colleague's edit lands while redact waits: through a Project on the lock we hold
        conn.execute("COMMIT")
        with Project.open(path) as p:
            p.apply(SetMessagesCommand(1, edited))
        conn.execute("BEGIN IMMEDIATE")
    (code, out, err), = finish([proc])
    assert code == 0, err
    with Project.open(path) as p:
        assert p.get_example(1).messages == edited  # the saved edit survives (the stale flag is skipped)
    assert json.loads(out)["stale_flags"] == [1]


def test_busy_project_says_so_with_exit_1_and_changes_nothing(tmp_path):
    path = _project(tmp_path, 3)
    with Project.open(path) as p:
        from ftcurate.core.commands import SetLabelCommand

        p.apply(SetLabelCommand([1], "x"))
    src = _pairs_file(tmp_path, 10)
    before = dump(path)
    env = {**ENV, "FTCURATE_BUSY_TIMEOUT": "0.2"}
    with write_lock(path):
        for argv in (["undo", path], ["redo", path], ["import", path, src], ["redact", path],
                     ["resolve", path, "--all"], ["check", path, "--only", "exact_duplicate"],
                     ["compact", path], ["compact", path, "--keep-cache"]):
            r = cli(*argv, env=env)
            assert r.returncode == 1, (argv, r.stderr)
            assert "project is busy: another ftcurate process is writing to it; try again" in r.stderr
            assert "Traceback" not in r.stderr
    assert dump(path) == before


def test_flags_for_examples_deleted_meanwhile_are_dropped(project):
    """`check` reads the examples, then a re-import with replace deletes some before the flags are
    stored: storing must not fail with a FOREIGN KEY error (it did, exit 2)."""
    from ftcurate.core.checks.base import Flag
    from ftcurate.core.checks.runner import store_flags

    project.add_examples([Example(pair_to_messages("a", "b")), Example(pair_to_messages("c", "d"))])
    with project.transaction() as conn:
        conn.execute("DELETE FROM examples WHERE id = 2")
    assert store_flags(project, "demo", [Flag(1, "demo", "low", "m"), Flag(2, "demo", "low", "m")]) >= 1
    assert project.flags_frame()["example_id"].to_list() == [1]


def test_reimport_replace_is_refused_when_reviewed_examples_would_go(tmp_path):
    from ftcurate.core.commands import SetStatusCommand

    path = tmp_path / "p.ftcurate"
    Project.create(path).close()
    src = _pairs_file(tmp_path, 5)
    assert cli("import", path, src).returncode == 0
    # unreviewed only: replace works, and undo afterwards never meets a vanished example
    r = cli("import", path, src, "--on-duplicate", "replace", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["replaced"] is True
    with Project.open(path) as p:
        ids = p.example_ids()
        p.apply(SetStatusCommand(ids[:2], "approved"))
    before = dump(path)
    r = cli("import", path, src, "--on-duplicate", "replace")
    assert r.returncode == 1 and "would delete 2 reviewed example(s)" in r.stderr and str(src) in r.stderr
    assert dump(path) == before
    assert cli("undo", path).returncode == 0
    with Project.open(path) as p:
        assert {e.status for e in p.iter_examples()} == {"unreviewed"}


def test_multi_file_import_failing_on_file_2_lands_nothing(tmp_path):
    path = tmp_path / "p.ftcurate"
    Project.create(path).close()
    good = _pairs_file(tmp_path, 5)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"input": "q", "output": "a"}\n{"input": "q2", "output": \n', encoding="utf-8")
    before = dump(path)
    r = cli("import", path, good, bad)
    assert r.returncode == 1 and "bad.jsonl" in r.stderr and "line 2" in r.stderr, r.stderr
    assert "none of the 2 files was imported" in r.stderr
    assert dump(path) == before


@pytest.mark.parametrize("argv, valid", [
    (["--map", "nonsense=col"], "question"),
    (["--option", "no_such_option=1"], "label_level"),
])
def test_unknown_map_field_or_option_is_rejected(tmp_path, argv, valid):
    path = tmp_path / "p.ftcurate"
    Project.create(path).close()
    src = _pairs_file(tmp_path, 5)
    before = dump(path)
    r = cli("import", path, src, *argv)
    assert r.returncode == 1 and valid in r.stderr and argv[1].split("=")[0] in r.stderr, r.stderr
    assert dump(path) == before


def test_a_prepared_redaction_never_overwrites_an_edit_saved_by_another_process(tmp_path):
    """The app builds a redaction command, then applies it (two steps): an edit another process saves
    in between makes the apply refuse, instead of writing back the text the command was built from."""
    from ftcurate.core.checks.base import Flag
    from ftcurate.core.checks.runner import store_flags
    from ftcurate.core.errors import UserError
    from ftcurate.core.pii.redact import plan_redaction
    from ftcurate.core.records import text_hash

    path = tmp_path / "p.ftcurate"
    text = "Mail me at jo@example.com please"
    with Project.create(path) as p:
        p.add_examples([Example(pair_to_messages(text, "Sure."))])
        store_flags(p, "pii", [Flag(1, "pii", "high", "e-mail", kind="EMAIL_ADDRESS", turn=0, start=11, end=25,
                                    data={"turn_hash": text_hash(text)})])
    with Project.open(path) as app:
        plan = plan_redaction(app)
        editor = textwrap.dedent("""
            import sys
            from ftcurate.core.commands import SetMessagesCommand
            from ftcurate.core.records import pair_to_messages
            from ftcurate.core.store import Project
            with Project.open(sys.argv[1]) as p:
                p.apply(SetMessagesCommand(1, pair_to_messages("edited elsewhere", "Sure.")))
        """)
        subprocess.run([sys.executable, "-c", editor, str(path)], check=True, env=ENV, timeout=120)
        with pytest.raises(UserError, match="changed .* after this edit was prepared"):
            app.apply(plan.command)
        assert app.get_example(1).input == "edited elsewhere"
        # planned afresh, the redaction sees the edit (its finding is now stale: nothing to redact)
        assert plan_redaction(app).command is None


def test_check_while_an_import_replaces_examples_stores_no_flag_for_a_deleted_one(tmp_path):
    from ftcurate.core.importing import import_file

    path = tmp_path / "p.ftcurate"
    Project.create(path).close()
    src = _pairs_file(tmp_path, 50)
    dup = tmp_path / "dup.jsonl"
    dup.write_text(src.read_text() + src.read_text())  # exact duplicates: the check flags every example
    assert cli("import", path, dup).returncode == 0
    with Project.open(path) as p:
        with p.transaction():  # the replace below runs while `check` waits to store its flags
            proc = start_cli("check", path, "--only", "exact_duplicate", "--json")
            wait_blocked([proc], path)
            rep = import_file(p, dup, on_duplicate="replace")
            assert rep.replaced
    (code, out, err), = finish([proc])
    assert code == 0 and "FOREIGN KEY" not in err, err
    with Project.open(path) as p:
        alive = set(p.example_ids())
        assert set(p.flags_frame()["example_id"].to_list()) <= alive
