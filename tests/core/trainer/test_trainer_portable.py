"""A saved adapter is portable: upstream base id, metadata note, model card, loads on a copied base."""

from __future__ import annotations

import json
import shutil

import torch

from ftcurate.core.trainer.run import run_training


def _logits(model, ids):
    with torch.no_grad():
        return model(input_ids=torch.tensor([ids])).logits[0, -1].float()


def test_adapter_loads_elsewhere_and_scores_like_the_trained_model(tiny_export, tiny_model, opts, tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ftcurate.core.trainer.run import run_evaluation

    (tiny_export / "README.md").write_text("# Dataset card\n")
    res = run_training(tiny_export, opts(epochs=3, lr=3e-2, n_generate=0, merge=True))
    assert not (tiny_export / "runs").exists() and res["run_dir"].startswith(str(tiny_export.parent / "runs"))
    src = res["adapter_dir"]
    conf = json.loads(open(f"{src}/adapter_config.json").read())
    assert conf["base_model_name_or_path"] == tiny_model.name  # not an absolute path of this machine
    note = json.loads(open(f"{src}/ftcurate_adapter.json").read())
    assert note["base_model"] == tiny_model.name and note["base_source"] == str(tiny_model)
    assert note["split"]["train_examples"] == 24 and note["metrics"]["tuned_test_loss"] == res["tuned_test_loss"]
    card = open(f"{src}/README.md").read()
    assert f"base_model: {tiny_model.name}" in card and "PeftModel.from_pretrained" in card
    assert f"{res['tuned_test_loss']:.3f}" in card and "DATASET_CARD.md" in card
    assert open(f"{src}/DATASET_CARD.md").read() == "# Dataset card\n"

    merged = AutoModelForCausalLM.from_pretrained(res["merged_dir"]).eval()
    assert next(merged.parameters()).dtype == torch.float16  # half the size of fp32

    # "another machine": the base and the adapter copied to other folders, the run folder gone
    other = tmp_path / "elsewhere"
    base_copy = shutil.copytree(tiny_model, other / "base")
    adapter_copy = shutil.copytree(src, other / "adapter")
    shutil.rmtree(res["run_dir"])
    ev = run_evaluation(tiny_export, adapter_copy, model=str(base_copy), options=opts(n_generate=0))
    assert abs(ev["tuned_test_loss"] - res["tuned_test_loss"]) < 1e-5  # the trained model's own score
    assert ev["tuned_test_loss"] < ev["base_test_loss"]

    tok = AutoTokenizer.from_pretrained(str(base_copy))
    ids = tok.apply_chat_template([{"role": "user", "content": "Where is my refund?"}], add_generation_prompt=True)
    ids = list(ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids)
    tuned = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(base_copy)), str(adapter_copy)).eval()
    base = AutoModelForCausalLM.from_pretrained(str(base_copy)).eval()
    lt, lb, lm = _logits(tuned, ids), _logits(base, ids), _logits(merged.float(), ids)
    assert (lt - lb).abs().max() > 1e-2  # the adapter changes the answer
    assert (lt - lm).abs().max() < 2e-2 and int(lt.argmax()) == int(lm.argmax())


def test_the_bundled_model_is_named_by_its_upstream_id_with_its_quantisation():
    from ftcurate.core.trainer.modelcache import base_model_source, resolve_model

    info = base_model_source(None, resolve_model(None))
    assert info["base_model"] == "HuggingFaceTB/SmolLM2-135M-Instruct" and info["license"] == "apache-2.0"
    assert info["source_kind"] == "gguf" and info["source"].endswith(".gguf")
    assert info["quantization"] == "Q4_1" and info["expanded_to"] == "fp32"
