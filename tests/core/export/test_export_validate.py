"""The validator passes every export and catches broken files."""

from __future__ import annotations

import json
import shutil

import pytest

from ftcurate.core.errors import UserError
from ftcurate.core.export import FORMATS, export_project, validate_path


def _issues(report, tool=None, severity="error"):
    return [i for i in report.issues if (tool is None or i.tool == tool) and i.severity == severity]


class _Exports(dict):
    """Exports made on first use: exported["openai"] -> folder."""

    def __init__(self, project, base):
        super().__init__()
        self.project, self.base = project, base

    def __missing__(self, fmt):
        export_project(self.project, self.base / fmt, format=fmt, test_fraction=0.2, val_fraction=0.1, seed=1)
        self[fmt] = self.base / fmt
        return self[fmt]


@pytest.fixture
def exported(planted_project, tmp_path_factory):
    return _Exports(planted_project[0], tmp_path_factory.mktemp("exports"))


def test_every_format_validates_clean(exported):
    for fmt in FORMATS:
        out = exported[fmt]
        report = validate_path(out)
        assert report.ok and report.errors() == 0 and report.warnings() == 0, (fmt, [str(i) for i in report.issues])
        assert set(report.files) == {f"{s}.{FORMATS[fmt].ext}" for s in ("train", "validation", "test")}
        if fmt == "openai":
            assert "OpenAI: ok" in report.summary() and "LLaMA-Factory: ok" in report.summary()


