"""Near pairs kept from one check to the next: a re-check joins only the LSH buckets that changed.

`near_pairs` (the "banded" backend) finds the same buckets by sorting band hashes, then verifies
every pair of a small bucket (at most `_ALL_PAIRS_MAX` texts) and joins each big bucket against
pivots. Its result is a pure function of the texts, so a re-check can reuse the last one:

- a text is named by a 64-bit hash of its normalised form; its signature is cached under that name;
- a small bucket's verified pairs depend only on the two texts of each pair. The buckets whose
  members changed are the ones whose band hash is that of a text added or removed since the last
  run; only their pairs are verified again. A pair kept from the last run stays when its two texts
  still share a small bucket in some band (then that bucket did not change, or it is verified again);
- a big bucket's pivot pairs depend on its members in order: they are reused when the ordered
  members are the same (a digest of their names), else the bucket is joined again.

With no state (a first check) every bucket counts as changed, so the first check and a re-check run
the same code; both give exactly `near_pairs(sig, threshold, backend="banded")` (tested). The state
(text names, kept pairs, big buckets' pairs) is one entry of the project's check cache per field.
"""

from __future__ import annotations

import hashlib
import io

import numpy as np
import polars as pl

from ftcurate.core.dedup.lsh import _ALL_PAIRS_MAX, _estimates, _pivot_pairs, band_keys, band_runs, lsh_params
from ftcurate.core.progress import Progress

_NAME_SEED = 0x7E47
STATE_KEY = "state"
_CHUNK = 1 << 22
MAX_TEXTS = 1 << 26  # (i * n + j) << 11 must fit in 63 bits


def text_names(texts: pl.Series) -> np.ndarray:
    """A 64-bit name per normalised text (polars' seeded hash; the namespace names the polars version)."""
    return texts.hash(seed=_NAME_SEED).to_numpy().astype(np.uint64)


def _empty_state() -> dict[str, np.ndarray]:
    z = np.zeros(0, dtype=np.uint64)
    return {"names": z, "si": z, "sj": z, "sc": np.zeros(0, np.uint16), "big_key": np.zeros((0, 12), np.uint8),
            "big_off": np.zeros(1, np.int64), "bi": z, "bj": z}


