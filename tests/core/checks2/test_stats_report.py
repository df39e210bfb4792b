"""project_stats, health_data, the HTML report and the `report`/`stats` CLI on a planted project."""

from __future__ import annotations

import json
import re

import pytest
from health_fixtures import formal_pairs, make_project

from ftcurate.cli import main
from ftcurate.core.checks.runner import run_checks
from ftcurate.core.report import health_data, write_report
from ftcurate.core.report.svg import COLORS
from ftcurate.core.stats import project_stats

LABELS = ["orders"] * 12 + ["billing"] * 10 + ["returns"] * 11 + ["rare"] * 2 + ["shipping"] * 60


@pytest.fixture
def shop(tmp_path):
    pairs = (formal_pairs(40) * 3)[: len(LABELS)]
    pairs[3] = (pairs[3][0], "hey!! sure u can do that lol 😀 np")
    pairs[5] = (pairs[5][0], "Your order {{Order Number}} ships to")
    labels = list(LABELS)
    labels[-1] = None
    project = make_project(tmp_path / "shop.ftcurate", pairs, labels)
    run_checks(project, ["label_imbalance", "tone", "hygiene"],
               config={"hygiene": {"kinds": ["empty", "short", "truncated", "placeholder", "markup", "boilerplate"]}})
    yield project
    project.close()


def test_project_stats_contract(shop):
    s = project_stats(shop)
    assert s["examples"] == len(LABELS)
    assert s["labels"] == {"shipping": 59, "orders": 12, "returns": 11, "billing": 10, "rare": 2}
    assert s["unlabelled"] == 1 and s["status"] == {"unreviewed": len(LABELS)}
    imb = s["label_imbalance"]
    assert imb["under"] == ["rare"] and imb["over"] == ["shipping"] and imb["ratio"] == 29.5
    assert 0 < imb["entropy"] < 1
    flags = shop.flags_frame()
    assert s["flags"] == {c: int((flags["check"] == c).sum()) for c in set(flags["check"].to_list())}
    assert s["flags"]["label_imbalance"] == 61 and s["flags"]["tone"] >= 1 and s["flags"]["hygiene"] >= 2
    assert set(s["behaviours"]["overall"]) == {"refusal", "apology", "escalation"}
    assert s["suggested_caps"] == {"shipping": 22}


def test_health_data_reports_a_total_for_each_step(shop):
    """The app shows a percentage and time left while health data is computed: every update after
    the first has a known total, and the last one is complete."""
    from ftcurate.core.progress import Progress

    class Recorder(Progress):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[tuple[int, int | None, str]] = []

        def _changed(self) -> None:
            self.seen.append((self.done, self.total, self.status))

    rec = Recorder()
    health_data(shop, rec)
    assert rec.seen and all(total for _done, total, _status in rec.seen[1:])
    assert rec.seen[-1][0] == rec.seen[-1][1] == 4
    assert {s for _d, _t, s in rec.seen} >= {"Health: counting", "Health: tone map"}


def test_health_data_shapes(shop):
    data = health_data(shop)
    points = data.tone_map.points
    assert len(points) == len(LABELS)
    assert {p.example_id for p in points if p.flagged} >= {4}
    assert all(isinstance(p.x, float) and isinstance(p.y, float) for p in points)
    assert data.tone_map.x_label
    assert sum(data.lengths.output_bins) == len(LABELS)
    assert data.flags["label_imbalance"] == 61
    assert data.labels.under == ["rare"] and "a third of the median" in data.labels.rule
    scores = {k: vars(v) for k, v in data.scores.items()}
    assert set(scores) == {"representative", "correct", "consistent", "diverse", "complete", "balanced",
                           "privacy_reviewed"}
    assert scores["privacy_reviewed"]["score"] is None and "run the PII check" in scores["privacy_reviewed"]["how_to_raise"]
    assert scores["diverse"]["score"] is None
    for name in ("representative", "correct", "consistent", "complete", "balanced"):
        assert 0 <= scores[name]["score"] < 100 and scores[name]["actions"], name
    assert "'rare'" in scores["balanced"]["how_to_raise"] and "'shipping' at 22" in scores["balanced"]["how_to_raise"]
    assert "leftover placeholders" in scores["correct"]["how_to_raise"]
    assert "label 1 unlabelled" in scores["complete"]["how_to_raise"]


def test_resolving_flags_raises_the_scores(shop):
    from ftcurate.core.commands import SetFlagStateCommand

    before = health_data(shop).scores["consistent"].score
    tone_ids = [int(i) for i in shop.flags_frame().filter(check="tone")["id"].to_list()]
    shop.apply(SetFlagStateCommand(tone_ids, "resolved"))
    assert health_data(shop).scores["consistent"].score > before


def test_write_report_is_one_self_contained_page(shop, tmp_path):
    out = write_report(shop, tmp_path / "health.html")
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") >= 4
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|<img[^>]+src=\"http", page)
    assert "javascript" not in page.lower()
    assert f'fill="{COLORS["under"]}"' in page and f'fill="{COLORS["over"]}"' in page
    assert "Privacy reviewed" in page and "run the PII check" in page
    embedded = re.search(r'<script type="application/json" id="health-data">(.*?)</script>', page, re.S).group(1)
    data = json.loads(embedded.replace("<\\/", "</"))
    assert data["stats"]["labels"]["rare"] == 2
    # the rule in plain words, with this project's numbers (median 11: 3 or fewer is under-represented)
    assert "under-represented when it has a third of the median label size or fewer" in page
    assert "3 or fewer" in page


def test_cli_report_and_stats(shop, tmp_path, capsys):
    path = str(shop.path)
    shop.close()
    out = tmp_path / "r.html"
    assert main(["report", path, str(out), "--json", "-q"]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["report"] == str(out) and out.stat().st_size == line["bytes"]
    assert main(["report", path, str(tmp_path / "nowhere" / "r.html"), "-q"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["stats", path, "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["label_imbalance"]["under"] == ["rare"] and stats["labels"]["orders"] == 12
    assert "a third of the median" in stats["label_imbalance"]["rule"]
