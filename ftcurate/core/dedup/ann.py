"""Approximate nearest neighbours for unit vectors: all pairs with cosine similarity >= a threshold.

Small sets (up to `EXACT_MAX` vectors) are compared exhaustively in blocks with BLAS. Larger sets use
an inverted-file index (IVF), numpy only:

1. spherical k-means (seeded) on a sample gives `nlist` ~ sqrt(n * nprobe) centroids;
2. every vector is stored in its nearest cell and *probes* its `nprobe` nearest cells;
3. each cell is joined against the vectors that probe it with one matrix product.

A pair is found when one vector's cell is among the other's probes; at the high thresholds used for
paraphrases (>= 0.8) both vectors sit close together, so recall is high (see
benchmarks/bench_paraphrase.py: recall against the exhaustive join, and time). Work grows as
2 * n * sqrt(n * nprobe) dot products; a million vectors takes minutes on 2 cores.
"""

from __future__ import annotations

import numpy as np

from ftcurate.core.progress import Progress

EXACT_MAX = 20_000


def _hits(sims: np.ndarray, rows: np.ndarray, cols: np.ndarray, threshold: float,
          max_neighbors: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (rows[r], cols[c]) with sims[r, c] >= threshold, at most `max_neighbors` per row."""
    mask = sims >= threshold
    counts = mask.sum(axis=1)
    if counts.max(initial=0) > max_neighbors:
        # Keep each row's best max_neighbors: enough to connect a dense cluster, bounded memory.
        top = np.argpartition(-sims, max_neighbors - 1, axis=1)[:, :max_neighbors]
        capped = np.zeros_like(mask)
        np.put_along_axis(capped, top, True, axis=1)
        mask &= np.where((counts > max_neighbors)[:, None], capped, True)
    r, c = np.nonzero(mask)
    return rows[r], cols[c], sims[r, c]


def _exact_pairs(x: np.ndarray, threshold: float, max_neighbors: int, progress: Progress,
                 ) -> tuple[list, list, list]:
    n = len(x)
    block = max(64, (1 << 23) // n)  # rows per block: ~32 MB of similarities at a time
    out: tuple[list, list, list] = ([], [], [])
    for s in range(0, n, block):
        progress.check_cancelled()
        e = min(n, s + block)
        sims = x[s:e] @ x[s:].T
        # Only pairs (i, j) with j > i: blank the diagonal and everything left of it.
        sims[np.arange(e - s)[:, None] >= np.arange(n - s)[None, :]] = -2.0
        i, j, v = _hits(sims, np.arange(s, e), np.arange(s, n), threshold, max_neighbors)
        out[0].append(i)
        out[1].append(j)
        out[2].append(v)
        progress.advance(e - s)
    return out


def kmeans(x: np.ndarray, k: int, seed: int, iters: int = 8, sample: int | None = None) -> np.ndarray:
    """Spherical k-means centroids (unit vectors), seeded; trained on a sample of `sample` rows."""
    rng = np.random.default_rng(seed)
    n = len(x)
    sample = sample or min(n, 64 * k)
    train = x[np.sort(rng.choice(n, size=min(n, sample), replace=False))]
    cent = train[rng.choice(len(train), size=k, replace=False)].copy()
    for _ in range(iters):
        assign = np.argmax(train @ cent.T, axis=1)
        order = np.argsort(assign, kind="stable")
        cells, starts = np.unique(assign[order], return_index=True)
        sums = np.zeros_like(cent)
        sums[cells] = np.add.reduceat(train[order], starts, axis=0)
        norms = np.linalg.norm(sums, axis=1)
        empty = norms == 0
        # An empty cell restarts at a random training vector.
        sums[empty] = train[rng.choice(len(train), size=int(empty.sum()), replace=False)]
        norms[empty] = 1.0
        cent = sums / norms[:, None]
    return cent.astype(np.float32)


def _ivf_pairs(x: np.ndarray, threshold: float, max_neighbors: int, seed: int, nlist: int | None,
               nprobe: int, progress: Progress) -> tuple[list, list, list]:
    n = len(x)
    # Cost ~ n*nlist (probing) + n*nprobe*n/nlist (joining): balanced at nlist = sqrt(n * nprobe).
    nlist = nlist or int(np.clip(np.sqrt(n * nprobe), 16, 8192))
    nprobe = min(nprobe, nlist)
    cent = kmeans(x, nlist, seed)
    probes = np.empty((n, nprobe), dtype=np.int64)
    for s in range(0, n, 16384):
        progress.check_cancelled()
        sims = x[s:s + 16384] @ cent.T
        top = np.argpartition(-sims, nprobe - 1, axis=1)[:, :nprobe]
        order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1)
        probes[s:s + 16384] = np.take_along_axis(top, order, axis=1)
    home = probes[:, 0]
    by_home = np.argsort(home, kind="stable")
    home_starts = np.searchsorted(home[by_home], np.arange(nlist + 1))
    flat_cells = probes.ravel()
    by_probe = np.argsort(flat_cells, kind="stable")
    probe_starts = np.searchsorted(flat_cells[by_probe], np.arange(nlist + 1))
    out: tuple[list, list, list] = ([], [], [])
    for c in range(nlist):
        progress.check_cancelled()
        members = by_home[home_starts[c]:home_starts[c + 1]]
        if len(members) == 0:
            continue
        queries = by_probe[probe_starts[c]:probe_starts[c + 1]] // nprobe
        sims = x[queries] @ x[members].T
        sims[queries[:, None] == members[None, :]] = -2.0
        i, j, v = _hits(sims, queries, members, threshold, max_neighbors)
        out[0].append(i)
        out[1].append(j)
        out[2].append(v)
        progress.advance(len(members))
    return out


def similar_pairs(x: np.ndarray, threshold: float, *, seed: int = 0, max_neighbors: int = 32,
                  exact_max: int = EXACT_MAX, nlist: int | None = None, nprobe: int = 8,
                  progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs of rows of `x` (unit vectors) with cosine similarity >= threshold (approximately).

    Args:
        x: (n, d) float32, rows of unit length.
        threshold: cosine similarity threshold.
        seed: k-means seed (results are deterministic for a given seed).
        max_neighbors: at most this many matches kept per vector and probe (bounds memory when
            thousands of texts are near-identical; enough to keep such clusters connected).
        exact_max: up to this many vectors the join is exhaustive (exact).
        nlist, nprobe: IVF cells (default sqrt(n * nprobe)) and cells probed per vector.
        progress: advanced by n in total; cancellation honoured between blocks.

    Returns:
        (i, j, similarity) with i < j, sorted by (i, j), no repeats.
    """
    progress = progress or Progress()
    x = np.ascontiguousarray(x, dtype=np.float32)
    n = len(x)
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    if n <= exact_max:
        parts = _exact_pairs(x, threshold, max_neighbors, progress)
    else:
        parts = _ivf_pairs(x, threshold, max_neighbors, seed, nlist, nprobe, progress)
    if not parts[0]:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    i, j, v = (np.concatenate(p) for p in parts)
    lo, hi = np.minimum(i, j).astype(np.int64), np.maximum(i, j).astype(np.int64)
    code, first = np.unique(lo * n + hi, return_index=True)
    return code // n, code % n, v[first].astype(np.float32)
