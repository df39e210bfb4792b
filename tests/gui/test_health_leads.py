"""Health leads somewhere: bars filter the Review table, case-variant labels get merge advice, the
tone-map axes never read as a bare arrow."""

from __future__ import annotations

from ftcurate.core.report.health_types import HealthData, LabelsPart
from ftcurate.gui.health_panel import HealthPanel, case_variants, merge_advice, readable_axis


def _data() -> HealthData:
    return HealthData(labels=LabelsPart(counts={"shipping": 9, "returns": 6, "Returns": 1, "account": 5, "Account ": 1}),
                      flags={"exact_duplicate": 4, "pii": 3}, summary="24 examples")


def test_label_and_flag_bars_filter_the_review_table(window, qtbot):
    panel = HealthPanel(window.controller)
    qtbot.addWidget(panel)
    panel.set_data(_data())
    panel.labels_chart.barClicked.emit("returns")
    window.filter_bar.wait()
    assert window.tabs.currentIndex() == 0
    assert {window.model.example_id(r) for r in range(window.model.rowCount())} == {2, 10, 18}
    title = next(t for t, c in panel._check_of_title.items() if c == "pii")
    panel.flags_chart.barClicked.emit(title)
    window.filter_bar.wait()
    assert {window.model.example_id(r) for r in range(window.model.rowCount())} == {3, 11}


def test_case_variants_get_merge_advice(window, qtbot):
    assert case_variants(["Returns", "returns", "account", "Account "]) == [["Returns", "returns"],
                                                                          ["Account ", "account"]]
    hint = "add examples to the 2 labels with fewer than 5: 'Returns', 'Account '"
    assert merge_advice(hint, case_variants(["Returns", "returns", "Account ", "account"])).startswith("merge labels")
    panel = HealthPanel(window.controller)
    qtbot.addWidget(panel)
    panel.set_data(_data())
    assert panel.merge_note.isVisibleTo(panel) and "label list" in panel.merge_note.text()


def test_tone_axis_labels_are_readable():
    assert readable_axis("←   ·   more formal, longer →") == "more formal, longer →"
    assert readable_axis("←   ·   →") == "(no clear tone direction)"
    assert readable_axis("← more casual   ·   more formal →") == "← more casual   ·   more formal →"
