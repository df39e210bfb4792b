"""End-to-end runs on a tiny model: outputs, overlong reporting, cancel with checkpoint, exact resume."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch
from safetensors.torch import load_file

from ftcurate.core.errors import Cancelled, UserError
from ftcurate.core.progress import Progress
from ftcurate.core.trainer.run import run_training


class CancelAtStep(Progress):
    """Cancels once training has completed `step` steps (what a Cancel button does between steps)."""

    def __init__(self, step: int) -> None:
        super().__init__()
        self.at = step

    def _changed(self) -> None:
        if self.status.startswith("training") and self.done >= self.at:
            self.cancel()


def test_run_writes_adapter_report_and_log(tiny_export, opts):
    events = []
    res = run_training(tiny_export, opts(epochs=2), on_event=events.append)
    adapter = res["adapter_dir"]
    assert set(res) >= {"base_test_loss", "tuned_test_loss", "tokens_per_s", "device", "adapter_dir", "verdict"}
    conf = json.loads(open(f"{adapter}/adapter_config.json").read())
    assert {t.rsplit(".", 1)[-1] for t in conf["target_modules"]} >= {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    weights = load_file(f"{adapter}/adapter_model.safetensors")
    assert any("lora_B" in k and v.abs().sum() > 0 for k, v in weights.items())  # it trained
    assert res["steps"] == len(res["loss_curve"]) and res["steps"] > 2
    assert res["device"] == "cpu" and res["train_examples"] == 24 and res["test_examples"] == 6
    assert res["base_test_loss"] > 0 and res["tuned_test_loss"] > 0
    assert res["verdict"] in ("better", "not better")
    sample = res["samples"][0]
    assert sample["reference"] and "base" in sample and "tuned" in sample and sample["line"] == 1
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done" and "step" in kinds
    logged = [json.loads(line)["event"] for line in open(res["log"])]
    assert logged == kinds
    metrics = json.loads(open(f"{res['run_dir']}/metrics.json").read())
    assert metrics["tuned_test_loss"] == res["tuned_test_loss"]


def test_tuned_loss_drops_below_base_on_learnable_data(tiny_export, opts):
    res = run_training(tiny_export, opts(epochs=4, lr=3e-2, n_generate=0))
    assert res["tuned_test_loss"] < res["base_test_loss"]
    assert res["verdict"] == "better"


def test_overlong_examples_are_reported_and_the_rest_trained(make_export, make_chat, opts):
    train = [make_chat(i) for i in range(8)]
    train[2]["messages"][1]["content"] = "refund " * 100
    train[5]["messages"][1]["content"] = "refund " * 100
    train[5]["id"] = 99
    res = run_training(make_export(train, [make_chat(9)]), opts(max_len=100, token_budget=200, n_generate=0))
    assert res["skipped_train"] == 2 and res["train_examples"] == 6
    assert [(s["line"], s["id"]) for s in res["skipped"]["train"]] == [(3, None), (6, 99)]


def test_all_examples_too_long_is_a_user_error(make_export, make_chat, opts):
    train = [make_chat(i) for i in range(3)]
    for r in train:
        r["messages"][1]["content"] = "refund " * 100
    with pytest.raises(UserError, match="no usable training examples"):
        run_training(make_export(train, []), opts(max_len=32))


def test_cancel_saves_a_checkpoint_and_resume_matches_an_uninterrupted_run(tiny_export, opts, tmp_path):
    o = opts(epochs=2, n_generate=0, checkpoint_every=100, lora_dropout=0.1)  # dropout: RNG state matters
    ref = run_training(tiny_export, dataclasses.replace(o, output_dir=str(tmp_path / "a")))

    ob = dataclasses.replace(o, output_dir=str(tmp_path / "b"))
    with pytest.raises(Cancelled):
        run_training(tiny_export, ob, progress=CancelAtStep(3))
    run_dir = next((tmp_path / "b").iterdir())
    assert (run_dir / "checkpoint" / "state.pt").exists() and not (run_dir / "metrics.json").exists()
    saved = torch.load(run_dir / "checkpoint" / "state.pt", weights_only=False)
    assert saved["state"]["step"] == 3

    res = run_training(tiny_export, dataclasses.replace(ob, resume=True))
    assert res["run_dir"] == str(run_dir) and res["steps"] == ref["steps"]
    assert res["loss_curve"] == ref["loss_curve"]
    a = load_file(f"{ref['adapter_dir']}/adapter_model.safetensors")
    b = load_file(f"{res['adapter_dir']}/adapter_model.safetensors")
    assert a.keys() == b.keys()
    for k in a:
        assert torch.allclose(a[k], b[k], atol=1e-6), k


def test_resume_without_an_unfinished_run_is_a_user_error(tiny_export, opts, tmp_path):
    with pytest.raises(UserError, match="no unfinished run"):
        run_training(tiny_export, opts(resume=True, output_dir=str(tmp_path / "none")))


def test_packed_training_runs_and_merge_writes_a_model(tiny_export, opts):
    res = run_training(tiny_export, opts(packing=True, merge=True, n_generate=0, max_steps=3))
    assert res["steps"] == 3
    assert res["merged_dir"] and (open(f"{res['merged_dir']}/config.json").read())


def test_bf16_mixed_precision_path_trains(tiny_export, opts):
    """The GPU precision path (bf16 base weights, fp32 adapter, autocast) also runs on CPU."""
    res = run_training(tiny_export, opts(precision="bf16", n_generate=0, max_steps=4))
    assert res["steps"] == 4 and res["config"]["precision"] == "bf16"
    assert 0 < res["tuned_test_loss"] < 50


def test_without_a_test_split_the_verdict_is_unknown_but_the_adapter_is_saved(make_export, make_chat, opts):
    res = run_training(make_export([make_chat(i) for i in range(6)], []), opts(max_steps=2))
    assert res["verdict"] == "unknown" and "test split" in res["verdict_text"]
    assert res["base_test_loss"] is None and res["samples"] == []
    assert (open(f"{res['adapter_dir']}/adapter_config.json").read())
