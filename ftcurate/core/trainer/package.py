"""`package_run`: merge a run's LoRA adapter into its base and write a GGUF file (+ an Ollama Modelfile).

The merge happens in float32 in memory; the GGUF writer (`gguf_write`) quantises the merged weights
to q8_0 or f16. The Ollama Modelfile carries the same chat template in Go-template form (ChatML
models), the system prompt the model was trained with, and stop tokens.
"""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.progress import Progress

_CHATML_SYSTEM = re.compile(r"<\|im_start\|>system(?:\\n|\n)(.*?)<\|im_end\|>", re.S)


def find_adapter(run_dir: Path) -> Path:
    """The adapter folder of a run folder (or the folder itself when it is an adapter).

    Raises:
        UserError: neither holds an adapter_config.json.
    """
    run_dir = Path(run_dir)
    for cand in (run_dir / "adapter", run_dir):
        if (cand / "adapter_config.json").is_file():
            return cand
    if not run_dir.exists():
        raise UserError("run folder not found", path=run_dir)
    raise UserError("no LoRA adapter here (expected RUN_DIR/adapter/adapter_config.json); "
                    "train first, or give the adapter folder", path=run_dir)


def training_system_prompt(export_dir: str | Path | None) -> str | None:
    """The system prompt most training chats of the export start with, or None."""
    from ftcurate.core.trainer.data import read_chat_jsonl

    if not export_dir or not (Path(export_dir) / "train.jsonl").is_file():
        return None
    rows = read_chat_jsonl(Path(export_dir) / "train.jsonl")
    counts = Counter(r.messages[0]["content"] for r in rows if r.messages and r.messages[0]["role"] == "system")
    return counts.most_common(1)[0][0] if counts else None


def ollama_modelfile(gguf_file: str, template: str | None, system: str | None, num_ctx: int) -> str:
    """An Ollama Modelfile for a ChatML model.

    The TEMPLATE renders `.Messages` exactly as the ChatML Jinja template renders `messages` with
    `add_generation_prompt`: `<|im_start|>{role}\\n{content}<|im_end|>\\n` per message, then the
    assistant header. Ollama puts SYSTEM first in `.Messages` when a request has no system message; when
    no system prompt is known, the template's own default is used so the two agree.

    Raises:
        UserError: the chat template is not ChatML (no Go form is written for other families yet).
    """
    if not template or "<|im_start|>" not in template or "<|im_end|>" not in template:
        raise UserError("the Ollama Modelfile is written for ChatML chat templates (<|im_start|> ... <|im_end|>) "
                        "only; this model uses another one. Use the GGUF file with its built-in template.")
    if system is None:
        found = _CHATML_SYSTEM.search(template)
        system = found.group(1) if found else None
    lines = [f"FROM ./{gguf_file}", "",
             'TEMPLATE """{{- range .Messages }}<|im_start|>{{ .Role }}',
             "{{ .Content }}<|im_end|>", "{{ end }}<|im_start|>assistant", '"""', ""]
    if system:
        lines += [f'SYSTEM """{system.replace(chr(34) * 3, chr(39) * 3)}"""', ""]
    lines += ['PARAMETER stop "<|im_end|>"', 'PARAMETER stop "<|im_start|>"', "PARAMETER temperature 0.2",
              "PARAMETER top_p 0.9", f"PARAMETER num_ctx {num_ctx}", ""]
    return "\n".join(lines)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "model"


def _pre_tokenizer(source: dict[str, Any], base_model: str) -> str:
    """llama.cpp's pre-tokenizer name: from the source GGUF when there is one, else by model family."""
    if source.get("source_kind") == "gguf" and Path(source.get("source") or "").is_file():
        from ftcurate.core.trainer.modelcache import gguf_header_values

        pre = gguf_header_values(Path(source["source"]), {"tokenizer.ggml.pre"}).get("tokenizer.ggml.pre")
        if pre:
            return str(pre)
    return "smollm" if "smollm" in base_model.lower() else "default"


