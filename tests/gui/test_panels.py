"""Charts, Duplicates, Conflicts and Health panels on small real projects (pytest-qt, offscreen)."""

from __future__ import annotations

import os

import pytest

from ftcurate.core.report.health_types import (
    ClusterRow,
    HealthData,
    LabelsPart,
    Lengths,
    Score,
    ToneMap,
    TonePoint,
)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, Qt  # noqa: E402

from ftcurate.core.checks.base import Flag  # noqa: E402
from ftcurate.core.checks.runner import store_flags  # noqa: E402
from ftcurate.core.records import Example, pair_to_messages  # noqa: E402
from ftcurate.core.store import Project  # noqa: E402
from ftcurate.gui.charts import BarChartView, HistogramView, ScatterChartView, nice_ticks  # noqa: E402
from ftcurate.gui.conflicts_view import ConflictsPanel  # noqa: E402
from ftcurate.gui.controller import ProjectController  # noqa: E402
from ftcurate.gui.duplicates_view import DuplicatesPanel, word_diff_html  # noqa: E402

PAIRS = [
    ("How do I reset my password?", "Go to Settings and click Reset password.", "account"),
    ("How can I reset my password?", "Go to Settings and press Reset password.", "account"),
    ("how do i reset my password", "Go to Settings and click Reset password.", "account"),
    ("What is the refund window?", "You can get a refund within 30 days.", "refund"),
    ("What is the refund window?", "Refunds are possible within 14 days.", "refund"),
    ("Do you ship abroad?", "Yes, we ship to 30 countries.", "shipping"),
]


@pytest.fixture
def ctl(qtbot, tmp_path):
    """A controller on a project with one near-duplicate cluster (1,2,3), an exact cluster (1,3)
    inside it and one conflict cluster (4,5)."""
    path = tmp_path / "panels.ftcurate"
    with Project.create(path) as p:
        p.add_examples([Example(pair_to_messages(q, a), label=lab) for q, a, lab in PAIRS])
        store_flags(p, "near_duplicate", [
            Flag(i, "near_duplicate", "medium", "near-duplicate", cluster=100, score=0.86,
                 data={"keeper": 1, "members": [1, 2, 3]} if i == 1 else None) for i in (1, 2, 3)])
        store_flags(p, "exact_duplicate", [
            Flag(i, "exact_duplicate", "high", "same text", cluster=200, score=1.0) for i in (1, 3)])
        store_flags(p, "conflict", [
            Flag(i, "conflict", "high", "answered differently", cluster=1,
                 data={"answers": [{"example_id": 4, "output": PAIRS[3][1]},
                                   {"example_id": 5, "output": PAIRS[4][1]}]} if i == 4 else None)
            for i in (4, 5)])
    c = ProjectController()
    c.open_project(path)
    yield c
    c.close_project()


def _statuses(c, ids):
    return [c.project.get_example(i).status for i in ids]


def _flag_states(c, check):
    f = c.project.flags_frame()
    return sorted(f.filter(f["check"] == check)["state"].to_list())


# -- charts ----------------------------------------------------------------------------------------

def test_nice_ticks_cover_range():
    ticks = nice_ticks(0, 87)
    assert ticks[0] == 0 and ticks[-1] >= 87
    steps = {round(b - a, 6) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1 and steps.pop() in (10, 20, 25)


def test_bar_chart_click_and_hover(qtbot):
    view = BarChartView()
    view.title = "Labels"
    qtbot.addWidget(view)
    view.set_data([("billing", 40), ("shipping", 25), ("returns", 3)], marks={"returns": "under"},
                  reference=25)
    view.resize(500, 300)
    view.show()
    qtbot.waitExposed(view)
    view.grab()  # paints and lays out the rows
    assert view.bars()[2] == ("returns", 3.0)
    row = view._rows[2]
    with qtbot.waitSignal(view.barClicked) as sig:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=row.center().toPoint())
    assert sig.args == ["returns"]
    # the chart asks for more height when there are many labels
    view.set_data([(f"label {i}", i) for i in range(200)])
    assert view.sizeHint().height() > 2000


