"""Import presidio-analyzer without dragging in transformers.

`presidio_analyzer` imports its optional Hugging Face NER pipe at import time, which imports
`transformers` (and torch) when installed: 3-5 s on a 2-core machine, in the app and in every worker
process, for a component ftcurate never uses. When transformers is not imported yet, `load()` registers
a stand-in for that one presidio module (`is_available()` -> False) before importing presidio. Nothing
else is touched: `import transformers` elsewhere still works as usual.
"""

from __future__ import annotations

import sys
import types

_PIPE_MODULE = "presidio_analyzer.nlp_engine.huggingface_token_pipe"


def _unavailable(*args, **kwargs):
    raise RuntimeError("presidio's Hugging Face NER pipe is disabled in ftcurate")


def load() -> None:
    """Import presidio_analyzer (idempotent)."""
    if "presidio_analyzer" in sys.modules:
        return
    if "transformers" not in sys.modules and _PIPE_MODULE not in sys.modules:
        stub = types.ModuleType(_PIPE_MODULE)
        stub.FACTORY_NAME = "presidio_hf_token_pipe"
        stub.is_available = lambda: False
        stub.create_huggingface_token_pipe = _unavailable  # named by presidio's spaCy entry point
        stub.__doc__ = "ftcurate stand-in: presidio's Hugging Face pipe is not used (see ftcurate.core.pii)."
        sys.modules[_PIPE_MODULE] = stub
    import presidio_analyzer  # noqa: F401
