"""The "pii" check through the real runner and store: flags, every turn, incremental cache, CLI."""

from __future__ import annotations

import json

import pytest

from ftcurate.core.checks.runner import run_checks
from ftcurate.core.commands import SetMessagesCommand
from ftcurate.core.errors import ConfigError

pytestmark = pytest.mark.slow


def pii_flags(project) -> list[dict]:
    df = project.flags_frame()
    return df.filter(df["check"] == "pii").to_dicts()


def value(project, f: dict) -> str:
    return project.get_example(f["example_id"]).messages[f["turn"]]["content"][f["start"]:f["end"]]


def test_flags_cover_every_turn_with_spans_kinds_and_severity(pii_project, analyzer):
    (outcome,) = run_checks(pii_project, ["pii"])
    assert outcome.ok, outcome.error
    flags = pii_flags(pii_project)
    got = {(f["example_id"], f["turn"], f["kind"], value(pii_project, f)) for f in flags}
    assert got == {
        (1, 1, "PERSON", "John Smith"), (1, 1, "EMAIL_ADDRESS", "john.smith@gmail.com"),
        (1, 1, "PHONE_NUMBER", "+44 20 7946 0958"),
        (1, 2, "PERSON", "John Smith"), (1, 2, "EMAIL_ADDRESS", "john.smith@gmail.com"),
        (2, 0, "CREDIT_CARD", "4111 1111 1111 1111"),
    }
    sev = {f["kind"]: f["severity"] for f in flags}
    assert sev == {"PERSON": "medium", "EMAIL_ADDRESS": "high", "PHONE_NUMBER": "high", "CREDIT_CARD": "high"}
    assert all(0.5 <= f["score"] <= 1 for f in flags)
    data = json.loads(flags[0]["data"])
    assert set(data) == {"role", "turn_hash", "preview"} and "*" in data["preview"]
    assert outcome.summary.details["turns"] == 7 and outcome.summary.flagged == 2


def test_rerun_uses_the_cache_and_only_analyses_changed_turns(pii_project, analyzer):
    first = run_checks(pii_project, ["pii"])[0].summary.details
    assert first["analysed"] == first["unique_texts"] == 7 and first["from_cache"] == 0
    second = run_checks(pii_project, ["pii"])[0].summary.details
    assert second["analysed"] == 0 and second["from_cache"] == 7
    assert second["findings"] == first["findings"]
    ex = pii_project.get_example(3)
    msgs = [dict(m) for m in ex.messages]
    msgs[0]["content"] = "How do I reset my password? My email is kim@example.net"
    pii_project.apply(SetMessagesCommand(3, msgs))
    third = run_checks(pii_project, ["pii"])[0].summary.details
    assert third["analysed"] == 1 and third["from_cache"] == 6  # the replaced turn is gone
    assert any(f["example_id"] == 3 and f["kind"] == "EMAIL_ADDRESS" for f in pii_flags(pii_project))


def test_project_settings_allow_list_and_custom_recognizer(pii_project, analyzer):
    pii_project.set_setting("pii", {
        "allow_list": ["john.smith@gmail.com"],
        "custom": [{"name": "ticket", "entity": "TICKET_ID", "regex": r"\bTCK-\d{6}\b", "context": ["ticket"],
                    "score": 0.7, "severity": "low"}]})
    ex = pii_project.get_example(3)
    msgs = [dict(m) for m in ex.messages]
    msgs[1]["content"] = "Use the link on the login page; your ticket is TCK-004211."
    pii_project.apply(SetMessagesCommand(3, msgs))
    (outcome,) = run_checks(pii_project, ["pii"])
    assert outcome.ok, outcome.error
    kinds = {(f["kind"], value(pii_project, f), f["severity"]) for f in pii_flags(pii_project)}
    assert ("TICKET_ID", "TCK-004211", "low") in kinds
    assert not any(k == "EMAIL_ADDRESS" for k, _, _ in kinds)


def test_invalid_project_settings_stop_the_run_with_a_clear_message(pii_project):
    pii_project.set_setting("pii", {"custom": [{"name": "bad", "entity": "X_ID", "regex": "([0-9]"}]})
    before = pii_project.flags_frame().height
    with pytest.raises(ConfigError, match="custom recognizer 'bad'.*invalid regular expression"):
        run_checks(pii_project, ["pii"])
    assert pii_project.flags_frame().height == before


def _cli(argv: list[str], capsys) -> tuple[int, list[dict]]:
    import argparse

    from ftcurate.cli import Output
    from ftcurate.cliparts import redact

    parser = argparse.ArgumentParser()
    redact.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    rc = args.func(args, Output(json_mode=True, quiet=True))
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    return rc, lines


def test_cli_pii_config_and_redact(pii_project, analyzer, capsys):
    path = str(pii_project.path)
    rc, out = _cli(["pii-config", path, "--allow", "Acme Support", "--add-recognizer", "ticket", "TICKET_ID",
                    r"TCK-\d{6}", "--context", "ticket"], capsys)
    assert rc == 0 and out[0]["saved"] and out[0]["allow_list"] == ["Acme Support"]
    assert pii_project.get_setting("pii")["custom"][0]["entity"] == "TICKET_ID"
    from ftcurate.core.errors import ConfigError

    with pytest.raises(ConfigError, match="invalid regular expression"):
        _cli(["pii-config", path, "--add-recognizer", "x", "X_ID", "(oops"], capsys)
    run_checks(pii_project, ["pii"])
    rc, out = _cli(["redact", path, "--kind", "CREDIT_CARD", "--dry-run"], capsys)
    assert out[0]["redacted"] == 1 and not out[0]["applied"]
    assert "4111" in pii_project.get_example(2).messages[0]["content"]
    rc, out = _cli(["redact", path, "--kind", "CREDIT_CARD", "--mode", "mask"], capsys)
    assert rc == 0 and out[0]["applied"] and out[0]["by_kind"] == {"CREDIT_CARD": 1}
    assert pii_project.get_example(2).messages[0]["content"] == "My card ******************* was charged twice."
    from ftcurate.core.errors import UserError

    with pytest.raises(UserError, match="unknown PII kind"):
        _cli(["redact", path, "--kind", "PASSPORT"], capsys)


def test_frequent_sign_off_is_offered_for_the_allow_list_and_then_suppressed(project, analyzer):
    from ftcurate.core.records import Example, pair_to_messages

    project.add_examples([Example(pair_to_messages(f"Where is parcel {i}?",
                                                   f"It ships on day {i}.\nBest regards,\nMaria Lopez"))
                          for i in range(25)])
    summary = run_checks(project, ["pii"])[0].summary.details
    assert {"kind": "PERSON", "value": "Maria Lopez", "examples": 25} in summary["allow_list_candidates"]
    project.set_setting("pii", {"allow_list": ["Maria Lopez"]})
    summary = run_checks(project, ["pii"])[0].summary.details
    assert summary["analysed"] == 0                      # allow-list changes need no re-analysis
    assert not any(value(project, f) == "Maria Lopez" for f in pii_flags(project))
