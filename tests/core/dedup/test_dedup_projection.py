"""The learnt paraphrase projection: shipped in the package, applied by the check, deterministic, and no
giant clusters on templated questions (real embedding model)."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

from ftcurate.core.checks.duplicates import PARAPHRASE_DEFAULTS, ParaphraseCheck
from ftcurate.core.dedup import engine
from ftcurate.core.dedup.linkage import PROJECTION_FILE, centre, paraphrase_projection
from ftcurate.core.dedup.minhash import MinHashConfig

pytestmark = pytest.mark.slow

# Two requests, each worded several ways (as a support log holds them), that differ in one verb.
CANCEL = ["I want to cancel my order", "How can I cancel the purchase I made?", "Please call off my order",
          "I need to cancel an order I placed", "Can you help me cancel my purchase?",
          "I'd like to cancel the order I made yesterday"]
CHANGE = ["I want to change my order", "How can I modify the purchase I made?", "I need to edit an order I placed",
          "Can you help me update my purchase?", "I'd like to make changes to the order I made yesterday"]


def _frame(texts: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"id": list(range(1, len(texts) + 1)), "input": texts, "output": [""] * len(texts)})


def _labels(texts: list[str], projected: bool = True) -> np.ndarray:
    cfg = ParaphraseCheck.defaults
    frame = _frame(texts)
    mh = MinHashConfig(shingle=cfg["shingle"], ngram=cfg["ngram"], num_perm=cfg["num_perm"], seed=cfg["seed"])
    near = engine.near_components(frame, "question", mh, cfg["near_threshold"], cfg["lsh_backend"])
    return engine.paraphrase_components(frame, near, cfg["paraphrase_threshold"], seed=cfg["seed"],
                                        max_size=cfg["max_cluster"], projected=projected)[0].labels


def test_projection_ships_inside_the_package():
    assert PROJECTION_FILE.is_file() and PROJECTION_FILE.parent.name == "dedup"
    assert PROJECTION_FILE.stat().st_size < 400_000
    w = paraphrase_projection()
    assert w.shape == (384, 384) and w.dtype == np.float32 and np.isfinite(w).all()
    assert not np.allclose(w, np.eye(384), atol=1e-2)  # learnt, not the identity
    x = np.random.default_rng(0).standard_normal((4, 384)).astype(np.float32)
    c = centre(x / np.linalg.norm(x, axis=1, keepdims=True), projection=w)
    assert np.allclose(np.linalg.norm(c, axis=1), 1.0, atol=1e-5)


def test_rewordings_of_one_request_cluster_only_with_the_projection():
    engine.clear_memo()
    texts = CANCEL + CHANGE
    kind = np.array([0] * len(CANCEL) + [1] * len(CHANGE))
    with_it = _labels(texts)
    without = _labels(texts, projected=False)
    for labels in (with_it, without):  # never "cancel" and "change" in one cluster
        assert all(len(set(kind[labels == lab])) == 1 for lab in np.unique(labels))
    assert len(np.unique(with_it[kind == 0])) == 1  # every wording of "cancel my order" together
    assert len(np.unique(without[kind == 0])) > 1  # centred MiniLM alone splits them
    # the check's defaults are the projected rule
    assert ParaphraseCheck.defaults["paraphrase_threshold"] == PARAPHRASE_DEFAULTS["paraphrase_threshold"]


def test_projected_clusters_are_deterministic_whatever_the_row_order():
    texts = CANCEL + CHANGE + ["Do you ship to Canada?", "What are your opening hours?"]
    engine.clear_memo()
    first = _labels(texts)
    engine.clear_memo()
    assert np.array_equal(_labels(texts), first)
    order = np.random.default_rng(4).permutation(len(texts))
    engine.clear_memo()
    shuffled = _labels([texts[k] for k in order])
    same = first[:, None] == first[None, :]
    assert np.array_equal(shuffled[:, None] == shuffled[None, :], same[np.ix_(order, order)])


VERBS = ["cancel", "return", "track", "change the address of", "pay for", "get a refund for"]
THINGS = ["my order", "the parcel", "my subscription", "the invoice", "my gift card"]
OPENERS = ["how do i", "can i", "i want to", "is it possible to", "please help me"]
TAILS = ["", "today", "from abroad", "in the app", "before friday"]


def test_templated_questions_do_not_chain_into_a_giant_cluster():
    rng = np.random.default_rng(5)
    combos = list(itertools.product(VERBS, THINGS))
    texts, request = [], []
    for k in range(300):
        v, t = combos[k % len(combos)]
        texts.append(f"{OPENERS[rng.integers(len(OPENERS))]} {v} {t} {TAILS[rng.integers(len(TAILS))]}?")
        request.append(k % len(combos))
    engine.clear_memo()
    labels = _labels(texts)
    sizes = np.bincount(np.unique(labels, return_inverse=True)[1])
    assert sizes.max() <= 30  # 10 wordings per request: never a cluster of many requests
    request = np.array(request)
    mixed = sum(len(set(request[labels == lab])) > 1 for lab in np.unique(labels))
    assert mixed <= len(combos) // 5
