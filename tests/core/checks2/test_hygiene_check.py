"""Hygiene: empty, short, truncated, placeholder, markup, language, too_long, boilerplate."""

from __future__ import annotations

import json

import polars as pl
import pytest
from health_fixtures import formal_pairs, frame_of

from ftcurate.core.checks.base import CheckContext
from ftcurate.core.checks.hygiene import HygieneCheck
from ftcurate.core.errors import ConfigError
from ftcurate.core.hygiene.rules import find_placeholders, opening, truncation
from ftcurate.core.progress import Progress
from ftcurate.core.records import messages_json

NO_MODEL = ["empty", "short", "truncated", "placeholder", "markup", "language", "boilerplate"]


def run(frame: pl.DataFrame, **config):
    config.setdefault("kinds", NO_MODEL)
    return HygieneCheck().run(CheckContext(frame=frame, config=config), Progress())


def flags_of(result, kind: str):
    return [f for f in result.flags if f.kind == kind]


def test_empty_turns_and_missing_answer():
    frame = frame_of([("Where is my order?", "   "), ("", "It ships today.")])
    frame = pl.concat([frame, frame_of([("Hello?", "x")]).with_columns(
        pl.lit(messages_json([{"role": "user", "content": "Hello?"}])).alias("messages"), pl.lit(3, dtype=pl.Int64).alias("id"))])
    res = run(frame, kinds=["empty"])
    got = sorted((f.example_id, f.turn) for f in flags_of(res, "empty"))
    assert got == [(1, 1), (2, 0), (3, None)]
    assert all(f.severity == "high" for f in res.flags)


def test_short_answers():
    res = run(frame_of([("Is it free?", "Yes."), ("Is it free?", "Yes, it is free for every customer.")]),
              kinds=["short"])
    assert [f.example_id for f in res.flags] == [1] and "Yes." in res.flags[0].message


@pytest.mark.parametrize("text,cut", [
    ("You can reset your password by going to the", True),
    ("Follow these steps to update your card:", True),
    ("Open the Billing page, select your card, and", True),
    ("Call us on (555) 123 or write to", True),
    ("Your refund is on its way (it usually takes 3 days", True),
    ("Your refund is on its way and should reach your bank account within three working days", True),
    ("Your refund is on its way.", False),
    ("Steps:\n1. Open Billing\n2. Select your card", False),
    ("See https://example.com/help", False),
    ("Thanks!", False),
])
def test_truncation(text, cut):
    assert (truncation(text) is not None) == cut


def test_truncated_flag_message_names_the_reason():
    res = run(frame_of([("q", "You can reset your password by going to the")]), kinds=["truncated"])
    assert res.flags[0].severity == "medium" and "ends with 'the'" in res.flags[0].message


def test_placeholders_with_exact_spans():
    answer = ("Hi [NAME], your order {{Order Number}} ships to %s. <insert tracking link> "
              "Call {agent_phone} or see [Customer Support Hours]. Use the [link](https://x.y) too.")
    res = run(frame_of([("Order [ID]?", answer)]), kinds=["placeholder"])
    spans = [(f.turn, answer[f.start:f.end]) for f in res.flags if f.turn == 1]
    assert [s for _, s in spans] == ["[NAME]", "{{Order Number}}", "%s", "<insert tracking link>",
                                     "{agent_phone}", "[Customer Support Hours]"]
    user = [f for f in res.flags if f.turn == 0]
    assert len(user) == 1 and user[0].severity == "low"


def test_redaction_tags_are_not_placeholders_by_default():
    assert find_placeholders("Contact <PERSON> at <EMAIL_ADDRESS>.") == []
    assert len(find_placeholders("Contact <PERSON>.", redaction_tags=True)) == 1


def test_markup_html_and_markdown():
    frame = frame_of([("q", "Hello<br>your order&nbsp;shipped."), ("q", "**Important:** read the FAQ."),
                      ("q", "Plain text answer.")])
    res = run(frame, kinds=["markup"])
    by_id: dict[int, list] = {}
    for f in res.flags:
        by_id.setdefault(f.example_id, []).append(f)
    assert sorted(by_id) == [1, 2]
    assert {f.severity for f in by_id[1]} == {"medium"} and len(by_id[1]) == 2
    assert by_id[2][0].severity == "low" and "markdown bold" in by_id[2][0].message
    assert [f.example_id for f in run(frame, kinds=["markup"], markdown=False).flags] == [1, 1]


