"""Vectorised MinHash: bit-identical to datasketch, seeded, sound estimates, validated settings."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash

from ftcurate.core.dedup.minhash import EMPTY, MinHashConfig, MinHasher
from ftcurate.core.dedup.normalize import exact_groups, normalize_series, normalize_text
from ftcurate.core.errors import ConfigError

TEXTS = ["the quick brown fox jumps over the lazy dog", "a b", "x", "",
         "the quick brown fox jumps over the lazy cat", "naïve café — ünïcode ok"]


@pytest.mark.parametrize("shingle,ngram", [("word", 3), ("char", 4), ("word", 1)])
def test_signatures_are_bit_identical_to_datasketch(shingle, ngram):
    mh = MinHasher(MinHashConfig(shingle=shingle, ngram=ngram, num_perm=64, seed=7))
    hashes, counts = mh.shingle_hashes(TEXTS)
    sig = mh.signatures_from_hashes(hashes, counts)
    offsets = np.concatenate(([0], np.cumsum(counts)))
    for d in range(len(TEXTS)):
        ref = MinHash(num_perm=64, seed=7, hashfunc=int)  # affine32 scheme, our shingle hashes as input
        ref.update_batch([int(v) for v in hashes[offsets[d]:offsets[d + 1]]])
        assert np.array_equal(ref.hashvalues, sig[d]), TEXTS[d]
    assert (sig[3] == EMPTY).all()  # the empty text
    assert counts[3] == 0
    if shingle == "word" and ngram == 3:
        assert counts[1] == 1 and counts[0] == 7  # "a b" is shorter than 3 words: one shingle


def test_lean_minhash_estimates_jaccard():
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(400)]
    mh = MinHasher(MinHashConfig(shingle="word", ngram=1, num_perm=256, seed=3))
    for overlap in (0.2, 0.5, 0.8):
        common = list(rng.choice(vocab, 80, replace=False))
        a = common[: int(80 * overlap)] + [f"a{i}" for i in range(80 - int(80 * overlap))]
        b = common[: int(80 * overlap)] + [f"b{i}" for i in range(80 - int(80 * overlap))]
        true = len(set(a) & set(b)) / len(set(a) | set(b))
        sig = mh.signatures([" ".join(a), " ".join(b)])
        est = mh.lean(sig[0]).jaccard(mh.lean(sig[1]))
        assert abs(est - true) < 0.1, (overlap, est, true)


def test_seeded_and_deterministic():
    texts = [f"question number {i} about my order" for i in range(50)]
    a = MinHasher(MinHashConfig(seed=5)).signatures(texts)
    b = MinHasher(MinHashConfig(seed=5)).signatures(texts)
    c = MinHasher(MinHashConfig(seed=6)).signatures(texts)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    # A text's signature does not depend on its batch neighbours.
    assert np.array_equal(MinHasher(MinHashConfig(seed=5)).signatures(texts[10:11])[0], a[10])


@pytest.mark.parametrize("kwargs", [{"shingle": "sentence"}, {"ngram": 0}, {"num_perm": 4},
                                    {"seed": -1}, {"ngram": 2.5}])
def test_bad_config_raises_config_error(kwargs):
    with pytest.raises(ConfigError):
        MinHasher(MinHashConfig(**kwargs))


def test_normalisation_folds_case_space_punctuation():
    import polars as pl

    s = pl.Series(["Hello,  World!!", "hello world", "Ｈｅｌｌｏ world", "hello  world?", "$5 off", "5 off", None])
    norm = normalize_series(s)
    assert norm.to_list()[:4] == ["hello world"] * 4
    assert norm[4] != norm[5]  # symbols are kept: "$5" is not "5"
    assert normalize_text("  Don't   STOP. ") == "dont stop"
    labels = exact_groups(norm)
    assert list(labels[:4]) == [0, 0, 0, 0]
    assert labels[4] == -1 and labels[5] == -1 and labels[6] == -1  # unique / empty
