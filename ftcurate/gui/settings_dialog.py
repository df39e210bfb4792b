"""Settings dialog: app settings (models, spaCy, thresholds, house voice) and this project's overrides.

App settings go to `ftcurate.core.settings` (JSON in the config folder); project overrides go to the
project's "checks" ({check: {key: value}}) and "tone" (house voice target) settings. Values are
validated by the core (`AppSettings.validate`, each check's `validate_config`) before anything is saved.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ftcurate.core.errors import ConfigError
from ftcurate.core.settings import (
    SPACY_AUTO,
    SPACY_PREFERENCE,
    AppSettings,
    HouseVoice,
    installed_spacy_models,
    load_settings,
    save_settings,
)

# House voice rules: key -> (label, text for True, text for False)
VOICE_CHOICES = {
    "formal": ("Wording", "Formal", "Relaxed"),
    "emoji": ("Emoji", "Use them", "Never"),
    "exclamation": ("Exclamation marks", "Use them", "Never"),
    "greeting": ("Greeting", "Always greet", "No greeting"),
    "signoff": ("Sign-off", "Always sign off", "No sign-off"),
    "contractions": ("Contractions (it's, we're)", "Use them", "Avoid them"),
    "slang": ("Slang", "Fine", "Avoid it"),
}
LEARN = "Learn from the data"


class HouseVoiceEditor(QWidget):
    """Edits a `HouseVoice`: each rule is "learn from the data" or a fixed choice."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.choices: dict[str, QComboBox] = {}
        for key, (label, yes, no) in VOICE_CHOICES.items():
            combo = QComboBox()
            combo.addItem(LEARN, None)
            combo.addItem(yes, True)
            combo.addItem(no, False)
            form.addRow(label, combo)
            self.choices[key] = combo
        self.person = QComboBox()
        self.person.addItem(LEARN, None)
        self.person.addItem('"we" (the company)', "we")
        self.person.addItem('"I" (the agent)', "I")
        form.addRow("Speaks as", self.person)
        self.max_words = QSpinBox()
        self.max_words.setRange(0, 200)
        self.max_words.setSpecialValueText("no limit")
        self.max_words.setSuffix(" words")
        form.addRow("Longest sentence", self.max_words)
        self.max_grade = QDoubleSpinBox()
        self.max_grade.setRange(0, 20)
        self.max_grade.setDecimals(1)
        self.max_grade.setSpecialValueText("no limit")
        self.max_grade.setToolTip("US school grade (Flesch-Kincaid); 8 is plain English")
        form.addRow("Reading level up to grade", self.max_grade)
        self.description = QLineEdit()
        self.description.setPlaceholderText("e.g. formal, no emoji, no exclamation marks")
        form.addRow("In words", self.description)

    def set_voice(self, hv: HouseVoice) -> None:
        for key, combo in self.choices.items():
            combo.setCurrentIndex(combo.findData(getattr(hv, key)) if getattr(hv, key) is not None else 0)
        person = {"we": "we", "i": "I"}.get((hv.person or "").lower())
        self.person.setCurrentIndex(self.person.findData(person) if person else 0)
        self.max_words.setValue(int(hv.max_sentence_words or 0))
        self.max_grade.setValue(float(hv.max_grade or 0))
        self.description.setText(hv.description)

    def voice(self) -> HouseVoice:
        hv = HouseVoice(description=self.description.text().strip())
        for key, combo in self.choices.items():
            setattr(hv, key, combo.currentData())
        hv.person = self.person.currentData()
        hv.max_sentence_words = float(self.max_words.value()) or None
        hv.max_grade = self.max_grade.value() or None
        return hv


def parse_value(text: str, default: Any) -> Any:
    """Read a project override typed like the check's default; raises ValueError."""
    text = text.strip()
    if isinstance(default, bool):
        low = text.lower()
        if low in ("true", "yes", "on", "1"):
            return True
        if low in ("false", "no", "off", "0"):
            return False
        raise ValueError("expected true or false")
    if isinstance(default, int):
        return int(text)
    if isinstance(default, float):
        return float(text)
    if isinstance(default, list | dict):
        value = json.loads(text)
        if not isinstance(value, type(default)):
            raise ValueError(f"expected a JSON {type(default).__name__}")
        return value
    return text


def show_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return "" if value is None else str(value)


