"""The training loop: token-budget batches, AdamW (fused on CUDA), warm-up + cosine schedule, bf16
autocast on GPU, optional torch.compile, checkpoints, cancel and resume.

Checkpoints (`<run>/checkpoint/state.pt`) hold the adapter weights, optimizer and scheduler state, the
position in the (deterministic) batch order and the RNG states, so a resumed run continues exactly
where the last one stopped. Cancellation is checked between steps and, through the cancel scope the run
opens (`ftcurate.core.cancel`), inside a step's forward and backward passes (`cancel_hooks`). A step
cancelled half-way is dropped: its gradients are discarded and the checkpoint gets the RNG state from
before it, so a resumed run repeats it exactly. The optimizer update and the counters that go with it
are one uninterruptible section. A cancelled run saves its checkpoint, then raises `Cancelled`.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from ftcurate.core import cancel
from ftcurate.core.errors import Cancelled
from ftcurate.core.progress import Progress
from ftcurate.core.trainer.batching import (
    bucket_len,
    collate_bucket,
    collate_packed,
    plan_buckets,
    plan_packed,
)
from ftcurate.core.trainer.config import TrainConfig
from ftcurate.core.trainer.encoding import EncodedSplit
from ftcurate.core.trainer.loss import batch_loss_sum, split_model

Emit = Callable[[dict], None]


@dataclass
class LoopState:
    """Where training stands; saved in checkpoints."""

    step: int = 0
    epoch: int = 0
    batch_idx: int = 0
    tokens: int = 0
    seconds: float = 0.0
    steady_tokens: int = 0
    steady_seconds: float = 0.0
    loss_curve: list[list[float]] = field(default_factory=list)  # [step, mean answer-token loss]
    done: bool = False


class BatchMaker:
    """Plans and collates batches for one split under a config (train order or evaluation order)."""

    def __init__(self, split: EncodedSplit, cfg: TrainConfig, device: str, pad_id: int, *, model: Any = None,
                 budget: int | None = None, shuffle: bool = True) -> None:
        self.items = split.items
        self.lengths = [len(e.ids) for e in split.items]
        self.cfg = cfg
        self.device = device
        self.pad_id = pad_id
        self.budget = budget or cfg.token_budget
        self.shuffle = shuffle
        self.fixed = bool(cfg.compile)
        self.mask_kind = "bool"
        self.dtype = None
        if model is not None:
            attn = getattr(split_model(model)[0].config, "_attn_implementation", "sdpa")
            self.mask_kind = "bool" if attn == "sdpa" else "additive"
            self.dtype = torch.bfloat16 if cfg.precision == "bf16" else torch.float32

    def plan(self, epoch: int) -> list[Any]:
        cfg = self.cfg
        if cfg.packing:
            rows = max(1, self.budget // cfg.max_len)
            return plan_packed(self.lengths, cfg.max_len, rows, cfg.seed, epoch, self.shuffle)
        return plan_buckets(self.lengths, self.budget, cfg.seed, epoch, shuffle=self.shuffle,
                            fixed_shapes=self.fixed, max_len=cfg.max_len)

    def collate(self, group: Any):
        cfg = self.cfg
        if cfg.packing:
            rows = [[self.items[i] for i in row] for row in group]
            n_rows = max(1, self.budget // cfg.max_len) if self.fixed else None
            return collate_packed(rows, self.pad_id, cfg.max_len, self.device, n_rows=n_rows,
                                  mask_kind=self.mask_kind, dtype=self.dtype)
        items = [self.items[i] for i in group]
        if self.fixed:
            L = bucket_len(max(len(e.ids) for e in items), True, cfg.max_len)
            return collate_bucket(items, self.pad_id, self.device, length=L, rows=max(1, self.budget // L))
        return collate_bucket(items, self.pad_id, self.device)


def autocast_for(cfg: TrainConfig, device: str):
    if cfg.precision == "bf16" and device in ("cuda", "cpu"):
        return torch.autocast(device, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def _lr_lambda(total: int, warmup_frac: float) -> Callable[[int], float]:
    warm = max(1, int(round(total * warmup_frac)))

    def f(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        frac = (step - warm) / max(1, total - warm)
        return 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * min(1.0, frac)))

    return f


def _rng_state() -> dict:
    st = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        st["cuda"] = torch.cuda.get_rng_state_all()
    return st


def _set_rng_state(st: dict) -> None:
    torch.set_rng_state(st["torch"])
    if "cuda" in st and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(st["cuda"])


def save_checkpoint(path: Path, model: Any, opt: Any, sched: Any, state: LoopState, rng: dict | None = None) -> None:
    """Atomically write the trainable weights, optimizer, scheduler, loop state and RNG to `path`
    (to a temporary file, then renamed: an interrupted save leaves the previous checkpoint intact).

    Args:
        rng: the RNG state to store (default: the current one).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    trainable = {n: p.detach().to("cpu", copy=True) for n, p in model.named_parameters() if p.requires_grad}
    blob = {"trainable": trainable, "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
            "state": asdict(state), "rng": rng or _rng_state()}
    tmp = path.with_suffix(".tmp")
    torch.save(blob, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path, model: Any, opt: Any, sched: Any) -> LoopState:
    blob = torch.load(path, map_location="cpu", weights_only=False)
    params = dict(model.named_parameters())
    with torch.no_grad():
        for n, v in blob["trainable"].items():
            params[n].copy_(v.to(params[n].device))
    opt.load_state_dict(blob["optimizer"])
    sched.load_state_dict(blob["scheduler"])
    _set_rng_state(blob["rng"])
    return LoopState(**blob["state"])