def load_state(blob: bytes | None) -> dict[str, np.ndarray]:
    if not blob:
        return _empty_state()
    with np.load(io.BytesIO(blob), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def dump_state(state: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **state)
    return buf.getvalue()


def incremental_pairs(names: np.ndarray, sig: np.ndarray, old_sig: np.ndarray, state: dict[str, np.ndarray],
                      threshold: float, progress: Progress | None = None,
                      ) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], dict[str, np.ndarray]]:
    """Verified near pairs of the texts `names` (distinct, in row order) with signatures `sig`.

    Args:
        names: `text_names` of the texts, in the order `near_pairs` would see them.
        sig: their signatures (len(names) x num_perm).
        old_sig: signatures of the texts in `state["names"]` that are not in `names` (removed since),
            in the order of `removed_names(state, names)`.
        state: the last run's state (`load_state`; empty: compute everything).
        threshold: Jaccard threshold.

    Returns:
        ((i, j, estimate) exactly as `near_pairs(sig, threshold, backend="banded")`, the new state).
    """
    progress = progress or Progress()
    n, num_perm = sig.shape
    b, r = lsh_params(threshold, num_perm)
    sorter = np.argsort(names, kind="stable")
    sorted_names = names[sorter]
    old_names = state["names"]
    added = ~_member(names, old_names)
    removed_rows = old_sig
    # pairs kept from the last run, as rows of `names` (both texts must still be here)
    keep_i, keep_j, keep_c = _present(state["si"], state["sj"], state["sc"], old_names, sorted_names, sorter)
    still = np.zeros(len(keep_i), dtype=bool)
    open_pairs = np.arange(len(keep_i), dtype=np.int32 if len(keep_i) < 2**31 else np.int64)
    cand_i: list[np.ndarray] = []
    cand_j: list[np.ndarray] = []
    big_i: list[np.ndarray] = []
    big_j: list[np.ndarray] = []
    old_big = {bytes(k): s for s, k in enumerate(state["big_key"])}
    new_big_keys: list[bytes] = []
    new_big_pairs: list[tuple[np.ndarray, np.ndarray]] = []
    for band in range(b):
        progress.check_cancelled()
        key = band_keys(sig, band, r)
        order, run_id, run_start, run_len = band_runs(key)
        size = np.empty(n, dtype=np.int64)
        size[order] = run_len[run_id]
        # kept pairs not yet seen sharing a small bucket (most share one in the first bands)
        for c in range(0, len(open_pairs), _CHUNK):
            part = open_pairs[c:c + _CHUNK]
            ki, kj = keep_i[part], keep_j[part]
            still[part[(key[ki] == key[kj]) & (size[ki] <= _ALL_PAIRS_MAX)]] = True
        open_pairs = open_pairs[~still[open_pairs]]
        # each bucket's size in the last run: now, less the texts added, plus the texts removed
        n_added = np.bincount(run_id[added[order]], minlength=len(run_start))
        gone_keys = np.sort(band_keys(removed_rows, band, r))
        run_key = key[order[run_start]]
        n_gone = np.searchsorted(gone_keys, run_key, "right") - np.searchsorted(gone_keys, run_key)
        was_big = run_len - n_added + n_gone > _ALL_PAIRS_MAX
        small = (run_len >= 2) & (run_len <= _ALL_PAIRS_MAX)
        # a small bucket that was big: every pair is new; else only pairs with an added text are (or
        # every pair, when at least half its texts are added: fewer pairs than listing each added one's)
        every = small & (was_big | (2 * n_added >= run_len))  # (first check: every text is added)
        _all_pairs(order, run_start, run_len, np.flatnonzero(every), cand_i, cand_j)
        p_added = np.flatnonzero(added[order] & small[run_id] & ~every[run_id])
        if len(p_added):
            rs = run_id[p_added]
            cnt = run_len[rs]
            at = np.repeat(run_start[rs], cnt) + (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt))
            me = np.repeat(p_added, cnt)
            other = at != me
            cand_i.append(order[me[other]])
            cand_j.append(order[at[other]])
        for rs in np.flatnonzero(run_len > _ALL_PAIRS_MAX):
            members = np.sort(order[run_start[rs]:run_start[rs] + run_len[rs]])
            digest = band.to_bytes(2, "little") + hashlib.blake2b(names[members].tobytes(), digest_size=10).digest()
            slot = old_big.get(digest)
            if slot is not None:
                lo, hi = state["big_off"][slot], state["big_off"][slot + 1]
                pi = _rows(state["bi"][lo:hi], sorted_names, sorter)
                pj = _rows(state["bj"][lo:hi], sorted_names, sorter)
            else:
                li, lj = _pivot_pairs(sig, members, threshold)
                pi, pj = np.asarray(li, dtype=np.int64), np.asarray(lj, dtype=np.int64)
            new_big_keys.append(digest)
            new_big_pairs.append((pi, pj))
            big_i.append(pi)
            big_j.append(pj)
        progress.advance(n // b)
    # fresh candidates (changed small buckets) are verified; kept pairs and big-bucket pairs are not
    ci, cj = _unique_pairs(cand_i, cand_j, n)
    del cand_i, cand_j
    est_fresh = _chunked_estimates(sig, ci, cj)
    ok = est_fresh >= threshold
    # small pairs as one sorted array of (i * n + j) << 11 | equal values (num_perm <= 1024 < 2^11)
    packed = np.concatenate(((keep_i[still].astype(np.int64) * n + keep_j[still]) << 11 | keep_c[still],
                             (ci[ok] * n + cj[ok]) << 11 | np.round(est_fresh[ok] * num_perm).astype(np.int64)))
    del keep_i, keep_j, keep_c, still, open_pairs, ci, cj, est_fresh, ok
    packed.sort()
    code_s = packed >> 11
    first = np.concatenate(([True], code_s[1:] != code_s[:-1])) if len(code_s) else np.zeros(0, dtype=bool)
    code_s, count_s = code_s[first], (packed[first] & 2047).astype(np.uint16)
    del packed, first
    bi, bj = _unique_pairs(big_i, big_j, n)
    code_b = bi * n + bj
    extra = ~_member(code_b, code_s)
    est_big = _chunked_estimates(sig, bi[extra], bj[extra])
    new_state = _new_state(names, code_s // n, code_s % n, count_s, new_big_keys, new_big_pairs)
    code = np.concatenate((code_s, code_b[extra]))
    est = np.concatenate((count_s / num_perm, est_big))
    del code_s, count_s
    if extra.any():
        order = np.argsort(code, kind="stable")
        code, est = code[order], est[order]
    return (code // n, code % n, est), new_state


def _chunked_estimates(sig: np.ndarray, i: np.ndarray, j: np.ndarray, chunk: int = 32768) -> np.ndarray:
    """`_estimates` a chunk at a time (each gathers two signature rows per pair)."""
    return np.concatenate([_estimates(sig, i[c:c + chunk], j[c:c + chunk]) for c in range(0, len(i), chunk)]
                          or [np.zeros(0)])


def _all_pairs(order, run_start, run_len, runs, out_i, out_j) -> None:
    """Every pair of members of the buckets `runs` (positions in `order`), appended to out_i/out_j."""
    if not len(runs):
        return
    cnt = run_len[runs]
    p = np.repeat(run_start[runs], cnt) + (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    pos_in_run = p - np.repeat(run_start[runs], cnt)
    pos_len = np.repeat(cnt, cnt)
    d = 1
    while len(p):
        keep = pos_in_run + d < pos_len
        p, pos_in_run, pos_len = p[keep], pos_in_run[keep], pos_len[keep]
        if not len(p):
            break
        out_i.append(order[p])
        out_j.append(order[p + d])
        d += 1


def _member(x: np.ndarray, sorted_y: np.ndarray) -> np.ndarray:
    """x in sorted_y, element-wise (one binary search each; `np.isin` hashes both arrays)."""
    if len(sorted_y) == 0:
        return np.zeros(len(x), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_y, x), len(sorted_y) - 1)
    return sorted_y[pos] == x


def removed_names(state: dict[str, np.ndarray], names: np.ndarray) -> np.ndarray:
    """The texts of the last run that are gone now (their signatures are needed, see `incremental_pairs`)."""
    return state["names"][~_member(state["names"], np.sort(names))]


def _rows(wanted: np.ndarray, sorted_names: np.ndarray, sorter: np.ndarray) -> np.ndarray:
    return sorter[np.searchsorted(sorted_names, wanted)]


def _present(si, sj, sc, old_names, sorted_names, sorter):
    """The last run's small pairs (indices into old_names) whose texts are both still here, as rows
    (int32, i < j) with their equal-value counts."""
    row_of = np.full(len(old_names), -1, dtype=np.int32)  # each old text's row now (-1: gone)
    if len(sorted_names):
        pos = np.minimum(np.searchsorted(sorted_names, old_names), len(sorted_names) - 1)
        here = sorted_names[pos] == old_names
        row_of[here] = sorter[pos[here]]
    out_i, out_j, out_c = [np.zeros(0, np.int32)], [np.zeros(0, np.int32)], [np.zeros(0, np.uint16)]
    for c in range(0, len(si), _CHUNK):
        i, j = row_of[si[c:c + _CHUNK]], row_of[sj[c:c + _CHUNK]]
        ok = (i >= 0) & (j >= 0)
        i, j = i[ok], j[ok]
        out_i.append(np.minimum(i, j))
        out_j.append(np.maximum(i, j))
        out_c.append(sc[c:c + _CHUNK][ok])
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_c)


def _unique_pairs(parts_i: list[np.ndarray], parts_j: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    from ftcurate.core.dedup.lsh import sorted_unique

    if not parts_i:
        z = np.zeros(0, dtype=np.int64)
        return z, z
    i = np.concatenate(parts_i).astype(np.int64)
    j = np.concatenate(parts_j).astype(np.int64)
    code = sorted_unique(np.minimum(i, j) * n + np.maximum(i, j))
    return code // n, code % n


def _new_state(names, si, sj, sc, big_keys, big_pairs) -> dict[str, np.ndarray]:
    sorter = np.argsort(names, kind="stable")
    rank = np.empty(len(names), dtype=np.int64)
    rank[sorter] = np.arange(len(names))
    sizes = [len(p[0]) for p in big_pairs]
    bi = np.concatenate([p[0] for p in big_pairs]).astype(np.int64) if big_pairs else np.zeros(0, np.int64)
    bj = np.concatenate([p[1] for p in big_pairs]).astype(np.int64) if big_pairs else np.zeros(0, np.int64)
    return {"names": names[sorter], "si": rank[si].astype(np.uint32), "sj": rank[sj].astype(np.uint32),
            "sc": sc.astype(np.uint16),
            "big_key": np.frombuffer(b"".join(big_keys), dtype=np.uint8).reshape(-1, 12),
            "big_off": np.concatenate(([0], np.cumsum(sizes))).astype(np.int64),
            "bi": names[bi], "bj": names[bj]}
