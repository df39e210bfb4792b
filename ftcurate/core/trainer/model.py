"""Load a local HF causal LM + tokenizer for training, and wrap it with a LoRA adapter (peft)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.trainer.config import TrainConfig


def torch_dtype(precision: str) -> Any:
    import torch

    return torch.bfloat16 if precision == "bf16" else torch.float32


def load_tokenizer(model_dir: Path) -> Any:
    """The model folder's tokenizer, with a pad token (EOS if it has none).

    Raises:
        UserError: the folder has no tokenizer or the tokenizer has no chat template.
    """
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(str(model_dir))
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot load the tokenizer ({exc})", path=model_dir) from None
    if not getattr(tok, "chat_template", None):
        raise UserError("the model's tokenizer has no chat template; choose an instruct/chat model",
                        path=model_dir)
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return tok


def load_model(model_dir: Path, cfg: TrainConfig, device: str) -> Any:
    """Load the base model in the run's precision on `device` (SDPA attention, no KV cache)."""
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch_dtype(cfg.precision),
                                                     attn_implementation="sdpa")
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot load the model ({exc})", path=model_dir) from None
    model.config.use_cache = False
    return model.to(device)


def add_lora(model: Any, cfg: TrainConfig) -> Any:
    """Wrap `model` in a fresh LoRA adapter (all linear layers unless `cfg.target_modules` says otherwise).

    Adapter weights stay float32 (peft's default) while the frozen base may be bf16.
    """
    from peft import LoraConfig, get_peft_model

    targets = cfg.target_modules
    if isinstance(targets, str) and targets != "all-linear":
        targets = [t.strip() for t in targets.split(",") if t.strip()]
    lcfg = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=targets, task_type="CAUSAL_LM", bias="none")
    try:
        with warnings.catch_warnings():  # peft probes a transformers attribute deprecated in 5.x
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
            return get_peft_model(model, lcfg)
    except ValueError as exc:
        raise UserError(f"cannot add a LoRA adapter to this model ({exc})") from None


def load_adapter(model: Any, adapter_dir: Path) -> Any:
    """Wrap `model` with a saved adapter (for evaluation)."""
    from peft import PeftModel

    if not (Path(adapter_dir) / "adapter_config.json").exists():
        raise UserError("not a LoRA adapter folder (no adapter_config.json)", path=adapter_dir)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        return PeftModel.from_pretrained(model, str(adapter_dir), is_trainable=False)


def adapter_base_model(adapter_dir: Path) -> str | None:
    """The base model to load an adapter on: the local folder it was trained on when that still exists,
    else the --model choice recorded with it (e.g. "default"), else peft's `base_model_name_or_path`."""
    from ftcurate.core.trainer.card import read_note

    note = read_note(Path(adapter_dir))
    if note.get("model_dir") and Path(note["model_dir"]).is_dir():
        return note["model_dir"]
    if note.get("model"):
        return note["model"]
    conf = Path(adapter_dir) / "adapter_config.json"
    if conf.exists():
        return json.loads(conf.read_text()).get("base_model_name_or_path")
    return None


def context_length(model: Any, wanted: int) -> int:
    """`wanted`, capped at the model's maximum positions."""
    limit = getattr(model.config, "max_position_embeddings", None)
    return min(wanted, int(limit)) if limit else wanted


def count_params(model: Any) -> tuple[int, int]:
    """(total parameters, trainable parameters)."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return total, trainable
