"""The guided path over the Review tab: Import → Checks → Review → Privacy → Export → Train → Compare.

`GuideBar` shows each step as done (✓), next (highlighted, with its call to action) or to do, read
from the project (examples, check runs, open flags, open PII, the last export, training runs). Its
buttons ask the window for the step through `controller.actionRequested`. The same module holds the
export-finished box ("Open folder", "Train now") and the empty state of a new project.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QToolButton, QWidget

if TYPE_CHECKING:
    from ftcurate.gui.window_api import WindowApi

STEPS = (("import", "Import"), ("checks", "Checks"), ("review", "Review"), ("privacy", "Privacy"),
         ("export", "Export"), ("train", "Train"), ("compare", "Compare"))


@dataclass
class PathState:
    """Where a project stands on the guided path; `done[key]` per step and the text of the next step."""

    done: dict[str, bool]
    next_key: str | None
    next_text: str
    action_text: str


def path_state(project, facets: dict) -> PathState:
    """Read the project's progress from cheap queries and the controller's cached `facets()` (the
    examples per status and per open check are counted there, not by scanning the table here)."""
    n = project.count_examples()
    ran = bool(project.query("SELECT 1 FROM check_runs LIMIT 1"))
    flagged = dict(facets.get("flagged", [])).get("any", 0)
    pii = dict(facets.get("checks", [])).get("pii", 0)
    reviewed = sum(k for s, k in facets.get("statuses", []) if s != "unreviewed")
    exported = "train" in project.splits()
    trained = bool(project.runs())
    done = {"import": n > 0, "checks": ran, "review": ran and (flagged == 0 or reviewed > 0),
            "privacy": ran and pii == 0, "export": exported, "train": trained, "compare": False}
    texts = {
        "import": ("This project is empty: import support logs, FAQs or catalogs to start.", "Import files…"),
        "checks": ("Next: run the checks to find duplicates, conflicts, personal data and more.", "Run checks"),
        "review": (f"Next: review the {flagged:,} flagged examples (A approves, R rejects, J/K move).",
                   "Review flagged"),
        "privacy": (f"Next: {pii:,} examples still hold personal data: redact it or mark false alarms.",
                    "Show personal data"),
        "export": ("Next: export the reviewed data as train/test files.", "Export…"),
        "train": ("Next: fine-tune a small model on the export to see what the data teaches.", "Train"),
        "compare": ("Compare the tuned model's answers with the base model's.", "Compare"),
    }
    next_key = next((k for k, _ in STEPS if not done[k]), None)
    text, action = texts.get(next_key, ("", ""))
    return PathState(done, next_key, text, action)


class GuideBar(QFrame):
    """The step strip with the next step's call to action (see module doc)."""

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guideBar")
        self.controller = controller
        self.state: PathState | None = None
        self.steps: dict[str, QToolButton] = {}
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.setSpacing(2)
        for i, (key, title) in enumerate(STEPS):
            if i:
                arrow = QLabel("→", self)
                arrow.setObjectName("guideArrow")
                lay.addWidget(arrow)
            b = QToolButton(self, text=title)
            b.setObjectName("guideStep")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, k=key: controller.actionRequested.emit(k))
            self.steps[key] = b
            lay.addWidget(b)
        lay.addSpacing(12)
        self.hint = QLabel(self)
        self.hint.setObjectName("guideHint")
        self.hint.setWordWrap(True)
        lay.addWidget(self.hint, 1)
        self.action = QPushButton(self)
        self.action.setObjectName("primary")
        self.action.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.action.clicked.connect(self._act)
        lay.addWidget(self.action)
        self._timer = QTimer(self, singleShot=True, interval=300)
        self._timer.timeout.connect(self.refresh)
        for sig in (controller.projectChanged, controller.flagsChanged, controller.undoChanged):
            sig.connect(self._timer.start)
        controller.examplesChanged.connect(lambda _: self._timer.start())

    def refresh(self) -> None:
        project = self.controller.project
        if project is None:
            self.state = None
            return
        self.state = st = path_state(project, self.controller.facets())
        for key, b in self.steps.items():
            title = dict(STEPS)[key]
            b.setText(("✓ " if st.done[key] else "") + title)
            state = "done" if st.done[key] else "next" if key == st.next_key else "todo"
            if b.property("state") != state:  # re-polishing a styled button costs milliseconds
                b.setProperty("state", state)
                b.style().unpolish(b)
                b.style().polish(b)
        self.hint.setText(st.next_text)
        self.action.setText(st.action_text)
        self.action.setVisible(bool(st.action_text))

    def _act(self) -> None:
        if self.state is not None and self.state.next_key:
            self.controller.actionRequested.emit(self.state.next_key)


