"""Loss on answer tokens without materialising full logits.

The model body (the transformer without its LM head) gives hidden states; only the positions whose next
token is a target are gathered, and the LM head + cross-entropy run over them in chunks. For a frozen
head (the LoRA case) a custom autograd function computes each chunk's gradient with respect to the
hidden states during the forward pass and keeps only that (N x hidden), so peak memory is one chunk of
logits, not batch x length x vocabulary. A trainable head, or a model that transforms its logits
(soft-capping, scaling), takes a checkpointed per-chunk path instead.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from ftcurate.core import cancel
from ftcurate.core.trainer.batching import Batch


def split_model(model: Any) -> tuple[Any, Any, Any]:
    """Return (causal-LM module, body, LM head) of a plain or PEFT-wrapped model."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    body = getattr(base, base.base_model_prefix)
    head = base.get_output_embeddings()
    return base, body, head


def body_hidden(body: Any, batch: Batch) -> torch.Tensor:
    """Last hidden states (B, L, H). `use_cache=False` keeps packed position ids in effect."""
    out = body(input_ids=batch.input_ids, position_ids=batch.position_ids,
               attention_mask=batch.attention_mask, use_cache=False)
    return out[0] if isinstance(out, tuple) else out.last_hidden_state


class _FrozenHeadCE(torch.autograd.Function):
    """sum(CE(h @ W^T, y)) over rows of h, chunked; gradient only for h."""

    @staticmethod
    def forward(ctx: Any, h: torch.Tensor, weight: torch.Tensor, tgt: torch.Tensor, chunk: int) -> torch.Tensor:
        total = torch.zeros((), dtype=torch.float32, device=h.device)
        need_grad = ctx.needs_input_grad[0]
        grad = torch.empty_like(h) if need_grad else None
        for s in range(0, h.shape[0], chunk):
            cancel.check()  # a chunk of full-vocabulary logits can take a while on a CPU
            logits = (h[s:s + chunk] @ weight.t()).float()
            t = tgt[s:s + chunk]
            lse = torch.logsumexp(logits, dim=-1)
            total += (lse - logits.gather(1, t[:, None]).squeeze(1)).sum()
            if need_grad:
                p = torch.exp_(logits.sub_(lse[:, None]))  # softmax, in place
                p[torch.arange(p.shape[0], device=p.device), t] -= 1.0
                grad[s:s + chunk] = (p.to(weight.dtype) @ weight).to(h.dtype)
        ctx.save_for_backward(grad if need_grad else torch.empty(0))
        return total

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[Any, None, None, None]:
        (grad,) = ctx.saved_tensors
        return grad * g.to(grad.dtype), None, None, None


def _logit_transform(config: Any):
    """Function applied to raw head outputs, or None for a plain head."""
    softcap = getattr(config, "final_logit_softcapping", None)
    div = getattr(config, "logits_scaling", None)
    mul = getattr(config, "logit_scale", None)
    if not softcap and not div and not mul:
        return None

    def apply(x: torch.Tensor) -> torch.Tensor:
        if mul:
            x = x * mul
        if div:
            x = x / div
        if softcap:
            x = torch.tanh(x / softcap) * softcap
        return x

    return apply


def head_ce_sum(hidden: torch.Tensor, head: Any, tgt: torch.Tensor, chunk: int, config: Any = None) -> torch.Tensor:
    """Summed cross-entropy of `head(hidden)` against `tgt`, `chunk` rows at a time (float32 result)."""
    if hidden.shape[0] == 0:
        return hidden.sum().float() * 0.0
    transform = _logit_transform(config)
    plain = (isinstance(head, torch.nn.Linear) and type(head) is torch.nn.Linear and head.bias is None
             and not head.weight.requires_grad and transform is None)
    if plain:
        return _FrozenHeadCE.apply(hidden, head.weight, tgt, chunk)

    def chunk_loss(h: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        logits = head(h).float()
        if transform is not None:
            logits = transform(logits)
        return F.cross_entropy(logits, t, reduction="sum")

    total = torch.zeros((), dtype=torch.float32, device=hidden.device)
    for s in range(0, hidden.shape[0], chunk):
        cancel.check()
        h, t = hidden[s:s + chunk], tgt[s:s + chunk]
        if torch.is_grad_enabled() and hidden.requires_grad:
            from torch.utils.checkpoint import checkpoint

            total = total + checkpoint(chunk_loss, h, t, use_reentrant=False)
        else:
            total = total + chunk_loss(h, t)
    return total


def batch_loss_sum(model: Any, batch: Batch, chunk: int, body: Any = None) -> torch.Tensor:
    """Summed answer-token cross-entropy of one batch (divide by `batch.n_targets` for the mean).

    Args:
        model: plain or PEFT causal LM.
        batch: from `batching.collate_*`.
        chunk: rows of logits computed at once.
        body: the (possibly torch.compile'd) body to call instead of the model's own.
    """
    base, own_body, head = split_model(model)
    hidden = body_hidden(body if body is not None else own_body, batch)
    flat = hidden.reshape(-1, hidden.shape[-1]).index_select(0, batch.sel)
    return head_ce_sum(flat, head, batch.tgt, chunk, base.config)
