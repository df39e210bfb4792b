"""The validator reads through the importer's reader: bad lines become located issues, reading goes on."""

from __future__ import annotations

import json

from ftcurate.core.export.validate import validate_path

GOOD = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}


def test_every_bad_line_is_reported_and_reading_goes_on(tmp_path):
    deep = '{"messages": ' + "[" * 5000 + "1" + "]" * 5000 + "}"
    lines = [json.dumps(GOOD), "", "[1]", deep, "{bad", json.dumps(GOOD)]
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = validate_path(path, tokens=False)
    got = {(i.line, i.severity) for i in report.issues if i.tool == "json"}
    assert got == {(2, "warning"), (3, "error"), (4, "error"), (5, "error")}
    assert any(i.line == 4 and "nested too deeply" in i.message for i in report.issues)
    assert report.files["train.jsonl"] == {"records": 2, "kind": "openai", "parquet": False}


def test_json_array_records_are_numbered_and_non_arrays_refused(tmp_path):
    path = tmp_path / "train.json"
    path.write_text(json.dumps([{"instruction": "a", "input": "", "output": "b"},
                                {"instruction": "a", "output": 3}], indent=2), encoding="utf-8")
    report = validate_path(path, tokens=False)
    assert [(i.line, i.tool) for i in report.issues if i.severity == "error"] == [(2, "axolotl"), (2, "llamafactory")]
    path.write_text('{"instruction": "a", "output": "b"}', encoding="utf-8")
    assert "expected a JSON array" in str(validate_path(path, tokens=False).issues[0])