def test_scatter_click_emits_example_id(qtbot):
    view = ScatterChartView()
    qtbot.addWidget(view)
    view.set_points([0.0, 1.0, 2.0], [0.0, 2.0, 1.0], [11, 22, 33], groups=["ok", "flagged", "ok"],
                    tooltips=["a", "b", "c"], x_label="formality", y_label="politeness")
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    view.grab()
    assert view.point_count() == 3
    pos = view.point_position(1)
    assert view.index_at(pos) == 1
    assert view.index_at(QPointF(pos.x() + 40, pos.y() + 40)) is None
    with qtbot.waitSignal(view.pointClicked) as sig:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=pos.toPoint())
    assert sig.args == [22]


def test_histogram_bins_all_values(qtbot):
    view = HistogramView()
    qtbot.addWidget(view)
    values = {"input": [1, 2, 2, 3, 10, 50], "output": [5, 5, 6]}
    view.set_values(values, bins=10, x_label="words")
    assert [int(c.sum()) for _, c in view._series] == [6, 3]
    view.resize(300, 200)
    img = view.grab().toImage()
    assert img.width() == 300
    view.set_values({})
    view.grab()  # empty state paints without errors


# -- duplicates ------------------------------------------------------------------------------------

def test_word_diff_marks_only_changed_words():
    html = word_diff_html("Go to Settings and press Reset password now.",
                          "Go to Settings and click Reset password.")
    assert "press</span>" in html and "now</span>" in html
    assert "Settings</span>" not in html
    assert "<span" not in word_diff_html("same words", "same words")
    assert "&lt;b&gt;" in word_diff_html("<b>", None)


def test_duplicates_keep_one_is_one_undoable_edit(qtbot, ctl):
    panel = DuplicatesPanel(ctl)
    qtbot.addWidget(panel)
    panel.show()
    clusters = panel.clusters()
    assert [(c.check, len(c.example_ids)) for c in clusters] == [("near_duplicate", 3), ("exact_duplicate", 2)]
    assert panel.current.key == ("near_duplicate", 100)
    assert len(panel.cards) == 3
    # keep the second member: the others are rejected and the cluster's flags resolved; the exact
    # cluster (1, 3) inside it is left without two live members, so it is settled in the same edit
    qtbot.mouseClick(panel.cards[1].buttons["Keep this one"], Qt.MouseButton.LeftButton)
    assert _statuses(ctl, [1, 2, 3]) == ["rejected", "unreviewed", "rejected"]
    assert _flag_states(ctl, "near_duplicate") == ["resolved"] * 3
    assert _flag_states(ctl, "exact_duplicate") == ["resolved", "resolved"]
    assert panel.clusters() == [] and panel.current is None
    # one undo step restores everything
    assert sum(h["kind"] == "edit" for h in ctl.project.history()) == 1
    ctl.undo()
    ctl.flush()
    assert _statuses(ctl, [1, 2, 3]) == ["unreviewed"] * 3
    assert _flag_states(ctl, "near_duplicate") == ["open"] * 3
    assert _flag_states(ctl, "exact_duplicate") == ["open", "open"]
    assert len(panel.clusters()) == 2


def test_duplicates_show_all_and_open_example(qtbot, ctl):
    panel = DuplicatesPanel(ctl)
    qtbot.addWidget(panel)
    panel.show()
    panel.filter.setCurrentIndex(1)  # All
    assert panel.select_cluster(("exact_duplicate", 200))
    assert [c.example.id for c in panel.cards] == [1, 3]
    with qtbot.waitSignal(ctl.openExampleRequested) as sig:
        panel.cards[1].buttons["Open"].click()
    assert sig.args == [3]


# -- conflicts -------------------------------------------------------------------------------------

def test_conflicts_pick_answer(qtbot, ctl):
    panel = ConflictsPanel(ctl)
    qtbot.addWidget(panel)
    panel.show()
    assert [c.example_ids for c in panel.clusters()] == [[4, 5]]
    assert "refund window" in panel.title.text()
    panel.cards[1].buttons["Pick this answer"].click()
    assert _statuses(ctl, [4, 5]) == ["rejected", "unreviewed"]
    assert _flag_states(ctl, "conflict") == ["resolved", "resolved"]
    assert panel.clusters() == []
    assert not panel._merge_box.isEnabled()


