"""Filter and sort the examples view without touching the frame: results are row-position arrays.

The GUI table shows `frame[positions]`; sorting a 1M-row frame of strings moves hundreds of MB, while
sorting an index over one key column is cheap, so everything here returns positions (numpy int64)
into the frame as given. Flag-based criteria use only *open* flags. No Qt here: the GUI runs these
functions on a worker thread and keeps the latest result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from ftcurate.core.checks.base import SEVERITIES
from ftcurate.core.errors import ConfigError

NO_LABEL = "(no label)"
SEVERITY_RANK = {s: i + 1 for i, s in enumerate(SEVERITIES)}  # info 1 .. high 4; no flag 0
SORT_KEYS = ("id", "status", "label", "input", "output", "source", "flags", "severity", "updated_at")

_SUMMARY_SCHEMA = {"example_id": pl.Int64, "n_flags": pl.UInt32, "checks": pl.List(pl.Utf8),
                   "check_ranks": pl.List(pl.Int8), "severity_rank": pl.Int8}


@dataclass
class FilterSpec:
    """What to show. Empty lists / None mean "any".

    text: searched in input and output (and label), case-insensitive; `#123` matches example 123.
    regex: treat `text` as a regular expression (Rust regex syntax, as polars uses).
    labels: label values; `NO_LABEL` selects examples without one.
    checks / severities: examples with at least one open flag of one of these checks and severities
        (both given: the same flag must match both). `flagged`: True = any open flag, False = none.
    sort_by: one of SORT_KEYS (None = id order); `descending` reverses it.
    """

    text: str = ""
    regex: bool = False
    labels: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    severities: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    flagged: bool | None = None
    sort_by: str | None = None
    descending: bool = False


@dataclass
class FilterResult:
    """positions: rows of the frame to show, in display order. counts: status -> count among them."""

    positions: np.ndarray
    total: int
    counts: dict[str, int]

    @property
    def shown(self) -> int:
        return len(self.positions)


def flag_summary(flags: pl.DataFrame) -> pl.DataFrame:
    """Open flags per example, ordered by example_id: n_flags, checks (sorted), check_ranks (worst
    severity rank per check, aligned with checks), severity_rank (worst overall; see SEVERITY_RANK)."""
    open_ = flags.filter(pl.col("state") == "open")
    if open_.height == 0:
        return pl.DataFrame(schema=_SUMMARY_SCHEMA)
    rank = pl.col("severity").replace_strict(SEVERITY_RANK, default=0, return_dtype=pl.Int8)
    per_check = (open_.group_by("example_id", "check")
                 .agg(pl.len().alias("n"), rank.max().alias("rank"))
                 .sort("example_id", "check"))
    return (per_check.group_by("example_id", maintain_order=True)
            .agg(pl.col("n").sum().cast(pl.UInt32).alias("n_flags"), pl.col("check").alias("checks"),
                 pl.col("rank").alias("check_ranks"), pl.col("rank").max().alias("severity_rank")))


def text_predicate(text: str, regex: bool) -> pl.Expr | None:
    """A polars predicate for the search box, or None when it is empty. Bad regex -> ConfigError."""
    text = text.strip()
    if not text:
        return None
    m = re.fullmatch(r"#(\d+)", text)
    if m and not regex:
        return pl.col("id") == int(m.group(1))
    if regex:
        try:
            re.compile(text)
        except re.error as exc:
            raise ConfigError(f"invalid regular expression {text!r}: {exc}") from exc
        pattern = f"(?i){text}"
    else:
        pattern = f"(?i){re.escape(text)}"
    try:
        pred = (pl.col("input").str.contains(pattern) | pl.col("output").str.contains(pattern)
                | pl.col("label").fill_null("").str.contains(pattern))
        pl.DataFrame({"input": ["x"], "output": ["x"], "label": ["x"]}).filter(pred)  # validate syntax
    except pl.exceptions.ComputeError as exc:
        raise ConfigError(f"invalid regular expression {text!r}: {exc}") from exc
    return pred


def _flag_ids(flags: pl.DataFrame, checks: list[str], severities: list[str]) -> pl.Series:
    sel = flags.filter(pl.col("state") == "open")
    if checks:
        sel = sel.filter(pl.col("check").is_in(checks))
    if severities:
        sel = sel.filter(pl.col("severity").is_in(severities))
    return sel.get_column("example_id").unique()


def filter_positions(frame: pl.DataFrame, flags: pl.DataFrame, spec: FilterSpec,
                     summary: pl.DataFrame | None = None) -> FilterResult:
    """Apply `spec` to `frame` (the examples view) and return the matching row positions, sorted.

    `flags` is the flags view; `summary` (from `flag_summary(flags)`) is computed when needed and not
    given. Raises ConfigError for an invalid regex or sort key.
    """
    if spec.sort_by is not None and spec.sort_by not in SORT_KEYS:
        raise ConfigError(f"unknown sort column {spec.sort_by!r}; expected one of {', '.join(SORT_KEYS)}")
    preds: list[pl.Expr] = []
    tp = text_predicate(spec.text, spec.regex)
    if tp is not None:
        preds.append(tp)
    if spec.labels:
        named = [x for x in spec.labels if x != NO_LABEL]
        p = pl.col("label").is_in(named)
        if NO_LABEL in spec.labels:
            p = p | pl.col("label").is_null()
        preds.append(p.fill_null(False))
    if spec.statuses:
        preds.append(pl.col("status").is_in(spec.statuses))
    if spec.sources:
        preds.append(pl.col("source").is_in(spec.sources).fill_null(False))
    if spec.checks or spec.severities:
        preds.append(pl.col("id").is_in(_flag_ids(flags, spec.checks, spec.severities).implode()))
    if spec.flagged is not None:
        ids = flags.filter(pl.col("state") == "open").get_column("example_id").unique()
        p = pl.col("id").is_in(ids.implode())
        preds.append(p if spec.flagged else ~p)

    needed = {"id", "status"}
    if tp is not None:
        needed.update(("input", "output", "label"))
    if spec.labels:
        needed.add("label")
    if spec.sources:
        needed.add("source")
    if spec.sort_by and spec.sort_by not in ("flags", "severity"):
        needed.add(spec.sort_by)
    cols = [c for c in frame.columns if c in needed]
    base = frame.select(cols).with_row_index("_pos")
    if preds:
        base = base.filter(pl.all_horizontal(preds))
    if spec.sort_by in ("flags", "severity"):
        summary = flag_summary(flags) if summary is None else summary
        key = "n_flags" if spec.sort_by == "flags" else "severity_rank"
        base = base.join(summary.select("example_id", key), left_on="id", right_on="example_id",
                         how="left", maintain_order="left")
        base = base.sort([key, "_pos"], descending=[spec.descending, False], nulls_last=True)
    elif spec.sort_by and spec.sort_by != "id":
        base = base.sort([spec.sort_by, "_pos"], descending=[spec.descending, False], nulls_last=True)
    elif spec.descending:
        base = base.reverse()
    counts = dict(base.group_by("status").len().iter_rows())
    positions = base.get_column("_pos").to_numpy().astype(np.int64, copy=False)
    return FilterResult(positions=positions, total=frame.height, counts=counts)


def facets(frame: pl.DataFrame, flags: pl.DataFrame) -> dict[str, list[tuple[str, int]]]:
    """Values offered by the filter widgets with their counts, most frequent first: labels, statuses,
    sources (examples each), checks and severities (examples with at least one open flag of that
    check / severity: one example with three PII findings counts once), and "flagged": one entry
    ("any", examples with any open flag). Cheap enough for the GUI thread at 100k examples, but the
    app computes it with the views on its loading thread."""
    def counts(series: pl.Series, null_name: str | None = None) -> list[tuple[str, int]]:
        vc = series.value_counts(sort=True)
        out = []
        for value, n in vc.iter_rows():
            if value is None:
                if null_name is None:
                    continue
                value = null_name
            out.append((str(value), int(n)))
        return out

    def examples_per(open_: pl.DataFrame, key: str) -> list[tuple[str, int]]:
        if not open_.height:
            return []
        per = open_.group_by(key).agg(pl.col("example_id").n_unique().alias("n"))
        return sorted(((str(k), int(n)) for k, n in per.iter_rows()), key=lambda x: (-x[1], x[0]))

    open_ = flags.filter(pl.col("state") == "open")
    return {
        "labels": counts(frame.get_column("label"), NO_LABEL) if "label" in frame.columns else [],
        "statuses": counts(frame.get_column("status")) if "status" in frame.columns else [],
        "sources": counts(frame.get_column("source")) if "source" in frame.columns else [],
        "checks": examples_per(open_, "check"),
        "severities": examples_per(open_, "severity"),
        "flagged": [("any", open_.get_column("example_id").n_unique() if open_.height else 0)],
    }
