"""Chats -> token ids with an assistant-only target mask, using the model's own chat template.

How assistant spans are found: the conversation is rendered once with the chat template; for each
assistant turn i the template is also rendered for `messages[:i]` with the generation prompt (where the
answer starts) and for `messages[:i+1]` (where the answer's turn ends). Both must be text prefixes of
the full rendering (true for ordinary templates); if not, the answer is located by searching its content.
The text is then cut at every span boundary and each piece tokenized on its own, so the prompt part is
tokenized exactly as it is at generation time and no token straddles a prompt/answer boundary.

Targets are the answer tokens up to and including the first end-of-turn / EOS token after the answer;
if the template puts none there, the EOS token is inserted. Chats longer than `max_len` are skipped and
reported (never cut), as are chats without an assistant answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.trainer.data import ChatRow


@dataclass
class Encoded:
    """One tokenized chat. `targets[t]` is True when token t is an answer token the loss trains on."""

    ids: list[int]
    targets: list[bool]
    row: ChatRow

    @property
    def n_targets(self) -> int:
        return sum(self.targets)


@dataclass
class EncodedSplit:
    """A tokenized split plus what was left out and why."""

    items: list[Encoded] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    @property
    def n_tokens(self) -> int:
        return sum(len(e.ids) for e in self.items)

    def skipped_summary(self) -> str:
        if not self.skipped:
            return ""
        too_long = [s for s in self.skipped if s["reason"] == "too_long"]
        parts = []
        if too_long:
            refs = ", ".join(s["ref"] for s in too_long[:10]) + (" ..." if len(too_long) > 10 else "")
            parts.append(f"{len(too_long)} longer than the context ({refs})")
        other = len(self.skipped) - len(too_long)
        if other:
            parts.append(f"{other} without an assistant answer")
        return "skipped " + "; ".join(parts)


def stop_token_ids(tokenizer: Any, model_config: Any = None) -> set[int]:
    """Token ids that end an answer: the tokenizer's EOS and the model's generation EOS ids."""
    ids: set[int] = set()
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    for src in (getattr(model_config, "eos_token_id", None),):
        if isinstance(src, int):
            ids.add(src)
        elif isinstance(src, (list, tuple)):
            ids.update(int(x) for x in src)
    if not ids:
        raise UserError("the tokenizer has no end-of-sequence token; cannot teach the model to stop")
    return ids


def _render(tokenizer: Any, messages: list[dict], generation_prompt: bool) -> str:
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt)


def answer_spans(tokenizer: Any, messages: list[dict]) -> tuple[str, list[tuple[int, int]]]:
    """Return (full rendered text, [(start, end) character span of each assistant turn]).

    A span runs from where the answer starts to where its turn ends (end-of-turn markup included).
    """
    eos_text = tokenizer.eos_token or ""
    full = _render(tokenizer, messages, False)
    spans: list[tuple[int, int]] = []
    cursor = 0
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        try:
            before = _render(tokenizer, messages[:i], True) if i else ""
        except Exception:  # noqa: BLE001 - some templates refuse an empty or odd prefix
            before = None
        upto = _render(tokenizer, messages[: i + 1], False)
        if before is not None and full.startswith(upto) and upto.startswith(before) and len(before) >= cursor:
            start, end = len(before), len(upto)
        else:  # template renders prefixes differently: find the answer text itself
            start = full.find(m["content"], cursor)
            if start < 0:
                raise UserError("the chat template does not reproduce the assistant text; "
                                "cannot find answer tokens")
            end = start + len(m["content"])
            rest = full[end:]
            if eos_text and rest.lstrip(" ").startswith(eos_text):  # keep the end-of-turn token a target
                end += len(rest) - len(rest.lstrip(" ")) + len(eos_text)
        spans.append((start, end))
        cursor = end
    return full, spans


def _targets_for_answer(ids: list[int], stops: set[int], eos_id: int) -> tuple[list[int], list[bool]]:
    """Target mask for one answer piece: up to and including the first stop token; insert EOS if none."""
    for k, t in enumerate(ids):
        if t in stops:
            return ids, [True] * (k + 1) + [False] * (len(ids) - k - 1)
    return ids + [eos_id], [True] * (len(ids) + 1)


def encode_rows(tokenizer: Any, rows: list[ChatRow], max_len: int, stops: set[int], progress: Any = None) -> EncodedSplit:
    """Tokenize a split.

    Args:
        tokenizer: a Hugging Face tokenizer with a chat template.
        rows: the chats.
        max_len: the context length; longer chats are skipped and listed in `skipped`.
        stops: ids that end an answer (see `stop_token_ids`); the smallest-numbered EOS is inserted
            where the template adds none (the tokenizer's own EOS when it has one).
        progress: advanced by one per row (optional); cancel is checked per row.

    Raises:
        UserError: the tokenizer has no chat template. Cancelled: the open cancel scope was cancelled.
    """
    from ftcurate.core import cancel

    if not getattr(tokenizer, "chat_template", None):
        raise UserError("this model's tokenizer has no chat template; choose an instruct/chat model")
    eos_id = int(tokenizer.eos_token_id) if tokenizer.eos_token_id is not None else min(stops)
    pieces: list[str] = []
    layout: list[tuple[ChatRow, list[bool]]] = []  # per row: is-answer flag of each piece
    out = EncodedSplit()
    for row in rows:
        cancel.check()
        if progress is not None:
            progress.advance(1)
        if not any(m["role"] == "assistant" for m in row.messages):
            out.skipped.append({"line": row.line, "id": row.example_id, "ref": row.ref,
                                "reason": "no_answer", "n_tokens": None})
            continue
        full, spans = answer_spans(tokenizer, row.messages)
        flags: list[bool] = []
        pos = 0
        for s, e in spans:
            if s > pos:
                pieces.append(full[pos:s])
                flags.append(False)
            pieces.append(full[s:e])
            flags.append(True)
            pos = e
        if pos < len(full):
            pieces.append(full[pos:])
            flags.append(False)
        layout.append((row, flags))
    tokenized = tokenizer(pieces, add_special_tokens=False)["input_ids"] if pieces else []
    k = 0
    for row, flags in layout:
        ids: list[int] = []
        targets: list[bool] = []
        for is_answer in flags:
            piece = list(tokenized[k])
            k += 1
            if is_answer:
                piece, mask = _targets_for_answer(piece, stops, eos_id)
            else:
                mask = [False] * len(piece)
            ids.extend(piece)
            targets.extend(mask)
        if targets:
            targets[0] = False  # nothing predicts the first token (also keeps packed rows independent)
        if len(ids) > max_len:
            out.skipped.append({"line": row.line, "id": row.example_id, "ref": row.ref,
                                "reason": "too_long", "n_tokens": len(ids)})
            continue
        out.items.append(Encoded(ids, targets, row))
    return out


def prompt_ids(tokenizer: Any, messages: list[dict]) -> list[int]:
    """Token ids of a generation prompt (the chat up to the answer, plus the assistant header)."""
    text = _render(tokenizer, messages, True)
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])
