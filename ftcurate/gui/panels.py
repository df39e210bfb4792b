"""Side screens of the main window, loaded on first show so the app opens fast.

A `LazyPanel` imports its module and builds the panel (`cls(controller, parent)`) the first time it
becomes visible. `preload_modules` imports the panels' modules on a background thread once the window
is up (Python runs other threads' imports in 5 ms slices), so the first show only builds widgets. A module that is missing, or a panel that fails to build, leaves a readable placeholder
(and the error in the log) instead of taking the window down.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ftcurate.gui.tasks import log_error


@dataclass(frozen=True)
class PanelSpec:
    key: str
    title: str
    candidates: tuple[tuple[str, str], ...]  # (module, class) tried in order
    tip: str = ""


PANELS = (
    PanelSpec("health", "Health", (("ftcurate.gui.health_panel", "HealthPanel"),
                                   ("ftcurate.gui.charts", "HealthPanel")),
              "Label balance, tone map and flags per check"),
    PanelSpec("duplicates", "Duplicates", (("ftcurate.gui.duplicates_view", "DuplicatesPanel"),),
              "Clusters of duplicate examples, side by side"),
    PanelSpec("conflicts", "Conflicts", (("ftcurate.gui.conflicts_view", "ConflictsPanel"),),
              "The same question with different answers"),
    PanelSpec("history", "History", (("ftcurate.gui.history_panel", "HistoryPanel"),),
              "Every edit, with revert"),
    PanelSpec("train", "Train", (("ftcurate.gui.train_screens", "TrainScreen"),),
              "Fine-tune a LoRA adapter on the exported data"),
    PanelSpec("compare", "Compare", (("ftcurate.gui.train_screens", "CompareScreen"),),
              "Compare the base model with a trained adapter"),
)


_preloaded = threading.Event()


def preload_modules(specs=PANELS) -> threading.Thread | None:
    """Import every panel module on a daemon thread (once per process; failures are left for
    `LazyPanel` to report when the panel is shown). Returns the thread, or None if already done."""
    if _preloaded.is_set():
        return None
    _preloaded.set()

    def run() -> None:
        for spec in specs:
            for module, _name in spec.candidates:
                try:
                    importlib.import_module(module)
                    break
                except Exception:  # noqa: BLE001 - shown by LazyPanel on first show
                    continue

    thread = threading.Thread(target=run, name="preload panels", daemon=True)
    thread.start()
    return thread


def _resolve(spec: PanelSpec):
    reasons = []
    for module, name in spec.candidates:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                reasons.append(f"{module} is not installed")
                continue
            raise
        cls = getattr(mod, name, None)
        if cls is not None:
            return cls, ""
        reasons.append(f"{module} has no {name}")
    return None, "; ".join(reasons)


class LazyPanel(QWidget):
    """Placeholder that becomes the real panel on first show (or `ensure()`)."""

    def __init__(self, spec: PanelSpec, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.controller = controller
        self.panel: QWidget | None = None
        self.error: str | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def showEvent(self, e) -> None:  # noqa: N802
        super().showEvent(e)
        self.ensure()

    def ensure(self) -> QWidget | None:
        """Build the panel now if it is not built yet; returns it (None when unavailable)."""
        if self.panel is not None or self.error is not None:
            return self.panel
        try:
            cls, why = _resolve(self.spec)
            if cls is None:
                self._placeholder(f"The {self.spec.title} screen is not available in this build.", why)
                return None
            self.panel = cls(self.controller, self)
        except Exception as exc:  # noqa: BLE001 - one broken screen must not take the window down
            log_error(f"Building the {self.spec.title} screen", exc)
            self._placeholder(f"The {self.spec.title} screen could not be opened.",
                              f"{exc.__class__.__name__}: {exc}")
            return None
        self._layout.addWidget(self.panel)
        self.panel.show()  # a child added to an already visible parent stays hidden otherwise
        return self.panel

    def _placeholder(self, text: str, why: str) -> None:
        self.error = why or text
        label = QLabel(f"<p style='font-size:12pt'>{text}</p><p style='color:#80868b'>{why}</p>", self)
        label.setObjectName("panelPlaceholder")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        self._layout.addWidget(label)