def show_export_finished(window: WindowApi, report, text: str) -> QMessageBox:
    """The non-modal "Export finished" box with "Open folder" and "Train now"."""
    box = QMessageBox(QMessageBox.Icon.Information, "Export finished", text, parent=window)
    box.setObjectName("exportFinished")
    open_folder = box.addButton("Open folder", QMessageBox.ButtonRole.ActionRole)
    train = box.addButton("Train now", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Close)
    trainable = getattr(report, "format", "openai") == "openai"
    train.setEnabled(trainable)
    if not trainable:
        train.setToolTip("Training reads the OpenAI chat format: export in that format to train")
    open_folder.clicked.disconnect()  # keep the box open after opening the folder
    open_folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(report.outdir)))))
    train.clicked.connect(lambda: window.controller.actionRequested.emit("train_now"))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def export_finished(w: WindowApi, report, text: str) -> None:
    """After an export: the box with "Open folder" / "Train now", or straight to training after
    "Export & train"."""
    host = w.panels.get("train")
    if host is not None and host.panel is not None and hasattr(host.panel, "sync"):
        host.panel.sync()  # Train reads the export just written
    w.guide.refresh()
    if getattr(w, "train_after_export", False):
        w.train_after_export = False
        guided_step(w, "train_now")
        return
    w.export_box = show_export_finished(w, report, text)


def show_blocked(w: WindowApi, ids: list) -> None:
    """List the examples whose open high-severity personal data stops the export."""
    w.show_panel("review")
    w.filter_bar.set_filter(check="pii", severity="high")


def guided_step(w: WindowApi, key: str) -> None:
    """One step of the guided path for window `w` (GuideBar, empty-state buttons, after import)."""
    from ftcurate.gui.filter_bar import ANY_FLAG

    if w.controller.project is None:
        return
    if key == "import":
        w.import_files()
    elif key == "checks":
        if not any(t.title.startswith(("Run checks", "Check:")) for t in w.controller.tasks):
            w.run_checks()
    elif key in ("review", "privacy"):
        w.show_panel("review")
        try:
            w.filter_bar.set_filter(check=ANY_FLAG if key == "review" else "pii")
        except ValueError:  # nothing of that kind is open any more
            w.filter_bar.clear()
        w.table.setFocus()
    elif key == "export":
        w.export()
    elif key == "labels":
        _open_labels(w)
    elif key in ("train", "train_now"):
        screen = w.show_panel("train")
        panel = getattr(screen, "panel", None)
        if key == "train_now" and panel is not None:
            screen.sync()
            panel.start()
    else:
        w.show_panel(key)


def show_filtered(w: WindowApi, values: dict) -> None:
    """Review, filtered by `values` (a Health bar: {"label": ...} or {"check": ...})."""
    w.show_panel("review")
    w.filter_bar.clear()
    try:
        w.filter_bar.set_filter(**values)
    except ValueError as exc:  # e.g. no open flag of that check any more
        w.statusBar().showMessage(str(exc), 6000)
    w.table.setFocus()


def _open_labels(w: WindowApi) -> None:
    """The label list: counts, merges and renames, with suggestions."""
    from ftcurate.gui.labels_dialog import LabelsDialog

    dlg = LabelsDialog(w.controller, w)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dlg.open()
