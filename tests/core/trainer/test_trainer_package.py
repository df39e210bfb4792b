"""`ftcurate package`: the written GGUF loads back in transformers with the merged model's logits and
the same tokenizer; the Ollama Modelfile renders chats as the chat template does."""

from __future__ import annotations

import json
import re

import pytest
import torch

from ftcurate.cli import main

PROMPTS = ["Where is my refund for order 1234?", "Can I change my password? café ☕ — naïve"]


def _lines(capsys):
    return [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]


def _chat_ids(tok, text):
    return tok.apply_chat_template([{"role": "user", "content": text}], add_generation_prompt=True, tokenize=False)


def _check_gguf(gguf, merged, tok, atol, min_cos):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    back = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32).eval()
    gtok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    assert gtok.chat_template == tok.chat_template and gtok.eos_token == tok.eos_token
    for text in PROMPTS:
        prompt = _chat_ids(tok, text)
        ids = tok(prompt)["input_ids"]
        assert gtok(prompt)["input_ids"] == ids  # the tokenizer round-trips
        assert gtok.decode(ids) == tok.decode(ids)
        with torch.no_grad():
            a = merged(torch.tensor([ids])).logits[0, -1]
            b = back(torch.tensor([ids])).logits[0, -1]
        assert int(a.argmax()) == int(b.argmax())
        assert (a - b).abs().max() < atol, float((a - b).abs().max())
        assert torch.nn.functional.cosine_similarity(a, b, dim=0) > min_cos


def render_go_template(template: str, messages: list[dict]) -> str:
    """The few Go-template constructs the Modelfile uses: {{- range .Messages }} ... {{ end }}, .Role, .Content."""
    m = re.fullmatch(r"\{\{- range \.Messages \}\}(.*?)\{\{ end \}\}(.*)", template, re.S)
    assert m, template
    body, tail = m.groups()
    out = "".join(body.replace("{{ .Role }}", x["role"]).replace("{{ .Content }}", x["content"]) for x in messages)
    return out + tail


