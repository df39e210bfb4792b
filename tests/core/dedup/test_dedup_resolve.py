"""Resolving clusters: keep one, reject the rest, resolve the flags — one undoable edit; and the CLI."""

from __future__ import annotations

import json

import polars as pl
import pytest
from dedup_fixtures import flags_by

from ftcurate.cli import main
from ftcurate.core.checks.runner import run_checks
from ftcurate.core.dedup.resolve import list_clusters, resolve_cluster_command, resolve_clusters_command
from ftcurate.core.errors import UserError


def _status(project) -> dict[int, str]:
    return dict(project.examples_frame(["id", "status"]).iter_rows())


def _flag_states(project, cluster: int) -> set[str]:
    return set(project.flags_frame().filter(pl.col("cluster") == cluster)["state"].to_list())


@pytest.fixture
def checked(faq_project):
    run_checks(faq_project, ["exact_duplicate", "near_duplicate"])
    return faq_project


def test_resolve_keeps_the_suggested_keeper_and_undo_restores(checked):
    (cid,) = flags_by(checked, "exact_duplicate", "pair")
    before = _status(checked)
    checked.apply(resolve_cluster_command(checked, cid))
    after = _status(checked)
    assert after[2] == "approved" and after[1] == after[3] == "rejected"
    assert {k: v for k, v in after.items() if k not in (1, 3)} == {k: v for k, v in before.items()
                                                                   if k not in (1, 3)}
    assert _flag_states(checked, cid) == {"resolved"}
    (near,) = flags_by(checked, "near_duplicate", "pair")
    assert _flag_states(checked, near) == {"open"}  # 2 and 4 are still both in it
    checked.undo()
    assert _status(checked) == before
    assert _flag_states(checked, cid) == {"open"}


def test_resolve_with_chosen_keeper_and_by_member_ids(checked):
    (cid,) = flags_by(checked, "exact_duplicate", "pair")
    checked.apply(resolve_cluster_command(checked, cid, keep_id=3))
    assert [_status(checked)[i] for i in (1, 2, 3)] == ["rejected", "rejected", "unreviewed"]
    checked.undo()
    assert _status(checked)[2] == "approved"
    with pytest.raises(UserError, match="not in this cluster"):
        resolve_cluster_command(checked, cid, keep_id=7)
    with pytest.raises(UserError, match="no duplicate cluster"):
        resolve_cluster_command(checked, 999_999)
    checked.apply(resolve_cluster_command(checked, [5, 6], keep_id=6))
    assert _status(checked)[5] == "rejected" and _status(checked)[6] == "unreviewed"


def test_resolving_everything_is_consistent_and_clears_the_checks(checked):
    clusters = list_clusters(checked)
    assert {c["check"] for c in clusters} == {"exact_duplicate", "near_duplicate"}
    assert all(c["keeper"] in c["members"] for c in clusters)
    checked.apply(resolve_clusters_command(checked, [c["cluster"] for c in clusters]))
    status = _status(checked)
    for c in clusters:  # exactly one example of every cluster survives
        assert sum(status[m] != "rejected" for m in c["members"]) == 1, c
    assert status[2] == "approved"
    assert list_clusters(checked) == []
    checked.undo()  # statuses and flag states come back in one step
    assert sum(s == "rejected" for s in _status(checked).values()) == 1  # the original rejected row
    assert len(list_clusters(checked)) == len(clusters)
    checked.redo()
    run_checks(checked, ["exact_duplicate", "near_duplicate"])
    assert checked.flags_frame().is_empty()  # rejected examples are out of scope: nothing left


def test_cli_clusters_resolve_undo(checked, capsys):
    path = str(checked.path)
    checked.close()
    assert main(["clusters", path, "--json", "--check", "exact_duplicate"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["kind"] for r in rows} == {"pair", "input"}
    pair = next(r for r in rows if r["kind"] == "pair")
    assert pair["keeper"] == 2 and pair["members"] == [1, 2, 3]
    assert main(["resolve", path, str(pair["cluster"]), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["rejected_ids"] == [1, 3]
    assert main(["resolve", path, str(pair["cluster"]), "--keep", "7"]) == 1  # not a member
    assert "not in this cluster" in capsys.readouterr().err
    assert main(["undo", path]) == 0
    assert main(["resolve", path, "--all", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["rejected"] >= 4
