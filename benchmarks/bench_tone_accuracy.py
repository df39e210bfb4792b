"""Precision / recall of `tone` flags on a labelled set built from the Bitext customer-support sample.

Bitext tags each customer message with language-variation letters: P = polite, Q = colloquial,
W = offensive. We treat the customer messages as if they were replies: the house voice is learnt from
all of them, and a good tone check should flag the colloquial (Q) and offensive (W) ones and leave the
rest alone. Reported:

* any tone flag vs (Q or W)                 — the headline P/R
* "rude" flags vs W, "casual" flags vs Q    — per reason
* how many polite (P, not Q/W) messages were flagged (should be few)
* the same check on Bitext's real replies (`response` column): share flagged (all should be in voice)

Run: python benchmarks/bench_tone_accuracy.py [--limit N] [--csv PATH]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl

from ftcurate.core.checks.base import CheckContext
from ftcurate.core.checks.tone import ToneCheck
from ftcurate.core.progress import Progress

DEFAULT_CSV = (Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bitext_cs"
               / "Bitext_Sample_Customer_Support_Training_Dataset.csv")


def load_bitext(path: Path, limit: int | None = None) -> pl.DataFrame:
    """Bitext rows with columns instruction, response, intent, tags (all text)."""
    df = pl.read_csv(path, infer_schema=False)
    if limit:
        df = df.head(limit)
    return df


def frame_of(texts: list[str], labels: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"id": list(range(1, len(texts) + 1)), "output": texts, "label": labels,
                         "status": ["unreviewed"] * len(texts)})


def prf(pred: set[int], gold: set[int]) -> tuple[float, float, float]:
    tp = len(pred & gold)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(df: pl.DataFrame, config: dict | None = None) -> dict:
    """Run the tone check on the customer messages; return P/R figures."""
    tags = df["tags"].fill_null("").to_list()
    frame = frame_of(df["instruction"].to_list(), df["intent"].to_list())
    t0 = time.perf_counter()
    result = ToneCheck().run(CheckContext(frame=frame, config=config or {}), Progress())
    seconds = time.perf_counter() - t0
    ids = frame["id"].to_list()
    gold_q = {i for i, t in zip(ids, tags, strict=True) if "Q" in t}
    gold_w = {i for i, t in zip(ids, tags, strict=True) if "W" in t}
    polite_only = {i for i, t in zip(ids, tags, strict=True) if "P" in t and "Q" not in t and "W" not in t}
    any_flag = {f.example_id for f in result.flags}
    by_kind: dict[str, set[int]] = {}
    for f in result.flags:
        by_kind.setdefault(f.kind, set()).add(f.example_id)
    return {
        "n": len(ids), "seconds": seconds,
        "any_vs_QW": prf(any_flag, gold_q | gold_w),
        "rude_vs_W": prf(by_kind.get("rude", set()), gold_w),
        "casual_vs_Q": prf(by_kind.get("casual", set()), gold_q),
        "casual_or_loud_vs_Q": prf(by_kind.get("casual", set()) | by_kind.get("loud", set()), gold_q),
        "polite_flagged": (len(any_flag & polite_only), len(polite_only)),
        "gold": {"Q": len(gold_q), "W": len(gold_w)},
        "flags_by_kind": {k: len(v) for k, v in by_kind.items()},
        "examples": result.flags[:5],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args(argv)
    if not args.csv.is_file():
        print(f"data not found: {args.csv}", file=sys.stderr)
        return 1
    df = load_bitext(args.csv, args.limit)
    r = evaluate(df)
    print(f"Bitext customer messages: {r['n']} ({r['gold']['Q']} colloquial Q, {r['gold']['W']} offensive W),"
          f" checked in {r['seconds']:.1f} s")
    for key in ("any_vs_QW", "rude_vs_W", "casual_vs_Q", "casual_or_loud_vs_Q"):
        p, rec, f1 = r[key]
        print(f"  {key:<22} precision {p:.3f}  recall {rec:.3f}  F1 {f1:.3f}")
    fp, n_polite = r["polite_flagged"]
    print(f"  polite-only messages flagged: {fp}/{n_polite}")
    print(f"  flags by kind: {r['flags_by_kind']}")
    for f in r["examples"]:
        print(f"    e.g. #{f.example_id} [{f.kind}] {f.message}")
    replies = frame_of(df["response"].to_list(), df["intent"].to_list())
    res = ToneCheck().run(CheckContext(frame=replies), Progress())
    flagged = {f.example_id for f in res.flags}
    print(f"Bitext replies (one house voice): {len(flagged)}/{len(replies)} flagged "
          f"({100 * len(flagged) / max(1, len(replies)):.1f} %), by kind {res.summary['by_kind']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
