"""The core never imports Qt: importing every core module in a fresh interpreter loads no PySide6."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import ftcurate.core


def test_core_imports_no_qt():
    mods = [m.name for m in pkgutil.walk_packages(ftcurate.core.__path__, "ftcurate.core.")]
    assert len(mods) > 8
    code = ("import importlib, sys\n"
            f"for m in {mods!r}:\n"
            "    try:\n        importlib.import_module(m)\n"
            "    except ImportError as e:\n        print('skip', m, e, file=sys.stderr)\n"
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'PyQt', 'shiboken'))]\n"
            "print(','.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"core imported Qt: {out.stdout}"


def test_cli_startup_is_light():
    """Building the CLI parser must not pull in torch, presidio, spaCy or Qt."""
    code = ("import sys\nfrom ftcurate.cli import build_parser\nbuild_parser()\n"
            "heavy = [m for m in ('torch', 'transformers', 'presidio_analyzer', 'spacy', 'PySide6')"
            " if m in sys.modules]\nprint(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
