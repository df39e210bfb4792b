"""Ray Data map steps: each takes a pyarrow batch and returns one, and runs on any worker.

Every step calls the same function the single-machine check calls (`normalize_series`,
`MinHasher.signatures`, `PiiAnalyzer.analyze_raw`, `hygiene.language.detect`, `embed.encode`), and
encodes its result exactly as the check caches it, so the flags cannot differ. Models are loaded once
per worker process (the core keeps them in module-level caches).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np


def minhash_batch(batch: Any, shingle: str, ngram: int, num_perm: int, seed: int) -> Any:
    """(pos, text) -> (pos, sig): normalise the raw texts and MinHash them; `sig` is num_perm uint32
    values as bytes."""
    import polars as pl
    import pyarrow as pa

    from ftcurate.core.dedup.minhash import MinHashConfig, MinHasher
    from ftcurate.core.dedup.normalize import normalize_series

    norm = normalize_series(pl.from_arrow(batch.column("text")).cast(pl.Utf8)).to_list()
    sig = MinHasher(MinHashConfig(shingle, ngram, num_perm, seed)).signatures(norm)
    sig = np.ascontiguousarray(sig, dtype=np.uint32)
    return pa.table({"pos": batch.column("pos"), "sig": [row.tobytes() for row in sig]})


def band_rows(batch: Any, sig: Any, bands: int, rows: int) -> Any:
    """(pos) -> one (band, key, pos) row per band: `key` mixes the band's values (datasketch's
    buckets are the band's values; the bucket step splits any hash collision apart again)."""
    import pyarrow as pa

    sig = _resolve(sig)
    pos = batch.column("pos").to_numpy()
    mix = np.uint64(0x9E3779B97F4A7C15)
    out_band, out_key, out_pos = [], [], []
    with np.errstate(over="ignore"):
        for b in range(bands):
            cols = sig[pos, b * rows:(b + 1) * rows].astype(np.uint64)
            key = np.zeros(len(pos), dtype=np.uint64)
            for c in range(rows):
                key = (key ^ cols[:, c]) * mix
            out_band.append(np.full(len(pos), b, dtype=np.int32))
            out_key.append(key)
            out_pos.append(pos)
    return pa.table({"band": np.concatenate(out_band), "key": np.concatenate(out_key),
                     "pos": np.concatenate(out_pos)})


def bucket_edges(group: Any, sig: Any, rows: int, threshold: float) -> Any:
    """One LSH bucket group -> verified pairs (i, j, est): all pairs of buckets up to the core's
    all-pairs limit, the core's pivot join above it, kept when the estimated Jaccard similarity
    reaches the threshold (as `ftcurate.core.dedup.lsh.near_pairs` does)."""
    import pyarrow as pa

    from ftcurate.core.dedup.lsh import _ALL_PAIRS_MAX, _pivot_pairs

    sig = _resolve(sig)
    empty = pa.table({"i": np.zeros(0, np.int64), "j": np.zeros(0, np.int64), "est": np.zeros(0)})
    pos = np.sort(group.column("pos").to_numpy())
    if len(pos) < 2:
        return empty
    band = int(group.column("band")[0].as_py())
    values = sig[pos, band * rows:(band + 1) * rows]
    _, bucket = np.unique(values, axis=0, return_inverse=True)
    out_i, out_j = [], []
    for b in np.unique(bucket):
        members = pos[bucket.reshape(-1) == b]
        m = len(members)
        if m < 2:
            continue
        if m <= _ALL_PAIRS_MAX:
            a, c = np.triu_indices(m, k=1)
            out_i.append(members[a])
            out_j.append(members[c])
        else:
            pi, pj = _pivot_pairs(sig, members, threshold)
            out_i.append(np.asarray(pi, dtype=np.int64))
            out_j.append(np.asarray(pj, dtype=np.int64))
    if not out_i:
        return empty
    i, j = np.concatenate(out_i).astype(np.int64), np.concatenate(out_j).astype(np.int64)
    est = (sig[i] == sig[j]).mean(axis=1)
    ok = est >= threshold
    return pa.table({"i": i[ok], "j": j[ok], "est": est[ok]})


def pii_batch(batch: Any, settings: dict[str, Any]) -> Any:
    """(key, text) -> (key, value): raw PII findings as the pii check caches them."""
    import pyarrow as pa

    from ftcurate.core.checks.pii import get_analyzer
    from ftcurate.core.pii.config import PiiConfig

    analyzer = get_analyzer(PiiConfig.from_dict(settings, where="pii settings"))
    results = analyzer.analyze_raw(batch.column("text").to_pylist())
    return pa.table({"key": batch.column("key"),
                     "value": [json.dumps([list(f) for f in fs]).encode() for fs in results]})


def language_batch(batch: Any, min_letters: int) -> Any:
    """(key, text) -> (key, value): detected language as the hygiene check caches it."""
    import pyarrow as pa

    from ftcurate.core.hygiene import language

    values = []
    for t in batch.column("text").to_pylist():
        lang, p = language.detect(t, min_letters)
        values.append(f"{lang or ''}:{p:.4f}".encode())
    return pa.table({"key": batch.column("key"), "value": values})


def embed_batch(batch: Any, batch_size: int, backend_name: str | None = None) -> Any:
    """(key, text) -> (key, value): sentence embeddings as the duplicate checks cache them."""
    import pyarrow as pa

    from ftcurate.core.dedup.embed import encode

    vecs = encode(batch.column("text").to_pylist(), batch_size=batch_size, backend_name=backend_name)
    return pa.table({"key": batch.column("key"), "value": [np.ascontiguousarray(v, dtype=np.float32).tobytes() for v in vecs]})


def _resolve(value: Any) -> Any:
    import ray

    return ray.get(value) if isinstance(value, ray.ObjectRef) else value