class SettingsDialog(QDialog):
    """Edit the app settings and, with a project open, that project's check and voice overrides."""

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Settings")
        self.resize(860, 640)
        try:
            self.settings = load_settings()
            self.load_error: str | None = None
        except ConfigError as exc:  # a broken file must not lock people out: start from defaults
            self.settings = AppSettings()
            self.load_error = str(exc)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._models_tab(), "Models")
        self.tabs.addTab(self._checks_tab(), "Checks")
        self.tabs.addTab(self._voice_tab(), "House voice")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        if self.load_error:
            warn = QLabel(f"The settings file could not be read and defaults are shown: {self.load_error}")
            warn.setWordWrap(True)
            warn.setStyleSheet("color:#c5221f")
            lay.addWidget(warn)
        lay.addWidget(self.tabs)
        lay.addWidget(buttons)

    @property
    def project(self):
        return self.controller.project

    # -- tabs -----------------------------------------------------------------------------------
    def _models_tab(self) -> QWidget:
        w = QWidget()
        form = QFormLayout(w)
        self.models_dir = QLineEdit(self.settings.models_dir)
        self.models_dir.setPlaceholderText(str(AppSettings().resolved_models_dir()))
        form.addRow("Models folder", self._with_browse(self.models_dir, folder=True))
        self.default_model = QLineEdit("" if self.settings.default_model == "default" else self.settings.default_model)
        self.default_model.setPlaceholderText("built-in SmolLM2-135M-Instruct")
        form.addRow("Model to fine-tune", self._with_browse(self.default_model, folder=True))
        self.spacy = QComboBox()
        installed = installed_spacy_models()
        auto = f"Automatic ({installed[0]})" if installed else "Automatic (none installed)"
        self.spacy.addItem(auto, SPACY_AUTO)
        for name in dict.fromkeys([*SPACY_PREFERENCE, self.settings.spacy_model]):
            if name == SPACY_AUTO:
                continue
            self.spacy.addItem(name if name in installed else f"{name} (not installed)", name)
        self.spacy.setCurrentIndex(max(0, self.spacy.findData(self.settings.spacy_model)))
        form.addRow("spaCy pipeline", self.spacy)
        note = QLabel("The spaCy pipeline finds names, places and organisations for the privacy check and "
                      "measures formality for the tone check. Larger pipelines are more accurate and slower.")
        note.setWordWrap(True)
        note.setStyleSheet("color:#5f6368")
        form.addRow(note)
        return w

    def _with_browse(self, edit: QLineEdit, folder: bool) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit, 1)
        b = QPushButton("Browse…")

        def browse() -> None:
            path = QFileDialog.getExistingDirectory(self, "Choose a folder", edit.text()) if folder else \
                QFileDialog.getOpenFileName(self, "Choose a file", edit.text())[0]
            if path:
                edit.setText(path)

        b.clicked.connect(browse)
        row.addWidget(b)
        return box

    def _checks_tab(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        c = self.settings.checks
        app = QGroupBox("Defaults for all projects")
        form = QFormLayout(app)
        self.near_dup = self._spin(c.near_duplicate, 0.3, 1.0, 0.01, "Similarity (0-1) above which two examples "
                                   "count as near-duplicates")
        self.paraphrase = self._spin(c.paraphrase, 0.3, 1.0, 0.01, "Meaning similarity (0-1) above which two "
                                     "questions count as the same question")
        self.tone_sensitivity = self._spin(c.tone_sensitivity, 0.25, 4.0, 0.25, "1 = normal; 2 flags answers "
                                           "half as far from the house voice; 0.5 only those twice as far")
        self.max_tokens = QSpinBox()
        self.max_tokens.setRange(15, 1_000_000)  # 15 shows as "the model's context window"
        self.max_tokens.setSpecialValueText("the model's context window")
        self.max_tokens.setSingleStep(256)
        self.max_tokens.setValue(c.max_tokens or 15)
        self.max_tokens.setToolTip("Examples longer than this (in the model's tokens) are flagged")
        form.addRow("Near-duplicate threshold", self.near_dup)
        form.addRow("Paraphrase threshold", self.paraphrase)
        form.addRow("Tone sensitivity", self.tone_sensitivity)
        form.addRow("Max tokens per example", self.max_tokens)
        lay.addWidget(app)
        proj = QGroupBox("This project" if self.project else "This project (open a project to edit)")
        pl_ = QVBoxLayout(proj)
        hint = QLabel("Leave a value empty to use the default. Values here win over the defaults above.")
        hint.setStyleSheet("color:#5f6368")
        pl_.addWidget(hint)
        self.check_table = QTableWidget(0, 4)
        self.check_table.setHorizontalHeaderLabels(["Check", "Setting", "Default", "This project"])
        self.check_table.verticalHeader().hide()
        self.check_table.verticalHeader().setDefaultSectionSize(24)
        header = self.check_table.horizontalHeader()
        for i in range(3):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        pl_.addWidget(self.check_table)
        proj.setEnabled(self.project is not None)
        lay.addWidget(proj, 1)
        self._fill_check_table()
        return w

    @staticmethod
    def _spin(value: float, lo: float, hi: float, step: float, tip: str) -> QDoubleSpinBox:
        s = QDoubleSpinBox()
        s.setRange(lo, hi)
        s.setSingleStep(step)
        s.setDecimals(2)
        s.setValue(value)
        s.setToolTip(tip)
        return s

    def _check_classes(self) -> dict[str, type]:
        from ftcurate.core.checks.registry import load_checks

        return load_checks()

    def _fill_check_table(self) -> None:
        """One row per scalar setting of each check: default and this project's value."""
        self.check_rows: list[tuple[str, str, Any]] = []
        if self.project is None:
            return
        overrides = self.project.get_setting("checks", {}) or {}
        rows = []
        for name, cls in self._check_classes().items():
            for key, default in cls.defaults.items():
                if default is None or isinstance(default, dict) and key != "thresholds":
                    continue
                rows.append((name, key, default))
        self.check_table.setRowCount(len(rows))
        for r, (name, key, default) in enumerate(rows):
            for c, text in enumerate((name, key, show_value(default))):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.check_table.setItem(r, c, item)
            value = overrides.get(name, {}).get(key)
            self.check_table.setItem(r, 3, QTableWidgetItem(show_value(value)))
        self.check_rows = rows

    def _voice_tab(self) -> QWidget:
        w = QWidget()
        outer = QVBoxLayout(w)
        intro = QLabel("The tone check compares every answer with the house voice. Rules you set here are "
                       "enforced; anything left as \u201cLearn from the data\u201d is taken from how most "
                       "answers (the approved ones, once there are enough) are written.")
        intro.setWordWrap(True)
        intro.setStyleSheet("color:#5f6368")
        outer.addWidget(intro)
        lay = QHBoxLayout()
        outer.addLayout(lay, 1)
        app = QGroupBox("Default for all projects")
        al = QVBoxLayout(app)
        self.app_voice = HouseVoiceEditor()
        self.app_voice.set_voice(self.settings.house_voice)
        al.addWidget(self.app_voice)
        al.addStretch(1)
        lay.addWidget(app, 1)
        proj = QGroupBox("This project")
        pl_ = QVBoxLayout(proj)
        self.own_voice = QCheckBox("Use its own house voice")
        self.project_voice = HouseVoiceEditor()
        tone = self.project.get_setting("tone") if self.project else None
        try:
            hv = HouseVoice.from_target(tone, (self.project.get_setting("tone_description") or "")
                                        if self.project else "")
        except ConfigError:
            hv = HouseVoice()
        self.project_voice.set_voice(hv)
        self.own_voice.setChecked(bool(tone))
        self.project_voice.setVisible(bool(tone))
        same = QLabel("This project uses the default voice.")
        same.setStyleSheet("color:#5f6368")
        same.setVisible(not tone)
        self.own_voice.toggled.connect(self.project_voice.setVisible)
        self.own_voice.toggled.connect(lambda on: same.setVisible(not on))
        pl_.addWidget(self.own_voice)
        pl_.addWidget(same)
        pl_.addWidget(self.project_voice)
        pl_.addStretch(1)
        proj.setEnabled(self.project is not None)
        lay.addWidget(proj, 1)
        return w

    # -- saving ---------------------------------------------------------------------------------
    def collect(self) -> tuple[AppSettings, dict[str, dict[str, Any]] | None, dict[str, Any] | None]:
        """Settings from the widgets: (app settings, project "checks", project "tone").

        Raises:
            ConfigError: a value is invalid (naming the check and setting).
        """
        s = copy.deepcopy(self.settings)
        s.models_dir = self.models_dir.text().strip()
        s.default_model = self.default_model.text().strip() or "default"
        s.spacy_model = self.spacy.currentData()
        s.checks.near_duplicate = round(self.near_dup.value(), 4)
        s.checks.paraphrase = round(self.paraphrase.value(), 4)
        s.checks.tone_sensitivity = round(self.tone_sensitivity.value(), 4)
        s.checks.max_tokens = self.max_tokens.value() if self.max_tokens.value() >= 16 else None
        s.house_voice = self.app_voice.voice()
        s.validate()
        if self.project is None:
            return s, None, None
        checks = {k: dict(v) for k, v in (self.project.get_setting("checks", {}) or {}).items()}
        classes = self._check_classes()
        for r, (name, key, default) in enumerate(self.check_rows):
            text = self.check_table.item(r, 3).text().strip()
            if not text:
                checks.get(name, {}).pop(key, None)
                continue
            try:
                checks.setdefault(name, {})[key] = parse_value(text, default)
            except ValueError as exc:
                raise ConfigError(f"{name}: setting {key}: {exc} (got {text!r})") from exc
        checks = {k: v for k, v in checks.items() if v}
        for name, cfg in checks.items():
            if name in classes:
                classes[name]().validate_config({**classes[name].defaults, **cfg})
        tone = None
        if self.own_voice.isChecked():
            hv = self.project_voice.voice()
            hv.validate()
            tone = hv.to_target() or None
        return s, checks, tone

    def accept(self) -> None:
        try:
            settings, checks, tone = self.collect()
            save_settings(settings)
        except ConfigError as exc:
            QMessageBox.warning(self, "Settings not saved", str(exc))
            return
        self.settings = settings
        if self.project is not None:
            if checks != (self.project.get_setting("checks", {}) or {}):
                self.project.set_setting("checks", checks)
            if tone != self.project.get_setting("tone"):
                self.project.set_setting("tone", tone)
            desc = self.project_voice.voice().description if tone else ""
            if desc != (self.project.get_setting("tone_description") or ""):
                self.project.set_setting("tone_description", desc)
        self.controller.statusMessage.emit("Settings saved. Run the checks again to apply new thresholds.")
        super().accept()