@pytest.fixture
def trained_run(tiny_export, opts):
    from ftcurate.core.trainer.run import run_training

    rows = [json.loads(x) for x in (tiny_export / "train.jsonl").read_text().splitlines()]
    for r in rows:
        r["messages"].insert(0, {"role": "system", "content": "You are Fernhill's support agent."})
    (tiny_export / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return run_training(tiny_export, opts(max_steps=4, lr=3e-2, n_generate=0))


@pytest.mark.parametrize(("qtype", "atol", "min_cos"), [("f16", 2e-2, 0.99999), ("q8_0", 0.25, 0.999)])
def test_package_writes_a_gguf_that_matches_the_merged_model(trained_run, tmp_path, capsys, qtype, atol, min_cos):
    from transformers import AutoTokenizer

    from ftcurate.core.trainer.package import find_adapter, merged_model

    out = tmp_path / "pkg"
    assert main(["package", trained_run["run_dir"], str(out), "--gguf", qtype, "--ollama", "--json"]) == 0
    res = _lines(capsys)[-1]
    gguf = out / (res["gguf"].rsplit("/", 1)[-1])
    assert gguf.is_file() and res["qtype"] == qtype and gguf.name.startswith("run-")
    merged, model_dir = merged_model(find_adapter(trained_run["run_dir"]))
    tok = AutoTokenizer.from_pretrained(str(model_dir))
    _check_gguf(gguf, merged, tok, atol, min_cos)

    text = (out / "Modelfile").read_text()
    assert text.startswith(f"FROM ./{gguf.name}\n")
    assert 'SYSTEM """You are Fernhill\'s support agent."""' in text and 'PARAMETER stop "<|im_end|>"' in text
    template = re.search(r'TEMPLATE """(.*?)"""', text, re.S).group(1)
    chat = [{"role": "system", "content": "You are Fernhill's support agent."},
            {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
            {"role": "user", "content": "Where is my refund?"}]
    assert render_go_template(template, chat) == tok.apply_chat_template(chat, add_generation_prompt=True,
                                                                         tokenize=False)


def test_package_refuses_to_overwrite_and_needs_an_adapter(trained_run, tmp_path, capsys):
    out = tmp_path / "pkg"
    assert main(["package", trained_run["run_dir"], str(out), "--name", "shop", "--json"]) == 0
    assert (out / "shop.gguf").is_file() and not (out / "Modelfile").exists()
    assert main(["package", trained_run["run_dir"], str(out), "--name", "shop"]) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert main(["package", trained_run["run_dir"], str(out), "--name", "shop", "--overwrite", "--json"]) == 0
    assert main(["package", str(tmp_path), str(out)]) == 1
    assert "no LoRA adapter" in capsys.readouterr().err


@pytest.mark.slow
def test_package_the_bundled_smollm2(tmp_path):
    """The real model: Q/K row order, 49k-token BPE vocabulary, tied embeddings, SmolLM2's template.

    The adapter is a fresh peft LoRA with random (non-zero) weights on every linear layer: it changes
    every matrix the way a trained one does, without the minutes a CPU run would take."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ftcurate.core.trainer.card import set_adapter_base
    from ftcurate.core.trainer.modelcache import gguf_header_values, resolve_model
    from ftcurate.core.trainer.package import merged_model, package_run

    torch.manual_seed(0)
    model_dir = resolve_model(None)
    base = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32)
    lora = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", init_lora_weights=False))
    adapter = tmp_path / "run-x" / "adapter"
    lora.save_pretrained(str(adapter))
    set_adapter_base(adapter, "HuggingFaceTB/SmolLM2-135M-Instruct")
    del lora, base
    merged, _ = merged_model(adapter, "default")
    tok = AutoTokenizer.from_pretrained(str(model_dir))
    out = tmp_path / "q8_0"  # f16 is checked on the tiny model; reading a GGUF back takes a while here
    pkg = package_run(adapter.parent, out, qtype="q8_0", ollama=True, model="default")
    _check_gguf(out / pkg["gguf"].rsplit("/", 1)[-1], merged, tok, atol=1.5, min_cos=0.999)
    assert 'SYSTEM """You are a helpful AI assistant named SmolLM' in (out / "Modelfile").read_text()
    assert gguf_header_values(out / pkg["gguf"].rsplit("/", 1)[-1], {"tokenizer.ggml.pre", "general.file_type"}) \
        == {"tokenizer.ggml.pre": "smollm", "general.file_type": 7}


def test_cancelled_packaging_stops_between_tensors_and_leaves_nothing(trained_run, tmp_path):
    from ftcurate.core.errors import Cancelled
    from ftcurate.core.progress import Progress
    from ftcurate.core.trainer.package import package_run

    class CancelAt(Progress):
        def _changed(self):
            if self.status.startswith("writing") and self.done == 3:
                self.cancel()

    progress = CancelAt()
    out = tmp_path / "pkg"
    with pytest.raises(Cancelled):
        package_run(trained_run["run_dir"], out, qtype="f16", progress=progress)
    assert progress.done == 3  # no tensor after the cancelled one
    assert not list(out.glob("*.gguf")) and not list(out.glob("*.part"))
    assert package_run(trained_run["run_dir"], out, qtype="f16")["size_bytes"] > 0  # a later try works


def test_scoring_models_stops_inside_the_model_on_cancel(trained_run, tiny_export):
    from ftcurate.core.errors import Cancelled
    from ftcurate.core.progress import Progress
    from ftcurate.core.trainer.compare import score_models
    from ftcurate.core.trainer.config import TrainConfig

    calls = {"n": 0, "after": 0}
    progress = Progress()

    def spy(module, _args):
        if type(module).__name__ == "LlamaDecoderLayer":
            if progress.cancelled:
                calls["after"] += 1
            else:
                calls["n"] += 1
                if calls["n"] == 5:
                    progress.cancel()

    handle = torch.nn.modules.module.register_module_forward_pre_hook(spy)
    try:
        with pytest.raises(Cancelled):
            score_models(tiny_export, {"tuned": trained_run["adapter_dir"]}, trained_run["model_dir"],
                         TrainConfig(max_len=128, threads=1), 1, progress)
    finally:
        handle.remove()
    assert calls["n"] == 5 and calls["after"] == 0
