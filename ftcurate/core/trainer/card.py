"""Make a saved LoRA adapter portable: the base named by its upstream id, a metadata note, a model card.

peft writes `base_model_name_or_path` as the folder the model was loaded from; for the bundled model
that is a path inside this machine's cache, which means nothing anywhere else. `finish_adapter`
rewrites it to the upstream id (e.g. "HuggingFaceTB/SmolLM2-135M-Instruct"), writes
`ftcurate_adapter.json` (the local source, its quantisation, the run's settings, data and metrics) and
a model card `README.md`, and copies the export's dataset card beside it as `DATASET_CARD.md`.
Standard library only.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

NOTE = "ftcurate_adapter.json"
OLD_NOTE = "ftcurate_run.json"  # adapters written before the note had its current name


def _version() -> str:
    try:
        from ftcurate import __version__

        return str(__version__)
    except ImportError:  # pragma: no cover - the package always has one
        return "unknown"


def set_adapter_base(adapter_dir: Path, base_model: str) -> None:
    """Point `adapter_config.json` at the upstream base model id instead of a local path."""
    conf_path = Path(adapter_dir) / "adapter_config.json"
    conf = json.loads(conf_path.read_text())
    conf["base_model_name_or_path"] = base_model
    conf_path.write_text(json.dumps(conf, indent=2, sort_keys=True))


def finish_adapter(adapter_dir: Path, source: dict[str, Any], run: dict[str, Any]) -> None:
    """Write the portable adapter's note, model card and dataset card (call after the evaluation).

    Args:
        adapter_dir: the folder peft saved.
        source: `modelcache.base_model_source(...)`.
        run: "model" (the --model choice), "model_dir", "run_dir", "config", "export_dir", "data_hash",
            "train_examples", "test_examples", "skipped_train", and the metrics "base_test_loss",
            "tuned_test_loss", "chrf_base", "chrf_tuned", "verdict_text", "steps".
    """
    adapter_dir = Path(adapter_dir)
    set_adapter_base(adapter_dir, source["base_model"])
    export_dir = Path(run["export_dir"]) if run.get("export_dir") else None
    card_src = export_dir / "README.md" if export_dir else None
    has_card = bool(card_src and card_src.is_file())
    if has_card:
        shutil.copyfile(card_src, adapter_dir / "DATASET_CARD.md")
    note = {
        "base_model": source["base_model"], "base_source": source.get("source"),
        "base_source_kind": source.get("source_kind"), "base_quantization": source.get("quantization"),
        "base_expanded_to": source.get("expanded_to"), "base_license": source.get("license"),
        "model": run.get("model"), "model_dir": run.get("model_dir"), "run_dir": run.get("run_dir"),
        "export_dir": str(export_dir) if export_dir else None, "data_hash": run.get("data_hash"),
        "dataset_card": "DATASET_CARD.md" if has_card else None, "ftcurate_version": _version(),
        "split": {k: run.get(k) for k in ("train_examples", "test_examples", "skipped_train", "skipped_test")},
        "metrics": {k: run.get(k) for k in ("base_test_loss", "tuned_test_loss", "base_perplexity",
                                            "tuned_perplexity", "chrf_base", "chrf_tuned", "verdict",
                                            "verdict_text", "steps")},
        "config": run.get("config"),
    }
    (adapter_dir / NOTE).write_text(json.dumps(note, indent=1, ensure_ascii=False))
    (adapter_dir / "README.md").write_text(model_card(note), encoding="utf-8")
    old = adapter_dir / OLD_NOTE
    if old.exists():
        old.unlink()


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "n/a"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def model_card(note: dict[str, Any]) -> str:
    """The adapter's README.md: what it is, its base, its data, how it scored and how to load it."""
    base = note["base_model"]
    cfg = note.get("config") or {}
    m = note.get("metrics") or {}
    split = note.get("split") or {}
    lic = note.get("base_license")
    lines = ["---", f"base_model: {base}", "library_name: peft", "pipeline_tag: text-generation"]
    if lic:
        lines.append(f"license: {lic}")
    lines += ["tags:", "- lora", "- peft", "- ftcurate", "---", "",
              f"# LoRA adapter for {base}", "",
              f"A LoRA adapter trained with ftcurate {note.get('ftcurate_version')} on a curated support dataset.", "",
              "## Base model", "",
              f"- Upstream model: `{base}`" + (f" (licence: {lic}; the base model's licence applies to "
                                                  "the base weights)" if lic else " (licence: see the base model)")]
    if note.get("base_source_kind") == "gguf":
        q = note.get("base_quantization") or "a quantised"
        lines += [f"- Trained on a local copy of that model: the GGUF file `{Path(note['base_source']).name}`, "
                  f"quantised as **{q}**, expanded to {note.get('base_expanded_to') or 'fp32'} for training.",
                  f"- Caveat: the adapter learned its corrections on top of the {q} weights, not the original "
                  "bf16 ones. On the original weights it works, but scores may differ slightly from the "
                  "ones below; for the exact model that was measured, load the same GGUF "
                  "(transformers `gguf_file=`) or use `ftcurate package`."]
    else:
        lines.append(f"- Trained on the local folder `{note.get('base_source')}` (weights as stored there).")
    lines += ["", "## Data", ""]
    if note.get("dataset_card"):
        lines.append("- Dataset card: [DATASET_CARD.md](DATASET_CARD.md) (copied from the export).")
    if note.get("export_dir"):
        lines.append(f"- Export folder: `{note['export_dir']}` (data hash `{str(note.get('data_hash'))[:12]}`).")
    lines.append(f"- Split: {_fmt(split.get('train_examples'))} training and {_fmt(split.get('test_examples'))} "
                 f"test chats" + (f"; {split['skipped_train']} training chats longer than the context were "
                                  "skipped" if split.get("skipped_train") else "") + ".")
    lines += ["", "## Training", "",
              f"LoRA rank {cfg.get('lora_r')}, alpha {cfg.get('lora_alpha')}, dropout {cfg.get('lora_dropout')}, "
              f"on {cfg.get('target_modules')}; {cfg.get('epochs')} epoch(s), {_fmt(m.get('steps'))} steps, "
              f"learning rate {cfg.get('lr')}, context {cfg.get('max_len')} tokens, {cfg.get('precision')}, "
              f"seed {cfg.get('seed')}. Loss on assistant answers only.", "",
              "## Results on the test split", "",
              "| | base | tuned |", "|---|---|---|",
              f"| test loss | {_fmt(m.get('base_test_loss'))} | {_fmt(m.get('tuned_test_loss'))} |",
              f"| perplexity | {_fmt(m.get('base_perplexity'), 2)} | {_fmt(m.get('tuned_perplexity'), 2)} |",
              f"| chrF of sampled answers | {_fmt(m.get('chrf_base'), 1)} | {_fmt(m.get('chrf_tuned'), 1)} |", "",
              m.get("verdict_text") or "", "",
              "## How to load", "",
              "```python",
              "from peft import PeftModel",
              "from transformers import AutoModelForCausalLM, AutoTokenizer",
              "",
              f'base = AutoModelForCausalLM.from_pretrained("{base}")  # or a local copy of it',
              f'tokenizer = AutoTokenizer.from_pretrained("{base}")',
              'model = PeftModel.from_pretrained(base, "path/to/this/adapter")',
              "```", "",
              "To run it without Python (llama.cpp, Ollama): `ftcurate package RUN_DIR OUT_DIR --gguf q8_0 --ollama` "
              "merges it into the base and writes a GGUF file and an Ollama Modelfile.", ""]
    return "\n".join(lines)


def read_note(adapter_dir: Path) -> dict[str, Any]:
    """The adapter's ftcurate note (current or older name), or {} for a foreign adapter."""
    for name in (NOTE, OLD_NOTE):
        p = Path(adapter_dir) / name
        if p.exists():
            return json.loads(p.read_text())
    return {}
