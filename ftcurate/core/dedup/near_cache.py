"""Near pairs through the project's check cache: MinHash signatures per text, and the last run's pairs.

Signatures are cached per normalised text (namespace `minhash.v1:<settings>`, key: the text's 64-bit
name in hex); the pair state of `lsh_incremental` is one entry per field (`near.v1:<field>:<settings>`).
Both namespaces name the polars version, whose seeded string hash names the texts.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ftcurate.core.dedup import lsh_incremental as inc
from ftcurate.core.dedup.minhash import MinHashConfig, MinHasher
from ftcurate.core.progress import Progress
from ftcurate.core.records import settings_digest


def _namespaces(mh: MinHashConfig, threshold: float, field: str) -> tuple[str, str]:
    shape = {"shingle": mh.shingle, "ngram": mh.ngram, "num_perm": mh.num_perm, "seed": mh.seed,
             "polars": pl.__version__}
    return (f"minhash.v1:{settings_digest(shape)}",
            f"near.v1:{field}:{settings_digest({**shape, 'threshold': threshold})}")


def cached_near_pairs(project, texts: pl.Series, mh: MinHashConfig, threshold: float, field: str,
                      progress: Progress | None = None,
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """`near_pairs(signatures of texts, threshold)` computed from the last run's state and cached
    signatures, only what changed being computed; None when the texts' names collide (the caller
    then computes everything)."""
    progress = progress or Progress()
    names = inc.text_names(texts)
    if len(np.unique(names)) != len(names) or len(names) >= inc.MAX_TEXTS:
        return None
    sig_ns, state_ns = _namespaces(mh, threshold, field)
    state = inc.load_state(project.cache_get(state_ns, [inc.STATE_KEY]).get(inc.STATE_KEY))
    gone = inc.removed_names(state, names)
    keys = [f"{x:016x}" for x in names.tolist()]
    gone_keys = [f"{x:016x}" for x in gone.tolist()]
    cached = project.cache_get(sig_ns, keys + gone_keys)
    if any(k not in cached for k in gone_keys):  # the cache lost a signature: start afresh
        state, gone_keys = inc.load_state(None), []
    num_perm = mh.num_perm
    todo = [r for r, k in enumerate(keys) if k not in cached]
    if todo:
        fresh = MinHasher(mh).signatures(texts.gather(todo).to_list(), progress=progress)
        new = {keys[r]: fresh[t].tobytes() for t, r in enumerate(todo)}
        project.cache_put(sig_ns, new)
        cached.update(new)
    progress.advance(len(keys))
    sig = np.frombuffer(b"".join(cached[k] for k in keys), dtype=np.uint32).reshape(len(keys), num_perm)
    old_sig = np.frombuffer(b"".join(cached[k] for k in gone_keys), dtype=np.uint32).reshape(-1, num_perm)
    del cached
    pairs, new_state = inc.incremental_pairs(names, sig, old_sig, state, threshold, progress)
    same = state.keys() == new_state.keys() and all(
        state[k].dtype == new_state[k].dtype and np.array_equal(state[k], new_state[k]) for k in state)
    if not same:  # a re-check with nothing edited leaves the (large) entry as it is
        project.cache_put(state_ns, {inc.STATE_KEY: inc.dump_state(new_state)})
    return pairs
