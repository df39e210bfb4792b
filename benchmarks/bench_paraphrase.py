"""Paraphrase detection: embedding throughput, ANN recall/time vs the exhaustive join, and what MinHash misses.

Data: BANKING77 training questions (../shared/data/banking77/train.csv; customers asking the same
77 things in their own words). Pairs of questions with the same intent label are the closest thing
to a paraphrase gold set here: the share of found pairs with the same label is a precision proxy.
A second part times the IVF join on synthetic 384-d vectors to show how it scales (`--ann-n`).

    python benchmarks/bench_paraphrase.py [--n 10003] [--ann-n 200000] [--threshold 0.85]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "banking77" / "train.csv"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=None, help="questions to use (default: all)")
    ap.add_argument("--threshold", type=float, default=0.85)
    ap.add_argument("--ann-n", type=int, default=200_000, help="synthetic vectors for the scaling run (0: skip)")
    args = ap.parse_args()

    import numpy as np
    import polars as pl

    from ftcurate.core.dedup.ann import similar_pairs
    from ftcurate.core.dedup.clusters import connected_components
    from ftcurate.core.dedup.embed import encode, load_model
    from ftcurate.core.dedup.lsh import near_pairs
    from ftcurate.core.dedup.minhash import MinHashConfig, MinHasher
    from ftcurate.core.dedup.normalize import normalize_series

    if not DATA.is_file():
        print(f"skipped: {DATA} not found")
        return 0
    df = pl.read_csv(DATA).unique("text", keep="first", maintain_order=True)
    if args.n:
        df = df.head(args.n)
    texts, labels = df["text"].to_list(), np.array(df["category"].to_list())
    print(f"{len(texts):,} distinct BANKING77 questions, {len(set(labels))} intents")

    t = time.perf_counter()
    load_model()
    print(f"  model load: {time.perf_counter() - t:.1f} s")
    t, c = time.perf_counter(), time.process_time()
    vecs = encode(texts, batch_size=64)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    print(f"  embedding: {len(texts) / wall:,.0f} texts/s wall ({cpu:.0f} CPU-s for {len(texts):,})")

    def timed(fn):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        return out, time.perf_counter() - t0, time.process_time() - c0

    # No per-vector cap here, so the two joins are compared on the same pair sets.
    exact, t_ex, c_ex = timed(lambda: similar_pairs(vecs, args.threshold, exact_max=10**9, max_neighbors=10**6))
    ivf, t_ivf, c_ivf = timed(lambda: similar_pairs(vecs, args.threshold, exact_max=0, max_neighbors=10**6))
    ref = set(zip(exact[0].tolist(), exact[1].tolist(), strict=True))
    got = set(zip(ivf[0].tolist(), ivf[1].tolist(), strict=True))
    print(f"  pairs with cosine >= {args.threshold}: exhaustive {len(ref):,} ({t_ex:.1f} s, {c_ex:.1f} CPU-s); "
          f"IVF {len(got):,} ({t_ivf:.1f} s, {c_ivf:.1f} CPU-s); IVF recall {len(ref & got) / max(1, len(ref)):.3f}")

    for th in (0.8, 0.85, 0.9, 0.95):
        i, j, _ = similar_pairs(vecs, th, exact_max=10**9, max_neighbors=10**6)
        same = float(np.mean(labels[i] == labels[j])) if len(i) else float("nan")
        comp = connected_components(len(texts), i, j)
        sizes = np.bincount(comp)
        sizes = sizes[sizes >= 2]
        print(f"    cosine >= {th:.2f}: {len(i):6,} pairs, same intent {same:.1%}; clusters "
              f"{len(sizes):,} (largest {sizes.max(initial=0):,}, median {int(np.median(sizes)) if len(sizes) else 0})")

    norm = normalize_series(pl.Series(texts)).to_list()
    sig = MinHasher(MinHashConfig()).signatures(norm)
    for jt in (0.7, 0.8):
        mi, mj, _ = near_pairs(sig, jt, 1)
        mset = set(zip(mi.tolist(), mj.tolist(), strict=True))
        print(f"    MinHash char-4 Jaccard >= {jt}: {len(mset):,} pairs; it finds "
              f"{len(mset & ref) / max(1, len(ref)):.1%} of the embedding pairs at cosine >= {args.threshold}")
    sample = sorted(ref - set(zip(*near_pairs(sig, 0.7, 1)[:2], strict=True)))[:: max(1, len(ref) // 8)][:8]
    print("  paraphrases MinHash misses, e.g.:")
    for a, b in sample:
        print(f"    {float(vecs[a] @ vecs[b]):.2f}  {texts[a]!r} ~ {texts[b]!r}")

    if args.ann_n:
        rng = np.random.default_rng(0)
        n, d = args.ann_n, vecs.shape[1]
        # Synthetic: real embeddings as topic centres plus noise, with planted near-copies.
        x = vecs[rng.integers(0, len(vecs), n)] + rng.normal(scale=0.015, size=(n, d)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        pairs, t_s, c_s = timed(lambda: similar_pairs(x, args.threshold, exact_max=0, max_neighbors=8))
        print(f"  IVF join on {n:,} synthetic vectors (d={d}): {t_s:.1f} s wall, {c_s:.1f} CPU-s, "
              f"{len(pairs[0]):,} pairs at cosine >= {args.threshold}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
