"""The PII popup's "Never flag" action: one undoable edit from a highlighted span."""

from __future__ import annotations

import polars as pl


def _states(project):
    df = project.flags_frame().filter(pl.col("check") == "pii")
    return dict(zip(df["id"].to_list(), df["state"].to_list(), strict=True))


def test_never_flag_from_the_span_menu_and_undo(window, gui_project):
    from ftcurate.core.store import Project

    window.select_row(window.model.row_of(3))
    person = next(s for s in window.detail.editors[0].spans if s.kind == "PERSON")
    menu = window.detail.span_menu(person.flag_id)
    action = next(a for a in menu.actions() if a.objectName() == "neverFlagAction")
    assert "Maya Lindqvist" in action.text()
    action.trigger()
    window.controller.flush()
    project = window.controller.project
    assert project.get_setting("pii")["allow_list"] == ["Maya Lindqvist"]
    states = _states(project)
    assert states[person.flag_id] == "ignored"
    assert sorted(s for s in states.values()) == ["ignored", "ignored", "open"]  # both Maya flags
    assert [s.kind for s in window.detail.editors[0].spans] == ["PHONE_NUMBER"]
    window.controller.undo()
    window.controller.flush()
    assert project.get_setting("pii") is None
    assert set(_states(project).values()) == {"open"}
    assert isinstance(project, Project)
