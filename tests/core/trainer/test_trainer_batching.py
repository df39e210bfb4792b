"""Packed rows never attend across chats; chunked loss equals the plain loss; batch plans cover everything."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from ftcurate.core.trainer.batching import collate_bucket, collate_packed, plan_buckets, plan_packed
from ftcurate.core.trainer.data import ChatRow
from ftcurate.core.trainer.encoding import encode_rows, stop_token_ids
from ftcurate.core.trainer.loss import batch_loss_sum, body_hidden, head_ce_sum, split_model
from ftcurate.core.trainer.model import load_tokenizer


def _model(path, attn):
    from transformers import AutoModelForCausalLM

    m = AutoModelForCausalLM.from_pretrained(str(path), attn_implementation=attn, dtype=torch.float32)
    return m.eval()


@pytest.fixture(scope="module")
def items(tiny_model):
    tok = load_tokenizer(tiny_model)
    chats = [[{"role": "user", "content": q}, {"role": "assistant", "content": a}] for q, a in [
        ("Where is my refund?", "Your refund will arrive in 5 to 7 business days."),
        ("Cancel order 12345", "Please log in and press the Cancel button."),
        ("Hi", "Hello! How can I help you today?")]]
    split = encode_rows(tok, [ChatRow(c, i + 1) for i, c in enumerate(chats)], 512, stop_token_ids(tok))
    return tok, split.items


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_packed_per_example_logits_equal_unpacked(tiny_model, items, attn):
    tok, its = items
    model = _model(tiny_model, attn)
    _, body, head = split_model(model)
    row_len = sum(len(e.ids) for e in its) + 5  # some padding at the end of the row
    packed = collate_packed([its], tok.pad_token_id, row_len, "cpu",
                            mask_kind="bool" if attn == "sdpa" else "additive")
    with torch.no_grad():
        hp = head(body_hidden(body, packed))[0]
        off = 0
        for e in its:
            single = collate_bucket([e], tok.pad_token_id, "cpu")
            hs = head(body_hidden(body, single))[0, : len(e.ids)]
            n = len(e.ids)
            assert torch.allclose(hp[off:off + n], hs, atol=1e-5), (attn, (hp[off:off + n] - hs).abs().max())
            off += n
        # The losses agree too: one packed batch == the three single batches.
        packed_sum = batch_loss_sum(model, packed, chunk=7)
        single_sum = sum(batch_loss_sum(model, collate_bucket([e], tok.pad_token_id, "cpu"), chunk=7) for e in its)
    assert packed.n_targets == sum(e.n_targets for e in its)
    assert torch.allclose(packed_sum, single_sum, rtol=1e-5)


def test_packing_without_the_block_mask_would_leak_across_examples(tiny_model, items):
    """Control: the check above can fail. Packed ids with a KV cache and no mask let chat 2 see chat 1."""
    tok, its = items
    model = _model(tiny_model, "sdpa")
    _, body, _ = split_model(model)
    row_len = sum(len(e.ids) for e in its)
    packed = collate_packed([its], tok.pad_token_id, row_len, "cpu")
    with torch.no_grad():
        leaky = body(input_ids=packed.input_ids, position_ids=packed.position_ids, use_cache=True)[0][0]
        n0, n1 = len(its[0].ids), len(its[1].ids)
        alone = body_hidden(body, collate_bucket([its[1]], tok.pad_token_id, "cpu"))[0, :n1]
    assert (leaky[n0:n0 + n1] - alone).abs().max() > 1e-3


def test_right_padding_in_bucket_batches_does_not_change_logits(tiny_model, items):
    tok, its = items
    model = _model(tiny_model, "sdpa")
    _, body, head = split_model(model)
    batch = collate_bucket(its, tok.pad_token_id, "cpu")
    with torch.no_grad():
        hb = head(body_hidden(body, batch))
        for r, e in enumerate(its):
            hs = head(body_hidden(body, collate_bucket([e], tok.pad_token_id, "cpu")))[0, : len(e.ids)]
            assert torch.allclose(hb[r, : len(e.ids)], hs, atol=1e-5)


@pytest.mark.parametrize("trainable_head", [False, True])
def test_chunked_cross_entropy_matches_full_logits(trainable_head):
    torch.manual_seed(0)
    h = torch.randn(37, 16, requires_grad=True)
    head = torch.nn.Linear(16, 50, bias=False)
    head.weight.requires_grad_(trainable_head)
    tgt = torch.randint(0, 50, (37,))
    got = head_ce_sum(h, head, tgt, chunk=8)
    got.backward()
    g_chunked = h.grad.clone()
    h.grad = None
    want = F.cross_entropy(head(h), tgt, reduction="sum")
    want.backward()
    assert torch.allclose(got, want, rtol=1e-5)
    assert torch.allclose(g_chunked, h.grad, atol=1e-6)


def test_bucket_plan_covers_each_example_once_within_budget():
    lengths = [5, 40, 17, 33, 8, 64, 12, 25, 50, 9, 31, 2] * 5
    for fixed in (False, True):
        plan = plan_buckets(lengths, 128, seed=3, epoch=0, fixed_shapes=fixed, max_len=64)
        flat = sorted(i for b in plan for i in b)
        assert flat == list(range(len(lengths)))
        for b in plan:
            longest = (max(lengths[i] for i in b) + 7) // 8 * 8
            assert fixed or longest * len(b) <= 128
    assert plan_buckets(lengths, 128, 3, 0) == plan_buckets(lengths, 128, 3, 0)  # deterministic
    assert plan_buckets(lengths, 128, 3, 0) != plan_buckets(lengths, 128, 3, 1)  # reshuffled per epoch


def test_pack_plan_rows_fit_and_cover_everything():
    lengths = [5, 40, 17, 33, 8, 64, 12, 25, 50, 9, 31, 2] * 5
    plan = plan_packed(lengths, 64, rows_per_batch=3, seed=1, epoch=0)
    rows = [r for b in plan for r in b]
    assert sorted(i for r in rows for i in r) == list(range(len(lengths)))
    assert all(sum(lengths[i] for i in r) <= 64 for r in rows)
    assert all(len(b) <= 3 for b in plan)
    assert len(rows) <= sum(lengths) // 64 + 3  # packing actually fills rows


def test_fixed_shape_batches_for_compile_use_few_shapes(tiny_model, items):
    from ftcurate.core.trainer.batching import LADDER
    from ftcurate.core.trainer.config import TrainOptions, resolve_config
    from ftcurate.core.trainer.encoding import EncodedSplit
    from ftcurate.core.trainer.loop import BatchMaker

    tok, its = items
    split = EncodedSplit(items=list(its) * 7)
    cfg = resolve_config(TrainOptions(compile=True, packing=False, token_budget=256, max_len=128), "cpu")
    maker = BatchMaker(split, cfg, "cpu", tok.pad_token_id)
    shapes = {tuple(maker.collate(g).input_ids.shape) for g in maker.plan(0)}
    assert all(L in LADDER and R == 256 // L for R, L in shapes) and len(shapes) <= 2
    packed_cfg = resolve_config(TrainOptions(compile=True, token_budget=256, max_len=128), "cpu")
    assert packed_cfg.packing  # compile defaults to packing: a single shape
    pmaker = BatchMaker(split, packed_cfg, "cpu", tok.pad_token_id)
    assert {tuple(pmaker.collate(g).input_ids.shape) for g in pmaker.plan(0)} == {(2, 128)}


def test_bf16_autocast_loss_is_close_to_fp32(tiny_model, items):
    tok, its = items
    model = _model(tiny_model, "sdpa")
    batch = collate_bucket(its, tok.pad_token_id, "cpu")
    with torch.no_grad():
        ref = batch_loss_sum(model, batch, chunk=5)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            low = batch_loss_sum(model, batch, chunk=5)
    assert low.dtype == torch.float32 and torch.allclose(low, ref, rtol=2e-2)
