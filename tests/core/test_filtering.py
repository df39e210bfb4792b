"""Filtering and sorting the examples view as index arrays (no Qt)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ftcurate.core.errors import ConfigError
from ftcurate.core.filtering import NO_LABEL, FilterSpec, facets, filter_positions, flag_summary
from ftcurate.core.view import FLAG_COLUMNS


@pytest.fixture
def frame() -> pl.DataFrame:
    # deliberately not in id order in the middle, to prove positions are rows, not ids
    return pl.DataFrame({
        "id": [1, 2, 3, 4, 5, 6],
        "source": ["a.csv", "a.csv", "b.html", "b.html", None, "a.csv"],
        "label": ["shipping", "returns", None, "Shipping", "returns", "billing"],
        "status": ["unreviewed", "approved", "rejected", "unreviewed", "approved", "unreviewed"],
        "input": ["Where is my ORDER?", "Can I return it?", "Call me on 0123", "order status (urgent)",
                  "Refund please", "Charged twice"],
        "output": ["It ships Monday.", "Yes within 30 days.", "Sure.", "It left today.", "Done.",
                   "We refunded the order."],
    })


def _flags(rows: list[tuple]) -> pl.DataFrame:
    cols = list(FLAG_COLUMNS)
    data = [dict(zip(cols, (i + 1, eid, check, None, None, None, None, sev, "m", cluster, None, None, state),
                     strict=True))
            for i, (eid, check, sev, state, cluster) in enumerate(rows)]
    return pl.DataFrame(data, schema=FLAG_COLUMNS)


@pytest.fixture
def flags() -> pl.DataFrame:
    return _flags([
        (3, "pii", "high", "open", None),
        (3, "tone", "low", "open", None),
        (1, "pii", "low", "open", None),
        (4, "duplicates", "medium", "open", 7),
        (6, "duplicates", "medium", "open", 7),
        (5, "pii", "high", "ignored", None),  # ignored: never counts
    ])


def ids(frame, result):
    return frame["id"].to_numpy()[result.positions].tolist()


def test_text_plain_is_case_insensitive_and_literal(frame, flags):
    r = filter_positions(frame, flags, FilterSpec(text="order"))
    assert ids(frame, r) == [1, 4, 6]
    # regex metacharacters are literal in plain mode
    assert ids(frame, filter_positions(frame, flags, FilterSpec(text="(urgent)"))) == [4]
    assert ids(frame, filter_positions(frame, flags, FilterSpec(text="SHIPPING"))) == [1, 4]  # label too


def test_regex_and_invalid_regex(frame, flags):
    assert ids(frame, filter_positions(frame, flags, FilterSpec(text=r"^(can|call) ", regex=True))) == [2, 3]
    with pytest.raises(ConfigError, match="invalid regular expression"):
        filter_positions(frame, flags, FilterSpec(text="order(", regex=True))


def test_hash_id_jumps_to_one_example(frame, flags):
    assert ids(frame, filter_positions(frame, flags, FilterSpec(text="#5"))) == [5]


def test_label_status_source(frame, flags):
    f = lambda **kw: ids(frame, filter_positions(frame, flags, FilterSpec(**kw)))  # noqa: E731
    assert f(labels=["returns"]) == [2, 5]
    assert f(labels=[NO_LABEL]) == [3]
    assert f(labels=[NO_LABEL, "billing"]) == [3, 6]
    assert f(statuses=["approved"]) == [2, 5]
    assert f(sources=["b.html"]) == [3, 4]
    assert f(statuses=["unreviewed"], sources=["a.csv"]) == [1, 6]


def test_check_and_severity_use_open_flags_of_the_same_flag(frame, flags):
    f = lambda **kw: ids(frame, filter_positions(frame, flags, FilterSpec(**kw)))  # noqa: E731
    assert f(checks=["pii"]) == [1, 3]  # 5's pii flag is ignored
    assert f(checks=["pii"], severities=["high"]) == [3]
    assert f(checks=["tone"], severities=["high"]) == []  # 3 has tone (low) and pii (high): not the same flag
    assert f(severities=["medium"]) == [4, 6]
    assert f(flagged=True) == [1, 3, 4, 6]
    assert f(flagged=False) == [2, 5]


def test_sort_index_not_frame(frame, flags):
    before = frame.clone()
    r = filter_positions(frame, flags, FilterSpec(sort_by="label"))
    assert ids(frame, r) == [4, 6, 2, 5, 1, 3]  # "Shipping" < "billing" (byte order); nulls last
    r = filter_positions(frame, flags, FilterSpec(sort_by="label", descending=True))
    assert ids(frame, r) == [1, 2, 5, 6, 4, 3]  # ties keep id order; nulls still last
    r = filter_positions(frame, flags, FilterSpec(sort_by="flags", descending=True))
    assert ids(frame, r)[:1] == [3] and ids(frame, r)[-2:] == [2, 5]
    r = filter_positions(frame, flags, FilterSpec(sort_by="severity", descending=True, statuses=["unreviewed"]))
    assert ids(frame, r) == [4, 6, 1]
    assert ids(frame, filter_positions(frame, flags, FilterSpec(descending=True))) == [6, 5, 4, 3, 2, 1]
    assert frame.equals(before)
    assert isinstance(r.positions, np.ndarray) and r.positions.dtype == np.int64
    with pytest.raises(ConfigError):
        filter_positions(frame, flags, FilterSpec(sort_by="nope"))


def test_counts_and_totals(frame, flags):
    r = filter_positions(frame, flags, FilterSpec(text="order"))
    assert r.total == 6 and r.shown == 3
    assert r.counts == {"unreviewed": 3}


def test_flag_summary_and_facets(frame, flags):
    s = flag_summary(flags)
    rows = {r["example_id"]: r for r in s.iter_rows(named=True)}
    assert set(rows) == {1, 3, 4, 6}
    assert rows[3]["n_flags"] == 2 and rows[3]["checks"] == ["pii", "tone"] and rows[3]["check_ranks"] == [4, 2]
    assert rows[3]["severity_rank"] == 4
    assert flag_summary(flags.clear()).height == 0
    fc = facets(frame, flags)
    assert dict(fc["labels"])[NO_LABEL] == 1
    assert dict(fc["checks"]) == {"pii": 2, "duplicates": 2, "tone": 1}
    assert dict(fc["statuses"]) == {"unreviewed": 3, "approved": 2, "rejected": 1}
    assert fc["flagged"] == [("any", 4)]


def test_facets_count_examples_not_flags(frame):
    """Three PII findings on one example and one on another: two examples with PII."""
    flags = _flags([(3, "pii", "high", "open", None), (3, "pii", "high", "open", None),
                    (3, "pii", "low", "open", None), (1, "pii", "low", "open", None),
                    (2, "pii", "low", "resolved", None)])
    fc = facets(frame, flags)
    assert fc["checks"] == [("pii", 2)]
    assert dict(fc["severities"]) == {"low": 2, "high": 1}
    assert fc["flagged"] == [("any", 2)]
