"""Redaction: text modes, consistent fakes, and the undoable project command."""

from __future__ import annotations

import re

import pytest

from ftcurate.core.commands import SetMessagesCommand
from ftcurate.core.errors import UserError
from ftcurate.core.pii.fakes import FakeMaker
from ftcurate.core.pii.recognizers import iban_ok, luhn_ok
from ftcurate.core.pii.redact import plan_redaction, redact_text, redaction_command

TEXT = "Hi, I'm John Smith, mail john@x.org or call +44 20 7946 0958. Bye John"


def spans_of(text, *items):
    out = []
    for value, entity in items:
        i = text.index(value)
        out.append((i, i + len(value), entity))
    return out


SPANS = spans_of(TEXT, ("John Smith", "PERSON"), ("john@x.org", "EMAIL_ADDRESS"),
                 ("+44 20 7946 0958", "PHONE_NUMBER")) + [(len(TEXT) - 4, len(TEXT), "PERSON")]


def test_placeholder_replaces_several_spans_in_one_text():
    assert redact_text(TEXT, SPANS, "placeholder") == (
        "Hi, I'm <PERSON>, mail <EMAIL_ADDRESS> or call <PHONE_NUMBER>. Bye <PERSON>")


def test_mask_keeps_length():
    out = redact_text(TEXT, SPANS, "mask")
    assert len(out) == len(TEXT)
    assert "John" not in out and "7946" not in out
    assert out == "Hi, I'm **********, mail ********** or call ****************. Bye ****"


def test_fake_is_consistent_word_by_word_and_deterministic():
    out = redact_text(TEXT, SPANS, "fake", FakeMaker("salt", "conv-1"))
    again = redact_text(TEXT, SPANS, "fake", FakeMaker("salt", "conv-1"))
    assert out == again
    m = re.match(r"Hi, I'm (\w+) (\w+), mail (\S+) or call (\+44[\d ]+)\. Bye (\w+)$", out)
    assert m, out
    first, _last, email, phone, bye = m.groups()
    assert first == bye != "John"                  # "John" maps to the same fake name everywhere
    assert email.endswith(("example.com", "example.org", "example.net"))
    assert len(phone) == len("+44 20 7946 0958") and phone != "+44 20 7946 0958"


def test_fakes_differ_between_conversations_and_salts():
    a = FakeMaker("s1", "c1").fake("PERSON", "Priya Patel")
    assert a == FakeMaker("s1", "c1").fake("PERSON", "priya  patel")   # normalised original
    others = {FakeMaker(s, c).fake("PERSON", "Priya Patel") for s, c in [("s1", "c2"), ("s2", "c1"), ("s3", "c9")]}
    assert others - {a}


def test_fake_structured_values_keep_shape_and_validity():
    fm = FakeMaker("salt", "c")
    card = fm.fake("CREDIT_CARD", "4111 1111 1111 1111")
    assert re.fullmatch(r"4\d{3} \d{4} \d{4} \d{4}", card) and luhn_ok(card.replace(" ", ""))
    iban = fm.fake("IBAN_CODE", "DE89 3704 0044 0532 0130 00")
    assert iban.startswith("DE") and len(iban) == 27 and iban_ok(iban.replace(" ", ""))
    assert iban != "DE89 3704 0044 0532 0130 00"
    assert re.fullmatch(r"9\d\d-\d\d-\d{4}", fm.fake("US_SSN", "123-45-6789"))
    assert fm.fake("IP_ADDRESS", "8.8.8.8").startswith(("192.0.2.", "198.51.100.", "203.0.113."))
    assert re.fullmatch(r"[A-Z]{3}-\d{4}", fm.fake("ORDER_ID", "ORD-1234"))


def test_fake_values_do_not_collide_within_a_conversation():
    fm = FakeMaker("salt", "c")
    fakes = {fm.fake("LOCATION", f"City {i}") for i in range(10)}
    assert len(fakes) == 10


