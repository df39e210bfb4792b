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
from pathlib import Path

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