def train_loop(model: Any, train: EncodedSplit, cfg: TrainConfig, device: str, pad_id: int, ckpt_path: Path,
               progress: Progress, emit: Emit, resume: bool = False, hooks: Any = None) -> LoopState:
    """Train the model's trainable (LoRA) parameters on `train`; returns the final loop state.

    Args:
        hooks: the run's `cancel_hooks.LayerHooks`; detached while a `torch.compile`d body trains.

    Raises:
        Cancelled: `progress` was cancelled (between or inside steps); a checkpoint was saved first.
    """
    torch.manual_seed(cfg.seed)
    maker = BatchMaker(train, cfg, device, pad_id, model=model)
    plans = [maker.plan(e) for e in range(cfg.epochs)]
    total = sum(len(p) for p in plans)
    if cfg.max_steps:
        total = min(total, cfg.max_steps)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay, betas=(0.9, 0.999),
                            fused=(device == "cuda"))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, _lr_lambda(total, cfg.warmup_frac))
    state = LoopState()
    if resume and ckpt_path.exists():
        state = load_checkpoint(ckpt_path, model, opt, sched)
        emit({"event": "resumed", "step": state.step, "total_steps": total})
    body = None
    if cfg.compile:
        import torch._dynamo as dynamo

        for knob in ("cache_size_limit", "recompile_limit"):
            if hasattr(dynamo.config, knob):
                setattr(dynamo.config, knob, max(64, getattr(dynamo.config, knob)))
        body = torch.compile(split_model(model)[1], dynamic=False)
        if hooks is not None:
            hooks.detach()
    model.train()
    progress.set_status(f"training: step {state.step}/{total}")
    progress.set_total(total)
    progress.set_progress(state.step)
    log_every = 10 if device == "cuda" else 1
    pending: list[tuple[torch.Tensor, int]] = []
    t_mark, tok_mark, step_mark = time.perf_counter(), state.tokens, state.step
    first_step_of_session = True

    def flush() -> None:
        nonlocal t_mark, tok_mark, step_mark
        if not pending:
            return
        losses = [(v.item(), n) for v, n in pending]  # one sync per log interval
        pending.clear()
        now = time.perf_counter()
        mean = sum(v for v, _ in losses) / max(1, sum(n for _, n in losses))
        state.loss_curve.append([state.step, round(mean, 5)])
        rate = (state.tokens - tok_mark) / max(1e-9, now - t_mark)
        per_step = (now - t_mark) / max(1, state.step - step_mark)
        emit({"event": "step", "step": state.step, "total_steps": total, "epoch": state.epoch + 1,
              "epochs": cfg.epochs, "loss": round(mean, 5), "lr": sched.get_last_lr()[0],
              "tokens_per_s": round(rate, 1), "eta_s": round(per_step * (total - state.step), 1),
              "elapsed_s": round(state.seconds, 1)})
        progress.set_status(f"training: step {state.step}/{total}, loss {mean:.3f}")
        t_mark, tok_mark, step_mark = now, state.tokens, state.step

    rng_before: dict | None = None  # set while a step is under way: its gradients are not applied yet
    try:
        while state.step < total and state.epoch < cfg.epochs:
            batches = plans[state.epoch]
            while state.batch_idx < len(batches) and state.step < total:
                progress.check_cancelled()
                rng_before = _rng_state()
                t0 = time.perf_counter()
                batch = maker.collate(batches[state.batch_idx])
                with autocast_for(cfg, device):
                    loss_sum = batch_loss_sum(model, batch, cfg.ce_chunk, body=body)
                (loss_sum / max(1, batch.n_targets)).backward()
                progress.check_cancelled()  # a cancel during the last layers of backward
                with cancel.uninterruptible():  # the update and everything that records it
                    if cfg.grad_clip:
                        torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
                    opt.step()
                    sched.step()
                    opt.zero_grad(set_to_none=True)
                    pending.append((loss_sum.detach(), batch.n_targets))
                    state.step += 1
                    state.batch_idx += 1
                    state.tokens += batch.n_tokens
                    rng_before = None
                    if device == "cuda" and (first_step_of_session or state.step % log_every == 0
                                             or state.step == total):
                        torch.cuda.synchronize()
                    dt = time.perf_counter() - t0
                    state.seconds += dt
                    if not first_step_of_session:  # steady state excludes warm-up / compilation
                        state.steady_tokens += batch.n_tokens
                        state.steady_seconds += dt
                    first_step_of_session = False
                    progress.set_progress(state.step)
                    if state.step % log_every == 0 or state.step == total:
                        flush()
                    if cfg.checkpoint_every and state.step % cfg.checkpoint_every == 0 and state.step < total:
                        save_checkpoint(ckpt_path, model, opt, sched, state)
            if state.batch_idx >= len(batches):
                state.epoch += 1
                state.batch_idx = 0
    except Cancelled:
        with cancel.uninterruptible():
            opt.zero_grad(set_to_none=True)  # a half-done step leaves nothing behind
            flush()
            save_checkpoint(ckpt_path, model, opt, sched, state, rng=rng_before)
            emit({"event": "cancelled", "step": state.step, "checkpoint": str(ckpt_path)})
        raise
    finally:
        if body is not None and hooks is not None:
            hooks.attach()
    with cancel.uninterruptible():
        flush()
        state.done = True
        save_checkpoint(ckpt_path, model, opt, sched, state)
    return state