def _rewrite_line(path, lineno, fn):
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[lineno - 1] = fn(lines[lineno - 1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _edit_record(path, lineno, fn):
    def edit(line):
        rec = json.loads(line)
        fn(rec)
        return json.dumps(rec)
    _rewrite_line(path, lineno, edit)


def test_openai_rules(exported, tmp_path):
    out = tmp_path / "o"
    shutil.copytree(exported["openai"], out)
    train = out / "train.jsonl"
    _rewrite_line(train, 1, lambda s: s[:-5])  # truncated JSON
    _edit_record(train, 2, lambda r: r["messages"].append({"role": "user", "content": "And?"}))
    _edit_record(train, 3, lambda r: r["messages"][-1].update(content="  "))  # empty answer
    _edit_record(train, 4, lambda r: r["messages"][0].update(role="customer"))  # unknown role
    _edit_record(train, 5, lambda r: r["messages"][0].update(text="x"))  # unknown key
    _edit_record(train, 6, lambda r: r.update(messages=[]))
    _edit_record(train, 7, lambda r: r["messages"].pop())  # no assistant turn at all
    report = validate_path(out)
    assert not report.ok
    by_line = {}
    for i in _issues(report):
        by_line.setdefault(i.line, []).append(f"{i.tool}: {i.message}")
    assert any("not valid JSON" in m for m in by_line[1])
    assert any(m.startswith("openai") and "last message is 'user'" in m for m in by_line[2])
    assert any(m.startswith("llamafactory") and "odd number" in m for m in by_line[2])
    assert any(m.startswith("openai") and "empty content" in m for m in by_line[3])
    assert any(m.startswith("openai") and "unknown role 'customer'" in m for m in by_line[4])
    assert any(m.startswith("axolotl") and "'customer'" in m for m in by_line[4])
    assert any(m.startswith("openai") and "unrecognised key(s) text" in m for m in by_line[5])
    assert any("non-empty list" in m for m in by_line[6])
    assert any(m.startswith("openai") and "no assistant message" in m for m in by_line[7])
    assert all(i.file == "train.jsonl" for i in _issues(report))


def test_llamafactory_role_order(exported, tmp_path):
    out = tmp_path / "o"
    shutil.copytree(exported["sharegpt"], out)
    _edit_record(out / "test.jsonl", 1, lambda r: r["conversations"].insert(
        0 if r["conversations"][0]["from"] != "system" else 1, {"from": "gpt", "value": "Hello!"}))
    report = validate_path(out)
    errs = _issues(report, "llamafactory")
    assert errs and errs[0].file == "test.jsonl" and errs[0].line == 1 and "alternate" in errs[0].message
    assert "LLaMA-Factory: " in report.summary() and not report.ok


def test_alpaca_rules(exported, tmp_path):
    out = tmp_path / "o"
    shutil.copytree(exported["alpaca"], out)
    _edit_record(out / "train.jsonl", 1, lambda r: r.pop("output"))
    _edit_record(out / "train.jsonl", 2, lambda r: r.update(history=[["only one"]]))
    report = validate_path(out)
    msgs = [(i.line, i.tool, i.message) for i in _issues(report)]
    assert (1, "json", "not a record of a known format (messages, conversations, instruction/output, "
            "prompt/completion)") in msgs
    assert any(line == 2 and tool == "llamafactory" and "history" in m for line, tool, m in msgs)


def test_configs_must_match_the_files(exported, tmp_path):
    out = tmp_path / "o"
    shutil.copytree(exported["openai"], out)
    info = json.loads((out / "dataset_info.json").read_text())
    key = next(k for k in info if k.endswith("_test"))
    info[key]["file_name"] = "missing.jsonl"
    info[next(k for k in info if k.endswith("_train"))]["columns"]["messages"] = "conversations"
    (out / "dataset_info.json").write_text(json.dumps(info))
    axo = (out / "axolotl.yaml").read_text().replace("field_messages: messages", "field_messages: chats", 1)
    (out / "axolotl.yaml").write_text(axo)
    report = validate_path(out)
    msgs = [f"{i.file}: {i.message}" for i in _issues(report)]
    assert any("dataset_info.json" in m and "missing.jsonl does not exist" in m for m in msgs)
    assert any("dataset_info.json" in m and "'conversations'" in m for m in msgs)
    assert any("axolotl.yaml" in m and "'chats'" in m for m in msgs)


def test_leak_between_train_and_test_is_an_error(exported, tmp_path):
    out = tmp_path / "o"
    shutil.copytree(exported["openai"], out)
    first_train = (out / "train.jsonl").read_text().splitlines()[0]
    with open(out / "test.jsonl", "a", encoding="utf-8") as fh:
        fh.write(first_train + "\n")
    report = validate_path(out)
    leaks = _issues(report, "ftcurate")
    assert len(leaks) == 1 and "exact copy of train.jsonl line 1" in leaks[0].message


def test_hf_folder_checked(exported, tmp_path):
    out = tmp_path / "o"
    shutil.copytree(exported["hf"], out)
    (out / "hf_dataset" / "test" / "data-00000-of-00001.arrow").write_bytes(b"broken")
    report = validate_path(out)
    assert any("hf_dataset/" == i.file and "'test'" in i.message for i in _issues(report))


def test_single_file_and_missing_paths(exported, tmp_path):
    assert validate_path(exported["parquet"] / "train.parquet").ok
    (tmp_path / "junk.parquet").write_bytes(b"PAR1 not really")
    assert not validate_path(tmp_path / "junk.parquet").ok
    with pytest.raises(UserError, match="no such file"):
        validate_path(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no train/validation/test"):
        validate_path(tmp_path / "empty")


def _chat_file(path, n, fn=None):
    recs = [{"messages": [{"role": "user", "content": f"Question {i}?"},
                          {"role": "assistant", "content": f"Answer {i}."}]} for i in range(n)]
    for i, r in enumerate(recs):
        if fn:
            fn(i, r)
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


def test_openai_needs_ten_training_examples(tmp_path):
    report = validate_path(_chat_file(tmp_path / "train.jsonl", 9), tokens=False)
    errs = _issues(report, "openai")
    assert not report.ok and "9 examples; OpenAI fine-tuning needs at least 10" in errs[0].message
    assert validate_path(_chat_file(tmp_path / "train.jsonl", 10), tokens=False).ok


def test_openai_schema_weight_roles_and_content(tmp_path):
    def spoil(i, r):
        m = r["messages"]
        if i == 0:
            m[0]["weight"] = 0  # weight on a user message
        elif i == 1:
            m[1]["weight"] = 2
        elif i == 2:
            m.insert(0, {"role": "system", "content": ""})
        elif i == 3:
            m[1]["weight"] = 0  # fine: an assistant turn not trained
            m.insert(0, {"role": "user", "content": "Earlier?"})
            m.insert(1, {"role": "assistant", "content": "Earlier.", "weight": 0})
        elif i == 4:
            m[0]["role"] = "human"

    report = validate_path(_chat_file(tmp_path / "train.jsonl", 12, spoil), tokens=False)
    got = {(i.line, i.message) for i in _issues(report, "openai")}
    assert (1, "message 1 (user) has a weight; OpenAI accepts weight only on assistant messages") in got
    assert (2, "message 2 (assistant) has weight 2; it must be 0 or 1") in got
    assert (3, "message 1 (system) has empty content") in got
    assert not any(line == 4 for line, _ in got)
    assert any(line == 5 and "unknown role 'human'" in msg for line, msg in got)
    assert "train.jsonl, line 2: [OpenAI error] message 2 (assistant) has weight 2" in [str(i) for i in report.issues][1]


def test_token_counts_with_the_model_tokenizer(tmp_path):
    from ftcurate.core.hygiene.tokens import token_counter

    counter = token_counter(None)
    long_answer = "The parcel is on its way to the depot near you. " * 900

    def grow(i, r):
        if i == 3:
            r["messages"][1]["content"] = long_answer

    report = validate_path(_chat_file(tmp_path / "train.jsonl", 12, grow))
    tok = report.files["train.jsonl"]["tokens"]
    chats = [[{"role": "user", "content": f"Question {i}?"},
              {"role": "assistant", "content": long_answer if i == 3 else f"Answer {i}."}] for i in range(12)]
    expected = counter.count(chats)
    assert tok["examples"] == 12 and tok["total"] == sum(expected) and tok["max"] == max(expected)
    assert tok["context"] == counter.context and tok["over_context"] == (max(expected) > counter.context)
    if counter.exact:
        assert tok["over_context"] == 1
        errs = _issues(report, "tokens")
        assert [e.line for e in errs] == [4] and f"its context is {counter.context:,} tokens" in errs[0].message


def test_fast_path_never_accepts_what_the_schema_rejects():
    from ftcurate.core.export.openai_schema import _validator, plainly_valid

    base = [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]
    variants = [
        {"messages": base},
        {"messages": [*base[:1], {**base[1], "weight": 0}]},
        {"messages": [*base[:1], {**base[1], "weight": 1}]},
        {"messages": [{**base[0], "weight": 1}, base[1]]},
        {"messages": [*base[:1], {**base[1], "weight": True}]},
        {"messages": [*base[:1], {**base[1], "weight": 1.0}]},
        {"messages": [*base[:1], {**base[1], "weight": 2}]},
        {"messages": [{"role": "customer", "content": "x"}, base[1]]},
        {"messages": [{"role": "user", "content": " "}, base[1]]},
        {"messages": [{"role": "user", "content": None}, base[1]]},
        {"messages": [{"role": "user", "content": "x", "name": "a"}, base[1]]},
        {"messages": []}, {"messages": base, "tools": []}, {"other": 1},
    ]
    for rec in variants:
        if plainly_valid(rec):
            assert _validator().is_valid(rec), rec
    assert plainly_valid(variants[0]) and plainly_valid(variants[1])


def test_export_checks_the_context_window_and_validate_prints_counts(tmp_path, capsys):
    from export_fixtures import make_project

    from ftcurate.cli import main
    from ftcurate.core.hygiene.tokens import token_counter
    from ftcurate.core.records import Example, pair_to_messages

    project, _ = make_project(tmp_path / "p.ftcurate")
    long_answer = "Your parcel left the depot this morning and is on its way. " * 800
    project.add_examples([Example(messages=pair_to_messages("Where is it?", long_answer), label="shipping")],
                         source=dict(name="long.jsonl", path="/l.jsonl", content_hash="cd", size=1,
                                     importer="pairs_jsonl", kind="pairs", options={}, detection={}))
    report = export_project(project, tmp_path / "o", test_fraction=0)
    project.close()
    tok = report.validation["files"]["train.jsonl"]["tokens"]
    assert tok["examples"] == report.counts["train"] and tok["tokenised"] <= 1
    exact = token_counter(None).exact
    if exact:
        assert tok["over_context"] == 1 and not report.validation["ok"]
        assert any(i["tool"] == "tokens" for i in report.validation["issues"])
    assert main(["validate", str(tmp_path / "o")]) == (1 if exact else 0)
    out = capsys.readouterr().out
    assert f"train.jsonl: {report.counts['train']} examples, " in out and "-token context" in out
