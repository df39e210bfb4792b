"""Issue 11: after redacting one PII span of a turn, the other findings of that turn follow the edit
(highlights stay on their text, a second redaction works) — also after typing and after undo."""

from __future__ import annotations

import pytest

from tests.gui.test_review import db_messages

PHONE = "+44 20 7946 0149"


@pytest.fixture
def errors(window, monkeypatch):
    seen: list = []
    monkeypatch.setattr(window.controller, "show_error", lambda title, exc: seen.append((title, exc)))
    return seen


def _span(window, kind):
    return next(s for s in window.detail.editors[0].spans if s.kind == kind)


def test_second_redaction_in_the_same_turn_after_the_first(window, errors, gui_project):
    pytest.importorskip("ftcurate.core.pii.redact")
    window.select_row(window.model.row_of(3))
    window.detail.redact([_span(window, "PERSON").flag_id], "placeholder")
    window.controller.flush()
    editor = window.detail.editors[0]
    phone = _span(window, "PHONE_NUMBER")
    assert editor.toPlainText()[phone.start:phone.end] == PHONE  # the highlight followed the edit
    next(a for a in window.detail.span_menu(phone.flag_id).actions() if "placeholder" in a.text()).trigger()
    assert errors == []
    assert db_messages(gui_project, 3)[0]["content"] == "My name is <PERSON>, call me on <PHONE_NUMBER>"
    window.controller.undo()
    window.controller.flush()
    phone = _span(window, "PHONE_NUMBER")
    assert window.detail.editors[0].toPlainText()[phone.start:phone.end] == PHONE


def test_spans_follow_typing_before_them_and_undo(window, qtbot, errors, gui_project):
    window.select_row(window.model.row_of(3))
    editor = window.detail.editors[0]
    cur = editor.textCursor()
    cur.setPosition(0)
    editor.setTextCursor(cur)
    qtbot.keyClicks(editor, "Hi! ")
    window.controller.flush()
    for kind, text in (("PERSON", "Maya Lindqvist"), ("PHONE_NUMBER", PHONE)):
        s = _span(window, kind)
        assert window.detail.editors[0].toPlainText()[s.start:s.end] == text
    window.controller.undo()
    window.controller.flush()
    assert db_messages(gui_project, 3)[0]["content"].startswith("My name is")
    s = _span(window, "PERSON")
    assert window.detail.editors[0].toPlainText()[s.start:s.end] == "Maya Lindqvist"
    assert errors == []


def test_redaction_with_nothing_left_to_redact_says_so(window, errors):
    """A stale click (the flag was resolved meanwhile) is a message, never an AttributeError."""
    pytest.importorskip("ftcurate.core.pii.redact")
    window.select_row(window.model.row_of(3))
    person = _span(window, "PERSON").flag_id
    window.detail.redact([person], "placeholder")
    window.detail.redact([person], "placeholder")  # already redacted: the flag is resolved
    assert all(not isinstance(exc, AttributeError) for _t, exc in errors)
