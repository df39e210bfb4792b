"""Write a Llama-architecture Hugging Face model (weights + tokenizer) as one GGUF file.

What llama.cpp (and Ollama, which runs llama.cpp) expects of a `llama` GGUF file:
- hyper-parameters under `llama.*` (context, widths, heads, RoPE base, RMS-norm epsilon);
- the tokenizer as a GPT-2 style byte-level BPE: `tokenizer.ggml.tokens` in id order (padded with
  unused `[PAD<i>]` entries up to the embedding size), `token_type` (normal / control / user-defined),
  `merges` as "left right" strings, the special token ids and the chat template;
- tensors renamed from HF (`model.layers.3.self_attn.q_proj.weight` -> `blk.3.attn_q.weight`), with the
  rows of the Q and K projections reordered per head: HF Llama checkpoints store each head's rotary
  halves as [first half | second half] while llama.cpp's RoPE pairs neighbouring rows, so the rows are
  interleaved (transformers' GGUF loader undoes exactly this when it reads the file back).
Norm weights stay float32; matrices are written as f16 or q8_0 (blocks of 32 int8 with one f16 scale,
via `gguf.quants`). Needs numpy and gguf only (the caller hands over float32 numpy arrays).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError

QTYPES = ("q8_0", "f16")
_LAYER = re.compile(r"^model\.layers\.(\d+)\.(.+)$")
_LAYER_NAMES = {
    "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight", "self_attn.o_proj.weight": "attn_output.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight", "input_layernorm.weight": "attn_norm.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
}
_TOP_NAMES = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
              "lm_head.weight": "output.weight"}


def gguf_name(hf_name: str) -> str:
    """The llama.cpp name of a HF Llama tensor.

    Raises:
        UserError: a tensor llama.cpp's `llama` architecture has no place for (e.g. attention biases).
    """
    if hf_name in _TOP_NAMES:
        return _TOP_NAMES[hf_name]
    m = _LAYER.match(hf_name)
    if m and m.group(2) in _LAYER_NAMES:
        return f"blk.{m.group(1)}.{_LAYER_NAMES[m.group(2)]}"
    raise UserError(f"cannot write tensor {hf_name!r} to GGUF: only plain Llama models are supported")


def interleave_rope_rows(w: Any, n_heads: int) -> Any:
    """Reorder the rows of a Q or K projection from HF's per-head halves to llama.cpp's pairs."""
    rows = w.shape[0]
    return w.reshape(n_heads, 2, rows // n_heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def llama_hparams(config: dict[str, Any]) -> dict[str, Any]:
    """The hyper-parameters of a HF Llama config.json, checked for what the writer supports.

    Raises:
        UserError: not a Llama model, or RoPE scaling the writer does not carry over.
    """
    archs = config.get("architectures") or []
    if config.get("model_type") != "llama" and "LlamaForCausalLM" not in archs:
        raise UserError(f"only Llama-architecture models can be written as GGUF here, not "
                        f"{config.get('model_type') or archs}")
    rope = config.get("rope_parameters") or config.get("rope_scaling") or {}
    rope_type = rope.get("rope_type") or rope.get("type") or "default"
    if rope_type != "default":
        raise UserError(f"RoPE scaling {rope_type!r} is not supported by the GGUF writer")
    n_head = int(config["num_attention_heads"])
    hidden = int(config["hidden_size"])
    return {
        "n_head": n_head, "n_head_kv": int(config.get("num_key_value_heads") or n_head), "hidden": hidden,
        "n_layer": int(config["num_hidden_layers"]), "ffn": int(config["intermediate_size"]),
        "ctx": int(config.get("max_position_embeddings") or 2048),
        "rope_base": float(rope.get("rope_theta") or config.get("rope_theta") or 10000.0),
        "eps": float(config.get("rms_norm_eps") or 1e-5), "head_dim": int(config.get("head_dim") or hidden // n_head),
        "vocab": int(config["vocab_size"]), "tied": bool(config.get("tie_word_embeddings", False)),
    }


def bpe_vocab(tokenizer_json: dict[str, Any], vocab_size: int) -> dict[str, Any]:
    """Tokens, token types and merges of a byte-level BPE `tokenizer.json`, in the GGUF layout.

    Raises:
        UserError: not a byte-level BPE tokenizer (SentencePiece models need another writer).
    """
    model = tokenizer_json.get("model") or {}
    if model.get("type") != "BPE" or model.get("byte_fallback"):
        raise UserError("only byte-level BPE tokenizers (GPT-2 style) can be written as GGUF here")
    id_to_tok: dict[int, str] = {int(i): t for t, i in model["vocab"].items()}
    types: dict[int, int] = {}
    for added in tokenizer_json.get("added_tokens") or []:
        id_to_tok[int(added["id"])] = added["content"]
        types[int(added["id"])] = 3 if added.get("special") else 4  # CONTROL / USER_DEFINED
    size = max(vocab_size, max(id_to_tok) + 1)
    tokens, token_types = [], []
    for i in range(size):
        if i in id_to_tok:
            tokens.append(id_to_tok[i])
            token_types.append(types.get(i, 1))  # NORMAL
        else:
            tokens.append(f"[PAD{i}]")
            token_types.append(5)  # UNUSED
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges") or []]
    return {"tokens": tokens, "types": token_types, "merges": merges}


def _special_ids(model_dir: Path, tokens: list[str], config: dict[str, Any]) -> dict[str, int]:
    conf_path = Path(model_dir) / "tokenizer_config.json"
    tconf = json.loads(conf_path.read_text()) if conf_path.exists() else {}
    index = {t: i for i, t in enumerate(tokens)}
    out: dict[str, int] = {}
    for key in ("bos", "eos", "unk", "pad"):
        tok = tconf.get(f"{key}_token")
        if isinstance(tok, dict):
            tok = tok.get("content")
        if isinstance(tok, str) and tok in index:
            out[key] = index[tok]
        elif isinstance(config.get(f"{key}_token_id"), int):
            out[key] = int(config[f"{key}_token_id"])
    if "pad" not in out and "eos" in out:
        out["pad"] = out["eos"]
    return out


def chat_template(model_dir: Path) -> str | None:
    """The model folder's chat template (chat_template.jinja or tokenizer_config.json)."""
    jinja = Path(model_dir) / "chat_template.jinja"
    if jinja.exists():
        return jinja.read_text(encoding="utf-8")
    conf_path = Path(model_dir) / "tokenizer_config.json"
    tpl = json.loads(conf_path.read_text()).get("chat_template") if conf_path.exists() else None
    return tpl if isinstance(tpl, str) else None


