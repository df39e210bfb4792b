"""One check failing must not skip the others: recorded, reported at once, exit code 1 at the end."""

from __future__ import annotations

import json

import pytest
from health_fixtures import formal_pairs, make_project

from ftcurate.cli import main
from ftcurate.core.checks.imbalance import LabelImbalanceCheck
from ftcurate.core.checks.runner import check_runs, run_checks

LABELS = ["orders"] * 12 + ["billing"] * 10 + ["rare"] * 2 + ["shipping"] * 60


@pytest.fixture
def shop(tmp_path):
    pairs = (formal_pairs(40) * 3)[: len(LABELS)]
    pairs[3] = (pairs[3][0], "hey!! sure u can do that lol 😀 np")
    project = make_project(tmp_path / "shop.ftcurate", pairs, list(LABELS))
    yield project
    project.close()


def _explode(self, ctx, progress):
    raise MemoryError("cannot allocate 17.0 GiB for an array")


def test_runner_records_the_failure_and_runs_the_rest(shop, monkeypatch):
    monkeypatch.setattr(LabelImbalanceCheck, "run", _explode)
    seen = []
    outcomes = run_checks(shop, ["label_imbalance", "tone", "hygiene"], on_outcome=seen.append)
    assert [o.name for o in outcomes] == ["label_imbalance", "tone", "hygiene"]
    assert [o.name for o in seen] == ["label_imbalance", "tone", "hygiene"]
    bad = outcomes[0]
    assert not bad.ok and bad.error == "MemoryError: cannot allocate 17.0 GiB for an array"
    assert outcomes[1].ok and outcomes[2].ok
    runs = check_runs(shop)
    assert runs["label_imbalance"]["ok"] is False and "MemoryError" in runs["label_imbalance"]["error"]
    assert runs["tone"]["ok"] and runs["hygiene"]["ok"]
    checks = set(shop.flags_frame()["check"].to_list())
    assert "tone" in checks and "label_imbalance" not in checks


def test_a_failed_check_keeps_its_last_good_flags(shop, monkeypatch):
    run_checks(shop, ["label_imbalance"])
    before = shop.flags_frame().filter(shop.flags_frame()["check"] == "label_imbalance").height
    assert before > 0
    monkeypatch.setattr(LabelImbalanceCheck, "run", _explode)
    run_checks(shop, ["label_imbalance"])
    assert shop.flags_frame().filter(shop.flags_frame()["check"] == "label_imbalance").height == before


def test_cli_prints_the_failure_runs_the_others_and_exits_1(shop, monkeypatch, capsys):
    path = str(shop.path)
    shop.close()
    monkeypatch.setattr(LabelImbalanceCheck, "run", _explode)
    code = main(["check", path, "--only", "label_imbalance,tone,hygiene", "--json"])
    captured = capsys.readouterr()
    lines = [json.loads(x) for x in captured.out.strip().splitlines()]
    assert code == 1
    assert [x["check"] for x in lines] == ["label_imbalance", "tone", "hygiene"]
    assert lines[0]["ok"] is False and "MemoryError" in lines[0]["error"]
    assert lines[1]["ok"] and lines[2]["ok"]
    assert "check label_imbalance failed (MemoryError: cannot allocate" in captured.err
    assert "Traceback" not in captured.err
