"""Look of the app: icons from `resources/icons` and one light style sheet over Qt's Fusion style."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication


def icon_dir() -> Path:
    """`resources/icons` of this installation (checkout, wheel or PyInstaller bundle)."""
    from ftcurate.paths import resource_dir

    return resource_dir() / "icons"


_CACHE: dict[str, QIcon] = {}


def icon(name: str) -> QIcon:
    """The icon `resources/icons/<name>.svg` (an empty icon when it is missing)."""
    if name not in _CACHE:
        path = icon_dir() / f"{name}.svg"
        _CACHE[name] = QIcon(str(path)) if path.is_file() else QIcon()
    return _CACHE[name]


ACCENT = "#1a6f8f"

STYLE_SHEET = f"""
QMainWindow, QDialog {{ background: #f6f7f9; }}
QTabWidget::pane {{ border: 0; border-top: 1px solid #dadce0; background: #ffffff; }}
QTabBar::tab {{ padding: 7px 16px; margin-right: 2px; border: 0; color: #5f6368; background: transparent; }}
QTabBar::tab:selected {{ color: {ACCENT}; border-bottom: 2px solid {ACCENT}; font-weight: 600; }}
QTabBar::tab:hover:!selected {{ color: #202124; }}
QToolBar {{ background: #ffffff; border: 0; border-bottom: 1px solid #e3e5e8; spacing: 4px; padding: 3px 6px; }}
QToolBar QToolButton {{ padding: 4px 8px; border-radius: 6px; color: #3c4043; }}
QToolBar QToolButton:hover {{ background: #eef1f4; }}
QTableView {{ background: #ffffff; alternate-background-color: #fafbfc; gridline-color: #eef0f2;
             selection-background-color: #d6e8f5; selection-color: #202124; border: 1px solid #e3e5e8; }}
QHeaderView::section {{ background: #f6f7f9; color: #5f6368; padding: 5px 6px; border: 0;
                       border-bottom: 1px solid #e3e5e8; border-right: 1px solid #eef0f2; font-weight: 600; }}
QTreeWidget {{ background: #ffffff; alternate-background-color: #fafbfc; border: 1px solid #e3e5e8; }}
QTreeWidget::item {{ padding: 3px 2px; }}
QLineEdit, QComboBox, QPlainTextEdit {{ border: 1px solid #d5d8dc; border-radius: 6px; padding: 4px 6px;
                                        background: #ffffff; }}
QLineEdit:focus, QComboBox:focus {{ border: 1px solid {ACCENT}; }}
QPushButton {{ border: 1px solid #c9ccd1; border-radius: 6px; padding: 5px 14px; background: #ffffff; }}
QPushButton:hover {{ background: #f1f3f4; }}
QPushButton#approveButton {{ background: #2e7d32; color: #ffffff; border-color: #2e7d32; font-weight: 600; }}
QPushButton#approveButton:hover {{ background: #276b2b; }}
QPushButton#rejectButton {{ color: #c62828; border-color: #e6a1a1; font-weight: 600; }}
QPushButton#primary {{ background: {ACCENT}; color: #ffffff; border-color: {ACCENT}; font-weight: 600; }}
QPushButton#primary:hover {{ background: #155b75; }}
QPushButton:disabled, QPushButton#primary:disabled, QPushButton#approveButton:disabled,
QPushButton#rejectButton:disabled {{ background: #eceef1; color: #a0a4a9; border-color: #dcdfe3; }}
QToolButton:disabled, QToolBar QToolButton:disabled {{ color: #a0a4a9; }}
QFrame#guideBar {{ background: #ffffff; border-bottom: 1px solid #e3e5e8; }}
QToolButton#guideStep {{ border: 0; border-radius: 10px; padding: 2px 9px; color: #80868b; }}
QToolButton#guideStep[state="done"] {{ color: #2e7d32; }}
QToolButton#guideStep[state="next"] {{ background: #e3f1f6; color: {ACCENT}; font-weight: 600; }}
QToolButton#guideStep:hover {{ background: #eef1f4; }}
QLabel#guideArrow {{ color: #c4c7cc; }}
QLabel#guideHint {{ color: #3c4043; }}
QFrame#undoNotice {{ background: #fff8e1; border: 1px solid #f3d98b; border-radius: 6px; }}
QLabel#editedBadge {{ color: #8a5a00; border: 1px solid #e8c46a; border-radius: 8px; padding: 1px 8px;
                      background: #fff8e1; }}
QLabel#detailTitle {{ font-size: 15pt; font-weight: 600; color: #202124; }}
QLabel#detailWhere, QLabel#hint, QLabel#filterCount {{ color: #5f6368; }}
QLabel#sectionTitle {{ font-weight: 600; color: #3c4043; }}
QLabel#roleLabel {{ font-weight: 600; color: #5f6368; font-size: 9pt; text-transform: uppercase; }}
QLabel#emptyHint {{ color: #80868b; font-size: 11pt; }}
QFrame#turn_user {{ background: #f1f5fb; border: 1px solid #dbe5f3; border-radius: 8px; }}
QFrame#turn_assistant {{ background: #f3f9f4; border: 1px solid #d7ead9; border-radius: 8px; }}
QFrame#turn_system {{ background: #f7f7f7; border: 1px solid #e3e3e3; border-radius: 8px; }}
QFrame#turn_user QPlainTextEdit, QFrame#turn_assistant QPlainTextEdit, QFrame#turn_system QPlainTextEdit
    {{ background: transparent; border: 0; padding: 0; }}
QStatusBar {{ background: #ffffff; border-top: 1px solid #e3e5e8; color: #3c4043; }}
QStatusBar QLabel {{ padding: 0 8px; }}
QProgressBar {{ border: 1px solid #d5d8dc; border-radius: 4px; background: #ffffff; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 3px; }}
QWidget#welcome {{ background: #f6f7f9; }}
QLabel#welcomeTitle {{ font-size: 24pt; font-weight: 700; color: #202124; }}
QLabel#welcomeSub {{ font-size: 11pt; color: #5f6368; }}
QListWidget#recentList {{ border: 1px solid #e3e5e8; border-radius: 8px; background: #ffffff; padding: 4px; }}
QListWidget#recentList::item {{ padding: 6px; }}
"""


def apply_style(app: QApplication) -> None:
    """Fusion with a light palette and the style sheet above."""
    app.setStyle("Fusion")
    pal = app.palette()
    pal.setColor(QPalette.ColorRole.Window, QColor("#f6f7f9"))
    pal.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.AlternateBase, QColor("#fafbfc"))
    pal.setColor(QPalette.ColorRole.Highlight, QColor("#d6e8f5"))
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor("#202124"))
    pal.setColor(QPalette.ColorRole.Text, QColor("#202124"))
    pal.setColor(QPalette.ColorRole.WindowText, QColor("#202124"))
    pal.setColor(QPalette.ColorRole.ButtonText, QColor("#202124"))
    app.setPalette(pal)
    app.setStyleSheet(STYLE_SHEET)
    app.setWindowIcon(icon("app"))