def test_language_other_than_the_projects():
    pairs = formal_pairs(12) + [("¿Dónde está mi pedido? Lo compré hace una semana.",
                                 "Su pedido fue enviado ayer y llegará en tres días hábiles. Gracias por su paciencia.")]
    res = run(frame_of(pairs), kinds=["language"])
    flagged = flags_of(res, "language")
    assert {(f.example_id, f.turn) for f in flagged} == {(13, 1), (13, 0)}
    answer = next(f for f in flagged if f.turn == 1)
    assert "Spanish, not English" in answer.message and answer.severity == "medium"
    assert res.summary.details["language"]["project"] == "en"
    res = run(frame_of(pairs), kinds=["language"], language="es")
    assert 1 in {f.example_id for f in res.flags} and 13 not in {f.example_id for f in res.flags}
    with pytest.raises(ConfigError):
        HygieneCheck().validate_config({"language": "klingon"})


def test_boilerplate_openings():
    same = [("q", f"Thank you for contacting Acme. Your order {i} ships today.") for i in range(8)]
    other = [("q", f"Order {i} left our warehouse this morning.") for i in range(4)] + \
            [("q", "Refunds take three days."), ("q", "Invoices are in Billing.")]
    res = run(frame_of(same + other), kinds=["boilerplate"])
    assert sorted(f.example_id for f in res.flags) == list(range(1, 9))
    assert "57%" in res.flags[0].message and "'thank you for contacting…'" in res.flags[0].message
    assert opening("I understand that you need help.") == "i understand that you"


def test_unknown_kind_is_a_config_error():
    with pytest.raises(ConfigError):
        HygieneCheck().validate_config({"kinds": ["spelling"]})
    with pytest.raises(ConfigError):
        HygieneCheck().validate_config({"max_tokens": 0})


def test_clean_data_gives_no_flags():
    res = run(frame_of(formal_pairs(12)), boilerplate_share=0.5)
    assert res.flags == [], [f.message for f in res.flags]


def test_short_chats_never_reach_the_tokenizer():
    res = HygieneCheck().run(CheckContext(frame=frame_of(formal_pairs(5)), config={"kinds": ["too_long"]}),
                             Progress())
    assert res.flags == [] and res.summary.details["tokens"]["tokenised"] == 0
    assert res.summary.details["tokens"]["limit"] == 8192


@pytest.mark.slow
def test_too_long_uses_the_real_tokenizer_and_chat_template():
    from ftcurate.core.hygiene.tokens import token_counter

    counter = token_counter(None)
    assert counter.exact, counter.reason
    long_answer = " ".join(["The parcel is on its way to the address you gave us."] * 12)
    pairs = [("Where is my order?", long_answer), ("Where is my order?", "It ships today.")]
    res = HygieneCheck().run(CheckContext(frame=frame_of(pairs), config={"kinds": ["too_long"], "max_tokens": 100}),
                             Progress())
    assert [f.example_id for f in res.flags] == [1]
    msgs = json.loads(frame_of(pairs)["messages"][0])
    expected = len(counter.tokenizer(counter.tokenizer.apply_chat_template(msgs, tokenize=False),
                                     add_special_tokens=False)["input_ids"])
    assert res.flags[0].data["tokens"] == expected and res.flags[0].data["exact"] is True
    assert "SmolLM2-135M-Instruct" in res.flags[0].message
    # the byte bound never undercounts, so skipping short chats is safe
    for m in (msgs, json.loads(frame_of(pairs)["messages"][1])):
        assert counter.upper_bound(m) >= counter.count([m])[0]


def test_too_long_falls_back_and_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("FTCURATE_DEFAULT_GGUF", str(tmp_path / "missing.gguf"))
    from ftcurate.core.hygiene.tokens import token_counter

    counter = token_counter(None)
    assert not counter.exact and "unavailable" in counter.reason
    res = HygieneCheck().run(CheckContext(frame=frame_of([("q", "word " * 400)]),
                                          config={"kinds": ["too_long"], "max_tokens": 100}), Progress())
    assert len(res.flags) == 1 and "estimated" in res.flags[0].message and res.flags[0].data["exact"] is False
