"""Label imbalance: counts, ratio, entropy, under/over relative to the median, behaviours, caps."""

from __future__ import annotations

import json

import polars as pl
import pytest
from health_fixtures import formal_pairs, frame_of

from ftcurate.core.checks.base import CheckContext
from ftcurate.core.checks.imbalance import LabelImbalanceCheck, behaviour_stats, label_stats, suggested_caps
from ftcurate.core.errors import ConfigError
from ftcurate.core.progress import Progress


def labelled_frame(sizes: dict[str, int], extra_unlabelled: int = 0) -> pl.DataFrame:
    labels: list[str | None] = [lab for lab, n in sizes.items() for _ in range(n)] + [None] * extra_unlabelled
    pairs = (formal_pairs(10) * (len(labels) // 10 + 1))[: len(labels)]
    return frame_of(pairs, labels)


def test_under_and_over_relative_to_the_median():
    s = label_stats(pl.Series("label", ["a"] * 100 + ["b"] * 90 + ["c"] * 110 + ["d"] * 10 + ["e"] * 1000))
    assert s["median"] == 100
    assert s["under"] == ["d"] and s["over"] == ["e"]
    assert s["ratio"] == 100.0
    assert 0 < s["entropy"] < 0.8
    assert list(s["labels"]) == ["e", "c", "a", "b", "d"]  # largest first


def test_works_the_same_with_500_labels():
    values = []
    for i in range(500):
        values += [f"intent_{i:03d}"] * (20 + i % 5)
    values += ["rare"] * 2 + ["huge"] * 400
    s = label_stats(pl.Series("label", values))
    assert s["under"] == ["rare"] and s["over"] == ["huge"]
    assert s["entropy"] > 0.95


def test_even_labels_have_entropy_one_and_no_outliers():
    s = label_stats(pl.Series("label", ["x", "y", "z"] * 50))
    assert s["entropy"] == 1.0 and s["ratio"] == 1.0 and s["under"] == [] and s["over"] == []


def test_unlabelled_counted_and_single_label_has_no_ratio():
    s = label_stats(pl.Series("label", ["a"] * 5 + [None] * 3 + ["  "], dtype=pl.Utf8))
    assert s["unlabelled"] == 4 and s["labels"] == {"a": 5}
    assert s["ratio"] is None and s["entropy"] is None


def test_check_flags_examples_of_imbalanced_labels():
    frame = labelled_frame({"a": 30, "b": 30, "c": 30, "tiny": 3, "big": 200}, extra_unlabelled=2)
    res = LabelImbalanceCheck().run(CheckContext(frame=frame), Progress())
    by_kind: dict[str, set[int]] = {}
    for f in res.flags:
        by_kind.setdefault(f.kind, set()).add(f.example_id)
    labels = dict(zip(frame["id"].to_list(), frame["label"].to_list(), strict=True))
    assert {labels[i] for i in by_kind["under"]} == {"tiny"} and len(by_kind["under"]) == 3
    assert {labels[i] for i in by_kind["over"]} == {"big"} and len(by_kind["over"]) == 200
    under = next(f for f in res.flags if f.kind == "under")
    assert "'tiny'" in under.message and "3 examples" in under.message
    over = next(f for f in res.flags if f.kind == "over")
    assert "capping it at 60" in over.message  # 2 x median (30)
    assert res.summary.details["unlabelled"] == 2 and res.summary.details["suggested_caps"] == {"big": 60}


def test_suggested_caps_only_for_over_represented_labels():
    frame = labelled_frame({"a": 40, "b": 50, "c": 45, "d": 45, "big": 400})
    assert suggested_caps(frame) == {"big": 90}
    assert suggested_caps(frame, {"cap_factor": 3}) == {"big": 135}
    assert suggested_caps(labelled_frame({"a": 40, "b": 50})) == {}


def test_group_by_metadata_key_and_bad_config():
    frame = labelled_frame({"a": 10, "b": 10, "c": 10, "d": 1}).with_columns(
        pl.col("label").map_elements(lambda v: json.dumps({"category": v.upper()}), return_dtype=pl.Utf8)
        .alias("metadata"))
    res = LabelImbalanceCheck().run(CheckContext(frame=frame, config={"by": "metadata.category"}), Progress())
    assert res.summary.details["under"] == ["D"]
    with pytest.raises(ConfigError):
        LabelImbalanceCheck().validate_config({"by": "colour"})
    with pytest.raises(ConfigError):
        LabelImbalanceCheck().validate_config({"over_factor": 0.5})


def test_behaviour_shares_overall_and_per_label():
    pairs = [("q", "I'm sorry, but I cannot help with that request."),
             ("q", "We apologize for the delay. I will transfer you to a human agent."),
             ("q", "Your order ships tomorrow."),
             ("q", "Your refund was issued today.")]
    frame = frame_of(pairs, ["refunds", "refunds", "orders", "orders"])
    b = behaviour_stats(frame, frame["label"])
    assert b["counts"] == {"refusal": 1, "apology": 2, "escalation": 1}
    assert b["overall"]["apology"] == 0.5
    assert b["per_label"]["refunds"] == {"refusal": 0.5, "apology": 1.0, "escalation": 0.5}
    assert b["per_label"]["orders"] == {"refusal": 0.0, "apology": 0.0, "escalation": 0.0}


def test_a_third_of_the_median_is_under_represented_150_intents():
    # 150 intents, 30 at each of 25 / 50 / 75 / 100 (and 30 more at 75): median 75, a third is 25.
    sizes = {f"intent_{i:03d}": (25, 50, 75, 75, 100)[i % 5] for i in range(150)}
    s = label_stats(pl.Series("label", [lab for lab, n in sizes.items() for _ in range(n)]))
    assert s["median"] == 75
    assert sorted(s["under"]) == sorted(lab for lab, n in sizes.items() if n == 25) and len(s["under"]) == 30
    assert s["over"] == []
    assert "a third of the median" in s["rule"] and "25 or fewer" in s["rule"] and "226 or more" in s["rule"]


def test_just_above_a_third_is_not_under_represented():
    s = label_stats(pl.Series("label", ["a"] * 26 + ["b"] * 75 + ["c"] * 80))
    assert s["median"] == 75 and s["under"] == []
    s = label_stats(pl.Series("label", ["a"] * 25 + ["b"] * 75 + ["c"] * 80))
    assert s["under"] == ["a"]
