"""Which device trains, what it is, and roughly how long a run will take there.

`device_info()` imports torch lazily; the GUI calls it from a worker or once at page open.
"""

from __future__ import annotations

import os
from typing import Any

from ftcurate.core.errors import ConfigError
from ftcurate.core.progress import format_duration  # noqa: F401 - also used from here by the app

# Effective training throughput used for estimates, in FLOP/s. Training a LoRA costs about 4 x params
# FLOPs per token (forward 2N, backward through activations 2N; frozen weights get no gradient).
# CPU figure calibrated on this project's 2-core machines (SmolLM2-135M, fp32): ~28 GFLOP/s per core.
CPU_FLOPS_PER_CORE = 28e9
GPU_EFFECTIVE_FLOPS = 40e12  # a modest fraction of a modern card's bf16 peak (launch-bound small models)


def pick_device(requested: str | None = None) -> str:
    """Return "cuda", "mps" or "cpu": the requested one (checked) or the best available.

    Raises:
        ConfigError: a requested accelerator that is not available.
    """
    import torch

    if requested in (None, "", "auto"):
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    req = requested.lower()
    if req.startswith("cuda") or req == "gpu":
        if not torch.cuda.is_available():
            raise ConfigError("no CUDA GPU is available on this machine; use --device cpu")
        return "cuda"
    if req == "mps":
        if not (getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()):
            raise ConfigError("Apple GPU (mps) is not available on this machine")
        return "mps"
    if req == "cpu":
        return "cpu"
    raise ConfigError(f"unknown device {requested!r}; use auto, cuda, mps or cpu")


def cpu_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def device_info(kind: str | None = None) -> dict[str, Any]:
    """Describe the training device for people.

    Returns:
        {"kind", "name", "memory_gib" (GPU only), "cores", "bf16", "warning" (CPU only, else None)}.
    """
    import torch

    kind = kind or pick_device()
    info: dict[str, Any] = {"kind": kind, "cores": cpu_cores(), "memory_gib": None, "bf16": False,
                            "warning": None}
    if kind == "cuda":
        props = torch.cuda.get_device_properties(0)
        info.update(name=props.name, memory_gib=round(props.total_memory / 2**30, 1),
                    bf16=bool(torch.cuda.is_bf16_supported()))
    elif kind == "mps":
        info.update(name="Apple GPU (mps)")
    else:
        info.update(name=f"CPU ({info['cores']} cores)",
                    warning="No GPU found: training runs on the CPU and is slow. Keep runs small "
                            "(quick preset, a few hundred examples).")
    return info


def estimate_seconds(n_tokens: int, n_params: int, kind: str, epochs: int = 1, cores: int | None = None) -> float:
    """Rough wall time of a training run of `n_tokens` tokens per epoch on `kind`.

    Includes the two test-split evaluations (about a third of an epoch each on small test splits is
    not counted; the estimate is for the training pass).
    """
    flops = 4.0 * n_params * n_tokens * epochs
    rate = GPU_EFFECTIVE_FLOPS if kind == "cuda" else CPU_FLOPS_PER_CORE * (cores or cpu_cores())
    return flops / rate


DEFAULT_MODEL_PARAMS = 134_515_008  # SmolLM2-135M


def model_params_from_config(model: str | None) -> int:
    """Approximate parameter count of a model choice without loading it (reads config.json)."""
    import json
    from pathlib import Path

    from ftcurate.core.trainer.modelcache import is_default_model

    if is_default_model(model):
        return DEFAULT_MODEL_PARAMS
    conf = Path(str(model)) / "config.json"
    try:
        c = json.loads(conf.read_text())
        h, n, v = c["hidden_size"], c["num_hidden_layers"], c["vocab_size"]
        inter = c.get("intermediate_size", 4 * h)
        return int(n * (4 * h * h + 3 * h * inter) + v * h)
    except (OSError, KeyError, ValueError, TypeError):
        return DEFAULT_MODEL_PARAMS


def estimate_for_export(export_dir: str, model: str | None, epochs: int, kind: str) -> dict[str, Any]:
    """Rough size and duration of training on an export, without loading a model or tokenizer.

    Tokens are approximated as characters / 3.6 plus 30 per chat for the template.

    Returns:
        {"examples", "tokens", "seconds", "text"}.
    """
    from ftcurate.core.trainer.data import read_chat_jsonl

    rows = read_chat_jsonl(f"{export_dir}/train.jsonl")
    tokens = int(sum(sum(len(m["content"]) for m in r.messages) / 3.6 + 30 for r in rows))
    secs = estimate_seconds(tokens, model_params_from_config(model), kind, epochs)
    return {"examples": len(rows), "tokens": tokens, "seconds": secs,
            "text": f"{len(rows)} examples, about {tokens:,} tokens; training takes roughly "
                    f"{format_duration(secs)} here"}
