"""Near-duplicate components on Ray: MinHash as a map step, LSH as a distributed bucket join.

`near_components` is the engine's own computation (`ftcurate.core.dedup.engine.near_components`: the
same representatives, verification and union-find) with one step swapped: the signatures and the LSH
bucket join run on the cluster. The result lands in the engine's per-run memo under the key the
duplicate checks look up, so they use it instead of recomputing.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ftcurate.core.dedup import engine
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
    """The engine's near-duplicate components with the pairs found on Ray (signatures as a map step,
    the LSH bucket join distributed); the result replaces the engine's memo entry for this frame, so
    the check that runs next reads it."""
    texts = engine.prepare(frame).questions if field == "question" else engine.prepare(frame).answers

    def ray_pairs(reps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        progress.set_status(f"Ray: MinHash of {len(reps):,} {field}s")
        sig = signatures(texts.gather(reps), mh)
        progress.set_status(f"Ray: LSH bucket join of {len(reps):,} {field}s")
        return near_pairs(sig, threshold)

    return engine.near_components(frame, field, mh, threshold, backend, progress, rows, pair_finder=ray_pairs,
                                  fresh=True)
