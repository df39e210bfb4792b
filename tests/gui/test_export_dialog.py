"""Export dialog (pytest-qt, offscreen): options become export_project kwargs; the preview follows them."""

from __future__ import annotations

import json
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QDialogButtonBox  # noqa: E402

from ftcurate.core.commands import SetStatusCommand  # noqa: E402
from ftcurate.core.progress import Progress  # noqa: E402
from ftcurate.core.records import Example, pair_to_messages  # noqa: E402
from ftcurate.core.store import Project  # noqa: E402
from ftcurate.gui.export_dialog import ExportDialog  # noqa: E402


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "shop.ftcurate")
    p.add_examples([Example(pair_to_messages(f"Question number {i}?", f"Answer number {i}."),
                            label="ab"[i % 2]) for i in range(1, 31)])
    p.set_setting("system_prompt", "You are Acme's assistant.")
    yield p
    p.close()


def test_options_become_export_kwargs(qtbot, project, tmp_path):
    dlg = ExportDialog(project, outdir=tmp_path / "out")
    qtbot.addWidget(dlg)
    assert dlg.system_edit.toPlainText() == "You are Acme's assistant."  # the project's template
    dlg.format_combo.setCurrentIndex(dlg.format_combo.findData("sharegpt"))
    dlg.test_spin.setValue(0.2)
    dlg.val_spin.setValue(0.1)
    dlg.seed_spin.setValue(42)
    dlg.include_combo.setCurrentIndex(dlg.include_combo.findData("approved"))
    dlg.force_check.setChecked(True)
    kw = dlg.export_kwargs()
    assert kw == {"outdir": str(tmp_path / "out"), "format": "sharegpt", "test_fraction": 0.2, "val_fraction": 0.1,
                  "seed": 42, "include": "approved", "caps": None, "system_prompt": "You are Acme's assistant.",
                  "overwrite": False, "allow_pii": True}


def test_preview_follows_format_include_and_system_prompt(qtbot, project, tmp_path):
    ids = project.example_ids()
    project.apply(SetStatusCommand(ids[:1], "rejected"))
    dlg = ExportDialog(project, outdir=tmp_path / "out")
    qtbot.addWidget(dlg)
    first = json.loads(dlg.preview.toPlainText().splitlines()[0])
    assert first["messages"][0] == {"role": "system", "content": "You are Acme's assistant."}
    assert first["messages"][1]["content"] == "Question number 2?"  # the rejected one is not previewed
    assert "29 examples" in dlg.count_label.text()

    dlg.format_combo.setCurrentIndex(dlg.format_combo.findData("alpaca"))
    first = json.loads(dlg.preview.toPlainText().splitlines()[0])
    assert first["instruction"] == "Question number 2?" and first["system"] == "You are Acme's assistant."

    dlg.system_edit.setPlainText("")
    qtbot.waitUntil(lambda: "system" not in dlg.preview.toPlainText(), timeout=2000)

    dlg.include_combo.setCurrentIndex(dlg.include_combo.findData("approved"))
    assert "no examples" in dlg.preview.toPlainText() and "0 examples" in dlg.count_label.text()


def test_export_button_needs_a_folder_and_task_runs_the_core(qtbot, project, tmp_path):
    dlg = ExportDialog(project)
    qtbot.addWidget(dlg)
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dlg.outdir_edit.setText(str(tmp_path / "out"))
    assert ok.isEnabled()
    dlg.format_combo.setCurrentIndex(dlg.format_combo.findData("parquet"))
    report = dlg.export_task()(Progress())
    assert (tmp_path / "out" / "train.parquet").is_file() and (tmp_path / "out" / "test.parquet").is_file()
    assert report.counts == {"train": 27, "test": 3}
    assert project.get_split("test")
    text = ExportDialog.report_text(report)
    assert "Exported 30 examples (27 train, 3 test)" in text and "no problems" in text
