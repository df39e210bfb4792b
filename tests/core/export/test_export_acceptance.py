"""Acceptance on real data (../shared/data): Bitext support pairs with intents + ABCD conversations,
real exact / near-duplicate checks, then an export that must not leak and must validate."""

from __future__ import annotations

import json
from collections import Counter

import polars as pl
import pytest

from ftcurate.core.checks.runner import run_checks
from ftcurate.core.export import export_project, validate_path
from ftcurate.core.importers.base import ImportOptions
from ftcurate.core.importing import import_file
from ftcurate.core.records import Example, pair_to_messages
from ftcurate.core.store import Project

pytestmark = pytest.mark.shared


def test_real_duplicates_and_conversations_stay_in_one_split(shared_data, tmp_path):
    project = Project.create(tmp_path / "real.ftcurate")
    import_file(project, shared_data / "abcd_sample" / "abcd_sample.json", ImportOptions(context="full"))
    bitext = pl.read_csv(shared_data / "bitext_cs" / "Bitext_Sample_Customer_Support_Training_Dataset.csv",
                         infer_schema=False).head(1200)
    project.add_examples([Example(pair_to_messages(q, a), label=intent)
                          for q, a, intent in bitext.select("instruction", "response", "intent").iter_rows()])
    outcomes = run_checks(project, ["exact_duplicate", "near_duplicate"])
    assert all(o.ok for o in outcomes)
    flags = project.flags_frame()
    clusters = flags.filter(pl.col("cluster").is_not_null())
    assert clusters.height > 50  # Bitext is full of templated near-copies

    # real support logs hold e-mail addresses and phone numbers; this test is about the split
    report = export_project(project, tmp_path / "out", test_fraction=0.2, seed=0, allow_pii=True)
    where = {i: s for s in ("train", "test") for i in project.get_split(s)}
    for (_, _), members in clusters.group_by(["check", "cluster"]):
        assert len({where[i] for i in members["example_id"].to_list()}) == 1
    frame = project.examples_frame(["id", "conversation", "label"])
    for (conv,), members in frame.filter(pl.col("conversation").is_not_null()).group_by(["conversation"]):
        assert len({where[i] for i in members["id"].to_list()}) == 1, conv
    # stratified: every intent's test share close to 20 %
    labels = dict(zip(frame["id"].to_list(), frame["label"].to_list(), strict=True))
    totals, test = Counter(labels.values()), Counter(labels[i] for i in project.get_split("test"))
    for lab, n in totals.items():
        if n >= 20:
            assert abs(test[lab] / n - 0.2) < 0.1, (lab, test[lab], n)
    assert report.validation["ok"] and validate_path(tmp_path / "out").ok
    first = json.loads((tmp_path / "out" / "train.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["messages"][-1]["role"] == "assistant"
    project.close()
