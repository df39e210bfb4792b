"""CLI: `ftcurate train EXPORTDIR` (fine-tune a LoRA adapter) and `ftcurate eval EXPORTDIR --adapter DIR`.

With --json, progress events are printed as JSON lines and the LAST line is the result:
{"base_test_loss", "tuned_test_loss", "tokens_per_s", "device", "adapter_dir", "verdict", ...}.

Ctrl-C stops a run in any phase within about a second (the trainer's cancel checks, and an interrupt for
work they cannot reach), keeps the last checkpoint, records the run as cancelled in --project, prints
how to continue and exits 1; with --json the last line is {"event": "cancelled", "phase", "run_dir",
"checkpoint_step", "resume"}. A second Ctrl-C aborts at once (exit 1 too); files are never half-written.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from typing import Any

from ftcurate.cli import Output, add_common
from ftcurate.core.errors import Cancelled

# Result keys printed on the last line (the full result, with samples and the loss curve, is in
# <run>/metrics.json).
SUMMARY_KEYS = ("base_test_loss", "tuned_test_loss", "base_perplexity", "tuned_perplexity", "verdict",
                "verdict_text", "loss_change_pct", "chrf_base", "chrf_tuned", "tokens_per_s", "tokens_per_s_steady",
                "train_tokens", "steps", "epochs", "device", "device_name", "model", "adapter_dir", "merged_dir",
                "run_dir", "log", "train_examples", "test_examples", "skipped_train", "skipped_test",
                "train_seconds", "seconds")
EVENT_KEYS = {"start": ("run_dir", "resumed"), "data": None, "eval": None, "step": None, "saved": None,
              "cancelled": None, "resumed": None, "done": ("verdict",)}


def _options(args: argparse.Namespace) -> Any:
    from ftcurate.core.trainer.config import TrainOptions

    return TrainOptions(model=args.model, preset=getattr(args, "preset", None), epochs=getattr(args, "epochs", None),
                        max_steps=getattr(args, "max_steps", None), lr=getattr(args, "lr", None),
                        lora_r=getattr(args, "lora_r", None), max_len=getattr(args, "max_len", None),
                        token_budget=getattr(args, "token_budget", None), packing=getattr(args, "packing", None),
                        compile=getattr(args, "compile", None), seed=getattr(args, "seed", None),
                        n_generate=args.generate, max_new_tokens=args.max_new_tokens,
                        merge=getattr(args, "merge", None), device=args.device,
                        output_dir=getattr(args, "output", None), resume=bool(getattr(args, "resume", False)))


def _event_printer(out: Output, seen: dict | None = None):
    def on_event(ev: dict) -> None:
        kind = ev.get("event")
        if seen is not None and kind == "start":
            seen["run_dir"] = ev.get("run_dir")
        if seen is not None and kind in ("step", "resumed", "cancelled"):
            seen["step"] = ev.get("step")  # the checkpoint's step once one is written
        if kind not in EVENT_KEYS:
            return
        if out.json:
            keys = EVENT_KEYS[kind]
            out.emit({k: v for k, v in ev.items() if keys is None or k in keys or k == "event"})
        elif kind == "data":
            out.info(f"{ev['train_examples']} training and {ev['test_examples']} test examples, "
                     f"{ev['train_tokens']} training tokens")
            if ev.get("skipped_text"):
                out.info("Note: " + ev["skipped_text"])
        elif kind == "eval":
            if "loss" in ev:
                out.info(f"{ev['which']} model: test loss {ev['loss']:.4f}, perplexity {ev['perplexity']:.2f}")
        elif kind == "cancelled":
            out.info(f"Cancelled at step {ev['step']}.")
    return on_event


def _sigint_cancels(progress: Any, out: Output):
    """First Ctrl-C: cancel now (the current step is dropped, the last checkpoint kept); second: abort."""
    from ftcurate.core import cancel

    def handler(signum, frame):
        if progress.cancelled:
            raise KeyboardInterrupt
        out.info("\nCancelling (Ctrl-C again to abort)...")
        cancel.interrupt(progress)
    return handler


def _cancelled(args: argparse.Namespace, out: Output, status: str, run_dir: str | None, step: int | None) -> int:
    """Say where a cancelled run stands and how to continue it; exit code 1."""
    resume = f"ftcurate train {args.export_dir} --resume" + (f" --output {args.output}" if args.output else "") \
        + (f" --project {args.project}" if args.project else "")
    ckpt = Path(run_dir) / "checkpoint" / "state.pt" if run_dir else None
    if ckpt is None or not ckpt.exists():
        step = None
    if out.json:
        out.emit({"event": "cancelled", "phase": status, "run_dir": run_dir, "checkpoint_step": step,
                  "resume": resume if run_dir else None})
    elif run_dir is None:
        out.info("Training cancelled before it started; nothing was written.")
    else:
        kept = f"the checkpoint after step {step} was kept" if step is not None else "no training step had run yet"
        out.info(f"Training cancelled while {status or 'starting'}; {kept}. Continue with: {resume}")
    return 1


def cmd_train(args: argparse.Namespace, out: Output) -> int:
    from ftcurate.core.trainer.record import train_and_record

    progress = out.progress()
    seen: dict = {}
    old = None
    if threading.current_thread() is threading.main_thread():
        old = signal.signal(signal.SIGINT, _sigint_cancels(progress, out))
    try:
        result = train_and_record(args.export_dir, _options(args), progress, _event_printer(out, seen), args.project)
    except (Cancelled, KeyboardInterrupt):
        progress.finish()
        args.exit_now = True  # the command-line process ends at once (see ftcurate.cli.main)
        return _cancelled(args, out, progress.status.split(":")[0], seen.get("run_dir"), seen.get("step"))
    finally:
        if old is not None:
            signal.signal(signal.SIGINT, old)
    summary = {k: result.get(k) for k in SUMMARY_KEYS}
    text = "\n".join([result["verdict_text"],
                      f"Trained {result['steps']} steps on {result['device_name']} "
                      f"({result['tokens_per_s']} tokens/s, {result['train_seconds']} s).",
                      f"Adapter: {result['adapter_dir']}"]
                     + ([f"Merged model: {result['merged_dir']}"] if result.get("merged_dir") else []))
    out.emit(summary, text)
    return 0


def cmd_eval(args: argparse.Namespace, out: Output) -> int:
    from ftcurate.core.trainer.run import run_evaluation

    result = run_evaluation(args.export_dir, args.adapter, model=args.model, options=_options(args),
                            progress=out.progress(), on_event=_event_printer(out))
    if not out.json:
        for s in result["samples"]:
            out.info(f"\n[{s['id'] if s['id'] is not None else 'line ' + str(s['line'])}] {s['prompt']}\n"
                     f"  reference: {s['reference'][:200]}\n  base:      {s['base'][:200]}\n"
                     f"  tuned:     {s['tuned'][:200]}")
    summary = {k: v for k, v in result.items() if k != "samples"}
    out.emit(summary, result["verdict_text"])
    return 0


def _common_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=None,
                   help="base model: 'default' (SmolLM2-135M-Instruct, built in), a local HF folder or a .gguf")
    p.add_argument("--device", default=None, help="auto (default), cuda, mps or cpu")
    p.add_argument("--generate", type=int, default=None, metavar="N", help="answer N test prompts to compare")
    p.add_argument("--max-new-tokens", type=int, default=None, metavar="N", help="length of those answers")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("train", help="fine-tune a LoRA adapter on an exported split",
                              description="Fine-tune a LoRA adapter on EXPORTDIR/train.jsonl and compare it with "
                                          "the base model on EXPORTDIR/test.jsonl.")
    p.add_argument("export_dir", metavar="EXPORTDIR", help="folder written by `ftcurate export` (openai format)")
    _common_model_args(p)
    p.add_argument("--preset", choices=("quick", "standard", "thorough"), default=None,
                   help="quick: 1 epoch, small adapter; standard: 2 epochs; thorough: 3 epochs, bigger adapter "
                        "(default: quick on CPU, standard on GPU)")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--max-steps", type=int, default=None, help="stop after N optimizer steps")
    p.add_argument("--lr", type=float, default=None, help="learning rate")
    p.add_argument("--lora-r", type=int, default=None, help="LoRA rank")
    p.add_argument("--max-len", type=int, default=None, help="context length; longer examples are skipped")
    p.add_argument("--token-budget", type=int, default=None, help="tokens per batch (padded)")
    p.add_argument("--packing", action="store_true", default=None, help="pack several examples per row")
    p.add_argument("--compile", action="store_true", default=None, help="torch.compile the model (GPU)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--merge", action="store_true", default=None, help="also save the merged model")
    p.add_argument("--output", default=None, metavar="DIR", help="runs folder (default: runs/ beside EXPORTDIR, or beside the --project file)")
    p.add_argument("--project", default=None, metavar="P.ftcurate", help="record the run in this project")
    p.add_argument("--resume", action="store_true", help="continue the newest unfinished run")
    add_common(p)
    p.set_defaults(func=cmd_train)

    e = subparsers.add_parser("eval", help="compare a LoRA adapter with its base model on the test split")
    e.add_argument("export_dir", metavar="EXPORTDIR")
    e.add_argument("--adapter", required=True, metavar="DIR", help="adapter folder (runs/<run>/adapter)")
    _common_model_args(e)
    add_common(e)
    e.set_defaults(func=cmd_eval)
