"""LSH near pairs (both backends), connected components, and the ANN join."""

from __future__ import annotations

import numpy as np
import pytest

from ftcurate.core.dedup.ann import similar_pairs
from ftcurate.core.dedup.clusters import connected_components, groups
from ftcurate.core.dedup.lsh import near_pairs
from ftcurate.core.dedup.minhash import MinHashConfig, MinHasher
from ftcurate.core.dedup.normalize import normalize_series

NEAR = [
    ("how do i reset my password", "how do i reset my pasword"),
    ("why was i charged twice for the same transaction", "why was i charged twice for the same transactions"),
    ("i want to cancel my order right now please", "i want to cancel my order right now"),
    ("where can i find a mastercard atm near me", "where can i find a mastercard atm near me today"),
]
DIFFERENT = ["what is your refund policy", "do you ship to canada", "my card was declined at the shop",
             "how long does delivery take", "can i change my delivery address", "is there a student discount",
             "how do i close my account", "what currencies do you support"]


def _texts():
    return [t for pair in NEAR for t in pair] + DIFFERENT


@pytest.mark.parametrize("backend", ["datasketch", "banded"])
def test_near_duplicates_found_and_different_texts_not(backend):
    texts = _texts()
    sig = MinHasher(MinHashConfig()).signatures(texts)
    i, j, est = near_pairs(sig, 0.7, seed=1, backend=backend)
    found = set(zip(i.tolist(), j.tolist(), strict=True))
    assert found == {(2 * k, 2 * k + 1) for k in range(len(NEAR))}
    assert (est >= 0.7).all()


def test_backends_give_the_same_pairs():
    rng = np.random.default_rng(1)
    vocab = [f"w{i}" for i in range(300)]
    texts = [" ".join(rng.choice(vocab, rng.integers(4, 12))) for _ in range(1500)]
    for k in range(0, 1500, 7):  # near copies: last word replaced
        words = texts[k].split()
        texts[k + 1 if k + 1 < 1500 else k] = " ".join(words[:-1] + ["zz"])
    texts += ["the very same text here"] * 250  # one bucket bigger than the all-pairs limit
    sig = MinHasher(MinHashConfig(shingle="word", ngram=1)).signatures(list(normalize_series(
        __import__("polars").Series(texts))))
    a = near_pairs(sig, 0.6, 1, backend="datasketch")
    b = near_pairs(sig, 0.6, 1, backend="banded")
    assert len(a[0]) > 150
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    labels = connected_components(len(texts), a[0], a[1])
    assert len(set(labels[1500:].tolist())) == 1  # the 250 copies form one component


def test_connected_components_matches_reference():
    rng = np.random.default_rng(2)
    n = 500
    i = rng.integers(0, n, 300)
    j = rng.integers(0, n, 300)
    labels = connected_components(n, i, j)
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        parent[find(a)] = find(b)
    comps: dict[int, list[int]] = {}
    for x in range(n):
        comps.setdefault(find(x), []).append(x)
    for members in comps.values():
        assert set(labels[members].tolist()) == {min(members)}
    assert sum(len(g) for g in groups(labels)) == sum(len(m) for m in comps.values() if len(m) > 1)


def test_ivf_join_finds_close_pairs_like_the_exhaustive_join():
    rng = np.random.default_rng(3)
    n, d = 4000, 64
    centers = rng.normal(size=(40, d))
    x = centers[rng.integers(0, 40, n)] + rng.normal(scale=1.0, size=(n, d))
    x[1::20] = x[0::20] + rng.normal(scale=0.12, size=(n // 20, d))  # planted close pairs
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    exact = similar_pairs(x, 0.9, exact_max=10**9)
    approx = similar_pairs(x, 0.9, exact_max=0, seed=1)
    ref = set(zip(exact[0].tolist(), exact[1].tolist(), strict=True))
    got = set(zip(approx[0].tolist(), approx[1].tolist(), strict=True))
    assert {(k, k + 1) for k in range(0, n, 20)} <= ref
    assert got <= ref  # never a pair below the threshold
    assert len(got) >= 0.95 * len(ref)
    again = similar_pairs(x, 0.9, exact_max=0, seed=1)
    assert np.array_equal(approx[0], again[0]) and np.array_equal(approx[1], again[1])


def _pivot_reference(sig, members, threshold):
    """The big-bucket join one member at a time (its definition)."""
    pivots, out = [], set()
    for m in members:
        hits = [p for p in pivots if (sig[p] == sig[m]).mean() >= threshold]
        if hits:
            out.update((p, m) for p in hits)
        else:
            pivots.append(m)
    return out


@pytest.mark.parametrize("block", [1, 7, 128])
def test_blockwise_pivot_join_gives_the_one_at_a_time_pairs(block):
    from ftcurate.core.dedup.lsh import _pivot_pairs

    rng = np.random.default_rng(3)
    # templated texts: one wording with varying numbers, plus near copies; matches chain across blocks
    texts = [f"where is my order {rng.integers(10**6, 10**7)} please" for _ in range(300)]
    texts += [t[:-1] for t in texts[:60]] + [f"where is my order {k}" for k in range(40)]
    sig = MinHasher(MinHashConfig()).signatures(texts)
    members = np.array(rng.permutation(len(texts)))
    for threshold in (0.5, 0.7):
        want = _pivot_reference(sig, members.tolist(), threshold)
        i, j = _pivot_pairs(sig, members, threshold, block=block)
        got = set(zip(i, j, strict=True))
        assert len(got) == len(i) and got == want
        assert len(want) > 50
