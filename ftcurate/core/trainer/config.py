"""Training options, presets and the device-dependent defaults they resolve to.

`TrainOptions` is what a person (CLI flags, GUI widgets) asks for: every field may be None, meaning
"use the preset / device default". `resolve_config(options, device_kind)` turns it into a complete
`TrainConfig`, the exact settings a run used (stored with the run and in checkpoints).
Standard library only: the GUI imports this module at start-up.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ftcurate.core.errors import ConfigError

PRESETS: dict[str, dict[str, Any]] = {
    # quick: a first look in minutes; standard: the usual run; thorough: more epochs, bigger adapter.
    "quick": {"epochs": 1, "lora_r": 8, "lora_alpha": 16, "lr": 5e-4, "n_generate": 3},
    "standard": {"epochs": 2, "lora_r": 16, "lora_alpha": 32, "lr": 3e-4, "n_generate": 5},
    "thorough": {"epochs": 3, "lora_r": 32, "lora_alpha": 64, "lr": 2e-4, "n_generate": 10},
}

# Per device kind. CPU: short contexts, small token batches and fp32 so a 200-example demo finishes in
# minutes on two cores; logits in chunks of 64 rows and evaluation batches of 1024 tokens keep every
# single matrix product under ~2 GFLOP, so a cancel is seen within a fraction of a second even on a
# busy CPU (a cancel check cannot run inside one product). GPU: bf16, big fixed-budget token batches
# (a 135M model is launch-bound).
DEVICE_DEFAULTS: dict[str, dict[str, Any]] = {
    "cpu": {"preset": "quick", "max_len": 512, "token_budget": 1024, "precision": "fp32",
            "max_new_tokens": 64, "ce_chunk": 64, "eval_token_budget": 1024},
    "cuda": {"preset": "standard", "max_len": 2048, "token_budget": 32768, "precision": "bf16",
             "max_new_tokens": 256, "ce_chunk": 2048, "eval_token_budget": 65536},
    "mps": {"preset": "standard", "max_len": 1024, "token_budget": 8192, "precision": "fp32",
            "max_new_tokens": 128, "ce_chunk": 1024, "eval_token_budget": 16384},
}


@dataclass
class TrainOptions:
    """What was asked for; None means the preset or device default."""

    model: str | None = None
    preset: str | None = None
    epochs: int | None = None
    max_steps: int | None = None
    lr: float | None = None
    lora_r: int | None = None
    lora_alpha: int | None = None
    lora_dropout: float | None = None
    target_modules: str | list[str] | None = None
    max_len: int | None = None
    token_budget: int | None = None
    packing: bool | None = None
    compile: bool | None = None
    precision: str | None = None
    seed: int | None = None
    n_generate: int | None = None
    max_new_tokens: int | None = None
    merge: bool | None = None
    device: str | None = None
    checkpoint_every: int | None = None
    threads: int | None = None
    output_dir: str | None = None
    resume: bool = False


@dataclass
class TrainConfig:
    """Complete settings of one run (JSON-serialisable through `to_dict`)."""

    model: str = "default"
    preset: str = "quick"
    device: str = "cpu"
    epochs: int = 1
    max_steps: int | None = None
    lr: float = 5e-4
    warmup_frac: float = 0.05
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    target_modules: str | list[str] = "all-linear"
    max_len: int = 512
    token_budget: int = 1024
    packing: bool = False
    compile: bool = False
    precision: str = "fp32"
    seed: int = 1234
    n_generate: int = 3
    max_new_tokens: int = 64
    merge: bool = False
    checkpoint_every: int = 50
    ce_chunk: int = 256
    eval_token_budget: int = 4096
    threads: int | None = None  # CPU threads for torch; None = torch's default (or $FTCURATE_THREADS)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def resolve_config(options: TrainOptions, device_kind: str) -> TrainConfig:
    """Merge `options` over the preset over the device defaults.

    Args:
        options: what was asked for.
        device_kind: "cpu", "cuda" or "mps" (see `device.pick_device`).

    Raises:
        ConfigError: unknown preset, precision, or a value out of range.
    """
    dev = DEVICE_DEFAULTS.get(device_kind, DEVICE_DEFAULTS["cpu"])
    preset = options.preset or dev["preset"]
    if preset not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    values: dict[str, Any] = {k: v for k, v in dev.items() if k != "preset"}
    values.update(PRESETS[preset])
    values["preset"] = preset
    values["device"] = device_kind
    for f in fields(TrainOptions):
        v = getattr(options, f.name)
        if v is not None and f.name not in ("output_dir", "resume"):
            values[f.name] = v
    values["model"] = options.model or "default"
    if values.get("compile") and options.packing is None:
        values["packing"] = True  # one fixed (rows x max_len) shape: compiled once, never recompiled
    if values.get("threads") is None and os.environ.get("FTCURATE_THREADS", "").isdigit():
        values["threads"] = int(os.environ["FTCURATE_THREADS"])
    cfg = TrainConfig.from_dict(values)
    _validate(cfg)
    return cfg


def _validate(cfg: TrainConfig) -> None:
    if cfg.precision not in ("fp32", "bf16"):
        raise ConfigError(f"precision must be fp32 or bf16, not {cfg.precision!r}")
    for name in ("epochs", "lora_r", "max_len", "token_budget", "ce_chunk"):
        if int(getattr(cfg, name)) < 1:
            raise ConfigError(f"{name} must be at least 1, not {getattr(cfg, name)}")
    if cfg.max_steps is not None and cfg.max_steps < 1:
        raise ConfigError(f"max_steps must be at least 1, not {cfg.max_steps}")
    if cfg.token_budget < cfg.max_len:
        # One example of max_len tokens must fit in a batch.
        cfg.token_budget = cfg.max_len
    if not 0.0 <= cfg.lora_dropout < 1.0:
        raise ConfigError(f"lora_dropout must be in [0, 1), not {cfg.lora_dropout}")
    if cfg.lr <= 0:
        raise ConfigError(f"learning rate must be positive, not {cfg.lr}")
