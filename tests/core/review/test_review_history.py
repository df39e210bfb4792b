"""Project history: a typing burst is one entry both ways; undo_status; spans follow edits."""

from __future__ import annotations

import json

from ftcurate.core.checks.base import Flag
from ftcurate.core.checks.runner import store_flags
from ftcurate.core.commands import SetLabelCommand
from ftcurate.core.records import Example, pair_to_messages
from ftcurate.core.review import history
from ftcurate.core.review.spans import FollowEditCommand, _opcodes, follow_spans, map_span


def _typed(project, eid: int, text: str, key: str = "k") -> None:
    base = project.get_example(eid).messages
    for i in range(1, len(text) + 1):
        msgs = [dict(base[0], content=base[0]["content"] + text[:i]), base[1]]
        project.apply(FollowEditCommand(eid, msgs), merge_key=key)


def _rows(project) -> int:
    return project.query("SELECT count(*) FROM history")[0][0]


def test_146_characters_are_one_entry_and_undo_redo_add_two_rows(project):
    project.add_examples([Example(pair_to_messages("Where is my parcel?", "On its way."))])
    _typed(project, 1, "x" * 146)
    assert _rows(project) == 1
    st = project.undo_status()
    assert st.can_undo and not st.can_redo and st.undo_text == "Edit example 1"
    project.undo()
    assert project.get_example(1).messages[0]["content"] == "Where is my parcel?"
    assert project.undo_status().can_redo
    project.redo()
    assert project.get_example(1).messages[0]["content"].endswith("x" * 146)
    assert _rows(project) == 3  # the entry + one audit row for undo + one for redo


def test_another_edit_or_key_ends_the_burst(project):
    project.add_examples([Example(pair_to_messages(f"q{i}", "a")) for i in range(2)])
    _typed(project, 1, "ab", key="m1")
    project.apply(SetLabelCommand([2], "x"))
    _typed(project, 1, "cd", key="m1")
    _typed(project, 2, "ef", key="m2")
    assert _rows(project) == 4
    history.end_burst(project)
    _typed(project, 2, "g", key="m2")
    assert _rows(project) == 5


def test_a_burst_after_an_undo_starts_a_new_entry(project):
    project.add_examples([Example(pair_to_messages("q", "a"))])
    _typed(project, 1, "ab")
    project.undo()
    _typed(project, 1, "c")
    assert [h["state"] for h in project.history() if h["kind"] == "edit"] == ["done", "dropped"]
    assert project.get_example(1).messages[0]["content"] == "qc"


def test_span_mapping_through_edits():
    old = "My name is Maya Lindqvist, call me on +44 20 7946 0149"
    new = "My name is <PERSON>, call me on +44 20 7946 0149"
    ops = _opcodes(old, new)
    s, e = map_span(ops, old.index("+44"), len(old))
    assert new[s:e] == "+44 20 7946 0149"
    s, e = map_span(ops, old.index("Maya"), old.index(","))
    assert new[s:e] == "<PERSON>"
    ops = _opcodes("abc", "Hi! abc")  # inserted before: moves; an insert at a span's end stays out
    assert map_span(ops, 0, 3) == (4, 7)
    assert map_span(_opcodes("abc", "abcX"), 0, 3) == (0, 3)


def test_flags_follow_a_redaction_and_undo_restores_offsets(project):
    text = "Call Maya Lindqvist on +44 20 7946 0149 today"
    project.add_examples([Example(pair_to_messages(text, "ok"))])
    store_flags(project, "pii", [
        Flag(1, "pii", "high", "name", kind="PERSON", turn=0, start=5, end=19, data={"turn_hash": "x"}),
        Flag(1, "pii", "high", "phone", kind="PHONE_NUMBER", turn=0, start=23, end=39)])
    new = text.replace("Maya Lindqvist", "<PERSON>")
    project.apply(follow_spans(FollowEditCommand(1, pair_to_messages(new, "ok"))))
    rows = dict((k, (s, e, d)) for k, s, e, d in project.query('SELECT kind, start, "end", data FROM flags'))
    assert new[rows["PHONE_NUMBER"][0]:rows["PHONE_NUMBER"][1]] == "+44 20 7946 0149"
    assert new[rows["PERSON"][0]:rows["PERSON"][1]] == "<PERSON>"
    assert json.loads(rows["PERSON"][2])["turn_hash"] != "x"  # the stored hash follows the new text
    project.undo()
    assert sorted(project.query('SELECT start, "end" FROM flags')) == [(5, 19), (23, 39)]
