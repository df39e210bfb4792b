"""'Never flag this word' (undoable project setting + CLI), fakes not re-flagged, countries alone."""

from __future__ import annotations

import argparse
import json

import polars as pl
import pytest

from ftcurate.core.checks.runner import run_checks
from ftcurate.core.pii.allow import allow_again_command, flag_value, never_flag_command, never_flag_words
from ftcurate.core.pii.redact import plan_redaction
from ftcurate.core.records import Example, pair_to_messages


def pii_rows(project, state: str | None = "open") -> list[dict]:
    df = project.flags_frame().filter(pl.col("check") == "pii")
    if state:
        df = df.filter(pl.col("state") == state)
    return df.to_dicts()


def values(project, state: str | None = "open") -> set[str]:
    return {flag_value(project, r["id"]) for r in pii_rows(project, state)}


@pytest.fixture
def support_project(project):
    project.add_examples([
        Example(pair_to_messages("Hi, my name is Omar Haddad. Do you ship to Canada?",
                                 "Yes we do, Omar Haddad.\nBest regards,\nBrightwave"),
                provenance={"conversation": "c1"}),
        Example(pair_to_messages("Is the stove in stock?", "Yes.\nBest regards,\nBrightwave"),
                provenance={"conversation": "c2"}),
    ])
    return project


def test_never_flag_word_ignores_its_flags_and_undo_restores_them(support_project, analyzer):
    p = support_project
    run_checks(p, ["pii"])
    assert "Brightwave" in values(p)
    before = p.get_setting("pii")
    cmd = never_flag_command(p, "brightwave")  # any case
    p.apply(cmd)
    assert never_flag_words(p) == ["brightwave"]
    assert "Brightwave" not in values(p) and "Omar Haddad" in values(p)
    assert {flag_value(p, r["id"]) for r in pii_rows(p, "ignored")} == {"Brightwave"}
    run_checks(p, ["pii"])                     # the setting holds on re-runs
    assert "Brightwave" not in values(p, None)
    p.undo()                                   # one history entry: setting and flags come back
    assert p.get_setting("pii") == before
    run_checks(p, ["pii"])
    assert "Brightwave" in values(p)


def test_never_flag_twice_is_a_no_op_and_allow_again(support_project, analyzer):
    p = support_project
    run_checks(p, ["pii"])
    p.apply(never_flag_command(p, "Brightwave"))
    assert never_flag_command(p, "BRIGHTWAVE") is None
    p.apply(allow_again_command(p, "brightwave"))
    assert never_flag_words(p) == []
    assert allow_again_command(p, "brightwave") is None


def test_never_flag_rejects_empty_and_bad_patterns(support_project):
    from ftcurate.core.errors import ConfigError, UserError

    with pytest.raises(UserError):
        never_flag_command(support_project, "   ")
    with pytest.raises(ConfigError, match="invalid regular expression"):
        never_flag_command(support_project, "re:(oops")
    assert support_project.get_setting("pii") is None


def _cli(argv, capsys):
    from ftcurate.cli import Output
    from ftcurate.cliparts import redact

    parser = argparse.ArgumentParser()
    redact.register(parser.add_subparsers())
    args = parser.parse_args([str(a) for a in argv])
    rc = args.func(args, Output(json_mode=True, quiet=True))
    return rc, [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]


def test_cli_pii_allow_adds_lists_and_removes(support_project, analyzer, capsys):
    p = support_project
    run_checks(p, ["pii"])
    rc, out = _cli(["pii-allow", p.path, "Brightwave"], capsys)
    assert rc == 0 and out[0]["never_flag"] == ["Brightwave"] and len(out[0]["changed"]) == 1
    assert "Brightwave" not in values(p)
    rc, out = _cli(["pii-allow", p.path], capsys)
    assert out[0] == {"changed": [], "never_flag": ["Brightwave"]}
    rc, out = _cli(["pii-allow", p.path, "Brightwave", "--remove"], capsys)
    assert out[0]["never_flag"] == []
    p.undo()
    assert never_flag_words(p) == ["Brightwave"]


def test_pii_config_changes_are_undoable(support_project, capsys):
    rc, _ = _cli(["pii-config", support_project.path, "--threshold", "0.6"], capsys)
    assert support_project.get_setting("pii") == {"threshold": 0.6}
    support_project.undo()
    assert support_project.get_setting("pii") is None


def test_country_alone_is_low_and_not_redacted_by_default(support_project, analyzer):
    p = support_project
    run_checks(p, ["pii"])
    canada = [r for r in pii_rows(p) if flag_value(p, r["id"]) == "Canada"]
    assert len(canada) == 1 and canada[0]["severity"] == "low"
    assert json.loads(canada[0]["data"])["country_only"] is True
    plan = plan_redaction(p, mode="placeholder")
    assert canada[0]["id"] not in plan.flag_ids and plan.flag_ids
    assert canada[0]["id"] in plan_redaction(p, kinds=["LOCATION"]).flag_ids  # asked for by kind


def test_fakes_inserted_by_redaction_are_not_flagged_on_the_next_run(support_project, analyzer):
    p = support_project
    p.apply(never_flag_command(p, "Brightwave"))
    run_checks(p, ["pii"])
    plan = plan_redaction(p, kinds=["PERSON"], mode="fake")
    p.apply(plan.command)
    text = p.get_example(1).messages[0]["content"]
    assert "Omar Haddad" not in text
    run_checks(p, ["pii"])
    assert not any(r["kind"] == "PERSON" for r in pii_rows(p))
    # the same fake for the same person across the conversation
    fake = text.split("my name is ")[1].split(".")[0]
    assert fake in p.get_example(1).messages[1]["content"]


def test_a_real_name_typed_into_a_redacted_text_is_still_found(support_project, analyzer):
    p = support_project
    run_checks(p, ["pii"])
    p.apply(plan_redaction(p, kinds=["PERSON"], mode="fake").command)
    ex = p.get_example(1)
    msgs = [dict(m) for m in ex.messages]
    msgs[0]["content"] += " My wife is Priya Patel."
    from ftcurate.core.commands import SetMessagesCommand

    p.apply(SetMessagesCommand(1, msgs))
    run_checks(p, ["pii"])
    assert "Priya Patel" in values(p)


def test_fakes_stay_known_when_the_text_is_redacted_again(project, analyzer):
    project.add_examples([Example(pair_to_messages("Order #A-10423 is late, my name is Omar Haddad.", "Sorry!"),
                                  provenance={"conversation": "c9"})])
    run_checks(project, ["pii"])
    project.apply(plan_redaction(project, kinds=["PERSON"], mode="fake").command)
    run_checks(project, ["pii"])
    assert {r["kind"] for r in pii_rows(project)} == {"ORDER_ID"}
    # redacting the order number in front of the fake name moves the name: it must stay known
    project.apply(plan_redaction(project, kinds=["ORDER_ID"], mode="placeholder").command)
    text = project.get_example(1).messages[0]["content"]
    assert text.startswith("Order #<ORDER_ID> is late, my name is ") and "Omar" not in text
    run_checks(project, ["pii"])
    assert pii_rows(project) == []


def test_shift_fakes_moves_and_drops():
    from ftcurate.core.pii.redact import _shift_fakes

    fakes = [[20, 30, "PERSON"], [0, 4, "PERSON"]]
    replaced = [(2, 10, "EMAIL_ADDRESS")]           # overlaps the first-word fake: dropped
    inserted = [(2, 17, "EMAIL_ADDRESS")]           # 7 characters longer
    assert _shift_fakes(fakes, replaced, inserted) == [[27, 37, "PERSON"]]
