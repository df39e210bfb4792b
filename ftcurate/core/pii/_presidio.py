"""Import presidio-analyzer without dragging in transformers.

`presidio_analyzer` imports its optional Hugging Face components at import time (an NER recognizer
and a spaCy pipe), which import `transformers` when it is installed: 3-10 s on a busy 2-core machine,
in the app and in every worker process, for components ftcurate never uses. `load()` imports presidio
with a temporary import hook that refuses `transformers` *only to presidio's own modules* (it looks
at the importing frame), so presidio sees it as not installed; imports from anywhere else, including
other threads at the same moment, are untouched, and the hook is removed right after.
"""

from __future__ import annotations

import importlib.abc
import sys

_BLOCKED = ("transformers",)


class _HideFromPresidio(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] not in _BLOCKED:
            return None
        frame = sys._getframe(1)
        while frame is not None:
            mod = frame.f_globals.get("__name__", "")
            if not mod.startswith(("importlib", "_frozen_importlib")):
                if mod.startswith("presidio_analyzer") or mod.startswith("presidio_anonymizer"):
                    raise ModuleNotFoundError(f"{fullname} is not used by ftcurate's PII analyzer",
                                              name=fullname)
                return None
            frame = frame.f_back
        return None


def load() -> None:
    """Import presidio_analyzer (idempotent). Does nothing special if transformers is already loaded."""
    if "presidio_analyzer" in sys.modules:
        return
    if any(b in sys.modules for b in _BLOCKED):
        import presidio_analyzer  # noqa: F401
        return
    hook = _HideFromPresidio()
    sys.meta_path.insert(0, hook)
    try:
        import presidio_analyzer  # noqa: F401
        import presidio_analyzer.predefined_recognizers  # noqa: F401
    finally:
        sys.meta_path.remove(hook)
