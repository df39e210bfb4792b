"""import(export(x)) == x for every format, through the real importers (and pyarrow / datasets)."""

from __future__ import annotations

import json

import pytest

from ftcurate.core.export import export_project
from ftcurate.core.export.formats import (
    TRANSCRIPT_PREFIX,
    alpaca_to_messages,
    prompt_completion_to_messages,
    to_prompt_completion,
)
from ftcurate.core.importers.base import ImportOptions
from ftcurate.core.importing import detect_file
from ftcurate.core.progress import Progress

JSON_FORMATS = ["openai", "alpaca", "alpaca-json", "sharegpt"]


def _expected(project, split, fmt=None):
    return [[{"role": m["role"], "content": m["content"]} for m in ex.messages]
            for ex in project.get_examples(project.get_split(split))]


@pytest.mark.parametrize("fmt", JSON_FORMATS)
def test_import_of_export_gives_back_the_examples(planted_project, tmp_path, fmt):
    """Multi-turn and system-prompt examples included: prompt/completion folds earlier turns into a
    "System: / User: / Assistant:" transcript, which the importer splits back into turns."""
    project, _ = planted_project
    out = tmp_path / "o"
    report = export_project(project, out, format=fmt, test_fraction=0.2, seed=4)
    ext = "json" if fmt == "alpaca-json" else "jsonl"
    seen = []
    for split in ("train", "test"):
        path = out / f"{split}.{ext}"
        importer, det = detect_file(path)
        got = [ex.messages for ex in importer.read(path, ImportOptions(), det, Progress())]
        assert got == _expected(project, split, fmt), (fmt, split, det.summary)
        assert len(got) == report.counts[split]
        seen += got
    assert any(len(m) > 3 for m in seen) and any(m[0]["role"] == "system" for m in seen)


@pytest.mark.parametrize("fmt", ["alpaca", "alpaca-json"])
def test_alpaca_records_read_back_the_way_llamafactory_reads_them(planted_project, tmp_path, fmt):
    project, _ = planted_project
    out = tmp_path / "o"
    export_project(project, out, format=fmt, test_fraction=0.2, seed=4)
    path = out / ("train.json" if fmt == "alpaca-json" else "train.jsonl")
    text = path.read_text(encoding="utf-8")
    recs = json.loads(text) if fmt == "alpaca-json" else [json.loads(x) for x in text.splitlines()]
    assert [alpaca_to_messages(r) for r in recs] == _expected(project, "train", fmt)
    assert all(set(r) == {"instruction", "input", "output", "system", "history"} for r in recs)
    multi = [r for r in recs if r["history"]]
    assert multi and all(len(h) == 2 for r in multi for h in r["history"])


@pytest.mark.parametrize("fmt", ["parquet", "hf"])
def test_parquet_round_trip_keeps_ids_labels_and_messages(planted_project, tmp_path, fmt):
    import pyarrow.parquet as pq

    project, _ = planted_project
    out = tmp_path / "o"
    export_project(project, out, format=fmt, test_fraction=0.2, val_fraction=0.1, seed=4)
    for split in ("train", "validation", "test"):
        rows = pq.read_table(out / f"{split}.parquet").to_pylist()
        ids = project.get_split(split)
        assert [r["id"] for r in rows] == ids
        exs = project.get_examples(ids)
        assert [r["label"] for r in rows] == [e.label for e in exs]
        assert [r["messages"] for r in rows] == [e.messages for e in exs]


def test_hf_folder_loads_with_datasets(planted_project, tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    project, _ = planted_project
    out = tmp_path / "o"
    report = export_project(project, out, format="hf", test_fraction=0.2, seed=4)
    from_disk = datasets.load_from_disk(str(out / "hf_dataset"))
    assert {s: len(from_disk[s]) for s in from_disk} == report.counts
    assert from_disk["test"]["id"] == project.get_split("test")
    files = {s: str(out / f"{s}.parquet") for s in report.counts}
    loaded = datasets.load_dataset("parquet", data_files=files, cache_dir=str(tmp_path / "cache"))
    assert loaded["train"][0]["messages"] == project.get_example(project.get_split("train")[0]).messages
    by_card = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "cache"))  # README.md configs
    assert {s: len(by_card[s]) for s in by_card} == report.counts


