"""The Train and Compare tabs of the main window: the trainer's panels wired to the open project.

`TrainPanel`/`ComparePanel` (ftcurate.gui.train_panel) know nothing about projects; these screens give
them the project file and the folder of the project's last export, hand a finished run's result from
the Train tab to the Compare tab, and turn "Send back to review" into an undoable status change that
opens the example in the Review tab.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from ftcurate.core.commands import SetStatusCommand
from ftcurate.gui.curation_view import CurationPanel
from ftcurate.gui.train_panel import ComparePanel, TrainPanel


class _RunHub(QObject):
    """One per controller: carries the latest training result from Train to Compare."""

    finished = Signal(dict)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.last: dict | None = None
        self.finished.connect(self._remember)

    def _remember(self, result: dict) -> None:
        self.last = result


def run_hub(controller) -> _RunHub:
    hub = getattr(controller, "_run_hub", None)
    if hub is None:
        hub = controller._run_hub = _RunHub(controller)
    return hub


def last_export_dir(project) -> str | None:
    """The folder of the project's last OpenAI-format export (what the trainer reads), if any."""
    if project is None:
        return None
    params = (project.splits().get("train") or {}).get("params") or {}
    return params.get("outdir") if params.get("format") == "openai" else None


class TrainScreen(QWidget):
    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.panel = TrainPanel(parent=self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.panel)
        self.panel.runFinished.connect(run_hub(controller).finished)
        self.panel.exportRequested.connect(lambda: controller.actionRequested.emit("export"))
        controller.projectChanged.connect(self.sync)
        self.sync()

    def sync(self) -> None:
        """Follow the open project: its file (for the run record) and its last export."""
        project = self.controller.project
        if project is None:  # closing: nothing to follow (and no device look-up to start)
            return
        self.panel.set_project_path(str(project.path))
        export_dir = last_export_dir(project)
        if not self.panel.is_running() and export_dir != self.panel.export_dir:
            self.panel.set_export_dir(export_dir)

    def showEvent(self, e) -> None:  # noqa: N802 - an export may have happened since
        super().showEvent(e)
        self.sync()

    def shutdown(self) -> bool:
        return self.panel.shutdown()


class CompareScreen(QWidget):
    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.panel = ComparePanel(self)
        self.curation = CurationPanel(self)  # "Did curation help?": raw vs curated training
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.panel)
        split.addWidget(self.curation)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        controller.projectChanged.connect(self.sync)
        self.sync()
        hub = run_hub(controller)
        hub.finished.connect(self.panel.set_result)
        if hub.last is not None:
            self.panel.set_result(hub.last)
        self.panel.sendToReview.connect(self.send_to_review)
        self.panel.trainRequested.connect(lambda: controller.actionRequested.emit("train"))

    def sync(self) -> None:
        project = self.controller.project
        if project is not None and not self.curation.is_running():
            self.curation.set_project_path(str(project.path))

    def shutdown(self) -> bool:
        return self.curation.shutdown()

    def send_to_review(self, example_id: int) -> None:
        """Mark the example unreviewed again (undoable) and open it in the Review tab."""
        if self.controller.project is None:
            return
        self.controller.apply(SetStatusCommand([example_id], "unreviewed",
                                               text=f"Send example {example_id} back to review"))
        self.controller.openExampleRequested.emit(example_id)
