"""MinHash signatures: ftcurate's vectorised path vs datasketch's `MinHash.bulk`, same docs, same process.

Documents: 100 words each drawn from a Zipf-distributed 20k-word vocabulary; 128 permutations; word
trigrams. Both paths start from the same normalised strings, so shingling is timed for both. Prints
docs/s and the ratio, plus how well each estimate tracks the true Jaccard similarity of planted
near-duplicate pairs (both should be equally accurate: same estimator, different hash functions).

    python benchmarks/bench_minhash.py [--docs 20000] [--threads 1]
    python benchmarks/bench_minhash.py --shingle-eval   # which shingles/threshold suit short questions

`--shingle-eval` plants one edit (typo, inserted word, replaced word, two typos) in 2,000 BANKING77
questions (../shared/data) and reports, per shingle setting and threshold, the share of edited copies
found and the number of pairs reported among the original questions.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def make_docs(n: int, words: int, seed: int) -> list[str]:
    import numpy as np

    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(20_000)])
    ranks = np.minimum(rng.zipf(1.2, size=n * words) - 1, len(vocab) - 1)
    toks = vocab[ranks].reshape(n, words)
    docs = [" ".join(row) for row in toks]
    for k in range(0, n - 1, 10):  # every tenth doc gets a near copy with 10 words replaced
        w = docs[k].split()
        for p in rng.choice(words, 10, replace=False):
            w[p] = f"x{rng.integers(1_000_000)}"
        docs[k + 1] = " ".join(w)
    return docs


def trigrams(doc: str) -> list[bytes]:
    w = doc.split()
    return [" ".join(w[i:i + 3]).encode() for i in range(len(w) - 2)]


def shingle_eval() -> int:
    import random
    from pathlib import Path

    import numpy as np
    import polars as pl

    from ftcurate.core.dedup.lsh import near_pairs
    from ftcurate.core.dedup.minhash import MinHashConfig, MinHasher
    from ftcurate.core.dedup.normalize import normalize_series

    data = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "banking77" / "train.csv"
    if not data.is_file():
        print(f"skipped: {data} not found")
        return 0
    orig = [t for t in normalize_series(pl.read_csv(data)["text"]).unique(maintain_order=True).to_list() if t]
    rnd = random.Random(0)

    def typo(t):
        w = t.split()
        k = rnd.randrange(len(w))
        x = w[k]
        if len(x) > 3:
            p = rnd.randrange(1, len(x) - 1)
            w[k] = x[:p] + x[p + 1:]
        else:
            w[k] = x + x[-1]
        return " ".join(w)

    def insert(t):
        w = t.split()
        w.insert(rnd.randrange(len(w) + 1), rnd.choice(["please", "really", "now", "again"]))
        return " ".join(w)

    def replace(t):
        w = t.split()
        w[rnd.randrange(len(w))] = rnd.choice(["my", "the", "a", "this"])
        return " ".join(w)

    edits = {"one typo": typo, "word inserted": insert, "word replaced": replace,
             "two typos": lambda t: typo(typo(t))}
    index = {t: k for k, t in enumerate(orig)}
    sample = rnd.sample(orig, 2000)
    texts, planted = list(orig), {}
    for name, edit in edits.items():
        planted[name] = []
        for t in sample:
            v = edit(t)
            if v != t:
                texts.append(v)
                planted[name].append((index[t], len(texts) - 1))
    n0 = len(orig)
    print(f"{n0:,} BANKING77 questions (median {int(np.median([len(t.split()) for t in orig]))} words); "
          "share of planted copies found / pairs among the originals")
    for shingle, ngram in (("word", 3), ("word", 2), ("word", 1), ("char", 3), ("char", 4), ("char", 5)):
        sig = MinHasher(MinHashConfig(shingle=shingle, ngram=ngram)).signatures(texts)
        for th in (0.5, 0.6, 0.7, 0.8):
            i, j, _ = near_pairs(sig, th, 1, backend="banded")
            found = set(zip(i.tolist(), j.tolist(), strict=True))
            rec = "  ".join(f"{k} {np.mean([p in found for p in v]):4.0%}" for k, v in planted.items())
            among = sum(1 for a, b in found if b < n0)
            print(f"  {shingle} {ngram}-grams, Jaccard >= {th}: {rec}   original pairs {among:,}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20_000)
    ap.add_argument("--words", type=int, default=100)
    ap.add_argument("--perm", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1, help="polars threads (the numpy path is single-threaded)")
    ap.add_argument("--repeat", type=int, default=3, help="best of N timings")
    ap.add_argument("--shingle-eval", action="store_true", help="shingle/threshold recall on BANKING77")
    args = ap.parse_args()
    if args.shingle_eval:
        return shingle_eval()
    os.environ["POLARS_MAX_THREADS"] = str(args.threads)

    import numpy as np
    from datasketch import MinHash

    from ftcurate.core.dedup.minhash import MinHashConfig, MinHasher

    docs = make_docs(args.docs, args.words, seed=0)
    hasher = MinHasher(MinHashConfig(shingle="word", ngram=3, num_perm=args.perm, seed=1))
    hasher.signatures(docs[:100])  # warm-up

    def best(fn):
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
        return min(times), out

    t_bulk, bulk = best(lambda: MinHash.bulk([trigrams(d) for d in docs], num_perm=args.perm, seed=1))
    shingles = [trigrams(d) for d in docs]
    t_bulk_only, _ = best(lambda: MinHash.bulk(shingles, num_perm=args.perm, seed=1))
    t_ours, sig = best(lambda: hasher.signatures(docs))
    sub = docs[: min(2000, len(docs))]
    t0 = time.perf_counter()
    for d in sub:  # the per-document loop many scripts use
        m = MinHash(num_perm=args.perm, seed=1)
        for s in trigrams(d):
            m.update(s)
    t_loop = (time.perf_counter() - t0) * len(docs) / len(sub)

    err_ds, err_ours = [], []
    for k in range(0, len(docs) - 1, 10):
        a, b = set(trigrams(docs[k])), set(trigrams(docs[k + 1]))
        true = len(a & b) / len(a | b)
        err_ds.append(abs(bulk[k].jaccard(bulk[k + 1]) - true))
        err_ours.append(abs(float((sig[k] == sig[k + 1]).mean()) - true))

    n = len(docs)
    print(f"{n} docs x {args.words} words, {args.perm} permutations, word trigrams, polars threads={args.threads}")
    print(f"  datasketch per-doc update loop : {n / t_loop:>9,.0f} docs/s (from {len(sub)} docs)")
    print(f"  datasketch MinHash.bulk        : {n / t_bulk:>9,.0f} docs/s (shingling included)")
    print(f"  datasketch MinHash.bulk only   : {n / t_bulk_only:>9,.0f} docs/s (shingles prebuilt)")
    print(f"  ftcurate vectorised            : {n / t_ours:>9,.0f} docs/s (shingling included)")
    print(f"  speed-up vs MinHash.bulk       : {t_bulk / t_ours:.1f}x  (vs bulk-only {t_bulk_only / t_ours:.1f}x)")
    print(f"  mean |estimate - true Jaccard| on {len(err_ours)} near pairs: datasketch "
          f"{np.mean(err_ds):.4f}, ftcurate {np.mean(err_ours):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
