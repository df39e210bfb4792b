"""End to end near-duplicate detection on a million short support questions.

Stages timed: normalise + exact groups, MinHash signatures (of the distinct texts), LSH candidate
pairs + verification, connected components. Synthetic questions (6-20 words from templates with
product names, order numbers and free words) with planted copies: 5 % exact copies with case and
punctuation changed, 5 % near copies (one typo, or a word added). Reports docs/s and the share of
planted near copies found (recall) with the check's defaults (character 4-grams, Jaccard 0.7).

    python benchmarks/bench_dedup_1m.py [--n 1000000] [--backend auto|banded|datasketch]
"""

from __future__ import annotations

import argparse
import itertools
import resource
import sys
import time

OPENERS = ["hi", "hello", "hey there", "good morning", "", "", "", "please help", "quick question"]
ASKS = ["how do i", "can i", "is it possible to", "i want to", "i need to", "why can't i", "where do i",
        "help me", "what happens if i"]
VERBS = ["cancel", "return", "track", "change", "update", "pay for", "refund", "exchange", "ship",
         "reorder", "review", "register", "activate", "replace"]
THINGS = ["my order", "the parcel", "my subscription", "the invoice", "my account", "the delivery address",
          "my card", "the warranty", "a gift card", "the {p}", "order {o}", "my {p}"]
PRODUCTS = [f"{a} {b}" for a in ("blue", "red", "steel", "oak", "smart", "mini", "pro", "eco", "retro", "ultra")
            for b in ("lamp", "kettle", "chair", "phone", "jacket", "router", "desk", "blender", "watch", "bike")]
TAILS = ["", "today", "before friday", "from abroad", "without a receipt", "online", "in the app", "again",
         "after 30 days", "for my mother", "as soon as possible", "if it arrived damaged"]


VOCAB = None


def make_questions(n: int, seed: int = 0) -> tuple[list[str], list[tuple[int, int]]]:
    import numpy as np

    global VOCAB
    rng = np.random.default_rng(seed)
    syll = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "de", "po", "ga", "be", "zu", "fi", "ho"]
    VOCAB = rng.permutation(np.array(["".join(p) for p in itertools.product(syll, repeat=4)]))
    picks = [rng.integers(len(x), size=n) for x in (OPENERS, ASKS, VERBS, THINGS, TAILS)]
    prod = rng.integers(len(PRODUCTS), size=n)
    order = rng.integers(10_000_000, 99_999_999, size=n)
    free = np.minimum(rng.zipf(1.3, size=(n, 4)) - 1, len(VOCAB) - 1)
    texts = []
    for k in range(n):
        thing = THINGS[picks[3][k]].format(p=PRODUCTS[prod[k]], o=order[k])
        # Free words (Zipf over a 50k vocabulary) make most questions distinct, as in real logs.
        words = [OPENERS[picks[0][k]], ASKS[picks[1][k]], VERBS[picks[2][k]], thing,
                 " ".join(VOCAB[free[k, : 2 + free[k, 3] % 3]]), TAILS[picks[4][k]]]
        texts.append(" ".join(w for w in words if w) + "?")
    planted: list[tuple[int, int]] = []
    for k in range(0, n - 20, 20):
        texts[k + 1] = texts[k].upper().replace("?", "!!")  # exact copy after normalisation
        w = texts[k].split()
        p = int(rng.integers(len(w)))
        if len(w[p]) > 4:
            w[p] = w[p][:2] + w[p][3:]  # one typo
        else:
            w.insert(p, "really")  # one word added
        texts[k + 2] = " ".join(w)
        planted.append((k, k + 2))
    return texts, planted


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--backend", default="auto", choices=["auto", "banded", "datasketch"])
    ap.add_argument("--threshold", type=float, default=0.7)
    args = ap.parse_args()

    import numpy as np
    import polars as pl

    from ftcurate.core.dedup.clusters import connected_components
    from ftcurate.core.dedup.lsh import near_pairs
    from ftcurate.core.dedup.minhash import MinHashConfig, MinHasher
    from ftcurate.core.dedup.normalize import exact_groups, normalize_series

    t0 = time.perf_counter()
    texts, planted = make_questions(args.n)
    print(f"generated {len(texts):,} questions in {time.perf_counter() - t0:.1f} s "
          f"(median {int(np.median([len(t) for t in texts[:10000]]))} chars), e.g. {texts[0]!r}")

    stages = {}
    cpu = {}
    t, c = time.perf_counter(), time.process_time()
    norm = normalize_series(pl.Series(texts))
    exact = exact_groups(norm)
    n = len(texts)
    base = np.where(exact >= 0, exact, np.arange(n))
    reps = np.unique(base)
    stages["normalise + exact groups"] = time.perf_counter() - t
    cpu["normalise + exact groups"] = time.process_time() - c

    t, c = time.perf_counter(), time.process_time()
    cfg = MinHashConfig()  # the check's defaults: char 4-grams, 128 permutations
    sig = MinHasher(cfg).signatures(norm.gather(reps).to_list())
    stages[f"signatures ({len(reps):,} distinct)"] = time.perf_counter() - t
    cpu[f"signatures ({len(reps):,} distinct)"] = time.process_time() - c

    t, c = time.perf_counter(), time.process_time()
    i, j, _ = near_pairs(sig, args.threshold, cfg.seed, backend=args.backend)
    stages["LSH pairs + verification"] = time.perf_counter() - t
    cpu["LSH pairs + verification"] = time.process_time() - c

    t, c = time.perf_counter(), time.process_time()
    comp = connected_components(len(reps), i, j)
    rep_index = np.searchsorted(reps, base)
    labels = reps[comp[rep_index]]
    sizes = np.bincount(labels, minlength=n)
    n_clusters = int(((sizes >= 2) & (np.arange(n) == labels)).sum())
    stages["connected components"] = time.perf_counter() - t
    cpu["connected components"] = time.process_time() - c

    total, total_cpu = sum(stages.values()), sum(cpu.values())
    print(f"  {'stage':<34} {'wall':>7}   {'cpu':>7}")
    for name, s in stages.items():
        print(f"  {name:<34} {s:7.2f} s {cpu[name]:7.2f} s")
    print(f"  {'total':<34} {total:7.2f} s {total_cpu:7.2f} s  ->  {n / total:,.0f} docs/s wall "
          f"({n / total_cpu:,.0f} per CPU-second), {args.backend} LSH")
    found = np.mean([labels[a] == labels[b] for a, b in planted])
    exact_found = np.mean([labels[k] == labels[k + 1] for k, _ in planted])
    print(f"  clusters: {n_clusters:,}; {len(i):,} near pairs among distinct texts; planted near copies "
          f"found: {found:.1%}; planted exact copies: {exact_found:.1%}")
    print(f"  peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