def test_bad_mode_and_bad_span():
    with pytest.raises(ValueError, match="unknown redaction mode"):
        redact_text(TEXT, SPANS, "shred")
    with pytest.raises(ValueError, match="outside the text"):
        redact_text("short", [(0, 50, "PERSON")])


@pytest.mark.slow
def test_redaction_command_is_recorded_and_undoable(pii_project, analyzer):
    from ftcurate.core.checks.runner import run_checks

    project = pii_project
    run_checks(project, ["pii"])
    before = {e.id: e.messages for e in project.get_examples(project.example_ids())}
    history_before = len(project.history())
    plan = plan_redaction(project, mode="fake")
    assert plan.command is not None and not plan.stale_flag_ids
    project.apply(plan.command)
    assert len(project.history()) == history_before + 1
    after = {e.id: e.messages for e in project.get_examples(project.example_ids())}
    conv1 = " ".join(m["content"] for m in after[1])
    assert "John" not in conv1 and "john.smith@gmail.com" not in conv1 and "7946 0958" not in conv1
    # the same name and address get the same fake in the user and the assistant turn
    user, assistant = after[1][1]["content"], after[1][2]["content"]
    fake_mail = re.search(r"\S+@example\.(?:com|org|net)", user).group()
    assert fake_mail in assistant
    fake_name = re.search(r"I'm (\w+ \w+)\.", user).group(1)
    assert f"Thanks {fake_name}," in assistant
    assert "4111 1111 1111 1111" not in after[2][0]["content"]
    assert after[3] == before[3]
    flags = project.flags_frame()
    assert set(flags.filter(flags["id"].is_in(plan.flag_ids))["state"]) == {"resolved"}

    project.undo()
    restored = {e.id: e.messages for e in project.get_examples(project.example_ids())}
    assert restored == before
    assert set(project.flags_frame()["state"]) == {"open"}
    project.redo()
    assert {e.id: e.messages for e in project.get_examples(project.example_ids())} == after


@pytest.mark.slow
def test_redaction_by_flag_and_kind_and_stale_flags(pii_project, analyzer):
    from ftcurate.core.checks.runner import run_checks

    project = pii_project
    run_checks(project, ["pii"])
    flags = project.flags_frame()
    emails = flags.filter(flags["kind"] == "EMAIL_ADDRESS")["id"].to_list()
    cmd = redaction_command(project, kinds=["EMAIL_ADDRESS"], mode="placeholder")
    project.apply(cmd)
    ex = project.get_example(1)
    assert "<EMAIL_ADDRESS>" in ex.messages[1]["content"] and "John Smith" in ex.messages[1]["content"]
    assert redaction_command(project, kinds=["EMAIL_ADDRESS"]) is None      # already resolved
    # editing a turn after the check makes its flags stale: they are skipped, not misapplied
    msgs = [dict(m) for m in ex.messages]
    msgs[1]["content"] = "Completely new text. " + msgs[1]["content"]
    project.apply(SetMessagesCommand(1, msgs))
    plan = plan_redaction(project, kinds=["PHONE_NUMBER"])
    assert plan.command is None and plan.stale_flag_ids
    with pytest.raises(UserError, match="not a PII flag"):
        plan_redaction(project, [99999])
    assert emails


def test_a_fake_name_never_keeps_a_word_of_the_real_name():
    # the project salt is random: for a real name whose words are in the fake pools, each salt once
    # in len(pool) drew the real word back ("Omar Haddad" -> "Omar Ferreira")
    from ftcurate.core.pii.fakes import FIRST, LAST

    for salt in ("a", "b", "c", "d"):
        maker = FakeMaker(salt, "c1")
        for first, last in zip(FIRST, LAST * (len(FIRST) // len(LAST) + 1), strict=False):
            fake = maker.fake("PERSON", f"{first} {last}").split()
            assert fake[0] != first and fake[1] != last, (salt, first, last, fake)
