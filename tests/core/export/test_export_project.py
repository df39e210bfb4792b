"""export_project on a real project: no leaks, stratification, reproducibility, safety stop, folders."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from export_fixtures import make_project

from ftcurate.core.commands import SetFlagStateCommand, SetStatusCommand
from ftcurate.core.errors import Cancelled, UserError
from ftcurate.core.export import FORMATS, export_project
from ftcurate.core.progress import Progress


def _split_of(project) -> dict[int, str]:
    return {i: s for s in ("train", "validation", "test") for i in project.get_split(s)}


def _file_texts(path: Path) -> dict[str, str]:
    return {json.loads(line)["messages"][-1]["content"] + "|" + json.loads(line)["messages"][-2]["content"]: path.stem
            for line in path.read_text(encoding="utf-8").splitlines()}


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_planted_copies_paraphrases_and_conversations_never_straddle(planted_project, tmp_path, seed):
    project, planted = planted_project
    out = tmp_path / f"out{seed}"
    report = export_project(project, out, test_fraction=0.25, val_fraction=0.1, seed=seed)
    where = _split_of(project)
    assert len(where) == project.count_examples()
    for kind, pairs in planted.items():
        for a, b in pairs:
            assert where[a] == where[b], (kind, a, b)
    assert report.counts["test"] > 0 and report.counts["validation"] > 0
    # and in the written files: no train example shares its exact question/answer with a test example
    train, test = set(_file_texts(out / "train.jsonl")), set(_file_texts(out / "test.jsonl"))
    assert not train & test
    # the paraphrased answers are verbatim the same; they must not cross either
    answers = {s: {json.loads(ln)["messages"][-1]["content"] for ln in (out / f"{s}.jsonl").read_text().splitlines()}
               for s in ("train", "test")}
    para_answers = {project.get_example(a).output for a, _ in planted["paraphrase"]}
    assert not (answers["train"] & answers["test"] & para_answers)
    assert report.validation["ok"], report.validation["issues"]


def test_without_cluster_flags_paraphrases_could_leak(tmp_path):
    """Control: the grouping above is what keeps paraphrases together (not luck)."""
    project, planted = make_project(tmp_path / "p.ftcurate")
    flags = project.flags_frame()
    project.apply(SetFlagStateCommand(flags["id"].to_list(), "ignored"))
    crossed = 0
    for seed in range(6):
        export_project(project, tmp_path / f"o{seed}", test_fraction=0.3, seed=seed)
        where = _split_of(project)
        crossed += sum(where[a] != where[b] for a, b in planted["paraphrase"])
        assert all(where[a] == where[b] for a, b in planted["copy"])  # exact copies stay grouped by content
    project.close()
    assert crossed > 0


def test_stratified_within_one_example_per_label(planted_project, tmp_path):
    project, _ = planted_project
    frame = project.examples_frame(["id", "label"])
    labels = dict(zip(frame["id"].to_list(), frame["label"].to_list(), strict=True))
    totals = Counter(labels.values())
    report = export_project(project, tmp_path / "o", test_fraction=0.2, seed=11)
    n = sum(totals.values())
    test = Counter(labels[i] for i in project.get_split("test"))
    for lab, n_l in totals.items():
        share = n_l * report.counts["test"] / n
        # groups (clusters of 2, a conversation of 3) may cost one more example at most
        assert abs(test[lab] - share) <= 1.5, (lab, test[lab], share)
    assert report.label_counts["test"] == {k: test[k] for k in sorted(test)}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_same_seed_same_bytes(tmp_path, fmt):
    a, _ = make_project(tmp_path / "a" / "shop.ftcurate")
    b, _ = make_project(tmp_path / "b" / "shop.ftcurate")  # same data, another project file
    export_project(a, tmp_path / "x", format=fmt, seed=7, val_fraction=0.1)
    export_project(b, tmp_path / "y", format=fmt, seed=7, val_fraction=0.1)
    export_project(a, tmp_path / "x2", format=fmt, seed=7, val_fraction=0.1)
    files = sorted(p.relative_to(tmp_path / "x") for p in (tmp_path / "x").rglob("*") if p.is_file())
    assert files
    for rel in files:
        assert (tmp_path / "x" / rel).read_bytes() == (tmp_path / "y" / rel).read_bytes(), rel
        assert (tmp_path / "x" / rel).read_bytes() == (tmp_path / "x2" / rel).read_bytes(), rel
    export_project(a, tmp_path / "z", format=fmt, seed=8, val_fraction=0.1)
    data = f"test.{FORMATS[fmt].ext}"
    assert (tmp_path / "x" / data).read_bytes() != (tmp_path / "z" / data).read_bytes()
    a.close()
    b.close()


def test_include_approved_only_and_rejected_never(planted_project, tmp_path):
    project, _ = planted_project
    ids = project.example_ids()
    project.apply(SetStatusCommand(ids[:30], "approved"))
    project.apply(SetStatusCommand(ids[30:35], "rejected"))
    r = export_project(project, tmp_path / "a", include="approved", test_fraction=0.2)
    assert sum(r.counts.values()) == 30
    assert set(_split_of(project)) == set(ids[:30])
    r = export_project(project, tmp_path / "b", include="not-rejected", test_fraction=0.2)
    assert sum(r.counts.values()) == len(ids) - 5
    assert not set(_split_of(project)) & set(ids[30:35])
    assert r.excluded == {"rejected": 5}


def test_label_caps(planted_project, tmp_path):
    project, _ = planted_project
    r = export_project(project, tmp_path / "o", caps={"shipping": 5, "billing": 4}, test_fraction=0.2)
    total = Counter()
    for counts in r.label_counts.values():
        total.update(counts)
    assert total["shipping"] == 5 and total["billing"] == 4
    assert total["returns"] > 5
    r = export_project(project, tmp_path / "o2", caps=6, test_fraction=0.2)
    total = Counter()
    for counts in r.label_counts.values():
        total.update(counts)
    assert max(total.values()) == 6


def test_suggested_caps_come_from_the_balance_check(tmp_path):
    pytest.importorskip("ftcurate.core.checks.imbalance")
    from ftcurate.core.records import Example, pair_to_messages
    from ftcurate.core.store import Project

    project = Project.create(tmp_path / "unbalanced.ftcurate")
    exs = [Example(pair_to_messages(f"Where is order {i}?", f"Order {i} ships today."), label="orders")
           for i in range(80)]
    exs += [Example(pair_to_messages(f"Question {lab} {i}?", f"Answer {lab} {i}."), label=lab)
            for lab in ("billing", "returns", "account", "sizing") for i in range(6)]
    project.add_examples(exs)
    r = export_project(project, tmp_path / "o", caps="suggested", test_fraction=0.2)
    total = Counter()
    for counts in r.label_counts.values():
        total.update(counts)
    assert total["orders"] == 12  # max(min_cap 10, 2 x median 6)
    assert all(total[lab] == 6 for lab in ("billing", "returns", "account", "sizing"))
    assert r.excluded == {"over label cap": 68}
    assert "orders: 12" in (tmp_path / "o" / "README.md").read_text()
    project.close()


def test_pii_on_left_out_examples_does_not_stop(tmp_path):
    project, _ = make_project(tmp_path / "p.ftcurate", pii=True)
    ids = project.example_ids()
    project.apply(SetStatusCommand([ids[3], ids[40]], "rejected"))
    r = export_project(project, tmp_path / "o")
    assert r.pii_open == 0
    project.close()


def test_refuses_a_folder_with_other_files_unless_overwrite(planted_project, tmp_path):
    project, _ = planted_project
    out = tmp_path / "o"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match=r"not empty: it holds notes\.txt.*--overwrite"):
        export_project(project, out)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    r = export_project(project, out, overwrite=True)
    assert r.other_files == ["notes.txt"] and (out / "notes.txt").read_text() == "mine"
    # a previous export is simply replaced, whole: switching format leaves none of the old files
    export_project(project, tmp_path / "again", val_fraction=0.1)
    export_project(project, tmp_path / "again", seed=3, format="parquet")
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == [
        "README.md", "axolotl.yaml", "dataset_info.json", "test.parquet", "train.parquet"]


def test_a_runs_folder_left_by_training_needs_no_override(planted_project, tmp_path):
    project, _ = planted_project
    out = tmp_path / "o"
    export_project(project, out)
    (out / "runs" / "run-1").mkdir(parents=True)  # where earlier versions wrote training runs
    (out / "runs" / "run-1" / "adapter.bin").write_bytes(b"weights")
    r = export_project(project, out, seed=2)
    assert r.other_files == ["runs"] and (out / "runs" / "run-1" / "adapter.bin").read_bytes() == b"weights"


def test_system_prompt_from_setting_and_option(planted_project, tmp_path):
    project, _ = planted_project
    project.set_setting("system_prompt", "You are the Acme support assistant.")
    export_project(project, tmp_path / "a")
    first = json.loads((tmp_path / "a" / "train.jsonl").read_text().splitlines()[0])
    assert first["messages"][0] == {"role": "system", "content": "You are the Acme support assistant."}
    export_project(project, tmp_path / "b", system_prompt="")
    first = json.loads((tmp_path / "b" / "train.jsonl").read_text().splitlines()[0])
    assert first["messages"][0]["role"] == "user"


def test_card_contents(planted_project, tmp_path):
    project, _ = planted_project
    export_project(project, tmp_path / "o", val_fraction=0.1, seed=5)
    card = (tmp_path / "o" / "README.md").read_text()
    for needle in ("| label | train | validation | test | total |", "| billing |", "support.jsonl",
                   "0123456789abcdef", "Seed: `5`", "ftcurate 0.1.0", "exact_duplicate", "paraphrase",
                   "## Privacy", "path: train.jsonl", "--seed 5"):
        assert needle in card, needle
    assert str(tmp_path) not in card  # no absolute paths: cards are reproducible


def test_cancel_leaves_nothing(planted_project, tmp_path):
    project, _ = planted_project

    class CancelOnWrite(Progress):
        def set_status(self, text):
            super().set_status(text)
            if text.startswith("Writing"):
                self.cancel()

    with pytest.raises(Cancelled):
        export_project(project, tmp_path / "o", progress=CancelOnWrite())
    assert not [p.name for p in tmp_path.iterdir() if p.name == "o" or p.name.startswith(".o.")]
