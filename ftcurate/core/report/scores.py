"""A 0-100 score per quality dimension of fine-tuning data, each with what would raise it.

Dimensions follow the usual checklist: representative, correct, consistent, diverse, complete,
balanced, privacy-reviewed. Every score is computed from counts a person can check in the report
(examples in scope = not rejected; flags = open flags on those examples). A dimension whose check has
not run gets score None and "run the ... check" as the way to raise it.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

PII_CHECKS = ("pii",)
DUP_CHECKS = ("exact_duplicate", "near_duplicate", "paraphrase")
CONFLICT_CHECKS = ("conflict",)
BROKEN_KINDS = ("empty", "truncated", "placeholder", "markup", "language", "too_long")
MIN_PER_LABEL = 20
TARGET_EXAMPLES = 1000
KIND_WORDS = {"empty": "empty turns", "truncated": "cut-off answers", "placeholder": "leftover placeholders",
              "markup": "HTML/markdown residue", "language": "turns in another language",
              "too_long": "examples over the token limit"}


def _names(labels: list[str], n: int = 3) -> str:
    shown = ", ".join(f"'{x}'" for x in labels[:n])
    return shown + (f" and {len(labels) - n} more" if len(labels) > n else "")


def _components(dups: pl.DataFrame) -> int:
    """Groups of examples linked by any shared cluster (an example can sit in a pair cluster and an
    input cluster at once): keeping one per group is what resolving everything leaves."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for ids in dups.group_by("cluster").agg(pl.col("example_id"))["example_id"].to_list():
        root = find(int(ids[0]))
        for i in ids[1:]:
            parent[find(int(i))] = root
    return len({find(x) for x in list(parent)})


def _score(value: float | None) -> int | None:
    return None if value is None else int(round(100 * min(1.0, max(0.0, value))))


def _entry(value: float | None, detail: str, actions: list[str]) -> dict[str, Any]:
    if not actions and value is not None and value >= 0.995:
        actions = ["nothing to do here"]
    return {"score": _score(value), "detail": detail, "actions": actions, "how_to_raise": "; ".join(actions)}


