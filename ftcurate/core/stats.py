"""Dataset statistics for `ftcurate stats`, the report and the GUI.

`project_stats(project)` is cheap (no models): counts from the columnar view and the flags table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from ftcurate.core.checks.imbalance import (
    LabelImbalanceCheck,
    behaviour_stats,
    imbalance_rule,
    label_column,
    label_stats,
    suggested_caps,
)

if TYPE_CHECKING:
    from ftcurate.core.store import Project

STATS_COLUMNS = ["id", "source", "label", "status", "input", "output", "metadata"]


def _imbalance_config(project: Project) -> dict[str, Any]:
    cfg = dict(LabelImbalanceCheck.defaults)
    cfg.update((project.get_setting("checks", {}) or {}).get(LabelImbalanceCheck.name, {}) or {})
    return cfg


def word_lengths(texts: pl.Series) -> pl.Series:
    """Words per text (whitespace-separated), nulls as 0."""
    return texts.fill_null("").str.split(" ").list.eval(pl.element().filter(pl.element() != "")).list.len()


def _describe(values: pl.Series) -> dict[str, Any]:
    if values.len() == 0:
        return {"min": None, "median": None, "p90": None, "max": None, "mean": None}
    return {"min": int(values.min()), "median": float(values.median()), "p90": float(values.quantile(0.9)),
            "max": int(values.max()), "mean": round(float(values.mean()), 2)}


def flag_counts(flags: pl.DataFrame) -> dict[str, Any]:
    """{"open": {check: n}, "all": {check: n}, "states": {state: n}, "severity": {severity: open n},
    "examples": {check: examples with an open flag}}."""
    if flags.is_empty():
        return {"open": {}, "all": {}, "states": {}, "severity": {}, "examples": {}}
    open_ = flags.filter(pl.col("state") == "open")

    def counts(df: pl.DataFrame, col: str) -> dict[str, int]:
        vc = df[col].value_counts(sort=True)
        return {str(k): int(v) for k, v in zip(vc[col].to_list(), vc["count"].to_list(), strict=True)}

    ex = open_.group_by("check").agg(pl.col("example_id").n_unique().alias("n")).sort("check")
    return {"open": counts(open_, "check"), "all": counts(flags, "check"), "states": counts(flags, "state"),
            "severity": counts(open_, "severity"),
            "examples": dict(zip(ex["check"].to_list(), [int(n) for n in ex["n"].to_list()], strict=True))}


def project_stats(project: Project) -> dict[str, Any]:
    """Counts and balance figures for a project.

    Returns:
        {"examples": n, "labels": {label: count} (largest first), "unlabelled": n,
         "status": {status: n}, "sources": {source: n}, "flags": {check: open flags},
         "flags_all": {check: flags in any state}, "flag_states": {state: n},
         "flag_severity": {severity: open flags}, "flagged_examples": {check: examples with an open flag},
         "label_imbalance": {"ratio", "entropy", "under", "over", "median", "by", "rule"} (rule: the
         under/over-represented rule in plain words, with this project's numbers),
         "behaviours": {"overall", "counts", "per_label", "outputs"}, "suggested_caps": {label: cap},
         "lengths": {"input_words": {...}, "output_words": {...}}}
        `flags` counts open flags only: ignored and resolved ones no longer ask for work.
    """
    frame = project.examples_frame(STATS_COLUMNS)
    cfg = _imbalance_config(project)
    labels = label_column(frame, cfg["by"]).cast(pl.Utf8)
    ls = label_stats(labels, cfg["under_factor"], cfg["over_factor"])
    fc = flag_counts(project.flags_frame())

    def vc(col: str) -> dict[str, int]:
        if frame.is_empty():
            return {}
        v = frame[col].fill_null("(none)").value_counts(sort=True)
        return {str(k): int(n) for k, n in zip(v[col].to_list(), v["count"].to_list(), strict=True)}

    return {
        "examples": len(frame),
        "labels": ls["labels"],
        "unlabelled": ls["unlabelled"],
        "status": vc("status"),
        "sources": vc("source"),
        "flags": fc["open"],
        "flags_all": fc["all"],
        "flag_states": fc["states"],
        "flag_severity": fc["severity"],
        "flagged_examples": fc["examples"],
        "label_imbalance": {"ratio": ls["ratio"], "entropy": ls["entropy"], "under": ls["under"],
                            "over": ls["over"], "median": ls["median"], "by": cfg["by"],
                            "rule": imbalance_rule(ls["median"], cfg["under_factor"], cfg["over_factor"],
                                                   cfg["by"])},
        "behaviours": behaviour_stats(frame, labels),
        "suggested_caps": suggested_caps(frame, cfg),
        "lengths": {"input_words": _describe(word_lengths(frame["input"])),
                    "output_words": _describe(word_lengths(frame["output"]))},
    }