def merged_model(adapter_dir: Path, model: str | None = None) -> tuple[Any, Path]:
    """(the base with the adapter merged in, float32 on the CPU, the base's local folder)."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from ftcurate.core.trainer.model import adapter_base_model
    from ftcurate.core.trainer.modelcache import resolve_model

    model_dir = resolve_model(model or adapter_base_model(adapter_dir) or "default")
    try:
        base = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32)
        with warnings.catch_warnings():  # peft probes a transformers attribute deprecated in 5.x
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
            tuned = PeftModel.from_pretrained(base, str(adapter_dir))
    except (OSError, ValueError, RuntimeError) as exc:
        raise UserError(f"cannot put this adapter on that base model ({exc}); pass the base with --model",
                        path=adapter_dir) from None
    return tuned.merge_and_unload().eval(), model_dir


def package_run(run_dir: str | Path, out_dir: str | Path, qtype: str = "q8_0", ollama: bool = False,
                model: str | None = None, name: str | None = None, system: str | None = None,
                overwrite: bool = False, progress: Progress | None = None) -> dict[str, Any]:
    """Merge a run's adapter into its base and write OUT_DIR/<name>.gguf (and OUT_DIR/Modelfile).

    Args:
        run_dir: a run folder (with adapter/) or an adapter folder.
        qtype: "q8_0" (default, ~1 byte per weight) or "f16".
        ollama: also write an Ollama Modelfile.
        model: the base model (default: the one recorded with the adapter).
        name: file name without .gguf (default: the run folder's name).
        system: the SYSTEM prompt (default: the one the training data used).
        overwrite: replace existing files in OUT_DIR.

    Returns:
        {"gguf", "qtype", "size_bytes", "modelfile", "base_model", "system_prompt", "out_dir"}.

    Raises:
        UserError: no adapter, unsupported model, files already there without `overwrite`.
        Cancelled: `progress` was cancelled (checked per tensor); nothing is left in OUT_DIR.
    """
    from ftcurate.core import cancel

    progress = progress or Progress()
    with cancel.scope(progress):
        return _package(run_dir, out_dir, qtype, ollama, model, name, system, overwrite, progress)


def _package(run_dir: str | Path, out_dir: str | Path, qtype: str, ollama: bool, model: str | None,
             name: str | None, system: str | None, overwrite: bool, progress: Progress) -> dict[str, Any]:
    from ftcurate.core import cancel
    from ftcurate.core.trainer.card import read_note
    from ftcurate.core.trainer.gguf_write import QTYPES, chat_template, write_gguf
    from ftcurate.core.trainer.modelcache import base_model_source

    if qtype not in QTYPES:
        raise UserError(f"unknown GGUF type {qtype!r}; choose {' or '.join(QTYPES)}")
    adapter_dir = find_adapter(Path(run_dir))
    note = read_note(adapter_dir)
    out_dir = Path(out_dir)
    stem = _slug(name or (adapter_dir.parent.name if adapter_dir.name == "adapter" else adapter_dir.name))
    gguf_path = out_dir / f"{stem}.gguf"
    modelfile = out_dir / "Modelfile"
    clash = [p for p in (gguf_path, modelfile if ollama else None) if p is not None and p.exists()]
    if clash and not overwrite:
        raise UserError("already exists; pass --overwrite to replace it", path=clash[0])
    progress.set_status("merging the adapter into the base model")
    merged, model_dir = merged_model(adapter_dir, model)
    source = base_model_source(model or note.get("model"), model_dir)
    base_model = note.get("base_model") or source["base_model"]
    template = chat_template(model_dir)
    if system is None:
        system = training_system_prompt(note.get("export_dir"))
    text = ollama_modelfile(gguf_path.name, template, system, min(4096, int(merged.config.max_position_embeddings
                                                                          or 2048))) if ollama else None
    out_dir.mkdir(parents=True, exist_ok=True)
    state = merged.state_dict()
    progress.set_total(len(state))
    progress.set_status(f"writing {gguf_path.name} ({qtype})")
    tmp = gguf_path.with_suffix(".gguf.part")

    def on_tensor(_name: str) -> None:
        progress.advance(1)
        cancel.check()

    try:
        write_gguf(tmp, model_dir, ((k, v.detach().float().numpy()) for k, v in state.items()), qtype=qtype,
                   name=f"{base_model.rsplit('/', 1)[-1]} + ftcurate LoRA ({stem})",
                   pre_tokenizer=_pre_tokenizer(source, base_model),
                   metadata={"license": source.get("license"),
                             "description": f"{base_model} with a LoRA adapter from ftcurate merged in"},
                   on_tensor=on_tensor)
        tmp.replace(gguf_path)
    finally:  # cancelled or failed (Ctrl-C included): no half-written file stays behind
        tmp.unlink(missing_ok=True)
    if text is not None:
        modelfile.write_text(text, encoding="utf-8")
    (out_dir / f"{stem}.json").write_text(json.dumps(
        {"base_model": base_model, "adapter": str(adapter_dir), "qtype": qtype, "base_source": source.get("source"),
         "base_quantization": source.get("quantization"), "system_prompt": system}, indent=1), encoding="utf-8")
    progress.finish()
    return {"gguf": str(gguf_path), "qtype": qtype, "size_bytes": gguf_path.stat().st_size,
            "modelfile": str(modelfile) if text is not None else None, "base_model": base_model,
            "system_prompt": system, "out_dir": str(out_dir)}
