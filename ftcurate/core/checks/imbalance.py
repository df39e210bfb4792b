"""Label imbalance, the balance of behaviours the data teaches, and suggested caps per label.

Sizes are judged against the median label size, so the rule reads the same with 5 labels or 500:
a label with at most `under_factor` x median examples (a third of the median by default) is
under-represented, one with more than `over_factor` x median is over-represented. Examples of those
labels get a `label_imbalance` flag. `imbalance_rule` says the rule in plain words for stats and the
report.

Behaviours: the share of answers that refuse ("I can't help with that"), apologise, or hand over to a
human, overall and per label. A model learns these rates: a label where half the answers refuse
teaches the model to refuse that whole topic.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from ftcurate.core.checks.base import Check, CheckContext, CheckResult, CheckSummary, Flag, register_check
from ftcurate.core.errors import ConfigError
from ftcurate.core.progress import Progress

UNLABELLED = None
_EPS = 1e-9  # 1/3 x 75 is 24.999999999999996 in floating point: 25 must still count as a third


def _fraction_words(f: float) -> str:
    named = {1 / 2: "half", 1 / 3: "a third", 1 / 4: "a quarter", 1 / 5: "a fifth", 2 / 3: "two thirds"}
    for v, w in named.items():
        if abs(f - v) < 1e-6:
            return w
    return f"{f:g}x"


def under_limit(median: float, under_factor: float) -> float:
    """The largest label size still counted as under-represented (can be fractional)."""
    return under_factor * median + _EPS


def imbalance_rule(median: float | None, under_factor: float = 1 / 3, over_factor: float = 3.0,
                   by: str = "label") -> str:
    """The imbalance rule in plain words, with the numbers of this dataset when the median is known."""
    frac = _fraction_words(under_factor)
    rule = (f"A {by} is under-represented when it has {frac} of the median {by} size or fewer examples, "
            f"and over-represented when it has more than {over_factor:g} times the median.")
    if median is None:
        return rule
    low = math.floor(under_limit(median, under_factor))
    high = math.floor(over_factor * median + _EPS) + 1
    return (rule + f" Here the median is {median:g} examples, so a {by} with {low} or fewer is "
            f"under-represented and one with {high} or more is over-represented.")

BEHAVIOURS: dict[str, str] = {
    "refusal": (r"\b(?:i am|i'm|we are|we're) (?:not able|unable|not allowed|not permitted) to "
                r"(?:help|assist|provide|share|do|process|answer|discuss|give|disclose)"
                r"|\b(?:i|we) (?:cannot|can not|can't|won't|will not) (?:help|assist|provide|share|answer|discuss|"
                r"give|process|offer|disclose)"
                r"|\b(?:i|we) (?:don't|do not) (?:provide|offer|share|give|discuss|disclose)"
                r"|\b(?:i'm|i am) afraid (?:i|we) (?:can't|cannot|can not)"
                r"|\bunfortunately,? (?:i|we) (?:can't|cannot|can not|are unable|am unable|'re unable|'m unable)"),
    "apology": r"\b(?:sorry|apologi[sz]e|apologies|my bad|regret (?:any|the) inconvenience)\b",
    "escalation": (r"\b(?:transfer(?:ring)? you|connect(?:ing)? you (?:with|to)|escalat(?:e|ed|ing)|"
                   r"(?:human|live|real) (?:agent|person|representative)|(?:a|one of our|our) "
                   r"(?:specialists?|supervisors?|managers?|representatives?|agents?) (?:will|can|to)|"
                   r"(?:contact|call|reach out to|reach) (?:our|the) (?:customer )?(?:support|service|help ?desk)"
                   r"(?: team)?|open(?:ed)? a (?:support )?ticket)"),
}


def label_column(frame: pl.DataFrame, by: str) -> pl.Series:
    """The grouping values: "label", "source", or "metadata.KEY" (a key of the metadata JSON)."""
    if by in ("label", "source"):
        if by not in frame.columns:
            return pl.Series(by, [None] * len(frame), dtype=pl.Utf8)
        return frame[by]
    if by.startswith("metadata."):
        key = by.split(".", 1)[1]
        if "metadata" not in frame.columns:
            return pl.Series(by, [None] * len(frame), dtype=pl.Utf8)
        return frame["metadata"].str.json_path_match(f"$.{key}").alias(by)
    raise ConfigError(f"label_imbalance: 'by' must be label, source or metadata.KEY, got {by!r}")


def label_stats(labels: pl.Series, under_factor: float = 1 / 3, over_factor: float = 3.0) -> dict[str, Any]:
    """Counts per label and the imbalance figures.

    Returns:
        {"labels": {label: count} (largest first), "unlabelled": int, "ratio": largest/smallest (None
        with fewer than 2 labels), "entropy": normalised Shannon entropy in [0, 1] (1 = perfectly
        even; None with fewer than 2 labels), "median": median label size, "under": [labels],
        "over": [labels]}
    """
    s = labels.cast(pl.Utf8)
    unlabelled = int(s.is_null().sum() + (s.str.strip_chars() == "").sum())
    vc = (s.filter(s.is_not_null() & (s.str.strip_chars() != "")).value_counts(sort=True)
          .sort(["count", s.name], descending=[True, False]))
    counts = dict(zip(vc[s.name].to_list(), [int(c) for c in vc["count"].to_list()], strict=True))
    out: dict[str, Any] = {"labels": counts, "unlabelled": unlabelled, "ratio": None, "entropy": None,
                           "median": None, "under": [], "over": [],
                           "rule": imbalance_rule(None, under_factor, over_factor)}
    if not counts:
        return out
    sizes = sorted(counts.values())
    mid = len(sizes) // 2
    median = float(sizes[mid]) if len(sizes) % 2 else (sizes[mid - 1] + sizes[mid]) / 2
    out["median"] = median
    out["rule"] = imbalance_rule(median, under_factor, over_factor)
    if len(counts) >= 2:
        total = sum(sizes)
        h = -sum((c / total) * math.log(c / total) for c in sizes)
        out["entropy"] = round(h / math.log(len(sizes)), 4)
        out["ratio"] = round(sizes[-1] / sizes[0], 3)
        out["under"] = [lab for lab, c in counts.items() if c <= under_limit(median, under_factor)]
        out["over"] = [lab for lab, c in counts.items() if c > over_factor * median + _EPS]
    return out


def behaviour_stats(frame: pl.DataFrame, labels: pl.Series | None = None) -> dict[str, Any]:
    """Share of outputs that refuse / apologise / escalate, overall and per label.

    Returns {"overall": {behaviour: share}, "counts": {behaviour: n}, "per_label": {label: {behaviour:
    share}}, "outputs": n}. Shares are rounded to 4 decimals; per-label entries only for labelled rows.
    """
    outputs = frame["output"].fill_null("").str.to_lowercase() if "output" in frame.columns else \
        pl.Series("output", [""] * len(frame))
    cols = {b: outputs.str.contains(rx) for b, rx in BEHAVIOURS.items()}
    df = pl.DataFrame({"label": labels if labels is not None else pl.Series([None] * len(frame), dtype=pl.Utf8),
                       **cols})
    n = len(df)
    out: dict[str, Any] = {"outputs": n,
                           "counts": {b: int(df[b].sum()) for b in BEHAVIOURS},
                           "overall": {b: round(float(df[b].mean()), 4) if n else 0.0 for b in BEHAVIOURS},
                           "per_label": {}}
    if n:
        g = (df.filter(pl.col("label").is_not_null()).group_by("label")
             .agg([pl.col(b).mean().alias(b) for b in BEHAVIOURS]).sort("label"))
        for row in g.iter_rows(named=True):
            out["per_label"][row["label"]] = {b: round(float(row[b]), 4) for b in BEHAVIOURS}
    return out


def suggested_caps(frame: pl.DataFrame, config: dict[str, Any] | None = None) -> dict[str, int]:
    """Per-label caps the exporter can apply: {label: max examples}.

    Only over-represented labels get a cap; a label absent from the result is not capped. The cap is
    `cap_factor` x the median label size (default 2x), never below `min_cap`.

    Args:
        frame: examples (needs the column named by config "by", default "label").
        config: the label_imbalance check's settings (defaults apply for missing keys).
    """
    cfg = {**LabelImbalanceCheck.defaults, **(config or {})}
    stats = label_stats(label_column(frame, cfg["by"]), cfg["under_factor"], cfg["over_factor"])
    if stats["median"] is None:
        return {}
    cap = max(int(cfg["min_cap"]), int(round(cfg["cap_factor"] * stats["median"])))
    return {lab: cap for lab in stats["over"] if stats["labels"][lab] > cap}


@register_check
class LabelImbalanceCheck(Check):
    name = "label_imbalance"
    columns = ("id", "label", "source", "metadata", "output")
    title = "Label imbalance"
    description = "Labels far smaller or larger than the typical label; refusal/apology/escalation shares."
    defaults: dict[str, Any] = {
        "by": "label",  # label | source | metadata.KEY
        "under_factor": 1 / 3,  # under-represented: this x the median label size or fewer
        "over_factor": 3.0,  # over-represented: more than this x the median label size
        "cap_factor": 2.0,  # suggested cap for over-represented labels: this x the median
        "min_cap": 10,
    }

    def validate_config(self, config: dict[str, Any]) -> None:
        by = config.get("by", "label")
        if not isinstance(by, str) or not (by in ("label", "source") or by.startswith("metadata.")):
            raise ConfigError(f"label_imbalance: 'by' must be label, source or metadata.KEY, got {by!r}")
        for key in ("under_factor", "over_factor", "cap_factor"):
            v = config.get(key, self.defaults[key])
            if not isinstance(v, int | float) or v <= 0:
                raise ConfigError(f"label_imbalance: {key} must be a positive number, got {v!r}")
        if config.get("under_factor", 1 / 3) >= 1 or config.get("over_factor", 3.0) <= 1:
            raise ConfigError("label_imbalance: under_factor must be below 1 and over_factor above 1")

    def run(self, ctx: CheckContext, progress: Progress) -> CheckResult:
        cfg = {**self.defaults, **ctx.config}
        self.validate_config(cfg)
        frame = ctx.frame
        progress.set_status("Label balance")
        labels = label_column(frame, cfg["by"])
        stats = label_stats(labels, cfg["under_factor"], cfg["over_factor"])
        behaviours = behaviour_stats(frame, labels.cast(pl.Utf8))
        caps = suggested_caps(frame, cfg)
        flags: list[Flag] = []
        median = stats["median"]
        ids = frame["id"].to_list()
        lab_list = labels.cast(pl.Utf8).to_list()
        under, over = set(stats["under"]), set(stats["over"])
        for ex_id, lab in zip(ids, lab_list, strict=True):
            if lab in under:
                n = stats["labels"][lab]
                flags.append(Flag(example_id=int(ex_id), check=self.name, severity="low", kind="under",
                                  message=f"{cfg['by']} '{lab}' has only {n} example{'s' if n != 1 else ''}: at most"
                                          f" {_fraction_words(cfg['under_factor'])} of the typical {cfg['by']}"
                                          f" ({median:g}); add more like it",
                                  score=round(n / median, 4), data={"label": lab, "count": n, "median": median}))
            elif lab in over:
                n = stats["labels"][lab]
                cap = caps.get(lab)
                tail = f"; consider capping it at {cap}" if cap else ""
                flags.append(Flag(example_id=int(ex_id), check=self.name, severity="info", kind="over",
                                  message=f"{cfg['by']} '{lab}' has {n} examples, {n / median:.1f}x the typical"
                                          f" {cfg['by']} ({median:g}){tail}",
                                  score=round(n / median, 4),
                                  data={"label": lab, "count": n, "median": median, "cap": cap}))
        progress.check_cancelled()
        summary = {**stats, "by": cfg["by"], "behaviours": behaviours, "suggested_caps": caps,
                   "examples": len(frame)}
        return CheckResult(flags, CheckSummary.of(flags, details=summary))
