"""Throughput of ftcurate's trainer against the plain Trainer + PEFT baseline, same data, model and job.

Runs `../shared/bench/hf_lora_baseline.py` (one epoch, every example padded to --max-len, batch 8, LoRA
on q/v) as a subprocess, then ftcurate's training loop in this process on the same JSONL and model
folder (one epoch, token-budget batches, LoRA on all linear layers, chunked loss), and prints:
tokens/s of each and their ratio, peak GPU memory per token in a step, and MFU (model FLOPs ~ 4 x params
per token for LoRA, over the card's bf16 peak).

    # GPU (random weights of the SmolLM2-135M shape; no GGUF needed on a bare box):
    python benchmarks/bench_trainer.py --model smollm2-random --examples 4000
    python benchmarks/bench_trainer.py --model smollm2-random --compile --token-budget 32768
    # CPU smoke run with tiny sizes:
    python benchmarks/bench_trainer.py --model tiny --examples 64 --max-len 256

Models: "default" (the built-in SmolLM2 GGUF, converted), "smollm2-random" (same shape, random
weights, a small ChatML tokenizer), "tiny" (a few thousand parameters), or a local HF folder.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PEAK_BF16_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "A10": 125.0, "4090": 165.0}
WORDS = ("order refund delivery account password invoice shipping return payment address card cancel update "
         "subscription warranty store pickup tracking number email phone support issue please thanks help "
         "today week days business team check status change plan upgrade discount coupon receipt").split()


def synthetic_chats(n: int, tokenizer, max_len: int, seed: int = 0) -> list[dict]:
    """Support-like chats whose length in this tokenizer's tokens is ~125 on average (long tail to
    max_len); chats that do not fit max_len are dropped so neither trainer truncates or skips."""
    from ftcurate.core.trainer.data import ChatRow
    from ftcurate.core.trainer.encoding import encode_rows, stop_token_ids

    rng = random.Random(seed)
    tpw = len(tokenizer(" ".join(WORDS), add_special_tokens=False)["input_ids"]) / len(WORDS)
    rows = []
    for _ in range(n):
        q = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 20))).capitalize() + "?"
        answer_tokens = min(max_len, max(8.0, rng.lognormvariate(4.0, 0.7)))
        a = " ".join(rng.choice(WORDS) for _ in range(max(1, int(answer_tokens / tpw)))).capitalize() + "."
        rows.append({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]})
    split = encode_rows(tokenizer, [ChatRow(r["messages"], i + 1) for i, r in enumerate(rows)], max_len,
                        stop_token_ids(tokenizer))
    return [rows[e.row.line - 1] for e in split.items]


def build_model(kind: str, folder: Path) -> Path:
    """A model folder for `kind` (see module doc)."""
    from ftcurate.core.trainer.modelcache import resolve_model
    from ftcurate.core.trainer.testing import build_tiny_model, build_tiny_tokenizer

    if kind == "default":
        return resolve_model(None)
    if kind == "tiny":
        return build_tiny_model(folder / "tiny")
    if kind == "smollm2-random":
        import torch
        from transformers import LlamaConfig, LlamaForCausalLM

        out = folder / "smollm2-random"
        tok = build_tiny_tokenizer()
        cfg = LlamaConfig(vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                          num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=8192,
                          rope_theta=100000.0, tie_word_embeddings=True, eos_token_id=tok.eos_token_id,
                          pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id)
        torch.manual_seed(0)
        LlamaForCausalLM(cfg).save_pretrained(str(out))
        tok.save_pretrained(str(out))
        return out
    return Path(kind)


def run_baseline(script: Path, model: Path, train: Path, max_len: int) -> dict | None:
    cmd = [sys.executable, str(script), "--model-dir", str(model), "--train", str(train), "--max-len", str(max_len)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if proc.returncode != 0 or not lines:
        sys.stderr.write(proc.stderr[-3000:])
        return None
    return json.loads(lines[-1])


def run_ours(model: Path, train_path: Path, args: argparse.Namespace) -> dict:
    import torch

    from ftcurate.core.progress import Progress
    from ftcurate.core.trainer.config import TrainOptions, resolve_config
    from ftcurate.core.trainer.data import read_chat_jsonl
    from ftcurate.core.trainer.device import pick_device
    from ftcurate.core.trainer.encoding import encode_rows, stop_token_ids
    from ftcurate.core.trainer.loop import train_loop
    from ftcurate.core.trainer.model import add_lora, count_params, load_model, load_tokenizer

    device = pick_device(args.device)
    opts = TrainOptions(epochs=1, max_len=args.max_len, token_budget=args.token_budget, packing=args.packing,
                        compile=args.compile, precision=args.precision, threads=args.threads,
                        checkpoint_every=10**9)
    cfg = resolve_config(opts, device)
    if device == "cpu" and cfg.threads:
        torch.set_num_threads(cfg.threads)
    tok = load_tokenizer(model)
    m = load_model(model, cfg, device)
    n_params = count_params(m)[0]
    split = encode_rows(tok, read_chat_jsonl(train_path), cfg.max_len, stop_token_ids(tok, m.generation_config))
    torch.manual_seed(cfg.seed)
    m = add_lora(m, cfg)
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.cuda.reset_peak_memory_stats()
    with tempfile.TemporaryDirectory() as tmp:
        state = train_loop(m, split, cfg, device, tok.pad_token_id, Path(tmp) / "state.pt", Progress(),
                           lambda e: None)
    peak = torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else None
    return {"trainer": "ftcurate", "device": device, "steps": state.step, "seconds": round(state.seconds, 2),
            "tokens": state.tokens, "tokens_per_s": round(state.tokens / state.seconds),
            "tokens_per_s_steady": round(state.steady_tokens / state.steady_seconds) if state.steady_seconds else None,
            "tokens_per_step": state.tokens / max(1, state.step), "peak_gib": round(peak, 2) if peak else None,
            "params": n_params, "skipped": len(split.skipped), "examples": len(split.items),
            "mean_tokens": round(split.n_tokens / max(1, len(split.items)), 1), "config": {k: getattr(cfg, k) for k in (
                "token_budget", "max_len", "packing", "compile", "precision", "lora_r", "ce_chunk")}}


def peak_tflops(name: str, override: float | None) -> float | None:
    if override:
        return override
    return next((v for k, v in PEAK_BF16_TFLOPS.items() if k in name), None)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2-random")
    ap.add_argument("--data", help="export folder with train.jsonl (default: synthetic pairs)")
    ap.add_argument("--examples", type=int, default=4000)
    ap.add_argument("--max-len", type=int, default=512)
    ap.add_argument("--token-budget", type=int, default=None)
    ap.add_argument("--packing", action="store_true", default=None)
    ap.add_argument("--compile", action="store_true", default=None)
    ap.add_argument("--precision", default=None, choices=("fp32", "bf16"))
    ap.add_argument("--device", default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--baseline-script", default=str(ROOT.parent / "shared" / "bench" / "hf_lora_baseline.py"))
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--peak-tflops", type=float, default=None, help="accelerator peak (bf16) for MFU")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = build_model(args.model, tmp)
        if args.data:
            train = Path(args.data) / "train.jsonl"
        else:
            from ftcurate.core.trainer.model import load_tokenizer

            train = tmp / "train.jsonl"
            chats = synthetic_chats(args.examples, load_tokenizer(model), args.max_len)
            train.write_text("".join(json.dumps(r) + "\n" for r in chats))
        base = None
        script = Path(args.baseline_script)
        if not args.skip_baseline:
            if script.exists():
                base = run_baseline(script, model, train, args.max_len)
            else:
                sys.stderr.write(f"baseline script not found: {script}\n")
        ours = run_ours(model, train, args)

    import torch

    name = torch.cuda.get_device_name(0) if ours["device"] == "cuda" else "cpu"
    peak = peak_tflops(name, args.peak_tflops)
    flops_per_token = 4 * ours["params"]
    mfu = ours["tokens_per_s_steady"] * flops_per_token / (peak * 1e12) if peak and ours["tokens_per_s_steady"] else None
    summary = {"device": name, "model": args.model, "examples": args.examples if not args.data else None,
               "examples_used": ours["examples"],
               "ours": ours, "baseline": base, "mfu_steady": round(mfu, 4) if mfu else None}
    if base:
        summary["speedup"] = round(ours["tokens_per_s"] / base["tokens_per_s"], 2)
        summary["speedup_steady"] = round((ours["tokens_per_s_steady"] or 0) / base["tokens_per_s"], 2)
        if base.get("peak_gib") and ours["peak_gib"]:
            # per real (non-pad) token in one step's batch
            base_tokens_per_step = base["tokens_per_s"] * base["seconds"] / max(1, base["steps"])
            summary["peak_mib_per_token"] = {
                "ours": round(ours["peak_gib"] * 1024 / ours["tokens_per_step"], 3),
                "baseline": round(base["peak_gib"] * 1024 / base_tokens_per_step, 3)}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
