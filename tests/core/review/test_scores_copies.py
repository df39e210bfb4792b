"""Health scores at scale: extra copies do not count as representative examples; any empty answer
keeps Complete below 100 (issue 15)."""

from __future__ import annotations

import polars as pl

from ftcurate.core.report.scores import quality_scores
from ftcurate.core.view import FLAG_COLUMNS

N = 20_000


def _frame():
    return pl.DataFrame({"id": list(range(1, N + 1)), "status": ["unreviewed"] * N,
                         "label": [f"l{i % 10}" for i in range(N)], "output": ["An answer."] * N})


def _flags(rows):
    return pl.DataFrame(rows, schema=FLAG_COLUMNS, orient="row")


def test_copies_lower_representative():
    runs = {"exact_duplicate": {"ok": True}, "hygiene": {"ok": True}}
    stats = {"labels": {f"l{i}": N // 10 for i in range(10)}}
    clean = quality_scores(stats, _frame(), _flags([]), runs)["representative"]["score"]
    dup = _flags([(i, i, "exact_duplicate", None, None, None, "exact", "medium", "same", 1, 1.0, None, "open")
                  for i in range(1, N - 9)])
    copied = quality_scores(stats, _frame(), dup, runs)["representative"]
    assert clean == 100 and copied["score"] < 80 and "extra copies" in copied["detail"]


def test_empty_answers_keep_complete_below_100():
    runs = {"hygiene": {"ok": True}}
    stats = {"labels": {f"l{i}": N // 10 for i in range(10)}}
    empty = _flags([(i, i, "hygiene", None, None, None, "empty", "high", "empty answer", None, None, None, "open")
                    for i in range(1, 21)])
    assert quality_scores(stats, _frame(), _flags([]), runs)["complete"]["score"] == 100
    assert quality_scores(stats, _frame(), empty, runs)["complete"]["score"] <= 95
