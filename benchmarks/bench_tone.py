"""Tone profiling throughput on 100k assistant outputs, against simple baselines in the same process.

Outputs are built from real support-answer sentences (the Bitext sample in ../shared/data, when
present) recombined at random into distinct answers, so no two texts are the same and the cache and
de-duplication give no free speed.

Paths measured (texts/s, each one computing the same 15-feature style profile):
  baseline   per text: `nlp(text)` with the full default spaCy pipeline, then the surface features
  pipe       `nlp.pipe(batch_size=256)` with only tok2vec + tagger loaded (FormalityScorer mode="tagger")
  ftcurate   `profile_texts` default (mode="auto": a 600-text tagged sample -> word lexicon for the rest)
Also reported: how closely the lexicon formality tracks the tagger's on 1,000 texts (r, mean |diff|).

Run: python benchmarks/bench_tone.py [--n 100000] [--baseline 400] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

from ftcurate.core.tone.formality import FormalityScorer, load_tagger, model_name
from ftcurate.core.tone.profile import profile_texts, surface_row

BITEXT = (Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bitext_cs"
          / "Bitext_Sample_Customer_Support_Training_Dataset.csv")
FALLBACK = ["Thank you for contacting us.", "You can reset your password from the Account page.",
            "Your order ships within two working days.", "We're sorry for the delay!",
            "Please let us know if you need anything else.", "Refunds reach your bank in three to five days.",
            "I'd be happy to help you with that.", "Kind regards, the support team."]


def sentence_pool() -> list[str]:
    if not BITEXT.is_file():
        return FALLBACK
    import polars as pl

    texts = pl.read_csv(BITEXT, infer_schema=False)["response"].to_list()
    pool = set()
    for t in texts:
        for s in re.split(r"(?<=[.!?])\s+|\n+", t):
            s = s.strip()
            if 4 <= len(s.split()) <= 40:
                pool.add(s)
    return sorted(pool)


def make_outputs(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pool = sentence_pool()
    out, seen = [], set()
    while len(out) < n:
        t = " ".join(rng.choice(pool) for _ in range(rng.randint(2, 5)))
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


def baseline_per_text(texts: list[str]) -> float:
    import spacy

    nlp = spacy.load(model_name())  # the full default pipeline, as a first script would
    t0 = time.perf_counter()
    for t in texts:
        doc = nlp(t)
        _ = sum(1 for tok in doc if tok.pos_ in ("NOUN", "ADJ", "ADP", "DET"))
        surface_row(t)
    return len(texts) / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--baseline", type=int, default=400, help="texts for the per-text baseline")
    ap.add_argument("--pipe", type=int, default=2000, help="texts for the tagger-only nlp.pipe path")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    texts = make_outputs(args.n, args.seed)
    words = np.mean([len(t.split()) for t in texts[:5000]])
    print(f"{len(texts):,} distinct outputs, {words:.0f} words on average; spaCy pipeline {model_name()}")
    load_tagger()  # model loading is not part of any path's throughput

    base = baseline_per_text(texts[: args.baseline])
    print(f"baseline  per-text nlp(text), full pipeline : {base:8.0f} texts/s  (on {args.baseline:,})")

    t0 = time.perf_counter()
    profile_texts(texts[: args.pipe], FormalityScorer(mode="tagger"))
    pipe = args.pipe / (time.perf_counter() - t0)
    print(f"pipe      nlp.pipe, tok2vec+tagger only     : {pipe:8.0f} texts/s  (on {args.pipe:,})  "
          f"{pipe / base:5.1f}x baseline")

    scorer = FormalityScorer()
    t0 = time.perf_counter()
    prof = profile_texts(texts, scorer)
    secs = time.perf_counter() - t0
    ours = len(texts) / secs
    print(f"ftcurate  profile_texts (auto)              : {ours:8.0f} texts/s  ({len(texts):,} in {secs:.1f} s, "
          f"{scorer.tagged:,} tagged)  {ours / base:5.1f}x baseline")
    assert prof.shape[0] == len(texts)

    held = texts[-1000:]
    exact = FormalityScorer(mode="tagger").score(held)
    approx = prof[-1000:, 0].astype(np.float64)
    ok = ~np.isnan(exact) & ~np.isnan(approx)
    r = float(np.corrcoef(exact[ok], approx[ok])[0, 1])
    print(f"lexicon formality vs tagger on 1,000 texts: r = {r:.3f}, mean |diff| = "
          f"{np.mean(np.abs(exact[ok] - approx[ok])):.2f} points (scale 0-100, house spread ~5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
