"""Paraphrase clusters that do not chain: average linkage over a nearest-neighbour graph.

Connected components over "similarity >= t" edges chain: A~B and B~C puts A and C together however
different they are, and on templated data one component swallowed 37,430 different questions. Here
two clusters merge only when the *average* similarity over all their cross pairs is at least `t`, so
every cluster's members are, on average, as close to each other as the threshold asks.

How:

1. `centre`: the vectors minus their mean direction (blended with a shipped reference mean for
   small data), renormalised. Support questions all share a
   "this is a support question" direction that lifts every cosine; removing it spreads unrelated
   questions apart while rewordings of one question stay close.
   Optionally (`projection: true` in the check's settings) the centred vectors are then mapped by a
   learnt linear projection (`paraphrase_projection`) that pulls rewordings of one request together.
2. Candidate pairs: similarity >= t on the centred vectors (`ann.similar_pairs`, exact blocks up to
   20k vectors, an inverted-file index beyond). Two clusters whose average similarity is >= t must
   have at least one member pair >= t, so these candidates are enough.
3. Average linkage, exactly: for unit vectors the mean cosine between clusters A and B is
   `sum(A) . sum(B) / (|A| |B|)`, so a cluster is its vector sum and its size. Merging runs in rounds
   (reciprocal nearest neighbours, as in RAC): each round every cluster finds its best partner among
   its candidate edges and mutual best pairs at or above `t` merge. Average linkage is reducible, so
   this gives the same clusters as the one-merge-at-a-time algorithm on the same candidate edges.
4. A cap: no merge makes a cluster larger than `max_size` (a safety net; coherence already bounds it).

Cost: each round is one pass over the candidate edges (at most `max_neighbors` per vector), in blocks,
so memory stays bounded; rounds shrink as clusters settle.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ftcurate.core.progress import Progress

EDGE_BLOCK = 65_536  # candidate edges scored per block (~100 MB of gathered sums at 384 dims)


REFERENCE_WEIGHT = 1000  # the reference centre counts as this many questions (a prior for small data)
PROJECTION_FILE = Path(__file__).with_name("projection_minilm.npz")
_reference: np.ndarray | None = None
_projection: np.ndarray | None = None


def reference_centre() -> np.ndarray | None:
    """Mean MiniLM vector of 2,000 BANKING77 questions shipped with the package (None if missing);
    built by scripts/make_paraphrase_centre.py."""
    global _reference
    if _reference is None:
        path = Path(__file__).with_name("centre_minilm.npy")
        if path.is_file():
            _reference = np.load(path).astype(np.float32)
    return _reference


def paraphrase_projection() -> np.ndarray:
    """The learnt 384 x 384 map applied to centred MiniLM vectors before clustering (float32).

    Trained contrastively on support questions (BANKING77 intents) and ParaDetox rewrites so that
    rewordings of one request move closer (it also brings some different requests on one topic
    together, so the checks use it only when asked: docs/benchmarks.md); rebuilt, deterministically,
    by scripts/train_paraphrase_projection.py.

    Raises:
        ConfigError: the package's weight file is missing (a broken install).
    """
    global _projection
    if _projection is None:
        from ftcurate.core.errors import ConfigError

        if not PROJECTION_FILE.is_file():
            raise ConfigError("the paraphrase check's projection weights are missing; reinstall ftcurate",
                              path=PROJECTION_FILE)
        with np.load(PROJECTION_FILE) as z:
            _projection = z["w"].astype(np.float32)
    return _projection


def centre(x: np.ndarray, reference: np.ndarray | None = None,
           weight: int = REFERENCE_WEIGHT, projection: np.ndarray | None = None) -> np.ndarray:
    """`x` (unit rows) minus their mean, optionally projected, renormalised to unit rows (float32).

    The mean is the data's own, blended with `reference` counted as `weight` rows, so a project of
    a dozen questions is centred on typical support questions rather than on its own noisy mean,
    and a project of 100k on itself. `projection` (d x k, see `paraphrase_projection`) maps the
    centred rows before renormalising. A row equal to the centre stays as it was (projected).
    """
    x = np.asarray(x, dtype=np.float32)
    if len(x) == 0:
        return x.copy() if projection is None else np.zeros((0, projection.shape[1]), dtype=np.float32)
    mean = x.sum(axis=0, dtype=np.float64)
    if reference is not None and len(reference) == x.shape[1]:
        mean = (mean + weight * reference.astype(np.float64)) / (len(x) + weight)
    else:
        mean /= len(x)
    c = x - mean.astype(np.float32)
    same = np.linalg.norm(c, axis=1) < 1e-6
    c[same] = x[same]
    if projection is not None:
        c = c @ np.asarray(projection, dtype=np.float32)
    norms = np.linalg.norm(c, axis=1)
    norms[norms < 1e-6] = 1.0  # a row the projection maps to zero stays zero: similar to nothing
    return c / norms[:, None]


def _links(sums: np.ndarray, size: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(len(a), dtype=np.float64)
    for s in range(0, len(a), EDGE_BLOCK):
        e = s + EDGE_BLOCK
        dots = np.einsum("ij,ij->i", sums[a[s:e]], sums[b[s:e]], dtype=np.float64)
        out[s:e] = dots / (size[a[s:e]] * size[b[s:e]])
    return out


def _best_partner(n: int, a: np.ndarray, b: np.ndarray, link: np.ndarray) -> np.ndarray:
    """For each cluster, its partner with the highest link (ties: smallest id); -1 without edges."""
    ends = np.concatenate([a, b])
    other = np.concatenate([b, a])
    val = np.concatenate([link, link])
    order = np.lexsort((other, -val, ends))  # by cluster, then best link, then smallest partner
    ends, other = ends[order], other[order]
    first = np.ones(len(ends), dtype=bool)
    first[1:] = ends[1:] != ends[:-1]
    best = np.full(n, -1, dtype=np.int64)
    best[ends[first]] = other[first]
    return best


def average_linkage(x: np.ndarray, i: np.ndarray, j: np.ndarray, threshold: float, *,
                    max_size: int = 1000, progress: Progress | None = None) -> np.ndarray:
    """Average-linkage clusters of the rows of `x` over candidate edges (i, j).

    Args:
        x: (n, d) unit vectors (already centred if wanted).
        i, j: candidate edges (row positions); clusters only merge across them.
        threshold: merge while the mean cosine between two clusters is >= threshold.
        max_size: no merge produces a cluster with more rows than this.
        progress: cancellation is honoured between rounds.

    Returns:
        int64 labels, each row's label being the smallest row position in its cluster. Deterministic:
        the same input gives the same labels whatever the order of the edges.
    """
    progress = progress or Progress()
    n = len(x)
    labels = np.arange(n, dtype=np.int64)
    if n < 2 or len(i) == 0:
        return labels
    sums = np.asarray(x, dtype=np.float32).copy()
    size = np.ones(n, dtype=np.float64)
    a = np.minimum(i, j).astype(np.int64)
    b = np.maximum(i, j).astype(np.int64)
    while True:
        progress.check_cancelled()
        a, b = labels[a], labels[b]
        keep = a != b
        lo, hi = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
        code = np.unique(lo * n + hi)
        a, b = code // n, code % n
        if len(a) == 0:
            break
        link = _links(sums, size, a, b)
        # An edge below the threshold now can only rise through a later merge of one end with a
        # closer cluster, and never by more than that cluster's weight: drop the hopeless ones.
        live = (link >= threshold - 0.25) & (size[a] + size[b] <= max_size)
        a, b, link = a[live], b[live], link[live]
        ok = link >= threshold
        if not ok.any():
            break
        best = _best_partner(n, a[ok], b[ok], link[ok])
        pa, pb = a[ok], b[ok]
        mutual = (best[pa] == pb) & (best[pb] == pa)
        pa, pb = pa[mutual], pb[mutual]
        if len(pa) == 0:
            break
        # pa < pb, and each cluster is in at most one mutual pair: merge pb into pa.
        sums[pa] += sums[pb]
        size[pa] += size[pb]
        parent = np.arange(n, dtype=np.int64)
        parent[pb] = pa
        labels = parent[labels]
    return labels


def best_similarity(x: np.ndarray, labels: np.ndarray, i: np.ndarray, j: np.ndarray,
                    sim: np.ndarray) -> np.ndarray:
    """Per row, the highest candidate-edge similarity to another member of its cluster (0 if none)."""
    out = np.zeros(len(x))
    same = labels[i] == labels[j]
    np.maximum.at(out, i[same], sim[same])
    np.maximum.at(out, j[same], sim[same])
    return out
