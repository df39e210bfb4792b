"""`health_data(project)`: everything the HTML report and the GUI Health panel draw, as a typed
`HealthData` (see `ftcurate.core.report.health_types` for every part and its meaning).

The tone map holds the first two principal components of the style profiles (robust-standardised),
for at most `max_points` outputs; lengths hold at most 20,000 values per series plus histogram counts
over all examples; clusters are the largest open duplicate/conflict clusters.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from ftcurate.core.progress import Progress
from ftcurate.core.report.health_types import (
    CheckRun,
    ClusterRow,
    HealthData,
    LabelsPart,
    Lengths,
    Score,
    ToneMap,
    TonePoint,
)
from ftcurate.core.report.scores import CONFLICT_CHECKS, DUP_CHECKS, quality_scores
from ftcurate.core.stats import project_stats, word_lengths

if TYPE_CHECKING:
    from ftcurate.core.store import Project

FEATURE_WORDS = {"formality": "formal wording", "polite": "polite words", "rude": "rude words",
                 "negative": "negative words", "exclaim": "exclamation marks", "emoji": "emoji",
                 "caps": "ALL CAPS", "contractions": "contractions", "slang": "slang", "we": "'we' over 'I'",
                 "greeting": "greeting", "signoff": "sign-off", "sent_len": "long sentences",
                 "grade": "reading grade", "words": "length"}
LENGTH_EDGES = [0, 1, 3, 5, 8, 12, 20, 30, 50, 80, 120, 200, 300, 500, 800, 1200, 2000, 5000, 10**9]
MAX_SERIES = 20_000


def _spaced(n: int, k: int) -> np.ndarray:
    """k evenly spaced positions in range(n) (all of them when n <= k): deterministic sampling."""
    if n <= k:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, k).astype(np.int64))


def _axis_label(loadings: np.ndarray, names: tuple[str, ...], per_side: int = 2) -> str:
    order = np.argsort(loadings)
    neg = [FEATURE_WORDS[names[i]] for i in order[:per_side] if loadings[i] < -0.2]
    pos = [FEATURE_WORDS[names[i]] for i in order[::-1][:per_side] if loadings[i] > 0.2]
    left = f"← more {', '.join(neg)}" if neg else "←"
    right = f"more {', '.join(pos)} →" if pos else "→"
    return f"{left}   ·   {right}"


def tone_map(project: Project | None, frame: pl.DataFrame, flags: pl.DataFrame, max_points: int = 3000,
             progress: Progress | None = None) -> ToneMap:
    """2-D map of the outputs' style profiles (see module docstring). Profiles come from the tone
    check's cache; outputs it has not seen are profiled here (spaCy), for the sampled ones only."""
    from ftcurate.core.tone.formality import FormalityScorer
    from ftcurate.core.tone.profile import FEATURES, cached_profiles
    from ftcurate.core.tone.voice import HouseVoice

    outs = frame.filter(pl.col("output").fill_null("").str.strip_chars() != "")
    tone_flags: dict[int, tuple[str, str]] = {}
    if not flags.is_empty():
        for eid, kind, msg in flags.filter((pl.col("check") == "tone") & (pl.col("state") == "open")) \
                .select("example_id", "kind", "message").iter_rows():
            tone_flags.setdefault(int(eid), (kind, msg))
    if outs.is_empty():
        return ToneMap()
    pick = set(_spaced(len(outs), max_points).tolist())
    flagged_pos = np.flatnonzero(outs["id"].is_in(list(tone_flags)).to_numpy())
    pick.update(flagged_pos[: max(0, max_points // 3)].tolist())
    rows = np.array(sorted(pick), dtype=np.int64)
    sub = outs[rows]
    texts = sub["output"].to_list()
    profiles = cached_profiles(project, texts, FormalityScorer(), progress)
    voice = HouseVoice.fit(profiles)
    with np.errstate(all="ignore"):
        z = np.nan_to_num((profiles - voice.center) / voice.scale, nan=0.0)
    z = np.clip(z, -6, 6)
    z = z - z.mean(axis=0)
    if len(z) >= 3 and np.any(z):
        _, s, vt = np.linalg.svd(z, full_matrices=False)
        comps = vt[:2]
        # the sign of a component is arbitrary: point it to where most weight is positive
        comps = comps * np.where(comps.sum(axis=1, keepdims=True) < 0, -1, 1)
        xy = z @ comps.T
        var = (s**2) / max(1e-12, float((s**2).sum()))
        explained = [round(float(v), 3) for v in var[:2]]
        x_label, y_label = _axis_label(comps[0], FEATURES), _axis_label(comps[1], FEATURES, 1)
    else:
        xy = np.zeros((len(z), 2))
        explained, x_label, y_label = [], "", ""
    if xy.shape[1] < 2:
        xy = np.hstack([xy, np.zeros((len(xy), 2 - xy.shape[1]))])
    points = []
    for (eid, text), (x, y) in zip(sub.select("id", "output").iter_rows(), xy.tolist(), strict=True):
        kind, msg = tone_flags.get(int(eid), (None, None))
        tip = f"#{eid}: {text[:120].replace(chr(10), ' ')}" + (f"\n{msg}" if msg else "")
        points.append(TonePoint(int(eid), round(float(x), 3), round(float(y), 3), kind is not None, kind, tip))
    return ToneMap(points, x_label, y_label, explained, voice.describe())


def length_data(frame: pl.DataFrame) -> Lengths:
    ins = word_lengths(frame["input"]).to_numpy()
    outs = word_lengths(frame["output"]).to_numpy()
    edges = LENGTH_EDGES
    last = max(int(ins.max()) if len(ins) else 0, int(outs.max()) if len(outs) else 0) + 1
    cut = next((i for i, e in enumerate(edges) if e >= last), len(edges) - 1)
    edges = edges[: cut + 1]
    if len(edges) < 2:
        edges = [0, 1]
    take = _spaced(len(ins), MAX_SERIES)
    return Lengths("words", ins[take].tolist(), outs[take].tolist(), list(edges),
                   np.histogram(ins, bins=edges)[0].tolist(), np.histogram(outs, bins=edges)[0].tolist())


def largest_clusters(frame: pl.DataFrame, flags: pl.DataFrame, top: int = 10) -> list[ClusterRow]:
    if flags.is_empty():
        return []
    f = flags.filter(pl.col("check").is_in(list(DUP_CHECKS + CONFLICT_CHECKS)) & pl.col("cluster").is_not_null()
                     & (pl.col("state") == "open"))
    if f.is_empty():
        return []
    g = (f.group_by("cluster").agg(pl.col("check").first(), pl.col("kind").first(),
                                   pl.col("example_id").unique().sort().alias("ids"), pl.col("data").first())
         .with_columns(pl.col("ids").list.len().alias("size"))
         .sort(["size", "cluster"], descending=[True, False]).head(top))
    text_of = dict(zip(frame["id"].to_list(), frame["input"].fill_null("").to_list(), strict=True))
    out = []
    for row in g.iter_rows(named=True):
        ids = [int(i) for i in row["ids"]]
        keeper = None
        try:
            keeper = (json.loads(row["data"]) or {}).get("keeper") if row["data"] else None
        except ValueError:
            keeper = None
        first = int(keeper) if keeper in ids else ids[0]
        out.append(ClusterRow(row["check"], row["kind"], int(row["cluster"]), len(ids),
                              [first] + [i for i in ids if i != first][:49], text_of.get(first, "")[:300]))
    return out


def flag_detail(flags: pl.DataFrame) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    if flags.is_empty():
        return out

    def entry(check: str) -> dict[str, Any]:
        return out.setdefault(check, {"open": 0, "resolved": 0, "ignored": 0, "by_kind": {}})

    for check, state, n in flags.group_by(["check", "state"]).len().iter_rows():
        entry(check)[state] = int(n)
    for check, kind, n in flags.filter(pl.col("state") == "open").group_by(["check", "kind"]).len().iter_rows():
        entry(check)["by_kind"][kind or "-"] = int(n)
    return out


def health_data(project: Project, progress: Progress | None = None, max_points: int = 3000) -> HealthData:
    """Compute the health data (see module docstring). Reads the project only; never writes except
    the tone-profile cache."""
    from ftcurate.core.checks.runner import check_runs

    progress = progress or Progress()
    # four steps, so the app shows a percentage and time left; profiling answers for the tone map
    # (spaCy, the long part on a new project) reports its own total meanwhile
    progress.set_total(4)
    progress.set_status("Health: counting")
    stats = project_stats(project)
    progress.set_status("Health: reading examples and flags")
    progress.set_progress(1)
    frame = project.examples_frame(["id", "label", "status", "input", "output"])
    flags = project.flags_frame()
    runs = check_runs(project)
    progress.check_cancelled()
    imb = stats["label_imbalance"]
    progress.set_status("Health: tone map")
    progress.set_progress(2)
    tmap = tone_map(project, frame, flags, max_points, progress)
    progress.set_total(4)
    progress.set_status("Health: scores and charts")
    progress.set_progress(3)
    tone_run = runs.get("tone") or {}
    if tone_run.get("ok") and tone_run["summary"].details.get("house_voice"):
        tmap.house_voice = tone_run["summary"].details["house_voice"]
    scores = quality_scores(stats, frame, flags, runs)
    measured = [v["score"] for v in scores.values() if v["score"] is not None]
    overall = int(round(sum(measured) / len(measured))) if measured else None
    n_open = sum(stats["flags"].values())
    summary = (f"{stats['examples']:,} examples in {len(stats['labels'])} labels; {n_open:,} open flags"
               + (f"; overall health {overall}/100" if overall is not None else ""))
    progress.set_progress(4)
    labels = LabelsPart(counts=dict(stats["labels"]), under=list(imb.get("under") or []),
                        over=list(imb.get("over") or []), median=imb.get("median"), ratio=imb.get("ratio"),
                        entropy=imb.get("entropy"), unlabelled=int(stats["unlabelled"] or 0),
                        by=str(imb.get("by") or "label"), rule=str(imb.get("rule") or ""))
    return HealthData(
        generated_at=time.time(), project=str(getattr(project, "path", "")), summary=summary, overall=overall,
        stats=stats, labels=labels, behaviours=stats["behaviours"], tone_map=tmap, lengths=length_data(frame),
        flags=dict(stats["flags"]), flag_detail=flag_detail(flags), clusters=largest_clusters(frame, flags),
        scores={k: Score(v["score"], v.get("detail", ""), list(v.get("actions") or []), v.get("how_to_raise", ""))
                for k, v in scores.items()},
        checks_run={k: CheckRun(v["ran_at"], v["ok"], v["error"]) for k, v in runs.items()},
    )
