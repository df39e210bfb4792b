"""Tone: style profiles, the house voice, plain-words reasons, user targets, caching, Bitext P/R."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from health_fixtures import formal_pairs, frame_of, make_project

from ftcurate.core.checks.base import CheckContext
from ftcurate.core.checks.tone import ToneCheck
from ftcurate.core.errors import ConfigError
from ftcurate.core.progress import Progress
from ftcurate.core.tone.formality import FormalityScorer
from ftcurate.core.tone.profile import IDX, profile_texts
from ftcurate.core.tone.surface import surface_features

CASUAL = "hey!! sure u can cancel ur order anytime lol 😀 np"
RUDE = "That's your own fault. Read the damn FAQ."
CURT = "Use the app."


def run(frame: pl.DataFrame, config: dict | None = None, project=None):
    return ToneCheck().run(CheckContext(frame=frame, project=project, config=config or {}), Progress())


def kinds_by_id(result) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for f in result.flags:
        out.setdefault(f.example_id, set()).add(f.kind)
    return out


def test_surface_markers():
    s = surface_features("Hey!! I can't find ur FREAKING order 😀 :) Thanks, we will check.")
    assert s.exclaim == 2 and s.emoji == 2 and s.caps == 1 and s.contractions == 1
    assert s.slang == 2  # hey, ur
    assert s.rude == 1 and s.polite >= 1 and s.we == 1 and s.i == 1 and s.greeting
    assert surface_features("").words == 0
    assert surface_features("need help with my order").slang == 1  # subject left out, as in chat


def test_formality_orders_formal_above_chatty():
    scorer = FormalityScorer(mode="tagger")
    formal, chatty = scorer.score([
        "The invoice for the latest order is available in the billing section of the customer account.",
        "I think you can just do it yourself, it is really easy, honestly, so go ahead and try it now."])
    assert formal > chatty + 15


def test_lexicon_formality_tracks_the_tagger():
    texts = [a for _, a in formal_pairs(40)] + [CASUAL, RUDE, "well I guess we could maybe do that for you"]
    tagged = FormalityScorer(mode="tagger").score(texts)
    lex = FormalityScorer(mode="lexicon", sample=20)
    approx = lex.score(texts)
    assert np.nanmean(np.abs(tagged - approx)) < 4.0
    assert lex.tagged < len(set(texts))  # the rest came from the lexicon


def test_planted_off_voice_answers_are_flagged_with_reasons():
    pairs = formal_pairs(40) + [("Can I cancel?", CASUAL), ("Where is my refund?", RUDE), ("Log in?", CURT)]
    res = run(frame_of(pairs))
    kinds = kinds_by_id(res)
    assert set(kinds) == {41, 42, 43}  # none of the 40 house-voice answers
    msg = {f.example_id: f.message for f in res.flags}
    assert "casual" in kinds[41] and msg[41].startswith("much more casual than the rest:")
    assert "slang ('hey', 'u', 'ur')" in msg[41] and "emoji" in msg[41]
    assert kinds[42] == {"curt", "rude"}  # the style cue and the learnt model both see it
    rude = next(f for f in res.flags if f.example_id == 42 and f.kind == "rude")
    assert rude.severity == "high" and rude.message.startswith("sounds rude or confrontational")
    assert "'damn'" in rude.message and rude.score >= rude.data["threshold"]
    curt = {f.kind: f.message for f in res.flags if f.example_id == 43}
    assert kinds[43] == {"curt"} and "very short" in curt["curt"] and "no polite words" in curt["curt"]
    assert all(f.turn == 1 for f in res.flags)  # the assistant turn
    assert res.summary.details["house_voice"]["source"] == "all"


def test_user_target_adds_hard_rules():
    pairs = formal_pairs(40)
    pairs[5] = (pairs[5][0], pairs[5][1].replace("Thank you for your message.", "Thank you for your message!"))
    res = run(frame_of(pairs), {"target": {"exclamation": False, "emoji": False, "formal": True}})
    target = [f for f in res.flags if f.kind == "target"]
    assert [f.example_id for f in target] == [6]
    assert "no exclamation marks" in target[0].message and target[0].message.endswith("exclamation marks")
    with pytest.raises(ConfigError):
        ToneCheck().validate_config({"target": {"shouty": True}})
    with pytest.raises(ConfigError):
        ToneCheck().validate_config({"target": {"person": "they"}})


def test_target_read_from_project_setting(tmp_path):
    pairs = formal_pairs(20) + [("Hi?", "Hello, we are glad to help you today 😀.")]
    with make_project(tmp_path / "t.ftcurate", pairs) as project:
        project.set_setting("tone", {"emoji": False})
        res = run(project.examples_frame(), project=project)
    assert any(f.kind == "target" and "emoji" in f.message for f in res.flags)


def test_approved_outputs_define_the_voice_when_there_are_enough():
    pairs = formal_pairs(40) + [("q", CASUAL)] * 5
    statuses = ["approved"] * 35 + ["unreviewed"] * 10
    res = run(frame_of(pairs, statuses=statuses), {"min_reference": 30})
    assert res.summary.details["house_voice"]["source"] == "approved"
    res = run(frame_of(pairs, statuses=statuses), {"min_reference": 50})
    assert res.summary.details["house_voice"]["source"] == "all"


def test_too_few_outputs_use_the_neutral_voice():
    res = run(frame_of([("q", "Your parcel left our warehouse today."), ("q", RUDE)]))
    assert res.summary.details["house_voice"]["source"] == "default"
    assert {f.example_id for f in res.flags} == {2}


def test_profiles_are_cached_by_text(tmp_path):
    pairs = formal_pairs(30)
    with make_project(tmp_path / "c.ftcurate", pairs) as project:
        first = run(project.examples_frame(), project=project)
        assert first.summary.details["formality_tagged"] > 0
        again = run(project.examples_frame(), project=project)
        assert again.summary.details["formality_tagged"] == 0  # nothing new to tag
        frame = project.examples_frame().with_columns(
            pl.when(pl.col("id") == 1).then(pl.lit(CASUAL)).otherwise(pl.col("output")).alias("output"))
        edited = run(frame, project=project)
        assert edited.summary.details["formality_tagged"] == 1
        assert 1 in {f.example_id for f in edited.flags}


def test_profile_rows_have_the_documented_features():
    prof = profile_texts(["We are happy to help. Kind regards, the team.", ""])
    assert prof.shape == (2, len(IDX))
    assert prof[0, IDX["signoff"]] == 1 and prof[0, IDX["we"]] == 1.0
    assert np.isnan(prof[1, IDX["formality"]])


@pytest.mark.shared
def test_bitext_precision_and_recall(shared_data):
    """A 1,500-message slice of Bitext: Q (colloquial) and W (offensive) should be flagged."""
    path = shared_data / "bitext_cs" / "Bitext_Sample_Customer_Support_Training_Dataset.csv"
    if not path.is_file():
        pytest.skip("Bitext sample not present")
    df = pl.read_csv(path, infer_schema=False).gather_every(3)
    tags = df["tags"].fill_null("").to_list()
    res = run(frame_of(list(zip(df["instruction"].to_list(), df["instruction"].to_list(), strict=True))))
    flagged = {f.example_id for f in res.flags}
    rude = {f.example_id for f in res.flags if f.kind in ("rude", "curt")}
    gold = {i + 1 for i, t in enumerate(tags) if "Q" in t or "W" in t}
    gold_w = {i + 1 for i, t in enumerate(tags) if "W" in t}
    precision = len(flagged & gold) / len(flagged)
    recall = len(flagged & gold) / len(gold)
    assert precision >= 0.9, precision
    assert recall >= 0.6, recall
    assert len(rude & gold_w) / len(gold_w) >= 0.9


def test_rude_model_ships_small_and_deterministic_training():
    import sys
    from pathlib import Path

    from ftcurate.core.tone.rude import MODEL_FILE, RudeModel

    model = RudeModel.load()
    assert MODEL_FILE.stat().st_size < 8192 and model.w.shape == (384,) and 0 < model.threshold < 1
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
    from train_rude import fit

    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 384)) / 20
    y = (x[:, 0] + 0.01 * rng.standard_normal(300) > 0).astype(float)
    w1, b1 = fit(x, y)
    w2, b2 = fit(x, y)
    assert np.array_equal(w1, w2) and b1 == b2
    assert ((x @ w1 + b1 > 0) == (y == 1)).mean() > 0.9


def test_rude_replies_without_swear_words_are_flagged_polite_ones_not():
    confrontational = [
        "Did you even read my last message? I already told you twice, figure it out yourself.",
        "Honestly, this is a stupid question and you are wasting my time.",
        "Stop whining and learn to use a computer like an adult.",
    ]
    pairs = formal_pairs(40) + [("Where is my refund?", t) for t in confrontational]
    res = run(frame_of(pairs))
    rude = {f.example_id for f in res.flags if f.kind == "rude"}
    assert rude == {41, 42, 43}
    assert res.summary.details["rude_model"] == "on"


def test_rude_threshold_and_dimensions_are_settings():
    pairs = formal_pairs(20) + [("Where is my refund?", RUDE)]
    assert any(f.kind == "rude" for f in run(frame_of(pairs)).flags)
    strict = run(frame_of(pairs), {"thresholds": {"rude": 0.99999}})
    assert not any(f.kind == "rude" for f in strict.flags)
    off = run(frame_of(pairs), {"dimensions": ["casual", "curt"]})
    assert not any(f.kind == "rude" for f in off.flags) and off.summary.details["rude_model"] == "off"
    with pytest.raises(ConfigError):
        ToneCheck().validate_config({"thresholds": {"rude": 3}})