def write_gguf(path: Path, model_dir: Path, tensors: Iterable[tuple[str, Any]], qtype: str = "q8_0",
               name: str = "model", pre_tokenizer: str = "default", metadata: dict[str, str] | None = None,
               on_tensor: Callable[[str], None] | None = None) -> Path:
    """Write one GGUF file.

    Args:
        path: the .gguf file to write (replaced if it exists).
        model_dir: HF folder with config.json, tokenizer.json and the chat template (the tokenizer and
            hyper-parameters come from here).
        tensors: (HF name, float32 numpy array) pairs, e.g. from a merged model's state dict.
        qtype: "q8_0" or "f16" for the matrices (norms stay f32).
        name: `general.name`.
        pre_tokenizer: llama.cpp's pre-tokenizer name (`tokenizer.ggml.pre`, e.g. "smollm").
        metadata: extra `general.*` strings (e.g. {"base_model": ..., "license": ...}).

    Raises:
        UserError: unsupported architecture, tokenizer or tensor; unknown qtype.
    """
    import gguf
    import numpy as np

    if qtype not in QTYPES:
        raise UserError(f"unknown GGUF type {qtype!r}; choose {' or '.join(QTYPES)}")
    model_dir = Path(model_dir)
    config = json.loads((model_dir / "config.json").read_text())
    hp = llama_hparams(config)
    tok_path = model_dir / "tokenizer.json"
    if not tok_path.exists():
        raise UserError("the model folder has no tokenizer.json (a fast tokenizer is needed)", path=model_dir)
    vocab = bpe_vocab(json.loads(tok_path.read_text(encoding="utf-8")), hp["vocab"])
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name(name)
    for key, value in (metadata or {}).items():
        if value:
            w.add_string(f"general.{key}", str(value))
    w.add_context_length(hp["ctx"])
    w.add_embedding_length(hp["hidden"])
    w.add_block_count(hp["n_layer"])
    w.add_feed_forward_length(hp["ffn"])
    w.add_head_count(hp["n_head"])
    w.add_head_count_kv(hp["n_head_kv"])
    w.add_rope_freq_base(hp["rope_base"])
    w.add_layer_norm_rms_eps(hp["eps"])
    w.add_rope_dimension_count(hp["head_dim"])
    w.add_vocab_size(len(vocab["tokens"]))
    ftype = gguf.LlamaFileType.MOSTLY_Q8_0 if qtype == "q8_0" else gguf.LlamaFileType.MOSTLY_F16
    w.add_file_type(int(ftype))
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(pre_tokenizer)
    w.add_token_list(vocab["tokens"])
    w.add_token_types(vocab["types"])
    w.add_token_merges(vocab["merges"])
    special = _special_ids(model_dir, vocab["tokens"], config)
    for key, fn in (("bos", w.add_bos_token_id), ("eos", w.add_eos_token_id), ("unk", w.add_unk_token_id),
                    ("pad", w.add_pad_token_id)):
        if key in special:
            fn(special[key])
    w.add_add_bos_token(False)  # the chat template writes every special token itself
    w.add_add_space_prefix(False)
    template = chat_template(model_dir)
    if template:
        w.add_chat_template(template)

    for hf_name, arr in tensors:
        if hf_name == "lm_head.weight" and hp["tied"]:
            continue  # llama.cpp reuses token_embd when there is no output.weight
        gname = gguf_name(hf_name)
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        if gname.endswith("attn_q.weight"):
            arr = interleave_rope_rows(arr, hp["n_head"])
        elif gname.endswith("attn_k.weight"):
            arr = interleave_rope_rows(arr, hp["n_head_kv"])
        if arr.ndim == 1:
            w.add_tensor(gname, arr)
        elif qtype == "q8_0" and arr.shape[-1] % 32 == 0:
            q = gguf.quants.quantize(arr, gguf.GGMLQuantizationType.Q8_0)
            w.add_tensor(gname, q, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
        else:
            w.add_tensor(gname, arr.astype(np.float16))
        if on_tensor is not None:
            on_tensor(gname)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return Path(path)