def test_prompt_completion_folds_context_into_a_transcript_with_a_cue():
    """TRL joins prompt + completion: the prompt ends with an "Assistant:" cue and the completion
    starts with a space, so "...sleeping bag.Of course" can no longer happen (issue 16)."""
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Price?"},
            {"role": "assistant", "content": "5 EUR"}]
    rec = to_prompt_completion(msgs)
    assert rec == {"prompt": "System: Be brief.\n\nUser: Hi\n\nAssistant: Hello\n\nUser: Price?\n\nAssistant:",
                   "completion": " 5 EUR"}
    assert to_prompt_completion(msgs[3:]) == {"prompt": "User: Price?\n\nAssistant:", "completion": " 5 EUR"}
    joined = "".join(to_prompt_completion(msgs[3:]).values())
    assert joined == "User: Price?\n\nAssistant: 5 EUR"
    assert prompt_completion_to_messages(rec) == msgs
    assert set(TRANSCRIPT_PREFIX) == {"system", "user", "assistant"}


def test_prompt_completion_export_reads_back(planted_project, tmp_path):
    project, _ = planted_project
    out = tmp_path / "o"
    export_project(project, out, format="prompt-completion", test_fraction=0.2, seed=4)
    for split in ("train", "test"):
        recs = [json.loads(x) for x in (out / f"{split}.jsonl").read_text().splitlines()]
        assert all(r["prompt"].endswith("\n\nAssistant:") and r["completion"].startswith(" ") for r in recs)
        assert [prompt_completion_to_messages(r) for r in recs] == _expected(project, split)


def _trained_answers(fmt: str, recs: list[dict]) -> list[str]:
    """The assistant texts a trainer learns from each record of `fmt` (TRL / LLaMA-Factory defaults)."""
    out: list[str] = []
    for r in recs:
        if fmt == "openai":
            out += [m["content"] for m in r["messages"] if m["role"] == "assistant" and m.get("weight", 1) != 0]
        elif fmt == "sharegpt":
            out += [m["value"] for m in r["conversations"] if m["from"] == "assistant"]
        elif fmt == "alpaca":
            out += [a for _, a in r.get("history") or []] + [r["output"]]
        elif fmt == "prompt-completion":
            out.append(r["completion"].strip())
    return out


@pytest.mark.parametrize("fmt", ["openai", "sharegpt", "alpaca", "prompt-completion"])
def test_context_full_cuts_train_every_answer_once(planted_project, tmp_path, fmt):
    """Two conversations cut into 3 examples each (`--context full`): each agent reply is trained
    exactly once across the files (issue 16)."""
    project, _ = planted_project
    out = tmp_path / "o"
    report = export_project(project, out, format=fmt, test_fraction=0.2, seed=4)
    answers: list[str] = []
    for split in ("train", "test"):
        recs = [json.loads(x) for x in (out / f"{split}.jsonl").read_text().splitlines()]
        answers += [a for a in _trained_answers(fmt, recs) if a.startswith("Conversation")]
    assert sorted(answers) == sorted(f"Conversation {c}, agent reply {t}." for c in range(2) for t in range(3))
    if fmt == "openai":
        text = (out / "train.jsonl").read_text() + (out / "test.jsonl").read_text()
        assert text.count('"weight": 0') == 2 * (1 + 2)  # cut 2 has one earlier answer, cut 3 two
    card = (out / "README.md").read_text()
    if fmt == "alpaca":
        assert "pass a `formatting_func`" in card  # TRL does not read Alpaca records by itself
    if fmt in ("sharegpt", "alpaca"):
        assert report.excluded["earlier cuts of a conversation (a longer cut of it holds their answers)"] == 4
