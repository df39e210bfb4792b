"""Acceptance on the real data sets in ../shared/data (skipped when absent), and whole-file imports
into a project: one transaction per file, duplicates detected."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from importer_helpers import fixture, read_file

from ftcurate.core.errors import UserError
from ftcurate.core.importing import import_file

pytestmark = pytest.mark.shared


def test_bitext_intents_become_labels(shared_data):
    det, examples = read_file(shared_data / "bitext_cs" / "Bitext_Sample_Customer_Support_Training_Dataset.csv")
    assert det.importer == "faq_table"
    assert det.mapping["question"] == "instruction" and det.mapping["answer"] == "response"
    assert det.label_column == "intent"
    assert len(examples) == 4514
    labels = Counter(e.label for e in examples)
    assert len(labels) == 27 and labels["delivery_period"] == 204
    assert examples[0].metadata["category"] == "ORDER"
    assert examples[-1].provenance == {"row": 4515}
    assert all(e.output and e.input for e in examples)


def test_abcd_conversations(shared_data):
    path = shared_data / "abcd_sample" / "abcd_sample.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    det, examples = read_file(path)
    assert det.importer == "support_conversations" and det.mapping["turns"] == "original"
    assert {e.provenance["conversation"] for e in examples} == {str(c["convo_id"]) for c in raw}
    assert {e.label for e in examples} == {c["scenario"]["subflow"] for c in raw}
    assert examples[0].metadata["flow"] == raw[0]["scenario"]["flow"]
    actions = {t for c in raw for s, t in c["original"] if s == "action"}
    texts = {m["content"] for e in examples for m in e.messages}
    assert actions and not any(a in t for a in actions for t in texts)  # system actions dropped
    _, full = read_file(path, context="full")
    assert len(full) == len(examples)
    assert all(e.messages[0]["role"] == "user" for e in full)
    assert max(len(e.messages) for e in full) > 8


def test_covid_faq_html_answers(shared_data):
    det, examples = read_file(shared_data / "covid_faq" / "faq_covidbert.csv")
    assert det.importer == "faq_table" and det.mapping["answer"] == "answer_html"
    assert len(examples) == 213
    outputs = [e.output for e in examples]
    assert not any(tag in o for o in outputs for tag in ("<p>", "<a ", "&nbsp;", "&rsquo;", "</li>"))
    assert any("\n- " in o for o in outputs)  # lists survive as "- item" lines
    assert Counter(e.label for e in examples)["Healthcare Professionals"] == 18
    assert sum(1 for e in examples if e.label is None) == 75
    assert examples[0].metadata["source"] == "Center for Disease Control and Prevention (CDC)"


def test_banking77_questions_with_intents(shared_data):
    det, examples = read_file(shared_data / "banking77" / "train.csv")
    assert det.mapping == {"question": "text"} and det.label_column == "category"
    assert len(examples) == 10003
    assert len({e.label for e in examples}) == 77
    assert all(len(e.messages) == 1 and e.metadata["needs_answer"] for e in examples)


def test_import_into_project_is_atomic_and_detects_duplicates(project, shared_data, tmp_path):
    rep = import_file(project, shared_data / "covid_faq" / "faq_covidbert.csv")
    assert rep.examples == 213 and rep.kind == "faq"
    frame = project.examples_frame()
    assert frame.height == 213 and frame["row"].min() == 2
    again = import_file(project, shared_data / "covid_faq" / "faq_covidbert.csv")
    assert again.skipped and project.examples_frame().height == 213
    replaced = import_file(project, shared_data / "covid_faq" / "faq_covidbert.csv", on_duplicate="replace")
    assert replaced.replaced and project.examples_frame().height == 213
    # a file that breaks after many good rows leaves the project as it was
    bad = tmp_path / "log.csv"
    good = fixture("support_messages.csv").read_text(encoding="utf-8")
    bad.write_text(good + "T9,2024-01-07T10:00:00,Agent,too,many,fields\n", encoding="utf-8")
    with pytest.raises(UserError) as info:
        import_file(project, bad)
    assert info.value.row == 12
    assert project.examples_frame().height == 213
    assert len(project.sources()) == 1
