"""`ftcurate compact`: the check cache goes, the file shrinks, nothing a person made changes, and the
next check gives the same flags."""

from __future__ import annotations

import json

from project_dump import dump

from ftcurate.cli import main
from ftcurate.core.checks.runner import run_checks
from ftcurate.core.compact import compact
from ftcurate.core.records import Example, pair_to_messages
from ftcurate.core.store import Project

CHECKS = ["exact_duplicate", "near_duplicate", "hygiene"]


def _checked_project(tmp_path):
    path = tmp_path / "p.ftcurate"
    with Project.create(path) as p:
        p.add_examples([Example(pair_to_messages(f"Where is my order {i % 40}? It has not arrived yet.",
                                                 f"Order {i % 40} left the warehouse on Monday, tracking "
                                                 f"number TR{i:05d}."), label="shipping")
                        for i in range(400)])
        run_checks(p, CHECKS)
    return path


def test_compact_drops_the_cache_shrinks_the_file_and_keeps_everything_else(tmp_path):
    path = _checked_project(tmp_path)
    before = dump(path)
    with Project.open(path) as p:
        cached = p.query("SELECT count(*) FROM cache")[0][0]
        res = compact(p)
        assert p.query("SELECT count(*) FROM cache")[0][0] == 0
    assert cached > 0 and res.cache_entries == cached
    assert res.after < res.before and res.after == path.stat().st_size  # the log was truncated too
    assert dump(path) == before  # examples, flags, history, settings, splits
    with Project.open(path) as p:  # the next check computes everything again: same flags
        run_checks(p, CHECKS)
    assert dump(path)[2] == before[2]


def test_compact_command_says_what_it_did(tmp_path, capsys):
    path = _checked_project(tmp_path)
    assert main(["compact", str(path), "--keep-cache", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert rep["cache_entries"] == 0 and rep["after_bytes"] <= rep["before_bytes"]
    with Project.open(path) as p:
        assert p.query("SELECT count(*) FROM cache")[0][0] > 0
    assert main(["compact", str(path)]) == 0
    out = capsys.readouterr().out
    assert "check cache dropped" in out and "MB ->" in out
