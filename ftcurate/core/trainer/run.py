"""One training run end to end, and evaluation of a saved adapter.

`run_training` reads an export directory (train.jsonl, test.jsonl), tokenizes with the model's chat
template, measures the base model on the test split, trains a LoRA adapter, measures the tuned model,
writes the adapter and a report, and returns a result dict. Progress goes to a `Progress` (bar, GUI
bridge) and to `on_event(dict)` callbacks (JSON lines, loss curve); every event is also appended to
`<run>/log.jsonl`.

Cancel: the whole run is one cancel scope (`ftcurate.core.cancel`) with checks on every decoder layer
(`cancel_hooks`), so a cancel stops any phase (loading, tokenizing, measuring, a training step,
generating, saving) within one layer's work. Every file is written whole or not at all (temporary
name, then rename), so a cancelled run keeps its last checkpoint and `resume=True` continues it.

Run folder: `runs/run-YYYYmmdd-HHMMSS/` in the folder that holds the export folder (`out/` ->
`runs/` beside it), or under `output_dir` when given; never inside the export folder, so exporting
again never touches a run. It holds config.json, log.jsonl, base_eval.json, checkpoint/state.pt,
adapter/ (adapter_model.safetensors, adapter_config.json naming the upstream base model,
ftcurate_adapter.json, README.md model card, DATASET_CARD.md), merged/ (optional, fp16),
samples.jsonl, metrics.json.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ftcurate.core import cancel
from ftcurate.core.errors import UserError
from ftcurate.core.progress import Progress
from ftcurate.core.trainer.config import TrainConfig, TrainOptions, resolve_config
from ftcurate.core.trainer.data import data_hash, load_export

Emit = Callable[[dict], None]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


def _new_run_dir(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("run-%Y%m%d-%H%M%S")
    path, k = root / stamp, 1
    while path.exists():
        k += 1
        path = root / f"{stamp}-{k}"
    path.mkdir()
    return path


def default_runs_root(export_dir: str | Path) -> Path:
    """Where runs go unless told otherwise: `runs/` beside the export folder (not inside it)."""
    return Path(export_dir).resolve().parent / "runs"


def _same_export(run_dir: Path, export_dir: Path | None) -> bool:
    if export_dir is None:
        return True
    try:
        saved = json.loads((run_dir / "config.json").read_text()).get("export_dir")
    except (OSError, ValueError):
        return False
    return saved is not None and Path(saved).resolve() == export_dir.resolve()


def find_resumable(root: Path, export_dir: Path | None = None) -> Path | None:
    """The newest run folder under `root` (of `export_dir`, when given) that has not finished."""
    if not root.is_dir():
        return None
    runs = sorted((p for p in root.iterdir() if (p / "config.json").exists() and not (p / "metrics.json").exists()
                   and _same_export(p, export_dir)),
                  key=lambda p: (p / "config.json").stat().st_mtime)
    return runs[-1] if runs else None


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` via a temporary file and a rename (never a half-written file)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


class _Logger:
    def __init__(self, path: Path, on_event: Emit | None) -> None:
        self.path = path
        self.on_event = on_event

    def __call__(self, event: dict) -> None:
        event = {"time": round(time.time(), 3), **event}
        with cancel.uninterruptible():  # a log line and its run-record update are written whole
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(event, ensure_ascii=False, default=str) + "\n")
            if self.on_event is not None:
                self.on_event(event)


def _setup_run(export_dir: Path, options: TrainOptions, device: str, dhash: str) -> tuple[Path, TrainConfig, bool]:
    root = Path(options.output_dir) if options.output_dir else default_runs_root(export_dir)
    if options.resume:
        run_dir = find_resumable(root, export_dir)
        if run_dir is None:
            raise UserError("no unfinished run to resume", path=root)
        saved = json.loads((run_dir / "config.json").read_text())
        if saved["data_hash"] != dhash:
            raise UserError("the exported data changed since this run started; start a new run", path=run_dir)
        return run_dir, TrainConfig.from_dict(saved["config"]), True
    cfg = resolve_config(options, device)
    run_dir = _new_run_dir(root)
    write_atomic(run_dir / "config.json", json.dumps(
        {"config": cfg.to_dict(), "data_hash": dhash, "export_dir": str(export_dir.resolve()), "started_at": _now()},
        indent=2))
    return run_dir, cfg, False


def run_training(export_dir: str | Path, options: TrainOptions | None = None, progress: Progress | None = None,
                 on_event: Emit | None = None) -> dict[str, Any]:
    """Train a LoRA adapter on an export and compare it with the base model.

    Args:
        export_dir: folder with train.jsonl (required) and test.jsonl (optional but needed for a verdict).
        options: what to change from the preset/device defaults; `resume=True` continues the newest
            unfinished run under the runs folder with its saved settings.
        progress: receives every phase's progress; cancelling it stops the run within one decoder
            layer's work (any phase), after saving a checkpoint when training had started.
        on_event: called with each event dict ("start", "data", "eval", "step", "saved", "done", ...).

    Returns:
        The result (also in `<run>/metrics.json`): base/tuned test loss and perplexity, verdict,
        chrF, tokens_per_s, device, adapter_dir, run_dir, skipped examples, loss_curve, samples.

    Raises:
        UserError / ConfigError: bad data, model or options. Cancelled: cancelled (checkpoint saved).
    """
    progress = progress or Progress()
    cancel.reset()
    with cancel.scope(progress):
        return _run_training(export_dir, options, progress, on_event)


def _load(cfg: Any, device: str, progress: Progress) -> tuple[Path, Any, Any]:
    """(model folder, tokenizer, model) with progress: converting (first use of a GGUF), then loading."""
    from ftcurate.core.trainer.model import load_model, load_tokenizer
    from ftcurate.core.trainer.modelcache import resolve_model

    model_dir = resolve_model(cfg.model, progress)
    progress.set_status("loading the model")
    progress.set_total(2)
    tokenizer = load_tokenizer(model_dir)
    progress.advance(1)
    model = load_model(model_dir, cfg, device)
    progress.advance(1)
    return model_dir, tokenizer, model


def _run_training(export_dir: str | Path, options: TrainOptions | None, progress: Progress,
                  on_event: Emit | None) -> dict[str, Any]:
    import torch

    from ftcurate.core.trainer import device as devmod
    from ftcurate.core.trainer import evaluate as ev
    from ftcurate.core.trainer.cancel_hooks import LayerHooks
    from ftcurate.core.trainer.card import finish_adapter, set_adapter_base
    from ftcurate.core.trainer.encoding import encode_rows, stop_token_ids
    from ftcurate.core.trainer.loop import train_loop
    from ftcurate.core.trainer.metrics import verdict
    from ftcurate.core.trainer.model import add_lora, context_length, count_params
    from ftcurate.core.trainer.modelcache import base_model_source, model_label

    t_start = time.perf_counter()
    options = options or TrainOptions()
    export_dir = Path(export_dir)
    train_rows, test_rows = load_export(export_dir)
    device = devmod.pick_device(options.device)
    dhash = data_hash(export_dir)
    run_dir, cfg, resuming = _setup_run(export_dir, options, device, dhash)
    device = devmod.pick_device(cfg.device if resuming else options.device)
    emit = _Logger(run_dir / "log.jsonl", on_event)
    info = devmod.device_info(device)
    emit({"event": "start", "run_dir": str(run_dir), "config": cfg.to_dict(), "device": info,
          "resumed": resuming, "data_hash": dhash, "export_dir": str(export_dir)})
    if device == "cpu" and cfg.threads:
        torch.set_num_threads(cfg.threads)
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

    model_dir, tokenizer, model = _load(cfg, device, progress)
    hooks = LayerHooks(model, fine=device == "cpu").attach()  # stays on the layers through the LoRA wrapping below
    cfg.max_len = context_length(model, cfg.max_len)
    stops = stop_token_ids(tokenizer, model.generation_config)
    progress.set_status("tokenizing")
    progress.set_total(len(train_rows) + len(test_rows))
    train = encode_rows(tokenizer, train_rows, cfg.max_len, stops, progress)
    test = encode_rows(tokenizer, test_rows, cfg.max_len, stops, progress)
    if not train.items:
        raise UserError(f"no usable training examples ({train.skipped_summary()})", path=export_dir / "train.jsonl")
    skipped = {"train": train.skipped, "test": test.skipped}
    emit({"event": "data", "train_examples": len(train.items), "test_examples": len(test.items),
          "train_tokens": train.n_tokens, "skipped_train": len(train.skipped), "skipped_test": len(test.skipped),
          "skipped_text": "; ".join(f"{k}: {s.skipped_summary()}" for k, s in (("train", train), ("test", test))
                                    if s.skipped)})
    n_params = count_params(model)[0]
    torch.manual_seed(cfg.seed)  # LoRA initialisation is part of the seeded run
    model = add_lora(model, cfg)
    pad_id = tokenizer.pad_token_id
    gen_items = test.items[: cfg.n_generate]

    base_path = run_dir / "base_eval.json"
    if resuming and base_path.exists():
        base = json.loads(base_path.read_text())
    else:
        with model.disable_adapter():
            base = ev.measure(model, tokenizer, test, gen_items, cfg, device, pad_id, stops, progress,
                              "measuring the base model")
        write_atomic(base_path, json.dumps(base))
    emit({"event": "eval", "which": "base", **(base["eval"] or {})})

    state = train_loop(model, train, cfg, device, pad_id, run_dir / "checkpoint" / "state.pt", progress, emit,
                       resume=resuming, hooks=hooks)

    adapter_dir = run_dir / "adapter"
    progress.set_status("saving the adapter")
    with cancel.uninterruptible():
        model.save_pretrained(str(adapter_dir))
        source = base_model_source(cfg.model, model_dir)
        set_adapter_base(adapter_dir, source["base_model"])
    emit({"event": "saved", "adapter_dir": str(adapter_dir)})

    tuned = ev.measure(model, tokenizer, test, gen_items, cfg, device, pad_id, stops, progress,
                       "measuring the tuned model")
    tuned_eval, tuned_answers = tuned["eval"], tuned["answers"]
    samples = ev.compare_samples(gen_items, base["answers"], tuned_answers)
    emit({"event": "eval", "which": "tuned", **(tuned_eval or {})})
    base_loss = base["eval"]["loss"] if base["eval"] else None
    tuned_loss = tuned_eval["loss"] if tuned_eval else None
    chrf_b, chrf_t = ev.mean_chrf(samples, "chrf_base"), ev.mean_chrf(samples, "chrf_tuned")
    judged = verdict(base_loss, tuned_loss, chrf_b, chrf_t)

    merged_dir = None
    if cfg.merge:
        progress.set_status("saving the merged model")
        merged_dir = run_dir / "merged"
        save_merged(model.merge_and_unload(), tokenizer, merged_dir, source["base_model"])

    hooks.detach()
    write_atomic(run_dir / "samples.jsonl", "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in samples))
    steady = state.steady_tokens / state.steady_seconds if state.steady_seconds else None
    result = {
        "base_test_loss": base_loss, "tuned_test_loss": tuned_loss,
        "base_perplexity": base["eval"]["perplexity"] if base["eval"] else None,
        "tuned_perplexity": tuned_eval["perplexity"] if tuned_eval else None,
        "verdict": judged["verdict"], "verdict_text": judged["text"], "loss_change_pct": judged["loss_change_pct"],
        "chrf_base": chrf_b, "chrf_tuned": chrf_t,
        "tokens_per_s": round(state.tokens / state.seconds, 1) if state.seconds else None,
        "tokens_per_s_steady": round(steady, 1) if steady else None,
        "train_tokens": state.tokens, "steps": state.step, "epochs": cfg.epochs,
        "device": device, "device_name": info["name"], "model": model_label(cfg.model), "model_dir": str(model_dir),
        "params": n_params, "adapter_dir": str(adapter_dir), "merged_dir": str(merged_dir) if merged_dir else None,
        "run_dir": str(run_dir), "log": str(run_dir / "log.jsonl"),
        "train_examples": len(train.items), "test_examples": len(test.items),
        "skipped_train": len(train.skipped), "skipped_test": len(test.skipped), "skipped": skipped,
        "train_seconds": round(state.seconds, 2), "seconds": round(time.perf_counter() - t_start, 2),
        "data_hash": dhash, "config": cfg.to_dict(), "loss_curve": state.loss_curve,
        "samples": samples,
    }
    result["base_model"] = source["base_model"]
    with cancel.uninterruptible():  # metrics.json marks the run finished: written last, whole
        finish_adapter(adapter_dir, source, {**result, "model": cfg.model, "export_dir": str(export_dir.resolve())})
        write_atomic(run_dir / "metrics.json", json.dumps(result, indent=1, ensure_ascii=False))
    emit({"event": "done", "verdict": judged["verdict"], "verdict_text": judged["text"],
          "base_test_loss": base_loss, "tuned_test_loss": tuned_loss})
    progress.set_status("done")
    progress.finish()
    return result


def save_merged(merged: Any, tokenizer: Any, folder: Path, base_model: str) -> None:
    """Save a merged model in fp16 (half the size of fp32).

    fp16 rather than bf16: its 10-bit mantissa keeps the small LoRA updates that bf16's 7 bits would
    round away, and the weights of these models are far inside fp16's range. A model with a weight
    beyond that range is saved in fp32 instead.
    """
    import shutil

    import torch

    big = max((float(p.detach().abs().max()) for p in merged.parameters()), default=0.0)
    if big < 60000:
        merged = merged.to(torch.float16)
    merged.config._name_or_path = base_model
    tmp = folder.with_name(folder.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    merged.save_pretrained(str(tmp))
    tokenizer.save_pretrained(str(tmp))
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def run_evaluation(export_dir: str | Path, adapter_dir: str | Path, model: str | None = None,
                   options: TrainOptions | None = None, progress: Progress | None = None,
                   on_event: Emit | None = None) -> dict[str, Any]:
    """Compare a saved adapter with its base model on the export's test split (loss, answers, verdict).

    Args:
        model: the base model; by default the one recorded with the adapter.

    Raises:
        UserError: no test split, bad adapter or model. Cancelled: `progress` was cancelled (any phase).
    """
    progress = progress or Progress()
    cancel.reset()
    with cancel.scope(progress):
        return _run_evaluation(export_dir, adapter_dir, model, options, progress, on_event)


def _run_evaluation(export_dir: str | Path, adapter_dir: str | Path, model: str | None,
                    options: TrainOptions | None, progress: Progress, on_event: Emit | None) -> dict[str, Any]:
    from ftcurate.core.trainer import device as devmod
    from ftcurate.core.trainer import evaluate as ev
    from ftcurate.core.trainer.cancel_hooks import LayerHooks
    from ftcurate.core.trainer.encoding import encode_rows, stop_token_ids
    from ftcurate.core.trainer.metrics import verdict
    from ftcurate.core.trainer.model import adapter_base_model, context_length, load_adapter

    options = options or TrainOptions()
    emit = on_event or (lambda e: None)
    adapter_dir = Path(adapter_dir)
    _, test_rows = load_export(export_dir)
    if not test_rows:
        raise UserError("the export has no test split to evaluate on", path=Path(export_dir) / "test.jsonl")
    device = devmod.pick_device(options.device)
    cfg = resolve_config(options, device)
    if device == "cpu" and cfg.threads:
        import torch

        torch.set_num_threads(cfg.threads)
    cfg.model = model or adapter_base_model(adapter_dir) or "default"
    model_dir, tokenizer, base_model = _load(cfg, device, progress)
    LayerHooks(base_model, fine=device == "cpu").attach()
    peft_model = load_adapter(base_model, adapter_dir)
    cfg.max_len = context_length(peft_model, cfg.max_len)
    stops = stop_token_ids(tokenizer, peft_model.generation_config)
    test = encode_rows(tokenizer, test_rows, cfg.max_len, stops)
    gen_items = test.items[: cfg.n_generate]
    pad_id = tokenizer.pad_token_id
    with peft_model.disable_adapter():
        base = ev.measure(peft_model, tokenizer, test, gen_items, cfg, device, pad_id, stops, progress,
                          "measuring the base model")
    base_eval, base_answers = base["eval"], base["answers"]
    emit({"event": "eval", "which": "base", **(base_eval or {})})
    tuned = ev.measure(peft_model, tokenizer, test, gen_items, cfg, device, pad_id, stops, progress,
                       "measuring the tuned model")
    tuned_eval, tuned_answers = tuned["eval"], tuned["answers"]
    emit({"event": "eval", "which": "tuned", **(tuned_eval or {})})
    samples = ev.compare_samples(gen_items, base_answers, tuned_answers)
    chrf_b, chrf_t = ev.mean_chrf(samples, "chrf_base"), ev.mean_chrf(samples, "chrf_tuned")
    judged = verdict(base_eval["loss"] if base_eval else None, tuned_eval["loss"] if tuned_eval else None,
                     chrf_b, chrf_t)
    progress.finish()
    return {"base_test_loss": base_eval["loss"] if base_eval else None,
            "tuned_test_loss": tuned_eval["loss"] if tuned_eval else None,
            "base_perplexity": base_eval["perplexity"] if base_eval else None,
            "tuned_perplexity": tuned_eval["perplexity"] if tuned_eval else None,
            "verdict": judged["verdict"], "verdict_text": judged["text"], "loss_change_pct": judged["loss_change_pct"],
            "chrf_base": chrf_b, "chrf_tuned": chrf_t, "device": device, "adapter_dir": str(adapter_dir),
            "model_dir": str(model_dir), "test_examples": len(test.items), "skipped_test": len(test.skipped),
            "samples": samples}
