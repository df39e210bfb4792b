"""Actions that can hurt data: one click rejects at most a few examples without asking; "Not
duplicates" / "Both are fine" ignore a cluster's flags (recorded, undoable)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from ftcurate.core.checks.base import Flag
from ftcurate.core.checks.runner import store_flags
from ftcurate.core.records import Example, pair_to_messages
from ftcurate.core.store import Project
from ftcurate.gui import confirm
from ftcurate.gui.conflicts_view import ConflictsPanel
from ftcurate.gui.controller import ProjectController
from ftcurate.gui.duplicates_view import DuplicatesPanel
from tests.gui.test_panels import _flag_states, _statuses


@pytest.fixture
def big(qtbot, tmp_path):
    """15 copies of one question in one exact-duplicate cluster, and a conflict cluster (16, 17)."""
    path = tmp_path / "big.ftcurate"
    with Project.create(path) as p:
        p.add_examples([Example(pair_to_messages("Where is my order?", "It is on its way."))] * 15
                       + [Example(pair_to_messages("Refund window?", a)) for a in ("30 days.", "14 days.")])
        store_flags(p, "exact_duplicate", [Flag(i, "exact_duplicate", "high", "same", cluster=1) for i in range(1, 16)])
        store_flags(p, "conflict", [Flag(i, "conflict", "high", "differs", cluster=2) for i in (16, 17)])
    c = ProjectController()
    c.open_project(path)
    yield c
    c.close_project()


@pytest.fixture
def asked(monkeypatch):
    questions: list[str] = []
    answer = {"yes": False}

    def ask(parent, title, text):
        questions.append(title)
        return answer["yes"]

    monkeypatch.setattr(confirm, "ask", ask)
    return questions, answer


def test_keep_one_of_a_big_cluster_asks_and_says_how_many(qtbot, big, asked):
    questions, answer = asked
    panel = DuplicatesPanel(big)
    qtbot.addWidget(panel)
    button = panel.cards[0].buttons["Keep this one"]
    assert "rejects 14" in button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert questions == ["Reject 14 examples?"]
    assert set(_statuses(big, range(1, 16))) == {"unreviewed"}  # declined: nothing changed
    answer["yes"] = True
    qtbot.mouseClick(panel.cards[0].buttons["Keep this one"], Qt.MouseButton.LeftButton)
    assert sorted(_statuses(big, range(1, 16))).count("rejected") == 14


def test_bulk_resolve_asks_above_the_threshold(qtbot, big, asked):
    from ftcurate.gui.bulk import BulkActions

    questions, _ = asked
    bulk = BulkActions(big, lambda: [1])
    assert not bulk.resolve_clusters([1])
    assert questions == ["Reject 14 examples?"] and set(_statuses(big, range(1, 16))) == {"unreviewed"}


def test_small_clusters_do_not_ask(window, asked):
    questions, _ = asked
    assert window.bulk.resolve_clusters([6])
    assert questions == []


def test_not_duplicates_ignores_the_flags_undoably(qtbot, big):
    panel = DuplicatesPanel(big)
    qtbot.addWidget(panel)
    assert panel.fine_button.isEnabled() and panel.fine_button.text() == "Not duplicates"
    qtbot.mouseClick(panel.fine_button, Qt.MouseButton.LeftButton)
    assert set(_flag_states(big, "exact_duplicate")) == {"ignored"}
    assert set(_statuses(big, range(1, 16))) == {"unreviewed"}
    assert big.project.history()[0]["text"] == "Mark 15 examples not duplicates"
    big.undo()
    assert set(_flag_states(big, "exact_duplicate")) == {"open"}


def test_both_are_fine_on_conflicts(qtbot, big):
    panel = ConflictsPanel(big)
    qtbot.addWidget(panel)
    assert panel.fine_button.text() == "Both are fine"
    qtbot.mouseClick(panel.fine_button, Qt.MouseButton.LeftButton)
    assert set(_flag_states(big, "conflict")) == {"ignored"}
    assert _statuses(big, [16, 17]) == ["unreviewed", "unreviewed"]
