"""Test-split loss / perplexity and greedy answers for a few test prompts.

Loss is the mean cross-entropy over answer tokens (the same targets training uses), computed with the
chunked head so evaluation never holds full logits either. `measure` does both for one model and
reports progress in units of one evaluation batch or one generated token, so the bar has a percentage
and an ETA; cancel is checked per batch and per token (and inside them by the run's layer hooks).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import torch

from ftcurate.core.progress import Progress
from ftcurate.core.trainer.config import TrainConfig
from ftcurate.core.trainer.data import prompt_messages
from ftcurate.core.trainer.encoding import Encoded, EncodedSplit, prompt_ids
from ftcurate.core.trainer.loop import BatchMaker, autocast_for
from ftcurate.core.trainer.loss import batch_loss_sum
from ftcurate.core.trainer.metrics import chrf, perplexity

GEN_BATCH = 8


def _eval_maker(model: Any, split: EncodedSplit, cfg: TrainConfig, device: str, pad_id: int) -> BatchMaker:
    ecfg = dataclasses.replace(cfg, packing=False, compile=False)
    return BatchMaker(split, ecfg, device, pad_id, model=model, budget=cfg.eval_token_budget, shuffle=False)


def measure(model: Any, tokenizer: Any, split: EncodedSplit, gen_items: list[Encoded], cfg: TrainConfig,
            device: str, pad_id: int, stops: set[int], progress: Progress, status: str) -> dict[str, Any]:
    """Test loss and greedy answers of `model` as it is now: {"eval": eval_loss(...), "answers": [...]}.

    Progress: total = evaluation batches + (answer batches x max_new_tokens), with `status`.

    Raises:
        Cancelled: `progress` was cancelled.
    """
    n_eval = len(_eval_maker(model, split, cfg, device, pad_id).plan(0)) if split.items else 0
    n_gen = math.ceil(len(gen_items) / GEN_BATCH) * cfg.max_new_tokens
    progress.set_status(status)
    progress.set_total(n_eval + n_gen)
    result = {"eval": eval_loss(model, split, cfg, device, pad_id, progress),
              "answers": generate_answers(model, tokenizer, gen_items, cfg, device, stops, progress=progress)}
    progress.set_progress(n_eval + n_gen)
    return result


def eval_loss(model: Any, split: EncodedSplit, cfg: TrainConfig, device: str, pad_id: int,
              progress: Progress | None = None) -> dict[str, Any] | None:
    """Mean answer-token loss and perplexity on `split`, or None when it is empty."""
    if not split.items:
        return None
    maker = _eval_maker(model, split, cfg, device, pad_id)
    was_training = model.training
    model.eval()
    total = torch.zeros((), dtype=torch.float64)
    n_targets = 0
    try:
        with torch.no_grad(), autocast_for(cfg, device):
            for group in maker.plan(0):
                if progress is not None:
                    progress.check_cancelled()
                batch = maker.collate(group)
                total += batch_loss_sum(model, batch, cfg.ce_chunk).double().cpu()
                n_targets += batch.n_targets
                if progress is not None:
                    progress.advance(1)
    finally:
        model.train(was_training)
    loss = float(total) / max(1, n_targets)
    return {"loss": round(loss, 5), "perplexity": round(perplexity(loss), 4), "n_targets": n_targets,
            "n_examples": len(split.items)}


def generate_answers(model: Any, tokenizer: Any, items: list[Encoded], cfg: TrainConfig, device: str,
                     stops: set[int], batch_size: int = GEN_BATCH, progress: Progress | None = None) -> list[str]:
    """Greedy answers for the prompts of `items` (their chats without the final answer).

    `progress` advances by `cfg.max_new_tokens` per batch of prompts (one per token, the rest when a
    batch stops early) and is checked for cancel between tokens.
    """
    from ftcurate.core.trainer.cancel_hooks import generation_progress

    if not items:
        return []
    prompts = [prompt_ids(tokenizer, prompt_messages(e.row.messages)[0]) for e in items]
    pad = tokenizer.pad_token_id
    answers: list[str] = []
    was_training = model.training
    model.eval()
    try:
        for s in range(0, len(prompts), batch_size):
            chunk = prompts[s:s + batch_size]
            width = max(len(p) for p in chunk)
            ids = torch.full((len(chunk), width), pad, dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for r, p in enumerate(chunk):  # left padding for generation
                ids[r, width - len(p):] = torch.tensor(p)
                mask[r, width - len(p):] = 1
            start = progress.done if progress is not None else 0
            with torch.no_grad(), autocast_for(cfg, device):
                out = model.generate(input_ids=ids.to(device), attention_mask=mask.to(device),
                                     max_new_tokens=cfg.max_new_tokens, do_sample=False, use_cache=True,
                                     eos_token_id=sorted(stops), pad_token_id=pad,
                                     stopping_criteria=generation_progress(progress))
            if progress is not None:
                progress.set_progress(start + cfg.max_new_tokens)
            for r in range(len(chunk)):
                answers.append(tokenizer.decode(out[r, width:], skip_special_tokens=True).strip())
    finally:
        model.train(was_training)
    return answers


def compare_samples(items: list[Encoded], base: list[str], tuned: list[str]) -> list[dict[str, Any]]:
    """Rows for the Compare page: prompt, reference, base and tuned answers with their chrF."""
    rows = []
    for e, b, t in zip(items, base, tuned, strict=True):
        prompt, ref = prompt_messages(e.row.messages)
        user = next((m["content"] for m in reversed(prompt) if m["role"] == "user"), "")
        rows.append({"id": e.row.example_id, "line": e.row.line, "index": e.row.index, "prompt": user, "reference": ref,
                     "base": b, "tuned": t, "chrf_base": round(chrf(b, ref), 2), "chrf_tuned": round(chrf(t, ref), 2)})
    return rows


def mean_chrf(samples: list[dict[str, Any]], key: str) -> float | None:
    vals = [s[key] for s in samples if s.get(key) is not None]
    return round(sum(vals) / len(vals), 2) if vals else None
