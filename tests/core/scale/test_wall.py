"""Ray stays optional: the core, the desktop app and the CLI's start-up never import it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import ftcurate.core
import ftcurate.gui


def test_core_and_app_never_import_ray():
    mods = [m.name for pkg, prefix in ((ftcurate.core, "ftcurate.core."), (ftcurate.gui, "ftcurate.gui."))
            for m in pkgutil.walk_packages(pkg.__path__, prefix)]
    mods += ["ftcurate.cli", "ftcurate.gui"]
    code = ("import importlib, sys\n"
            f"for m in {mods!r}:\n"
            "    try:\n        importlib.import_module(m)\n"
            "    except ImportError as e:\n        print('skip', m, e, file=sys.stderr)\n"
            "from ftcurate.cli import build_parser\nbuild_parser()\n"
            "print(','.join(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"imported ray: {out.stdout[:200]}"
