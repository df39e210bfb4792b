"""Span scoring and the CoNLL reader used by the accuracy benchmark (no model needed)."""

from __future__ import annotations

from ftcurate.core.pii.evaluation import conll_to_texts, match, read_conll, score


def test_match_counts_overlap_type_and_one_to_one():
    gold = [(0, 10, "PERSON"), (20, 32, "PHONE_NUMBER"), (40, 45, "LOCATION")]
    pred = [(0, 10, "PERSON"), (0, 4, "PERSON"),        # duplicate: second one is a false positive
            (17, 32, "PHONE_NUMBER"),                     # "+44 " prefix: 12/15 overlap -> match
            (40, 45, "PERSON"), (60, 70, "URL")]          # wrong type; URL is not scored
    c = match(gold, pred, ["PERSON", "PHONE_NUMBER", "LOCATION"])
    assert (c["PERSON"].tp, c["PERSON"].fp, c["PERSON"].fn) == (1, 2, 0)
    assert (c["PHONE_NUMBER"].tp, c["PHONE_NUMBER"].fp) == (1, 0)
    assert (c["LOCATION"].tp, c["LOCATION"].fn) == (0, 1)
    exact = match(gold, pred, ["PHONE_NUMBER"], min_overlap=1.0)
    assert (exact["PHONE_NUMBER"].tp, exact["PHONE_NUMBER"].fn) == (0, 1)


def test_score_micro_and_f1():
    s = score([[(0, 4, "A")], [(0, 4, "A"), (5, 9, "B")]], [[(0, 4, "A")], [(5, 9, "A")]], ["A", "B"])
    assert (s["micro"].tp, s["micro"].fp, s["micro"].fn) == (1, 1, 2)
    assert abs(s["micro"].f1 - 2 * 0.5 * (1 / 3) / (0.5 + 1 / 3)) < 1e-9


def test_conll_reader_builds_character_spans(tmp_path):
    f = tmp_path / "x.conll"
    f.write_text("Ana\tB-person\nSilva\tI-person\nflew\tO\nto\tO\nNew\tB-location\nYork\tI-location\n"
                 "on\tO\nDelta\tB-corporation\n\nhi\tO\n", encoding="utf-8")
    sents = read_conll(f)
    assert len(sents) == 2
    (text, spans), _ = conll_to_texts(sents, {"person": "PERSON", "location": "LOCATION"})
    assert text == "Ana Silva flew to New York on Delta"
    assert [(text[s:e], t) for s, e, t in spans] == [("Ana Silva", "PERSON"), ("New York", "LOCATION")]