def quality_scores(stats: dict[str, Any], frame: pl.DataFrame, flags: pl.DataFrame,
                   runs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Scores per dimension: {name: {"score": 0-100 | None, "detail": str, "actions": [str],
    "how_to_raise": str}}.

    Args:
        stats: `project_stats` output.
        frame: examples with at least id, status, label, output.
        flags: the project's flags frame.
        runs: `check_runs(project)`: which checks have run.
    """
    scope = frame.filter(pl.col("status") != "rejected") if "status" in frame.columns else frame
    n = len(scope)
    ids = scope["id"]
    live = flags.filter(pl.col("example_id").is_in(ids.implode()) & (pl.col("state") == "open")) \
        if not flags.is_empty() else flags

    def examples_with(checks: tuple[str, ...], kinds: tuple[str, ...] | None = None) -> int:
        if live.is_empty():
            return 0
        f = live.filter(pl.col("check").is_in(list(checks)))
        if kinds is not None:
            f = f.filter(pl.col("kind").is_in(list(kinds)))
        return f["example_id"].n_unique()

    def ran(checks: tuple[str, ...]) -> bool:
        return any(c in runs and runs[c].get("ok") for c in checks)

    out: dict[str, dict[str, Any]] = {}
    if n == 0:
        for name in ("representative", "correct", "consistent", "diverse", "complete", "balanced",
                     "privacy_reviewed"):
            out[name] = _entry(None, "no examples yet", ["import data"])
        return out
    labels: dict[str, int] = stats.get("labels") or {}

    # representative: enough distinct examples (extra copies of one example add nothing), and
    # enough of each label
    dup_live = live.filter(pl.col("check").is_in(list(DUP_CHECKS)) & pl.col("cluster").is_not_null()) \
        if not live.is_empty() else live
    copies = max(0, dup_live["example_id"].n_unique() - _components(dup_live)) if not dup_live.is_empty() else 0
    distinct = n - copies
    volume = min(1.0, math.sqrt(distinct / TARGET_EXAMPLES))
    thin = [lab for lab, c in labels.items() if c < MIN_PER_LABEL]
    coverage = 1 - len(thin) / len(labels) if labels else volume
    acts = []
    if distinct < TARGET_EXAMPLES:
        acts.append(f"add more real examples ({distinct:,} distinct now; {TARGET_EXAMPLES:,}+ covers more of "
                    "what people ask)")
    if thin:
        acts.append(f"add examples to the {len(thin)} labels with fewer than {MIN_PER_LABEL}: {_names(thin)}")
    out["representative"] = _entry(0.5 * volume + 0.5 * coverage,
                                   f"{distinct:,} distinct examples ({copies:,} extra copies); "
                                   f"{len(labels) - len(thin)} of {len(labels)} labels have {MIN_PER_LABEL}+ "
                                   "examples" if labels else f"{distinct:,} distinct examples, no labels", acts)

    # correct: not broken, and reviewed
    broken = 0 if live.is_empty() else live.filter(
        ((pl.col("check") == "hygiene") & pl.col("kind").is_in(list(BROKEN_KINDS)))
        | pl.col("check").is_in(list(CONFLICT_CHECKS)))["example_id"].n_unique()
    approved = int((scope["status"] == "approved").sum()) if "status" in scope.columns else 0
    acts = []
    if not live.is_empty():
        hy = live.filter((pl.col("check") == "hygiene") & pl.col("kind").is_in(list(BROKEN_KINDS)))
        for kind, cnt in sorted(hy.group_by("kind").agg(pl.col("example_id").n_unique().alias("n"))
                                .iter_rows(), key=lambda kv: -kv[1]):
            acts.append(f"fix {cnt:,} examples with {KIND_WORDS.get(kind, kind)}")
    conflicts = examples_with(CONFLICT_CHECKS)
    if conflicts:
        acts.append(f"resolve {conflicts:,} examples whose answers conflict")
    if approved < n:
        acts.append(f"review and approve answers ({approved:,} of {n:,} approved)")
    if not ran(("hygiene",)):
        acts.insert(0, "run the hygiene check")
    value = (1 - min(1.0, broken / n)) * (0.6 + 0.4 * approved / n)
    out["correct"] = _entry(value, f"{broken:,} examples with broken text or conflicts; {approved:,} approved", acts)

    # consistent: one voice, one answer per question
    tone = examples_with(("tone",))
    if ran(("tone",)):
        acts = [f"rewrite or reject {tone:,} answers flagged for tone"] if tone else []
        if conflicts:
            acts.append(f"resolve {conflicts:,} conflicting answers")
        value = 1 - min(1.0, 2 * tone / n + conflicts / n)
        out["consistent"] = _entry(value, f"{tone:,} answers off the house voice ({100 * tone / n:.1f} %)", acts)
    else:
        out["consistent"] = _entry(None, "tone not measured yet", ["run the tone check"])

    # diverse: no copies, no boilerplate
    if ran(DUP_CHECKS):
        dups = live.filter(pl.col("check").is_in(list(DUP_CHECKS)) & pl.col("cluster").is_not_null()) \
            if not live.is_empty() else live
        in_clusters = dups["example_id"].n_unique() if not dups.is_empty() else 0
        n_clusters = dups["cluster"].n_unique() if not dups.is_empty() else 0
        extra = max(0, in_clusters - _components(dups))
        boiler = examples_with(("hygiene",), ("boilerplate",))
        acts = [f"resolve {n_clusters:,} duplicate clusters ({extra:,} extra copies)"] if n_clusters else []
        if boiler:
            acts.append(f"vary the opening of {boiler:,} answers that start the same way")
        value = max(0.0, 1 - 1.5 * extra / n) * (1 - 0.3 * boiler / n)
        out["diverse"] = _entry(value, f"{extra:,} extra copies in {n_clusters:,} clusters; {boiler:,} boilerplate "
                                       "openings", acts)
    else:
        out["diverse"] = _entry(None, "duplicates not measured yet", ["run the duplicate checks"])

    # complete: labelled, answered
    unlabelled = int(scope["label"].is_null().sum()) if "label" in scope.columns else n
    empty_short = examples_with(("hygiene",), ("empty", "short"))
    acts = []
    if labels and unlabelled:
        acts.append(f"label {unlabelled:,} unlabelled examples")
    if not labels:
        acts.append("add labels (intent or category) so that coverage and balance can be checked")
    if empty_short:
        acts.append(f"complete {empty_short:,} empty or very short answers")
    labelled_share = (1 - unlabelled / n) if labels else 0.5
    # every empty answer is a defect a person can fix: any of them keeps the score below 100
    answered = 1 - min(1.0, 10 * empty_short / n) if empty_short else 1.0
    out["complete"] = _entry(min(0.5 * labelled_share + 0.5 * answered, 0.95 if empty_short else 1.0),
                             f"{n - unlabelled:,} of {n:,} labelled; {empty_short:,} empty or very short", acts)

    # balanced: labels and behaviours
    imb = stats.get("label_imbalance") or {}
    if len(labels) >= 2 and imb.get("entropy") is not None:
        under, over = imb.get("under") or [], imb.get("over") or []
        caps = stats.get("suggested_caps") or {}
        acts = []
        if under:
            acts.append(f"add examples to under-represented labels {_names(under)}")
        if over:
            acts.append("cap over-represented labels at export: " +
                        ", ".join(f"'{k}' at {v}" for k, v in list(caps.items())[:3]))
        per_label = (stats.get("behaviours") or {}).get("per_label") or {}
        refusing = [lab for lab, b in per_label.items() if b.get("refusal", 0) >= 0.3 and labels.get(lab, 0) >= 5]
        if refusing:
            acts.append(f"check labels where 30 %+ of answers refuse: {_names(refusing)}")
        value = float(imb["entropy"]) * (1 - 0.5 * len(under) / len(labels)) * (1 - 0.3 * len(refusing) / len(labels))
        out["balanced"] = _entry(value, f"{len(labels)} labels, largest/smallest {imb.get('ratio')}x, entropy "
                                        f"{imb.get('entropy')}", acts)
    else:
        out["balanced"] = _entry(None, "fewer than two labels", ["add labels to measure balance"])

    # privacy reviewed
    if ran(PII_CHECKS):
        all_pii = flags.filter(pl.col("check").is_in(list(PII_CHECKS)) & pl.col("example_id").is_in(ids.implode())) \
            if not flags.is_empty() else flags
        found = all_pii["example_id"].n_unique() if not all_pii.is_empty() else 0
        open_pii = examples_with(PII_CHECKS)
        value = 1.0 if found == 0 else 1 - open_pii / found
        acts = [f"review {open_pii:,} examples with open PII findings (redact, or ignore false alarms)"] \
            if open_pii else []
        out["privacy_reviewed"] = _entry(value, f"{found - open_pii:,} of {found:,} examples with PII findings "
                                                "reviewed", acts)
    else:
        out["privacy_reviewed"] = _entry(None, "PII not checked yet", ["run the PII check"])
    return out
