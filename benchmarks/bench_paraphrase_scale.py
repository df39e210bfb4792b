"""Paraphrase clustering at scale: time and cluster sizes at 100k (or more) questions on this machine.

Embedding is measured on real synthetic support questions (benchmarks/bench_dedup_1m.py templates)
with the bundled MiniLM; the clustering (centre -> candidate pairs -> average linkage) is timed on
`--n` vectors built around those real embeddings: each real question gets n/real noisy copies at
cosine ~0.9 to it, so the set is paraphrase-dense (about a hundred wordings per question at the
defaults), the hard case for chaining. The old rule (cosine >= 0.85 + connected components) runs on
the same vectors as the baseline. The total for n questions = n / (embedding rate) + clustering time.

    python benchmarks/bench_paraphrase_scale.py [--n 100000] [--real 1000] [--threads 2]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--real", type=int, default=1000, help="real questions embedded (rate + cluster centres)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_dedup_1m import make_questions

    from ftcurate.core.checks.duplicates import PARAPHRASE_DEFAULTS
    from ftcurate.core.dedup.ann import similar_pairs
    from ftcurate.core.dedup.clusters import connected_components
    from ftcurate.core.dedup.embed import backend, encode, load_model
    from ftcurate.core.dedup.linkage import average_linkage, centre, reference_centre

    t = PARAPHRASE_DEFAULTS["paraphrase_threshold"]
    texts, _ = make_questions(args.real, seed=5)
    load_model()
    c0, t0 = time.process_time(), time.perf_counter()
    real = encode(texts)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rate = len(texts) / wall
    print(f"embedding {len(texts)} questions ({backend()}, {args.threads} threads): {wall:.1f} s wall, {cpu:.1f} CPU-s, "
          f"{rate:.0f} texts/s wall, {len(texts) / cpu:.0f} per CPU-second")

    rng = np.random.default_rng(0)
    base = np.repeat(real, args.n // len(real) + 1, axis=0)[: args.n]
    noise = rng.standard_normal(base.shape).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    x = base + 0.45 * noise  # cosine ~0.9 to its real question
    x /= np.linalg.norm(x, axis=1, keepdims=True)

    c0, t0 = time.process_time(), time.perf_counter()
    xc = centre(x, reference_centre())
    i, j, sim = similar_pairs(xc, t, seed=1)
    t_pairs = time.perf_counter() - t0
    labels = average_linkage(xc, i, j, t, max_size=PARAPHRASE_DEFAULTS["max_cluster"])
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    sizes = np.bincount(np.unique(labels, return_inverse=True)[1])
    print(f"new: {args.n:,} vectors clustered in {wall:.1f} s wall ({t_pairs:.1f} s candidate pairs), "
          f"{cpu:.1f} CPU-s; {len(i):,} candidate pairs; {int((sizes >= 2).sum()):,} clusters, largest "
          f"{int(sizes.max())}; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    t0 = time.perf_counter()
    oi, oj, _ = similar_pairs(x, 0.85, seed=1)
    old = connected_components(len(x), oi, oj)
    osizes = np.bincount(np.unique(old, return_inverse=True)[1])
    print(f"old (cosine >= 0.85 + components): {time.perf_counter() - t0:.1f} s; largest cluster "
          f"{int(osizes.max()):,} ({100 * osizes.max() / len(x):.1f} % of all)")
    total = args.n / rate + wall
    print(f"paraphrase check at {args.n:,} distinct questions: ~{total / 60:.1f} min "
          f"({args.n / rate / 60:.1f} embedding + {wall / 60:.1f} clustering); at 1M: embedding "
          f"~{1e6 / rate / 3600:.1f} h, clustering ~{wall * 10 ** 1.5 / 60:.0f} min (grows as n^1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
