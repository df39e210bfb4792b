"""A process killed with SIGKILL in the middle of a burst of edits loses none that it reported saved."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from ftcurate.core.records import Example, pair_to_messages
from ftcurate.core.store import Project

EDITOR = textwrap.dedent("""
    import sys
    from ftcurate.core.commands import SetMessagesCommand, SetLabelCommand
    from ftcurate.core.records import pair_to_messages
    from ftcurate.core.store import Project

    p = Project.open(sys.argv[1])
    ids = p.example_ids()
    i = 0
    while True:
        eid = ids[i % len(ids)]
        p.apply(SetMessagesCommand(eid, pair_to_messages(f"q{eid}", f"edit {i}")))
        p.apply(SetLabelCommand([eid], f"label {i}"))
        print(i, eid, flush=True)  # reported only after both commits returned
        i += 1
""")


def test_sigkill_mid_burst_loses_no_committed_edit(tmp_path):
    path = tmp_path / "crash.ftcurate"
    with Project.create(path) as p:
        p.add_examples([Example(pair_to_messages(f"q{i}", "original")) for i in range(20)])
    proc = subprocess.Popen([sys.executable, "-c", EDITOR, str(path)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    reported: dict[int, int] = {}
    for line in proc.stdout:
        i, eid = map(int, line.split())
        reported[eid] = i
        if len(reported) == 20 and i >= 150:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    with Project.open(path) as p:  # opens cleanly after the kill
        assert p.query("PRAGMA integrity_check")[0][0] == "ok"
        for eid, i in reported.items():
            ex = p.get_example(eid)
            # the last reported edit (or a later one that committed before the kill) is there
            assert int(ex.output.split()[1]) >= i
            assert int(ex.label.split()[1]) >= i
        edits = [h for h in p.history() if h["kind"] == "edit"]
        assert len(edits) >= 2 * (max(reported.values()) + 1)
        # history can undo the last surviving edit
        assert p.undo() is not None
