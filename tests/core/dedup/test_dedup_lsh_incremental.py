"""The LSH pairs kept from one run to the next equal the pairs computed from scratch, whatever changed."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ftcurate.core.dedup import lsh
from ftcurate.core.dedup import lsh_incremental as inc
from ftcurate.core.dedup.lsh import near_pairs
from ftcurate.core.dedup.minhash import MinHashConfig, MinHasher

HASHER = MinHasher(MinHashConfig())


def _corpus(rng) -> list[str]:
    # templated texts (numbers vary) fill buckets past the all-pairs limit; typo copies make small ones
    texts = [f"where is my order {rng.integers(10**6, 10**7)} please" for _ in range(1200)]
    texts += [f"refunds take {rng.integers(2, 30)} days for order {rng.integers(100, 999)}" for _ in range(800)]
    texts += [t[:-2] for t in texts[:300]] + [t.replace("my", "our") for t in texts[300:500]]
    return list(dict.fromkeys(texts))


def _run(texts, state, sigs):
    names = inc.text_names(pl.Series(texts))
    sig = HASHER.signatures(texts)
    sigs.update(zip(names.tolist(), sig, strict=True))
    gone = inc.removed_names(state, names)
    old_sig = np.array([sigs[x] for x in gone.tolist()], dtype=np.uint32).reshape(-1, sig.shape[1])
    (i, j, est), new_state = inc.incremental_pairs(names, sig, old_sig, state, 0.7)
    want = near_pairs(sig, 0.7, 1, backend="banded")
    assert np.array_equal(i, want[0]) and np.array_equal(j, want[1]) and np.array_equal(est, want[2])
    return len(i), inc.load_state(inc.dump_state(new_state))


@pytest.fixture
def small_limit(monkeypatch):
    # a lower all-pairs limit puts many buckets on both sides of it with a corpus that tests quickly
    monkeypatch.setattr(lsh, "_ALL_PAIRS_MAX", 40)
    monkeypatch.setattr(inc, "_ALL_PAIRS_MAX", 40)


def test_incremental_pairs_equal_a_computation_from_scratch_after_each_change(small_limit):
    rng = np.random.default_rng(4)
    texts = _corpus(rng)
    sigs: dict[int, np.ndarray] = {}
    found, state = _run(texts, inc.load_state(None), sigs)  # first run: no state
    assert found > 500 and len(state["big_off"]) > 2  # small and big buckets both seen
    edited = list(texts)
    for k in rng.choice(len(edited), len(edited) // 20, replace=False):  # 5 % edited
        edited[int(k)] += " anything else"
    edited = list(dict.fromkeys(edited[40:] + ["where is my order 1234567 please", "a new text"]))
    _, state = _run(edited, state, sigs)
    _, state = _run(edited, state, sigs)  # nothing changed
    shuffled = [edited[int(k)] for k in rng.permutation(len(edited))]  # same texts, other order
    _, state = _run(shuffled, state, sigs)
    shrunk = [t for t in shuffled if not t.startswith("where")][:-5]  # big buckets become small or go
    _, state = _run(shrunk, state, sigs)
    _run(edited, state, sigs)  # and back


def test_buckets_that_cross_the_all_pairs_limit_either_way(small_limit):
    rng = np.random.default_rng(5)
    texts = _corpus(rng)
    sigs: dict[int, np.ndarray] = {}
    state = inc.load_state(None)
    for share in (1.0, 0.3, 0.9, 0.5, 1.0, 0.15, 0.6):  # buckets shrink below the limit and grow past it
        keep = np.sort(rng.choice(len(texts), int(len(texts) * share), replace=False))
        _, state = _run([texts[int(k)] for k in keep], state, sigs)


def test_cached_near_pairs_through_a_project(tmp_path):
    from ftcurate.core.dedup.near_cache import cached_near_pairs
    from ftcurate.core.store import Project

    rng = np.random.default_rng(6)
    texts = _corpus(rng)
    want = near_pairs(HASHER.signatures(texts), 0.7, 1)
    with Project.create(tmp_path / "p.ftcurate") as project:
        first = cached_near_pairs(project, pl.Series(texts), MinHashConfig(), 0.7, "question")
        written = []
        put = project.cache_put
        project.cache_put = lambda ns, items: (written.append(ns), put(ns, items))
        again = cached_near_pairs(project, pl.Series(texts), MinHashConfig(), 0.7, "question")
        assert written == []  # nothing changed: no signature computed, the state left as it is
        edited = texts[:-1] + [texts[0] + " again"]
        third = cached_near_pairs(project, pl.Series(edited), MinHashConfig(), 0.7, "question")
        assert len(written) == 2  # the new text's signature and the new state
    for got in (first, again):
        assert all(np.array_equal(g, w) for g, w in zip(got, want, strict=True))
    want3 = near_pairs(HASHER.signatures(edited), 0.7, 1)
    assert all(np.array_equal(g, w) for g, w in zip(third, want3, strict=True))
