"""Acceptance: fine-tune the built-in SmolLM2-135M-Instruct on real support data; the tuned model must beat
the base model on held-out answers. Converts the GGUF once into the (session-shared) model cache."""

from __future__ import annotations

import csv
import json
import random

import pytest

pytestmark = pytest.mark.slow


def _bitext_export(shared_data, folder, n_train=32, n_test=8, max_chars=300):
    path = shared_data / "bitext_cs" / "Bitext_Sample_Customer_Support_Training_Dataset.csv"
    if not path.exists():
        pytest.skip("bitext_cs is not present")
    with path.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if len(r["response"]) <= max_chars]
    random.Random(0).shuffle(rows)
    folder.mkdir()
    for name, part in (("train.jsonl", rows[:n_train]), ("test.jsonl", rows[n_train:n_train + n_test])):
        with (folder / name).open("w", encoding="utf-8") as fh:
            for r in part:
                fh.write(json.dumps({"messages": [{"role": "user", "content": r["instruction"]},
                                                  {"role": "assistant", "content": r["response"]}]}) + "\n")
    return folder


def test_default_model_fine_tune_beats_base_on_bitext(shared_data, tmp_path):
    from ftcurate.core.trainer.config import TrainOptions
    from ftcurate.core.trainer.data import read_chat_jsonl
    from ftcurate.core.trainer.encoding import encode_rows, stop_token_ids
    from ftcurate.core.trainer.model import load_tokenizer
    from ftcurate.core.trainer.modelcache import resolve_model
    from ftcurate.core.trainer.run import run_training

    export = _bitext_export(shared_data, tmp_path / "export")
    model_dir = resolve_model(None)  # GGUF -> HF folder, cached
    tok = load_tokenizer(model_dir)
    row = read_chat_jsonl(export / "train.jsonl")[0]
    item = encode_rows(tok, [row], 2048, stop_token_ids(tok)).items[0]
    targets = tok.decode([t for t, m in zip(item.ids, item.targets, strict=True) if m])
    assert targets == row.messages[-1]["content"] + "<|im_end|>"  # real template: answer + EOS only

    res = run_training(export, TrainOptions(device="cpu", epochs=1, token_budget=256, lr=5e-4, n_generate=1,
                                            max_new_tokens=16))
    print(res["verdict_text"], res["steps"], res["train_seconds"], res["seconds"])
    assert res["model"] == "SmolLM2-135M-Instruct" and res["skipped_train"] == 0
    assert res["tuned_test_loss"] < res["base_test_loss"], res["verdict_text"]
    assert res["verdict"] == "better"
    conf = json.loads(open(f"{res['adapter_dir']}/adapter_config.json").read())
    assert conf["base_model_name_or_path"] == "HuggingFaceTB/SmolLM2-135M-Instruct"  # portable, not a cache path
    card = open(f"{res['adapter_dir']}/README.md").read()
    assert "license: apache-2.0" in card and "Q4_1" in card
