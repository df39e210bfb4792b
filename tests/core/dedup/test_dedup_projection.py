"""The opt-in learnt paraphrase projection: shipped in the package, applied by the paraphrase and conflict
checks when `projection` is on, deterministic; and the default rule makes no giant clusters of templated
questions (real embedding model)."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

from ftcurate.core.checks.duplicates import PROJECTED_THRESHOLD, ConflictCheck, ParaphraseCheck
from ftcurate.core.checks.runner import run_checks
from ftcurate.core.dedup import engine
from ftcurate.core.dedup.linkage import PROJECTION_FILE, centre, paraphrase_projection
from ftcurate.core.dedup.minhash import MinHashConfig

pytestmark = pytest.mark.slow

# Four requests, each worded six ways as a support log holds them.
REQUESTS = {
    "cancel": ["I want to cancel my order", "How can I cancel the purchase I made?", "Please call off my order",
               "I don't want the order anymore, can you cancel it?", "help me cancel an order I placed",
               "is it possible to revoke my purchase?"],
    "track": ["Where is my package?", "How can I track my parcel?", "I want to know where my delivery is",
              "my order hasn't arrived, where is it now?", "can you tell me the status of my shipment?",
              "help me locate my parcel"],
    "password": ["I forgot my password", "How do I reset my password?", "I can't log in, I need a new password",
                 "help me recover my account password", "what do I do if I lost my password?",
                 "can you help me change my password?"],
    "address": ["I need to change my delivery address", "How do I update the shipping address?",
                "I moved, can you send my order to my new address?", "can I edit the address for delivery?",
                "help me correct the delivery address on my order", "I gave the wrong address, can I fix it?"],
}
CANCEL = REQUESTS["cancel"]
CHANGE = ["I want to change my order", "How can I modify the purchase I made?", "I need to edit an order I placed",
          "Can you help me update my purchase?", "I'd like to make changes to the order I made yesterday"]


def _frame(texts: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"id": list(range(1, len(texts) + 1)), "input": texts, "output": [""] * len(texts)})


def _labels(texts: list[str], projected: bool = True) -> np.ndarray:
    """Cluster labels of the check's funnel: the default rule, or the projection at its threshold."""
    cfg = ParaphraseCheck.defaults
    frame = _frame(texts)
    mh = MinHashConfig(shingle=cfg["shingle"], ngram=cfg["ngram"], num_perm=cfg["num_perm"], seed=cfg["seed"])
    near = engine.near_components(frame, "question", mh, cfg["near_threshold"], cfg["lsh_backend"])
    threshold = PROJECTED_THRESHOLD if projected else cfg["paraphrase_threshold"]
    return engine.paraphrase_components(frame, near, threshold, seed=cfg["seed"],
                                        max_size=cfg["max_cluster"], projected=projected)[0].labels


def test_projection_ships_inside_the_package():
    assert PROJECTION_FILE.is_file() and PROJECTION_FILE.parent.name == "dedup"
    assert PROJECTION_FILE.stat().st_size < 400_000
    w = paraphrase_projection()
    assert w.shape == (384, 384) and w.dtype == np.float32 and np.isfinite(w).all()
    assert not np.allclose(w, np.eye(384), atol=1e-2)  # learnt, not the identity
    with np.load(PROJECTION_FILE) as z:  # the threshold the training script chose on dev
        assert float(z["threshold"]) == pytest.approx(PROJECTED_THRESHOLD)
    x = np.random.default_rng(0).standard_normal((4, 384)).astype(np.float32)
    c = centre(x / np.linalg.norm(x, axis=1, keepdims=True), projection=w)
    assert np.allclose(np.linalg.norm(c, axis=1), 1.0, atol=1e-5)


def _pair_recall_and_false_pairs(labels: np.ndarray, request: np.ndarray) -> tuple[float, int]:
    upper = np.triu_indices(len(labels), 1)
    same = (labels[:, None] == labels[None, :])[upper]
    gold = (request[:, None] == request[None, :])[upper]
    return float((same & gold).sum() / gold.sum()), int((same & ~gold).sum())


def test_rewordings_of_one_request_cluster_with_the_projection_and_not_without():
    texts = [t for wordings in REQUESTS.values() for t in wordings]
    request = np.repeat(np.arange(len(REQUESTS)), 6)
    engine.clear_memo()
    recall_with, false_with = _pair_recall_and_false_pairs(_labels(texts), request)
    engine.clear_memo()
    recall_without, false_without = _pair_recall_and_false_pairs(_labels(texts, projected=False), request)
    assert false_with == 0 and false_without == 0  # no two requests in one cluster, either way
    assert recall_with >= 0.7  # most wordings of each request together (measured: 0.78)
    assert recall_without <= 0.55  # centred MiniLM alone splits them (measured: 0.48)
    assert ParaphraseCheck.defaults["projection"] is False and ConflictCheck.defaults["projection"] is False


def _clusters(project, check: str) -> list[list[int]]:
    df = project.flags_frame().filter(pl.col("check") == check)
    groups: dict[int, list[int]] = {}
    for eid, cluster in df.select("example_id", "cluster").iter_rows():
        groups.setdefault(cluster, []).append(eid)
    return sorted(sorted(g) for g in groups.values())


def test_the_checks_apply_the_projection_when_it_is_switched_on(project):
    from dedup_fixtures import examples

    texts = REQUESTS["address"] + ["Do you ship to Canada?"]
    answers = ["No, the address cannot be changed once the order is placed.",
               "Yes, you can change it in your account until the order ships."]
    rows = [(t, answers[k % 2], "unreviewed", None) for k, t in enumerate(texts)]
    project.add_examples(examples(rows, {}))
    on = {"projection": True, "paraphrase_threshold": PROJECTED_THRESHOLD}
    engine.clear_memo()
    run_checks(project, ["paraphrase", "conflict"])
    off_para, off_conf = _clusters(project, "paraphrase"), _clusters(project, "conflict")
    engine.clear_memo()
    run_checks(project, ["paraphrase", "conflict"], config={"paraphrase": on, "conflict": on})
    on_para, on_conf = _clusters(project, "paraphrase"), _clusters(project, "conflict")
    assert on_para == [[1, 2, 3, 4, 5, 6]]  # every wording of the address change, not the Canada one
    assert max(map(len, off_para), default=0) < 6
    assert on_conf == [[1, 2, 3, 4, 5, 6]]  # the conflict check clusters its questions the same way
    assert max(map(len, off_conf), default=0) < 6
    with pytest.raises(Exception, match="projection must be true or false"):
        ParaphraseCheck().validate_config({**ParaphraseCheck.defaults, "projection": "yes"})


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


def test_templated_questions_do_not_chain_into_a_giant_cluster_with_the_defaults():
    rng = np.random.default_rng(5)
    combos = list(itertools.product(VERBS, THINGS))
    texts, request = [], []
    for k in range(300):
        v, t = combos[k % len(combos)]
        texts.append(f"{OPENERS[rng.integers(len(OPENERS))]} {v} {t} {TAILS[rng.integers(len(TAILS))]}?")
        request.append(k % len(combos))
    engine.clear_memo()
    labels = _labels(texts, projected=False)
    sizes = np.bincount(np.unique(labels, return_inverse=True)[1])
    assert sizes.max() <= 20  # 10 wordings per request (measured: 19)
    request = np.array(request)
    # a few close requests at most ("change the address of the parcel / of my order"; measured: 3)
    assert max(len(set(request[labels == lab])) for lab in np.unique(labels)) <= 3
