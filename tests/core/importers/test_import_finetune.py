"""Existing fine-tuning files are read exactly and round-trip with the exporter's formats."""

from __future__ import annotations

import json

import pytest
from importer_helpers import fixture, read_file

from ftcurate.core.errors import UserError
from ftcurate.core.export.formats import FORMATS, make_records

CHATS = [
    [{"role": "user", "content": "Where is my order?"}, {"role": "assistant", "content": "It ships tomorrow."}],
    [{"role": "system", "content": "You are Acme's assistant."},
     {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"},
     {"role": "user", "content": "Do you ship to Norway?\n\nAnd Iceland?"},
     {"role": "assistant", "content": "Yes to both: 5 to 7 days."}],
    [{"role": "user", "content": "Multi\nline: with colon"}, {"role": "assistant", "content": "Ok ✓"}],
]


@pytest.mark.parametrize("name", ["openai", "alpaca", "alpaca-json", "sharegpt", "prompt-completion",
                                  "parquet"])
def test_round_trip_with_the_exporter(tmp_path, name):
    fmt = FORMATS[name]
    records = make_records(fmt, [(i + 1, f"label{i}", msgs) for i, msgs in enumerate(CHATS)])
    path = tmp_path / f"export.{fmt.ext}"
    if fmt.container == "jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    elif fmt.container == "json":
        path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        import polars as pl

        pl.DataFrame(records).write_parquet(path)
    det, examples = read_file(path)
    assert det.importer == "finetune" and det.kind == "pairs"
    assert [e.messages for e in examples] == CHATS
    # and writing what was read gives the same records again
    assert make_records(fmt, [(i + 1, f"label{i}", e.messages) for i, e in enumerate(examples)]) == records
    if name == "parquet":
        assert [e.label for e in examples] == ["label0", "label1", "label2"]
        assert examples[0].metadata["source_ref"] == 1


def test_fixture_formats():
    _, openai = read_file(fixture("openai.jsonl"))
    assert openai[0].messages[0] == {"role": "system", "content": "You are Acme's assistant."}
    assert openai[0].label == "greeting" and openai[1].provenance == {"line": 2}
    _, sharegpt = read_file(fixture("sharegpt.jsonl"))
    assert [m["role"] for m in sharegpt[0].messages] == ["system", "user", "assistant"]
    det, alpaca = read_file(fixture("alpaca.json"))
    assert "Alpaca" in det.summary
    assert alpaca[1].messages == [{"role": "user", "content": "Translate to French\n\nGood morning"},
                                  {"role": "assistant", "content": "Bonjour"}]
    assert [m["role"] for m in alpaca[2].messages] == ["system", "user", "assistant", "user", "assistant"]
    assert alpaca[2].provenance == {"row": 3, "line": 4}
    _, pc = read_file(fixture("prompt_completion.jsonl"))
    assert pc[0].messages == [{"role": "user", "content": "What is the warranty?"},
                              {"role": "assistant", "content": "Two years on all products."}]
    assert [m["role"] for m in pc[1].messages] == ["system", "user", "assistant", "user", "assistant"]
    _, pairs = read_file(fixture("pairs.jsonl"))
    assert pairs[0].label == "delivery" and pairs[0].output == "Yes, at any branch."


def test_bad_records_name_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}\n'
                    '{"messages": [{"role": "customer", "content": "hi"}]}\n', encoding="utf-8")
    with pytest.raises(UserError) as info:
        read_file(path)
    assert info.value.line == 2 and "customer" in str(info.value)
    path.write_text('{"conversations": [{"from": "human", "value": "hi"}, {"from": "tool", "value": "x"}]}\n',
                    encoding="utf-8")
    with pytest.raises(UserError, match="tool"):
        read_file(path)
