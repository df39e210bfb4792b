"""Average-linkage paraphrase clusters: no chaining, exact mean-similarity rule, cap, determinism."""

from __future__ import annotations

import numpy as np

from ftcurate.core.dedup.ann import similar_pairs
from ftcurate.core.dedup.clusters import connected_components
from ftcurate.core.dedup.linkage import average_linkage, centre, reference_centre


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def chain(n: int, step: float, dim: int = 64) -> np.ndarray:
    """Points along a great circle, each at cosine cos(step) from the next: a perfect chain."""
    basis = np.linalg.qr(np.random.default_rng(0).standard_normal((dim, 2)))[0].T
    angles = np.arange(n) * step
    return _unit(np.cos(angles)[:, None] * basis[0] + np.sin(angles)[:, None] * basis[1])


def test_a_chain_does_not_become_one_cluster():
    x = chain(150, 0.02)  # neighbours at cosine 0.9998, the ends 3 radians apart
    i, j, _ = similar_pairs(x, 0.9)
    assert len(np.unique(connected_components(len(x), i, j))) == 1  # components chain end to end
    labels = average_linkage(x, i, j, 0.9)
    for lab in np.unique(labels):
        members = x[labels == lab]
        sims = members @ members.T
        k = len(members)
        assert k == 1 or (sims.sum() - k) / (k * (k - 1)) >= 0.9 - 1e-5  # mean pairwise cosine >= t
    assert len(np.unique(labels)) >= 3
    assert float(x[0] @ x[-1]) < 0 and labels[0] != labels[-1]


def test_tight_groups_merge_and_stay_apart():
    rng = np.random.default_rng(1)
    centres = _unit(rng.standard_normal((30, 128)))
    x = _unit(np.repeat(centres, 12, axis=0) + 0.04 * rng.standard_normal((360, 128)))
    i, j, _ = similar_pairs(x, 0.7)
    labels = average_linkage(x, i, j, 0.7)
    truth = np.repeat(np.arange(30), 12)
    for g in range(30):
        assert len(np.unique(labels[truth == g])) == 1
    assert len(np.unique(labels)) == 30
    assert all(labels[k] == np.flatnonzero(labels == labels[k]).min() for k in range(len(x)))


def test_cap_and_determinism():
    rng = np.random.default_rng(2)
    x = _unit(np.ones((200, 32)) + 0.05 * rng.standard_normal((200, 32)))
    i, j, _ = similar_pairs(x, 0.5)
    capped = average_linkage(x, i, j, 0.5, max_size=50)
    assert np.bincount(np.unique(capped, return_inverse=True)[1]).max() <= 50
    order = rng.permutation(len(i))
    assert np.array_equal(average_linkage(x, i[order], j[order], 0.5, max_size=50), capped)


def test_centre_blends_the_reference_for_small_data():
    rng = np.random.default_rng(3)
    x = _unit(rng.standard_normal((5, 384)))
    ref = reference_centre()
    assert ref is not None and ref.shape == (384,)
    small = centre(x, ref)
    assert np.allclose(np.linalg.norm(small, axis=1), 1.0, atol=1e-5)
    own = centre(x)
    assert np.abs(own.mean(axis=0)).max() < np.abs(small.mean(axis=0)).max()  # own mean removed fully