def test_conflicts_merge_rewrites_answer_and_undoes(qtbot, ctl):
    panel = ConflictsPanel(ctl)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.merged.toPlainText() == PAIRS[3][1]
    panel.keeper.setCurrentIndex(panel.keeper.findData(5))
    panel.merged.setPlainText("Refunds are possible within 30 days of delivery.")
    panel.activateWindow()
    panel.merged.setFocus()
    qtbot.waitUntil(panel.merged.hasFocus)
    qtbot.keyClick(panel.merged, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # = Merge
    ex = ctl.project.get_example(5)
    assert ex.output == "Refunds are possible within 30 days of delivery."
    assert ex.input == PAIRS[4][0]
    assert _statuses(ctl, [4, 5]) == ["rejected", "unreviewed"]
    ctl.undo()
    ctl.flush()
    assert ctl.project.get_example(5).output == PAIRS[4][1]
    assert _statuses(ctl, [4, 5]) == ["unreviewed", "unreviewed"]
    assert _flag_states(ctl, "conflict") == ["open", "open"]


def test_conflicts_merge_refuses_empty_answer(qtbot, ctl, monkeypatch):
    shown = []
    monkeypatch.setattr(ctl, "show_error", lambda title, exc: shown.append(str(exc)))
    panel = ConflictsPanel(ctl)
    qtbot.addWidget(panel)
    panel.merged.setPlainText("   ")
    panel.merge()
    assert shown and "empty" in shown[0]
    assert ctl.project.get_example(4).output == PAIRS[3][1]
    assert sum(h["kind"] == "edit" for h in ctl.project.history()) == 0


# -- health ----------------------------------------------------------------------------------------

HEALTH = HealthData(
    summary="6 examples",
    labels=LabelsPart(counts={"account": 3, "refund": 2, "shipping": 1}, ratio=3.0, entropy=0.92,
                      under=["shipping"], over=[], median=2),
    tone_map=ToneMap([TonePoint(i, float(i), float(i % 3), i == 6) for i in range(1, 7)], "formality", "warmth"),
    lengths=Lengths(input=[5, 6, 7, 5], output=[8, 9, 7, 12]),
    flags={"near_duplicate": 3, "conflict": 2},
    clusters=[ClusterRow("near_duplicate", None, 1, 3, [1, 2, 3], "reset")],
    scores={"balanced": Score(40, how_to_raise="Add examples for shipping."), "diverse": Score(85)},
)


def test_health_panel_shows_data_and_opens_examples(qtbot, ctl):
    from ftcurate.gui.health_panel import HealthPanel, check_title

    panel = HealthPanel(ctl)
    qtbot.addWidget(panel)
    panel.resize(1200, 900)
    panel.set_data(HEALTH)
    assert panel.labels_chart.bars() == [("account", 3.0), ("refund", 2.0), ("shipping", 1.0)]
    assert panel.labels_chart._marks == {"shipping": "under"}
    assert "3.0×" in panel.labels_note.text() and "shipping" in panel.labels_note.text()
    assert panel.tone_chart.point_count() == 6
    assert check_title("near_duplicate") == "Near duplicates"  # the checks' own titles label the bars
    assert panel.flags_chart.bars() == [("Near duplicates", 3.0), (check_title("conflict"), 2.0)]
    assert panel.scores_grid.count() == 2
    assert panel.clusters.rowCount() == 1
    with qtbot.waitSignal(ctl.openExampleRequested) as sig:
        panel.clusters.cellDoubleClicked.emit(0, 2)
    assert sig.args == [1]
    panel._dirty = False  # showing must not start a real computation here (see the next test)
    panel.show()
    qtbot.waitExposed(panel)
    panel.tone_chart.grab()
    with qtbot.waitSignal(ctl.openExampleRequested) as sig:
        qtbot.mouseClick(panel.tone_chart, Qt.MouseButton.LeftButton,
                         pos=panel.tone_chart.point_position(5).toPoint())
    assert sig.args == [6]
    assert not ctl.tasks


def test_health_panel_draws_its_parts_one_turn_at_a_time(qtbot, ctl):
    """Data arriving from the worker is drawn in parts (the window repaints between them); the
    result is the same as drawing it all at once, and newer data supersedes parts still pending."""
    from ftcurate.gui.health_panel import HealthPanel

    panel = HealthPanel(ctl)
    qtbot.addWidget(panel)
    panel.show_data(HEALTH)
    assert not panel.drawn and "6 examples" in panel.status.text() and panel.scores_grid.count() == 2
    assert panel.tone_chart.point_count() == 0 and panel.clusters.rowCount() == 0  # still to come
    qtbot.waitUntil(lambda: panel.drawn)
    assert panel.labels_chart.bars() == [("account", 3.0), ("refund", 2.0), ("shipping", 1.0)]
    assert panel.tone_chart.point_count() == 6 and panel.clusters.rowCount() == 1
    assert len(panel.flags_chart.bars()) == 2
    panel.show_data(HealthData(summary="0 examples"))  # new data while parts are pending: only it shows
    panel.show_data(HEALTH)
    qtbot.waitUntil(lambda: panel.drawn)
    assert panel.tone_chart.point_count() == 6 and "6 examples" in panel.status.text()


@pytest.mark.slow
def test_health_panel_computes_from_project(qtbot, ctl):
    """The real `health_data` in a worker (the tone map profiles the answers with spaCy)."""
    pytest.importorskip("ftcurate.core.report")
    from ftcurate.core.report.health import LENGTH_EDGES
    from ftcurate.gui.health_panel import HealthPanel, check_title

    panel = HealthPanel(ctl)
    qtbot.addWidget(panel)
    panel.refresh()
    qtbot.waitUntil(lambda: panel.task is not None and not panel.task.is_running(), timeout=120_000)
    assert panel.task.state == "done", panel.status.text()
    qtbot.waitUntil(lambda: panel.drawn)  # the parts go on screen one event-loop turn at a time
    assert dict(panel.labels_chart.bars()) == {"account": 3.0, "refund": 2.0, "shipping": 1.0}
    assert dict(panel.flags_chart.bars()) == {check_title("near_duplicate"): 3.0,
                                              check_title("exact_duplicate"): 2.0, check_title("conflict"): 2.0}
    assert panel.tone_chart.point_count() == 6
    assert list(panel.length_chart._edges) == LENGTH_EDGES[:len(panel.length_chart._edges)]
    assert panel.clusters.rowCount() == 3
    assert "6 examples" in panel.status.text()


def test_conflicts_group_members_by_answer(qtbot, tmp_path):
    """Three examples, two giving the same answer: one card per answer; picking it keeps both."""
    path = tmp_path / "groups.ftcurate"
    q = "Can I pay by invoice?"
    answers = ["Yes, invoices are available for business accounts.",
               "Yes, invoices are available for business accounts.",
               "No, we only accept cards."]
    with Project.create(path) as p:
        p.add_examples([Example(pair_to_messages(q, a), label="billing") for a in answers])
        listed = [{"example_id": 1, "output": answers[0], "group": 0},
                  {"example_id": 3, "output": answers[2], "group": 1}]  # #2 is not listed
        store_flags(p, "conflict", [Flag(i, "conflict", "high", "conflict", kind="answer", cluster=24,
                                         data={"question": q, "answers": listed, "keeper": 1})
                                    for i in (1, 2, 3)])
    c = ProjectController()
    c.open_project(path)
    try:
        panel = ConflictsPanel(c)
        qtbot.addWidget(panel)
        panel.show()
        assert len(panel.cards) == 2
        assert "+ 1 with this answer" in panel.cards[0].findChild(type(panel.title)).text()
        assert [panel.keeper.itemData(i) for i in range(panel.keeper.count())] == [1, 3]
        panel.cards[0].buttons["Pick this answer"].click()
        assert _statuses(c, [1, 2, 3]) == ["unreviewed", "unreviewed", "rejected"]
        assert _flag_states(c, "conflict") == ["resolved"] * 3
    finally:
        c.close_project()


def test_identical_copies_fold_into_one_card():
    from ftcurate.gui.duplicates_view import identical_groups

    same = pair_to_messages("Do you ship abroad?", "Yes, we ship to 30 countries.")
    members = [Example(same, id=4), Example(same, id=9),
               Example(pair_to_messages("Do you ship abroad?", "Yes, to 30 countries."), id=2),
               Example(same, id=7)]
    groups = identical_groups(members, keeper=9)
    assert [[e.id for e in g] for g in groups] == [[9, 4, 7], [2]]
    assert [[e.id for e in g] for g in identical_groups(members)] == [[4, 9, 7], [2]]
