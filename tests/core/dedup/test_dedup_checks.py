"""exact_duplicate and near_duplicate on a real project: clusters, kinds, keepers, config errors."""

from __future__ import annotations

import json

import polars as pl
import pytest
from dedup_fixtures import flags_by

from ftcurate.core.checks.runner import run_checks
from ftcurate.core.dedup import engine
from ftcurate.core.errors import ConfigError


def _data(project, check, example_id, kind):
    df = project.flags_frame().filter((pl.col("check") == check) & (pl.col("example_id") == example_id)
                                      & (pl.col("kind") == kind))
    assert df.height == 1
    return df.row(0, named=True)


def test_exact_duplicates_fold_case_space_punctuation(faq_project):
    out = run_checks(faq_project, ["exact_duplicate"])
    assert out[0].ok, out[0].error
    pairs = flags_by(faq_project, "exact_duplicate", "pair")
    assert list(pairs.values()) == [{1, 2, 3}]
    inputs = sorted(map(sorted, flags_by(faq_project, "exact_duplicate", "input").values()))
    assert inputs == [[5, 6], [8, 9]]  # same question, different answers; 1-3 are covered as pairs
    flagged = set(faq_project.flags_frame()["example_id"].to_list())
    assert not flagged & {4, 7, 10, 11, 12, 13, 14}  # typo, unique, multi-turn "thanks", rejected copy


def test_keeper_is_approved_then_complete_then_longest(faq_project):
    run_checks(faq_project, ["exact_duplicate"])
    row = _data(faq_project, "exact_duplicate", 1, "pair")
    data = json.loads(row["data"])
    assert data["keeper"] == 2 and data["reason"] == "it is approved"  # approved beats everything
    assert sorted(data["members"]) == [1, 2, 3] and data["size"] == 3
    assert "keep #2" in row["message"]
    keeper_flag = _data(faq_project, "exact_duplicate", 2, "pair")  # the keeper is flagged too
    assert keeper_flag["cluster"] == row["cluster"] and "keep this one" in keeper_flag["message"]
    assert json.loads(_data(faq_project, "exact_duplicate", 9, "input")["data"])["keeper"] == 8  # has a label
    assert json.loads(_data(faq_project, "exact_duplicate", 6, "input")["data"])["keeper"] == 5  # longer answer


def test_near_duplicates(faq_project):
    out = run_checks(faq_project, ["near_duplicate"])
    assert out[0].ok, out[0].error
    assert list(flags_by(faq_project, "near_duplicate", "pair").values()) == [{1, 2, 3, 4}]
    assert list(flags_by(faq_project, "near_duplicate", "input").values()) == [{13, 14}]
    four = _data(faq_project, "near_duplicate", 4, "pair")
    assert 0.7 <= four["score"] < 1.0
    assert json.loads(four["data"])["keeper"] == 2
    flagged = set(faq_project.flags_frame()["example_id"].to_list())
    assert not flagged & {5, 6, 7, 8, 9, 10, 11, 12}  # exact-only clusters are the exact check's


def test_runs_are_deterministic(faq_project):
    def snapshot():
        engine.clear_memo()
        run_checks(faq_project, ["exact_duplicate", "near_duplicate"])
        return faq_project.flags_frame().drop("id").sort(["check", "example_id", "kind"]).rows()

    assert snapshot() == snapshot()


def test_word_shingles_and_backends_configurable(faq_project):
    out = run_checks(faq_project, ["near_duplicate"], config={"near_duplicate": {
        "shingle": "word", "ngram": 1, "near_threshold": 0.6, "lsh_backend": "banded"}})
    assert out[0].ok, out[0].error
    assert {1, 2, 3, 4} in flags_by(faq_project, "near_duplicate", "pair").values()


@pytest.mark.parametrize("check,override", [
    ("near_duplicate", {"near_threshold": 1.5}),
    ("near_duplicate", {"near_threshold": 0}),
    ("near_duplicate", {"shingle": "sentence"}),
    ("near_duplicate", {"ngram": 0}),
    ("near_duplicate", {"lsh_backend": "redis"}),
    ("exact_duplicate", {"fields": ["question"]}),
    ("paraphrase", {"paraphrase_threshold": "high"}),
    ("conflict", {"match": "fuzzy"}),
    ("conflict", {"answer_threshold": 2}),
])
def test_bad_config_is_a_config_error(faq_project, check, override):
    with pytest.raises(ConfigError, match=check):
        run_checks(faq_project, [check], config={check: override})
    assert faq_project.flags_frame().is_empty()  # nothing ran


def test_conflict_without_the_model_exact_questions_minhash_answers(faq_project):
    out = run_checks(faq_project, ["conflict"], config={"conflict": {"match": "exact",
                                                                     "answer_similarity": "minhash"}})
    assert out[0].ok, out[0].error
    # 9am-5pm vs 24/7 disagree; "Yes, within 30 days" and its longer version agree (containment).
    assert list(flags_by(faq_project, "conflict").values()) == [{5, 6}]
    row = faq_project.flags_frame().filter(pl.col("example_id") == 6).row(0, named=True)
    data = json.loads(row["data"])
    assert [a["example_id"] for a in data["answers"]] == [5, 6] and data["answer_groups"] == 2
    assert row["severity"] == "high" and "24/7" in row["message"]
