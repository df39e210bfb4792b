"""Where ftcurate's bundled files live, whichever way it was installed.

Three layouts: a PyInstaller bundle (`sys._MEIPASS/resources`), an installed wheel
(`ftcurate/resources`, copied in at build time by setup.py) and a source checkout (the top-level
`resources/` beside the package).
"""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir() -> Path:
    """The folder holding `demo/` and `icons/` (the first layout that has one)."""
    candidates = []
    if getattr(sys, "_MEIPASS", None):
        candidates.append(Path(sys._MEIPASS) / "resources")
    candidates += [_PACKAGE / "resources", _PACKAGE.parent / "resources"]
    for path in candidates:
        if (path / "demo").is_dir() or (path / "icons").is_dir():
            return path
    return candidates[-1]
