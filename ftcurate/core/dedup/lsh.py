"""Near-duplicate pairs: datasketch `MinHashLSH` over vectorised signatures, then verification.

Each signature is wrapped as a `LeanMinHash(seed=, hashvalues=, scheme="affine32")` and inserted into a
`MinHashLSH` with the configured threshold (datasketch picks the bands/rows that minimise false
positives + false negatives). Candidate pairs are read from the LSH buckets once, after all inserts
(cheaper than one `query` per text), and kept only when the estimated Jaccard similarity (fraction of
equal signature values) reaches the threshold.

By default ("auto") the same buckets (datasketch's bands and rows) are formed in numpy by sorting
band hashes: datasketch's dict-of-sets storage costs ~5 KB and ~65 us per text with 14 bands (26 s
of a 100k re-check went into inserting signatures one by one), where the sort takes a fraction of a
second and 8 bytes per text per band. Tests check that both backends give the same pairs.
"""

from __future__ import annotations

import numpy as np

from ftcurate.core.progress import Progress

# Buckets larger than this are joined against pivots instead of all pairs (templated data can put
# thousands of texts in one bucket; all pairs would be quadratic).
_ALL_PAIRS_MAX = 200
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _estimates(sig: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard of the pairs (a[k], b[k]): equal signature values / num_perm. Counting with
    `count_nonzero` gives the very float `(sig[a] == sig[b]).mean(axis=1)` gives, faster."""
    return np.count_nonzero(sig[a] == sig[b], axis=1) / sig.shape[1]


def _verify(sig: np.ndarray, i: np.ndarray, j: np.ndarray, threshold: float,
            chunk: int = 32768) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keep_i, keep_j, keep_s = [], [], []
    for s in range(0, len(i), chunk):
        a, b = i[s:s + chunk], j[s:s + chunk]
        est = _estimates(sig, a, b)
        ok = est >= threshold
        keep_i.append(a[ok])
        keep_j.append(b[ok])
        keep_s.append(est[ok])
    if not keep_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    return np.concatenate(keep_i), np.concatenate(keep_j), np.concatenate(keep_s)


def _matches(x: np.ndarray, y: np.ndarray, threshold: float, chunk: int = 64) -> np.ndarray:
    """(len(x), len(y)) booleans: estimated Jaccard of x[a] and y[b] >= threshold (signature rows)."""
    out = np.zeros((len(x), len(y)), dtype=bool)
    n_perm = x.shape[1]
    for s in range(0, len(y), chunk):
        eq = x[:, None, :] == y[None, s:s + chunk, :]
        out[:, s:s + chunk] = np.count_nonzero(eq, axis=2) / n_perm >= threshold
    return out


def _pivot_pairs(sig: np.ndarray, members: np.ndarray, threshold: float,
                 block: int = 128) -> tuple[list[int], list[int]]:
    """Greedy join of a big bucket: each member (in the given order) is compared with the pivots so
    far and linked to every pivot it matches; a member matching none becomes a pivot.

    Worked a block of members at a time: a block is compared with the pivots before it and with
    itself in two matrix steps, and only the pivot decisions inside the block are taken one member
    at a time (a member is a pivot when it matches no earlier pivot), which gives the pairs of the
    one-member-at-a-time definition (tested against it)."""
    members = np.asarray(members, dtype=np.int64)
    pivots = np.zeros(0, dtype=np.int64)
    piv_sig = np.zeros((0, sig.shape[1]), dtype=sig.dtype)
    out_i: list[np.ndarray] = []
    out_j: list[np.ndarray] = []
    for s in range(0, len(members), block):
        blk = members[s:s + block]
        bsig = sig[blk]
        old = _matches(bsig, piv_sig, threshold)  # (b, pivots so far)
        inner = _matches(bsig, bsig, threshold)  # (b, b); only earlier members (k < m) count
        inner &= np.tri(len(blk), k=-1, dtype=bool)
        is_piv = np.zeros(len(blk), dtype=bool)
        for m in np.flatnonzero(~old.any(axis=1)).tolist():
            is_piv[m] = not (inner[m, :m] & is_piv[:m]).any()
        inner &= is_piv[None, :]
        oi, oj = np.nonzero(old)
        ii, ij = np.nonzero(inner)
        out_i += [pivots[oj], blk[ij]]
        out_j += [blk[oi], blk[ii]]
        pivots = np.concatenate((pivots, blk[is_piv]))
        piv_sig = np.concatenate((piv_sig, bsig[is_piv]))
    if not out_i:
        return [], []
    return np.concatenate(out_i).tolist(), np.concatenate(out_j).tolist()


def sorted_unique(x: np.ndarray) -> np.ndarray:
    """`np.unique(x)` by one sort and a mask: numpy 2.4's `np.unique` took 3.8 s for 1.6M pair codes
    where the sort takes 0.2 s."""
    if len(x) == 0:
        return x
    s = np.sort(x)
    return s[np.concatenate(([True], s[1:] != s[:-1]))]


def band_keys(sig: np.ndarray, band: int, r: int) -> np.ndarray:
    """A 64-bit hash of band `band` (rows `r`) of every signature."""
    cols = sig[:, band * r:(band + 1) * r].astype(np.uint64)
    key = np.zeros(len(sig), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for c in range(r):
            key = (key ^ cols[:, c]) * _MIX
    return key


def band_runs(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The buckets of one band: texts sorted by key (`order`, stable), each sorted position's bucket
    number (`run_id`), and each bucket's first sorted position and size (`run_start`, `run_len`)."""
    order = np.argsort(key, kind="stable")
    skey = key[order]
    new_run = np.concatenate(([True], skey[1:] != skey[:-1]))
    run_id = np.cumsum(new_run) - 1
    run_start = np.flatnonzero(new_run)
    run_len = np.diff(np.concatenate((run_start, [len(key)])))
    return order, run_id, run_start, run_len


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) that datasketch's `MinHashLSH` chooses for this threshold and signature length."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def _bucket_pairs(members: list[int], sig: np.ndarray, threshold: float,
                  out_i: list[int], out_j: list[int]) -> None:
    m = len(members)
    if m <= _ALL_PAIRS_MAX:
        ms = sorted(members)
        for a in range(m - 1):
            out_i.extend([ms[a]] * (m - 1 - a))
            out_j.extend(ms[a + 1:])
    else:
        pi, pj = _pivot_pairs(sig, np.array(sorted(members)), threshold)
        out_i.extend(pi)
        out_j.extend(pj)


