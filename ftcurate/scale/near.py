"""Near-duplicate components on Ray: MinHash as a map step, LSH as a distributed bucket join.

`near_components` computes exactly what `ftcurate.core.dedup.engine.near_components` computes (same
representatives, signatures, candidate buckets, verification and union-find), with the signatures and
the bucket join on the cluster, and leaves the result in the engine's per-run memo under the key the
duplicate checks look up, so they use it instead of recomputing.
"""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl

from ftcurate.core.dedup import engine
from ftcurate.core.dedup.clusters import connected_components
from ftcurate.core.dedup.lsh import lsh_params
from ftcurate.core.dedup.minhash import MinHashConfig
from ftcurate.core.progress import Progress
from ftcurate.scale.session import cluster_cpus, collect, dataset
from ftcurate.scale.steps import band_rows, bucket_edges, minhash_batch


def signatures(texts: pl.Series, mh: MinHashConfig) -> np.ndarray:
    """(len(texts), num_perm) uint32 signatures of the raw texts, normalised and hashed on Ray."""
    n = len(texts)
    sig = np.zeros((n, mh.num_perm), dtype=np.uint32)
    if n == 0:
        return sig
    ds = dataset({"pos": np.arange(n, dtype=np.int64), "text": texts.fill_null("").to_arrow()})
    ds = ds.map_batches(minhash_batch, batch_format="pyarrow", batch_size=4096,
                        fn_kwargs={"shingle": mh.shingle, "ngram": mh.ngram, "num_perm": mh.num_perm,
                                   "seed": mh.seed})
    for batch in collect(ds):
        pos = batch.column("pos").to_numpy()
        raw = b"".join(batch.column("sig").to_pylist())
        sig[pos] = np.frombuffer(raw, dtype=np.uint32).reshape(len(pos), mh.num_perm)
    return sig


def near_pairs(sig: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Same result as `ftcurate.core.dedup.lsh.near_pairs`: verified (i < j, estimate), sorted."""
    import ray

    n = sig.shape[0]
    empty = np.zeros(0, np.int64)
    if n < 2:
        return empty, empty, np.zeros(0)
    bands, rows = lsh_params(threshold, sig.shape[1])
    ref = ray.put(sig)
    ds = dataset({"pos": np.arange(n, dtype=np.int64)})
    ds = ds.map_batches(band_rows, batch_format="pyarrow", fn_kwargs={"sig": ref, "bands": bands, "rows": rows})
    ds = ds.groupby(["band", "key"], num_partitions=2 * cluster_cpus()).map_groups(bucket_edges, batch_format="pyarrow",
                                                fn_kwargs={"sig": ref, "rows": rows, "threshold": threshold})
    parts = [(b.column("i").to_numpy(), b.column("j").to_numpy(), b.column("est").to_numpy())
             for b in collect(ds) if b.num_rows]
    if not parts:
        return empty, empty, np.zeros(0)
    i, j, est = (np.concatenate(p) for p in zip(*parts, strict=True))
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    code, first = np.unique(lo * n + hi, return_index=True)
    return code // n, code % n, est[first]


def near_components(frame: pl.DataFrame, field: str, mh: MinHashConfig, threshold: float, backend: str,
                    progress: Progress, rows: np.ndarray | None = None) -> engine.Components:
    """Compute the components on Ray and leave them in the engine's memo for this frame."""
    key = (engine.fingerprint(frame), "near", field, mh, threshold, backend,
           None if rows is None else hashlib.blake2b(rows.tobytes(), digest_size=12).hexdigest())
    prep = engine.prepare(frame)
    norm, exact = (prep.q_norm, prep.exact_q) if field == "question" else (prep.a_norm, prep.exact_a)
    texts = prep.questions if field == "question" else prep.answers
    base, _ = engine._exact_components(exact, norm)
    n = len(base)
    sel = np.arange(n) if rows is None else np.unique(rows)
    sel = sel[base[sel] >= 0]
    groups, first = np.unique(base[sel], return_index=True)
    reps = sel[first]
    progress.set_status(f"Ray: MinHash of {len(reps):,} {field}s")
    sig = signatures(texts.gather(reps), mh)
    progress.set_status(f"Ray: LSH bucket join of {len(reps):,} {field}s")
    i, j, est = near_pairs(sig, threshold)
    rep_comp = connected_components(len(reps), i, j)
    rep_score = np.zeros(len(reps))
    np.maximum.at(rep_score, i, est)
    np.maximum.at(rep_score, j, est)
    group_of = np.searchsorted(groups, base[sel])
    comp_min = np.full(len(reps), n, dtype=np.int64)
    np.minimum.at(comp_min, rep_comp[group_of], sel)
    labels = base.copy()
    labels[sel] = comp_min[rep_comp[group_of]]
    score = np.zeros(n)
    copies = np.bincount(base[sel], minlength=n)[base[sel]] > 1
    score[sel] = np.maximum(copies.astype(np.float64), rep_score[group_of])
    comps = engine.Components(labels, score)
    engine._MEMO.pop(key, None)
    return engine._memo(key, lambda: comps)
