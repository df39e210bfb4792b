"""`ftcurate review P ACTION`: every review edit from the command line, one undoable history entry each."""

from __future__ import annotations

import json

import polars as pl
import pytest
from dedup_fixtures import flags_by

from ftcurate.cli import main
from ftcurate.core.checks.runner import run_checks
from ftcurate.core.store import Project


@pytest.fixture
def path(faq_project):
    run_checks(faq_project, ["exact_duplicate", "near_duplicate"])
    faq_project.close()
    return str(faq_project.path)


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.splitlines()[-1])


def _status(path) -> dict[int, str]:
    with Project.open(path, read_only=True) as p:
        return dict(p.examples_frame(["id", "status"]).iter_rows())


def test_status_label_edit_and_undo(path, capsys):
    assert main(["review", path, "approve", "4-5", "8", "--json"]) == 0
    assert _json(capsys)["examples"] == [4, 5, 8]
    assert {k: v for k, v in _status(path).items() if k in (4, 5, 8)} == dict.fromkeys((4, 5, 8), "approved")
    assert main(["review", path, "label", "4", "--to", "Returns", "--json"]) == 0
    assert main(["review", path, "edit", "4", "--text", "Thirty days, unused, with the receipt.", "--json"]) == 0
    edit = _json(capsys)
    with Project.open(path, read_only=True) as p:
        ex = p.get_example(4)
        assert ex.label == "Returns"
        assert ex.messages[edit["turn"]]["content"] == "Thirty days, unused, with the receipt."
        assert ex.messages[edit["turn"]]["role"] == "assistant"
        hist = p.history()
    assert len(hist) >= 3
    assert main(["undo", path]) == 0
    with Project.open(path, read_only=True) as p:
        assert p.get_example(4).messages[edit["turn"]]["content"] != "Thirty days, unused, with the receipt."
    assert main(["review", path, "reject", "4", "--json"]) == 0
    rid = _json(capsys)["history_id"]
    assert main(["review", path, "approve", "9"]) == 0  # a later edit stays when the reject is reverted
    assert main(["review", path, "revert", str(rid), "--json"]) == 0
    assert _status(path)[4] == "approved" and _status(path)[9] == "approved"


def test_bad_ids_and_arguments_are_user_errors(path, capsys):
    assert main(["review", path, "approve", "999"]) == 1
    assert "no example 999" in capsys.readouterr().err
    assert main(["review", path, "approve", "x-y"]) == 1
    assert "not an id" in capsys.readouterr().err
    assert main(["review", path, "label", "4"]) == 1
    assert "--to" in capsys.readouterr().err
    assert main(["review", path, "edit", "4"]) == 1
    assert "--text" in capsys.readouterr().err
    assert main(["review", path, "ignore-flag", "424242"]) == 1


def test_cluster_actions_keep_not_duplicates_and_the_reject_cap(path, capsys):
    with Project.open(path, read_only=True) as p:
        (cid,) = flags_by(p, "exact_duplicate", "pair")
        flag_ids = p.flags_frame().filter(pl.col("cluster") == cid)["id"].to_list()
    assert main(["review", path, "keep", str(cid), "--max-reject", "1"]) == 1
    assert "would reject 2 examples" in capsys.readouterr().err
    assert main(["review", path, "not-duplicates", str(cid), "--json"]) == 0
    assert sorted(_json(capsys)["flags"]) == sorted(flag_ids)
    with Project.open(path, read_only=True) as p:
        states = p.flags_frame().filter(pl.col("cluster") == cid)["state"].unique().to_list()
    assert states == ["ignored"]
    assert main(["review", path, "reopen-flag", *map(str, flag_ids)]) == 0
    assert main(["review", path, "keep", str(cid), "--json"]) == 0
    assert _json(capsys)["rejected"] == [1, 3]
    assert main(["review", path, "ignore-flag", str(flag_ids[0]), "--json"]) == 0


def test_same_decision_same_result_from_resolve_and_review(faq_project, tmp_path, capsys):
    """`ftcurate resolve` and `ftcurate review keep` share the keeper rule."""
    run_checks(faq_project, ["exact_duplicate", "near_duplicate"])
    (cid,) = flags_by(faq_project, "exact_duplicate", "pair")
    faq_project.close()
    path = str(faq_project.path)
    assert main(["resolve", path, str(cid)]) == 0
    after_resolve = _status(path)
    assert main(["undo", path]) == 0
    assert main(["review", path, "keep", str(cid)]) == 0
    assert _status(path) == after_resolve
