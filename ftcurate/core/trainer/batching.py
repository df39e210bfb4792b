"""Token-budget batches: length bucketing (padded rows) or packing (several chats a row).

Planning works on lengths only and is deterministic for (seed, epoch), so a resumed run replays the
same batch order. Collation makes tensors:

* bucket mode: chats of similar length, right-padded to a multiple of 8 (or to a fixed bucket length
  when `fixed_shapes`, for torch.compile). No attention mask is passed: attention is causal, so real
  tokens never see the right padding, and SDPA can use its fused causal kernels.
* pack mode: rows of exactly `row_len` tokens holding several chats. Each chat gets its own position ids
  (0, 1, ...) and a block-diagonal causal mask keeps chats from attending to each other; the model is
  called with `use_cache=False` (transformers 5.x ignores packed position ids otherwise).

Every batch carries `sel`, the flat (row * L + t) positions whose next token is a target, and `tgt`,
those next tokens, so the loss never needs logits for non-target positions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ftcurate.core.trainer.encoding import Encoded

# Fixed bucket lengths for fixed-shape (compiled) runs: ~1.25-1.5x steps keep padding low with few shapes.
LADDER = (64, 96, 128, 160, 192, 256, 320, 384, 512, 640, 768, 1024, 1280, 1536, 2048, 2560, 3072, 4096,
          6144, 8192, 12288, 16384, 32768)


@dataclass
class Batch:
    """Tensors for one step. `position_ids`/`attention_mask` are None in bucket mode."""

    input_ids: Any
    position_ids: Any
    attention_mask: Any
    sel: Any
    tgt: Any
    n_tokens: int  # real (non-pad) tokens
    n_targets: int
    n_examples: int


def bucket_len(n: int, fixed_shapes: bool, max_len: int) -> int:
    """Padded length for a batch whose longest chat has `n` tokens."""
    if fixed_shapes:
        for b in LADDER:
            if b >= n:
                return min(b, max(max_len, n))
        return n
    return (n + 7) // 8 * 8


def plan_buckets(lengths: list[int], budget: int, seed: int, epoch: int, *, shuffle: bool = True,
                 fixed_shapes: bool = False, max_len: int = 0) -> list[list[int]]:
    """Group example indices into batches of at most `budget` padded tokens.

    Chats are shuffled, then sorted by length inside windows of a few hundred, cut greedily into
    batches, and the batches shuffled; with `shuffle=False` (evaluation) the whole set is sorted.
    With `fixed_shapes`, batches hold chats of one ladder bucket and always `budget // bucket` rows.
    """
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(len(lengths)))
    if shuffle:
        rng.shuffle(order)
    batches: list[list[int]] = []
    if fixed_shapes:
        groups: dict[int, list[int]] = {}
        for i in order:
            groups.setdefault(bucket_len(lengths[i], True, max_len), []).append(i)
        for b in sorted(groups):
            rows = max(1, budget // b)
            idx = groups[b]
            batches.extend(idx[k:k + rows] for k in range(0, len(idx), rows))
    else:
        mean = max(1, sum(lengths) // max(1, len(lengths)))
        window = len(order) if not shuffle else max(64, 50 * max(1, budget // mean))
        for w in range(0, len(order), window):
            chunk = sorted(order[w:w + window], key=lambda i: lengths[i])
            cur: list[int] = []
            longest = 0
            for i in chunk:
                new_longest = max(longest, lengths[i])
                if cur and bucket_len(new_longest, False, max_len) * (len(cur) + 1) > budget:
                    batches.append(cur)
                    cur, new_longest = [], lengths[i]
                cur.append(i)
                longest = new_longest
            if cur:
                batches.append(cur)
    if shuffle:
        rng.shuffle(batches)
    return batches


def plan_packed(lengths: list[int], row_len: int, rows_per_batch: int, seed: int, epoch: int,
                shuffle: bool = True) -> list[list[list[int]]]:
    """Pack chats into rows of `row_len` tokens (first fit, longest first); `rows_per_batch` rows a batch.

    Returns batches, each a list of rows, each row a list of example indices.
    """
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(len(lengths)))
    if shuffle:
        rng.shuffle(order)
    order.sort(key=lambda i: -lengths[i])  # stable: ties keep the shuffled order
    shortest = min(lengths) if lengths else 1
    rows: list[list[int]] = []
    room: list[int] = []
    open_rows: list[int] = []
    for i in order:
        n = lengths[i]
        placed = False
        for j in open_rows:
            if room[j] >= n:
                rows[j].append(i)
                room[j] -= n
                placed = True
                break
        if not placed:
            rows.append([i])
            room.append(row_len - n)
            open_rows.append(len(rows) - 1)
        open_rows = [j for j in open_rows if room[j] >= shortest]
    if shuffle:
        rng.shuffle(rows)
    return [rows[k:k + rows_per_batch] for k in range(0, len(rows), rows_per_batch)]


def _tensors(item: Encoded) -> tuple[Any, Any, Any]:
    """(ids, positions t whose next token is a target, those next tokens) as tensors, cached on the item."""
    import torch

    cached = getattr(item, "_tensors", None)
    if cached is None:
        ids = torch.tensor(item.ids, dtype=torch.long)
        nxt = torch.tensor(item.targets[1:], dtype=torch.bool)
        rel = torch.nonzero(nxt).flatten()
        cached = (ids, rel, ids[rel + 1])
        item._tensors = cached  # type: ignore[attr-defined]
    return cached


def _to(t: Any, device: Any) -> Any:
    if str(device).startswith("cuda"):
        return t.pin_memory().to(device, non_blocking=True)
    return t.to(device)


def collate_bucket(items: list[Encoded], pad_id: int, device: Any, *, length: int | None = None,
                   rows: int | None = None) -> Batch:
    """Right-padded batch; `length`/`rows` force a fixed shape (extra rows are all padding)."""
    import torch

    L = length or bucket_len(max(len(e.ids) for e in items), False, 0)
    R = max(rows or 0, len(items))
    ids = torch.full((R, L), pad_id, dtype=torch.long)
    sel, tgt = [], []
    for r, e in enumerate(items):
        t_ids, rel, nxt = _tensors(e)
        ids[r, : len(e.ids)] = t_ids
        sel.append(rel + r * L)
        tgt.append(nxt)
    sel_t, tgt_t = torch.cat(sel), torch.cat(tgt)
    return Batch(_to(ids, device), None, None, _to(sel_t, device), _to(tgt_t, device),
                 sum(len(e.ids) for e in items), int(tgt_t.numel()), len(items))


def collate_packed(rows: list[list[Encoded]], pad_id: int, row_len: int, device: Any, *,
                   n_rows: int | None = None, mask_kind: str = "bool", dtype: Any = None) -> Batch:
    """Packed batch of `row_len`-token rows with per-chat position ids and a block-diagonal mask.

    Args:
        mask_kind: "bool" (True = may attend; what SDPA takes) or "additive" (0 / dtype-min; eager).
    """
    import torch

    R = max(n_rows or 0, len(rows))
    ids = torch.full((R, row_len), pad_id, dtype=torch.long)
    pos = torch.zeros((R, row_len), dtype=torch.long)
    seg = torch.zeros((R, row_len), dtype=torch.long)
    sel, tgt = [], []
    n_tok = n_ex = 0
    for r, row in enumerate(rows):
        off = 0
        for k, e in enumerate(row):
            n = len(e.ids)
            t_ids, rel, nxt = _tensors(e)
            ids[r, off:off + n] = t_ids
            pos[r, off:off + n] = torch.arange(n)
            seg[r, off:off + n] = k + 1
            sel.append(rel + (r * row_len + off))
            tgt.append(nxt)
            off += n
            n_tok += n
            n_ex += 1
        pos[r, off:] = torch.arange(row_len - off)  # padding: its own segment (0), never a target
    seg = _to(seg, device)
    causal = torch.ones((row_len, row_len), dtype=torch.bool, device=device).tril()
    allowed = (seg[:, :, None] == seg[:, None, :]) & causal  # (R, L, L)
    if mask_kind == "additive":
        dt = dtype or torch.float32
        mask = torch.zeros(allowed.shape, dtype=dt, device=device).masked_fill(~allowed, torch.finfo(dt).min)
    else:
        mask = allowed
    sel_t, tgt_t = torch.cat(sel), torch.cat(tgt)
    return Batch(_to(ids, device), _to(pos, device), mask[:, None], _to(sel_t, device), _to(tgt_t, device),
                 n_tok, int(tgt_t.numel()), n_ex)
