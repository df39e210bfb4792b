"""The walls between layers, as import-linter contracts in pyproject.toml (run by `lint-imports`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    proc = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command;"
                           " sys.exit(lint_imports_command())"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "broken" in proc.stdout and "0 broken" in proc.stdout


def test_contracts_are_configured():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for wall in ("ftcurate.gui", "PySide6", "ftcurate.core.checks", "sqlite3"):
        assert wall in text.split("[tool.importlinter]", 1)[1]