def candidates_datasketch(sig: np.ndarray, threshold: float, seed: int,
                          progress: Progress) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs from datasketch's `MinHashLSH` (in-memory dict storage, ~5 KB per text)."""
    from datasketch import LeanMinHash, MinHashLSH

    from ftcurate.core.dedup.minhash import SCHEME

    n, num_perm = sig.shape
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    step = 20_000
    with lsh.insertion_session(buffer_size=step) as session:
        for s in range(0, n, step):
            progress.check_cancelled()
            for k in range(s, min(n, s + step)):
                session.insert(k, LeanMinHash(seed=seed, hashvalues=sig[k], scheme=SCHEME),
                               check_duplication=False)
            progress.advance(min(n, s + step) - s)
    out_i: list[int] = []
    out_j: list[int] = []
    for table in lsh.hashtables:
        progress.check_cancelled()
        for key in table.keys():
            members = table.get(key)
            if len(members) > 1:
                _bucket_pairs(list(members), sig, threshold, out_i, out_j)
    return np.array(out_i, dtype=np.int64), np.array(out_j, dtype=np.int64)


def candidates_banded(sig: np.ndarray, threshold: float, progress: Progress,
                      ) -> tuple[np.ndarray, np.ndarray]:
    """The same buckets as `MinHashLSH` (same bands and rows), found by sorting band hashes in numpy.

    Two texts share a bucket when one whole band of their signatures is equal, exactly as in
    datasketch. The band is reduced to a 64-bit hash first; a hash collision can only add a
    candidate, which verification then drops. Memory: 8 bytes per text per band.
    """
    n, num_perm = sig.shape
    b, r = lsh_params(threshold, num_perm)
    out_i: list[np.ndarray] = []
    out_j: list[np.ndarray] = []
    big_i: list[int] = []
    big_j: list[int] = []
    for band in range(b):
        progress.check_cancelled()
        order, run_id, run_start, run_len = band_runs(band_keys(sig, band, r))
        pos_len = run_len[run_id]
        pos_in_run = np.arange(n) - run_start[run_id]
        small = (pos_len >= 2) & (pos_len <= _ALL_PAIRS_MAX)
        p = np.flatnonzero(small)
        d = 1
        while len(p):
            p = p[pos_in_run[p] + d < pos_len[p]]
            if not len(p):
                break
            out_i.append(order[p])
            out_j.append(order[p + d])
            d += 1
        for rs in np.flatnonzero(run_len > _ALL_PAIRS_MAX):
            members = order[run_start[rs]:run_start[rs] + run_len[rs]]
            pi, pj = _pivot_pairs(sig, np.sort(members), threshold)
            big_i.extend(pi)
            big_j.extend(pj)
        progress.advance(n // b)
    i = np.concatenate(out_i + [np.array(big_i, dtype=np.int64)]) if out_i or big_i else np.zeros(0, np.int64)
    j = np.concatenate(out_j + [np.array(big_j, dtype=np.int64)]) if out_j or big_j else np.zeros(0, np.int64)
    return i.astype(np.int64), j.astype(np.int64)


def near_pairs(sig: np.ndarray, threshold: float, seed: int, progress: Progress | None = None,
               backend: str = "auto") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of rows of `sig` whose estimated Jaccard similarity is at least `threshold`.

    Args:
        sig: (n, num_perm) uint32 signatures in datasketch's "affine32" scheme (see `minhash`).
        threshold: Jaccard threshold in (0, 1].
        seed: the permutation seed the signatures were made with.
        progress: reports progress (n steps); honours cancellation.
        backend: "datasketch" (`MinHashLSH` + `LeanMinHash`, one insert per text), "banded" (the same
            buckets in numpy, vectorised), or "auto" (banded).

    Returns:
        (i, j, estimate) with i < j, sorted, no repeats.
    """
    progress = progress or Progress()
    n = sig.shape[0]
    empty = np.zeros(0, np.int64)
    if n < 2:
        return empty, empty, np.zeros(0, np.float64)
    if backend == "auto":
        backend = "banded"
    if backend == "datasketch":
        i, j = candidates_datasketch(sig, threshold, seed, progress)
    elif backend == "banded":
        i, j = candidates_banded(sig, threshold, progress)
    else:
        raise ValueError(f"unknown LSH backend {backend!r}")
    if len(i) == 0:
        return empty, empty, np.zeros(0, np.float64)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    code = sorted_unique(lo * n + hi)
    return _verify(sig, code // n, code % n, threshold)
