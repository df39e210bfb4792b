"""Re-storing a check's flags writes only what changed, and keeps ids and review state."""

from __future__ import annotations

from ftcurate.core.checks.base import Flag
from ftcurate.core.checks.runner import store_flags
from ftcurate.core.commands import SetFlagStateCommand
from ftcurate.core.records import Example, pair_to_messages
from ftcurate.core.store import Project


def _flags(ids, message="copy"):
    shared = {"keeper": ids[0], "members": list(ids)}  # cluster members share one data dict
    return [Flag(i, "near_duplicate", "medium", message, kind="pair", cluster=7, score=0.9, data=shared)
            for i in ids]


def test_rerun_writes_only_changed_flags(tmp_path):
    with Project.create(tmp_path / "p.ftcurate") as project:
        project.add_examples([Example(messages=pair_to_messages(f"q{i}", f"a{i}")) for i in range(4)])
        ids = project.example_ids()
        store_flags(project, "near_duplicate", _flags(ids))
        first = project.flags_frame()
        project.apply(SetFlagStateCommand([int(first["id"][1])], "ignored"))
        changes = project.conn.total_changes
        store_flags(project, "near_duplicate", _flags(ids))
        assert project.conn.total_changes == changes  # nothing changed, nothing written
        assert project.flags_frame().equals(first.with_columns(
            first["state"].scatter(1, "ignored")))
        store_flags(project, "near_duplicate", _flags(ids[:3], message="near copy"))
        again = project.flags_frame()
        assert again["id"].to_list() == first["id"].to_list()[:3]
        assert set(again["message"]) == {"near copy"} and again["state"][1] == "ignored"
        assert again["data"][0] == f'{{"keeper": {ids[0]}, "members": [{ids[0]}, {ids[1]}, {ids[2]}]}}'
