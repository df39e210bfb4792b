"""Long work started from the main window's menus: checks, export, and the dialogs that start imports.

Each runs as a `ProjectController.run_task` worker on its own project connection, so the window's own
reads never wait for it; `writes=True` tasks make the controller rebuild its views when they finish.
Dialog modules belong to other parts of the app and are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from ftcurate.core.errors import UserError

if TYPE_CHECKING:
    from ftcurate.gui.window_api import WindowApi


def run_checks(w: WindowApi, names: list[str] | None = None):
    """Run checks (all, or `names`) in a worker; failures of single checks are listed afterwards."""
    project = w.controller.project
    if project is None:
        return None
    def done(outcomes) -> None:
        failed = [o for o in outcomes if not o.ok]
        total = sum(o.flags for o in outcomes if o.ok)
        w.statusBar().showMessage(f"Checks finished: {total:,} flags from {len(outcomes)} check(s)", 8000)
        if failed:
            box = QMessageBox(QMessageBox.Icon.Warning, "Some checks failed",
                              "\n".join(f"{o.name}: {o.error}" for o in failed), parent=w)
            box.setInformativeText("The other checks ran and their flags are saved.")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    title = "Run checks" if not names else f"Check: {', '.join(names)}"
    # a worker process: loading spaCy/presidio in a thread would hold the GIL and freeze the window
    return w.controller.run_process(title, "ftcurate.gui.proc_jobs:run_checks", (str(project.path), names),
                                    done, writes=True)


def fill_checks_menu(w: WindowApi) -> None:
    """List every registered check under Checks > Run One Check (imports the check modules now)."""
    from ftcurate.core.checks.registry import load_checks

    w.checks_menu.clear()
    try:
        checks = load_checks()
    except Exception as exc:  # noqa: BLE001 - shown to the person
        w.controller.show_error("Could not load the checks", exc)
        return
    for name, cls in checks.items():
        a = w.checks_menu.addAction(cls.title or name, lambda n=name: w.run_checks([n]))
        a.setToolTip(cls.description or name)
        a.setEnabled(w.controller.project is not None)


def open_dialog(w: WindowApi, module: str, name: str, what: str):
    """Open `module.name(controller, window)` non-modally; a missing module is reported, not raised."""
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        w.controller.show_error(f"{what} is not available", UserError(f"{module}.{name}: {exc}"))
        return None
    dlg = cls(w.controller, w)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dlg.open()
    return dlg


def open_export(w: WindowApi, problem: str = ""):
    """Open the export dialog (with the options used last time in this session); when accepted, run
    the export it describes in a worker. A stopped export reopens it with its options and the reason."""
    if w.controller.project is None:
        return None
    dlg = open_dialog(w, "ftcurate.gui.export_dialog", "ExportDialog", "Export")
    if dlg is None:
        return None
    last = w.last_export_kwargs
    if last:
        dlg.restore(last)
    dlg.show_problem(problem)

    def remember() -> None:
        w.last_export_kwargs = dlg.export_kwargs()

    def show_examples(ids: list) -> None:
        remember()
        w.show_blocked_examples(ids)

    dlg.accepted.connect(remember)
    dlg.accepted.connect(lambda: start_export(w, dlg.export_kwargs(), dlg.report_text))
    dlg.showExamplesRequested.connect(show_examples)
    return dlg


def start_export(w: WindowApi, kwargs: dict, report_text=None):
    """Run `ftcurate.core.export.export_project` in a worker process; report when done. A stop the
    person can fix (open personal data, a folder with other files) reopens the dialog with the reason."""
    path = w.controller.project.path
    kwargs = dict(kwargs)
    outdir = kwargs.pop("outdir")

    if report_text is None:
        from ftcurate.gui.export_dialog import ExportDialog

        report_text = ExportDialog.report_text

    def done(report) -> None:
        text = report_text(report)
        w.statusBar().showMessage(text.splitlines()[0], 10000)
        w.export_finished(report, text)

    def failed(exc: BaseException) -> None:
        if isinstance(exc, UserError):
            open_export(w, problem=str(exc))
        else:
            w.controller.show_error("Export failed", exc)

    return w.controller.run_process("Export", "ftcurate.gui.proc_jobs:export", (str(path), str(outdir), kwargs),
                                    done, failed)


SAFE_EXPORT = {"format": "openai", "test_fraction": 0.1, "val_fraction": 0.0, "seed": 0,
               "include": "not_rejected", "caps": None, "force": False}


def export_and_train(w: WindowApi):
    """One click: export with safe defaults (never past the privacy stop) into a folder beside the
    project, then start training on it. A stop reopens the export dialog with the reason."""
    project = w.controller.project
    if project is None:
        return None
    kwargs = dict(SAFE_EXPORT, outdir=str(project.path.with_name(project.path.stem + "-export")),
                  system_prompt=project.get_setting("system_prompt") or "")
    w.last_export_kwargs = dict(kwargs)
    w.train_after_export = True
    return start_export(w, kwargs)
