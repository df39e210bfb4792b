"""Examples cut from one source record answer different questions by construction: never a conflict."""

from __future__ import annotations

from ftcurate.core.checks.runner import run_checks
from ftcurate.core.records import Example, pair_to_messages

CFG = {"conflict": {"match": "near", "answer_similarity": "minhash"}}


def _add(project, rows):
    project.add_examples([Example(pair_to_messages(q, a), provenance=prov) for q, a, prov in rows])


def test_templates_of_one_product_do_not_conflict(project):
    _add(project, [
        ("What is the Ridgeline 2 Tent?", "A light two-person tent for three-season trips.", {"row": 2}),
        ("Who makes the Ridgeline 2 Tent?", "The Ridgeline 2 Tent is made by Fernhill.", {"row": 2}),
    ])
    assert run_checks(project, ["conflict"], CFG)[0].flags == 0


def test_the_same_question_from_two_records_does_conflict(project):
    _add(project, [
        ("How long do I have to return an item?", "Unused items can be returned within 30 days.",
         {"row": 2, "conversation": "T1"}),
        ("How long do I have to return an item?", "Returns are accepted within 14 days only, sorry.",
         {"row": 9, "conversation": "T2"}),
    ])
    out = run_checks(project, ["conflict"], CFG)[0]
    assert out.ok and out.flags == 2
