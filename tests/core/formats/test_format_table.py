"""The one table of fine-tuning formats: every format round-trips, is sniffed, and has rules that fire."""

from __future__ import annotations

import json

import pytest

from ftcurate.core.errors import UserError
from ftcurate.core.export.formats import FORMATS as EXPORT_FORMATS
from ftcurate.core.export.formats import get_format, make_records
from ftcurate.core.formats import FORMATS, check_record, get, messages_of, sniff
from ftcurate.core.formats.sharegpt import ROLES as SHAREGPT_ROLES
from ftcurate.core.trainer.data import read_chat_jsonl

SYSTEM = {"role": "system", "content": "You are Acme's assistant."}
CHATS = [
    [{"role": "user", "content": "Where is my order?"}, {"role": "assistant", "content": "It ships tomorrow."}],
    [SYSTEM, {"role": "user", "content": "Do you ship to Norway?\n\nAnd Iceland?"},
     {"role": "assistant", "content": "Yes: 5 to 7 days."}],
    [SYSTEM, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
     {"role": "user", "content": "Price?"}, {"role": "assistant", "content": "5 EUR"}],
]
MULTI_TURN = ("openai", "sharegpt", "alpaca", "prompt-completion", "rows")
BROKEN = {  # one broken record per format, and a rule that must name it
    "openai": ({"messages": [{"role": "user", "content": "hi"}]}, "openai", "no assistant message"),
    "sharegpt": ({"conversations": [{"from": "gpt", "value": "hi"}]}, "llamafactory", "where 'human'"),
    "alpaca": ({"instruction": "hi", "output": 3}, "axolotl", '"output" must be a string'),
    "prompt-completion": ({"prompt": 3, "completion": "yo"}, "axolotl", '"prompt" must be a string'),
    "pairs": ({"input": "hi", "output": "yo"}, "ftcurate", "not a fine-tuning format"),
    "rows": ({"id": 1, "label": None, "messages": [{"role": "user", "content": "hi"}]}, "llamafactory",
             "odd number"),
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_round_trips_and_is_sniffed(name):
    fmt = FORMATS[name]
    chats = CHATS if name in MULTI_TURN else CHATS[:2]
    for i, msgs in enumerate(chats):
        rec = fmt.to_record(msgs, "label", i + 1)
        assert fmt.from_record(rec) == msgs
        assert messages_of(json.loads(json.dumps(rec)), name) == msgs
        assert sniff(rec, parquet=name == "rows") == name
        assert fmt.sniff(rec)
        assert not [f for f in check_record(rec, name, parquet=name == "rows") if f[1] == "error"] or name == "pairs"


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_rules_fire_on_a_broken_record(name):
    rec, tool, words = BROKEN[name]
    assert sniff(rec, parquet=name == "rows") == name
    findings = list(check_record(rec, name, parquet=name == "rows"))
    assert any(t == tool and sev == "error" and words in msg for t, sev, msg in findings), findings


def test_from_record_fails_with_a_reason():
    with pytest.raises(ValueError, match="customer"):
        messages_of({"messages": [{"role": "customer", "content": "hi"}]}, "openai")
    with pytest.raises(ValueError, match="tool"):
        messages_of({"conversations": [{"from": "tool", "value": "x"}]}, "sharegpt")
    with pytest.raises(ValueError, match="history"):
        messages_of({"instruction": "a", "output": "b", "history": [["one"]]}, "alpaca")
    with pytest.raises(ValueError, match="not a JSON object"):
        messages_of([1, 2], "openai")
    assert sniff({"text": "hello"}) is None and sniff("text") is None
    assert list(check_record([1], "openai")) == [("json", "error", "not a JSON object")]


def test_names_and_the_one_sharegpt_role_map():
    assert get("chat").name == "openai" and get("PROMPT").name == "prompt-completion"
    assert get("hf").name == "rows"
    with pytest.raises(KeyError):
        get("csv")
    # every export format writes records of a table format; the CLI's names still resolve
    for export_name in ("openai", "alpaca", "alpaca-json", "sharegpt", "prompt-completion", "parquet", "hf",
                        "chat", "prompt", "alpaca_json"):
        assert get_format(export_name).record in FORMATS
    with pytest.raises(UserError):
        get_format("pairs")
    # ShareGPT: what the exporter writes and the classic tags both read back through the one map
    for tag in ("system", "user", "assistant", "human", "gpt"):
        assert tag in SHAREGPT_ROLES
    assert messages_of({"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]},
                       "sharegpt") == [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]


def test_older_prompt_completion_files_still_read():
    rec = {"prompt": "System: Be brief.\n\nUser: Hi\n\nAssistant: Hello!\n\nUser: Any discounts?",
           "completion": "10% for students."}
    assert [m["role"] for m in messages_of(rec, "prompt-completion")] == [
        "system", "user", "assistant", "user", "assistant"]
    assert messages_of({"prompt": "What is the warranty?", "completion": " Two years."}, "prompt-completion") == [
        {"role": "user", "content": "What is the warranty?"}, {"role": "assistant", "content": " Two years."}]


def _write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


@pytest.mark.parametrize("export_name", sorted(n for n, f in EXPORT_FORMATS.items() if f.container == "jsonl"))
def test_trainer_reader_is_pinned_to_the_table(tmp_path, export_name):
    """The trainer's standard-library reader reads what the table writes as the table reads it, and
    refuses every other exportable JSONL format, naming it."""
    fmt = EXPORT_FORMATS[export_name]
    records = make_records(fmt, [(i + 1, "label", msgs) for i, msgs in enumerate(CHATS)])
    path = tmp_path / "train.jsonl"
    _write_jsonl(path, records)
    if fmt.record == "openai":
        rows = read_chat_jsonl(path)
        assert [r.messages for r in rows] == [FORMATS["openai"].from_record(r) for r in records] == CHATS
        return
    with pytest.raises(UserError) as info:
        read_chat_jsonl(path)
    assert info.value.line == 1
    assert FORMATS[fmt.record].title in info.value.message and "--format openai" in info.value.message


def test_trainer_reads_weighted_turns_as_the_table_does(tmp_path):
    msgs = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "weight": 0},
            {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}]
    rec = FORMATS["openai"].to_record(msgs)
    assert rec["messages"][1]["weight"] == 0
    path = tmp_path / "train.jsonl"
    _write_jsonl(path, [rec])
    assert read_chat_jsonl(path)[0].messages == FORMATS["openai"].from_record(rec)
