"""Precision / recall of `tone` flags on a labelled set built from the Bitext customer-support sample.

Bitext tags each customer message with language-variation letters: P = polite, Q = colloquial,
W = offensive. We treat the customer messages as if they were replies: the house voice is learnt from
all of them, and a good tone check should flag the colloquial (Q) and offensive (W) ones and leave the
rest alone. Reported:

* any tone flag vs (Q or W)                 — the headline P/R
* "rude" flags vs W, "casual" flags vs Q    — per reason
* how many polite (P, not Q/W) messages were flagged (should be few)
* the same check on Bitext's real replies (`response` column): share flagged (all should be in voice)

The learnt `rude` flag (ftcurate/core/tone/rude.py, trained by scripts/train_rude.py) is measured apart:

* dev  - the held-out part of its training corpora (Stack Exchange communities sorting last; every
  fifth of the first 2,500 ParaDetox rows): where its threshold was chosen.
* test - never seen in training: 50 rude sentences from ParaDetox rows 6,000+ among 950 polite agent
  replies (Bitext responses and agents' tweets from IBM's Twitter customer-care set), a 5 % / 95 %
  mix, run through the tone check itself; then again with 50 rude sentences that contain none of the
  common swear words (confrontation without profanity).

Run: python benchmarks/bench_tone_accuracy.py [--limit N] [--csv PATH] [--no-rude | --rude-only]
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


SWEARS = r"(?i)\b(?:fuck\w*|shit\w*|damn\w*|crap\w*|ass(?:hole)?s?|bitch\w*|bastard\w*|idiot\w*|stupid|dumb\w*|moron\w*|hell|suck\w*|bullshit|piss\w*|dick\w*|cunt\w*)\b"


def polite_replies(data: Path, n: int, seed: int = 0) -> list[str]:
    """n agent replies: half Bitext responses, half agents' tweets (IBM Twitter customer care)."""
    import json
    import random

    rng = random.Random(seed)
    bitext = pl.read_csv(data / "bitext_cs" / "Bitext_Sample_Customer_Support_Training_Dataset.csv",
                         infer_schema=False)["response"].to_list()
    tweets = []
    for name in ("dev.json", "test.json"):
        path = data / "ibm_twitter_customer_care" / name
        if path.is_file():
            for dialog in json.loads(path.read_text(encoding="utf-8")):
                reply = (dialog.get("agentURL") or {}).get("url_utterance")
                if reply:
                    tweets.append(reply)
    k = min(len(tweets), n // 2)
    return rng.sample(bitext, n - k) + rng.sample(tweets, k)


def rude_sentences(data: Path, n: int, no_swears: bool, seed: int = 0) -> list[str]:
    """n toxic ParaDetox sentences from rows 6,000+ (training reads only the first 2,500)."""
    import csv
    import random
    import re

    rows = []
    with open(data / "paradetox" / "paradetox.tsv", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for k, row in enumerate(reader):
            if k >= 6000 and row and row[0].strip() and (not no_swears or not re.search(SWEARS, row[0])):
                rows.append(row[0])
    return random.Random(seed).sample(rows, n)


def rude_eval(data: Path, skip_dev: bool = False) -> None:
    """Dev and test figures of the learnt rude flag."""
    import tempfile

    import numpy as np

    from ftcurate.core.store import Project

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from train_rude import faq_answers, paradetox, politeness, threshold_set

    from ftcurate.core.tone.rude import RudeModel, rude_probabilities

    model = RudeModel.load()
    if not skip_dev:
        t1, y1, d1 = politeness(data)
        t2, y2, d2 = paradetox(data, 2500)
        dev_texts = [t for t, d in zip(t1, d1, strict=True) if d] + [t for t, d in zip(t2, d2, strict=True) if d]
        y = np.concatenate([y1[d1], y2[d2]])
        src = np.r_[np.zeros(int(d1.sum())), np.ones(int(d2.sum()))]
        p = rude_probabilities(dev_texts, None, model=model)
        ps, ys = threshold_set(p, y, src == 1, rude_probabilities(faq_answers(data), None, model=model))
        tpr, fpr = float((ps[ys == 1] >= model.threshold).mean()), float((ps[ys == 0] >= model.threshold).mean())
        print(f"rude model, dev threshold set (dev rude vs dev polite requests + COVID FAQ answers, {len(ys)} "
              f"texts): recall {tpr:.3f}, false-positive rate {fpr:.3f}, precision at 5 % rude "
              f"{0.05 * tpr / (0.05 * tpr + 0.95 * fpr):.3f}")
        for name, part in (("all", src >= 0), ("Stack Exchange", src == 0), ("ParaDetox", src == 1)):
            yy, pp = y[part], p[part]
            tpr = float((pp[yy == 1] >= model.threshold).mean())
            fpr = float((pp[yy == 0] >= model.threshold).mean())
            prec = 0.05 * tpr / (0.05 * tpr + 0.95 * fpr) if tpr + fpr else 0.0
            print(f"rude model, dev {name} (held-out training corpora, {len(yy)} texts, {int(yy.sum())} rude), "
                  f"threshold {model.threshold:.2f}: recall {tpr:.3f}, false-positive rate {fpr:.3f}, "
                  f"precision at 5 % rude {prec:.3f}")
    polite = polite_replies(data, 950)
    tmp = tempfile.TemporaryDirectory()
    project = Project.create(Path(tmp.name) / "cache.ftcurate")  # the polite replies are embedded once
    for label, no_swears in (("held-out rude sentences", False), ("held-out rude, no swear words", True)):
        rude = rude_sentences(data, 50, no_swears)
        texts = polite + rude
        frame = frame_of(texts, ["x"] * len(texts))
        res = ToneCheck().run(CheckContext(frame=frame, project=project, config={}), Progress())
        flagged = {f.example_id for f in res.flags if f.kind == "rude"}
        gold = set(range(len(polite) + 1, len(texts) + 1))
        p_, r_, f_ = prf(flagged, gold)
        print(f"rude model, test ({label}: 50 among 950 polite agent replies): precision {p_:.3f} "
              f"recall {r_:.3f} F1 {f_:.3f}; polite replies flagged {len(flagged - gold)}/950")
        for k in sorted(flagged - gold)[:3]:
            print(f"    false alarm: {texts[k - 1][:110]!r}")
        for k in sorted(gold - flagged)[:3]:
            print(f"    missed: {texts[k - 1][:110]!r}")
    project.close()
    tmp.cleanup()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--no-rude", action="store_true", help="skip the learnt rude model's dev/test figures")
    ap.add_argument("--rude-only", action="store_true", help="only the learnt rude model's dev/test figures")
    ap.add_argument("--skip-dev", action="store_true", help="with --rude-only: the test figures only")
    args = ap.parse_args(argv)
    if args.rude_only:
        rude_eval(args.csv.parents[1], args.skip_dev)
        return 0
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
    if not args.no_rude:
        rude_eval(args.csv.parents[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
