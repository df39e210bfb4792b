"""Token counts of exported examples with the target model's tokenizer and chat template.

`TokenTally` takes each record's chat (every format read back as chat messages), counts tokens in
batches with `ftcurate.core.hygiene.tokens.token_counter` (the bundled SmolLM2 tokenizer by
default, the one the hygiene check uses), adds a per-line error for every example longer than the
model's context window, and summarises the file: examples, total / mean / max tokens, over the limit.

With `exact=False` (what every export runs at its end) only chats that could exceed the window are
tokenised: a byte-level BPE token covers at least one byte, so a chat whose rendered template is no
longer in UTF-8 bytes than the window cannot exceed it (`TokenCounter.upper_bound`). The limit rule
is still checked exactly for every example; the summary then has no totals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ftcurate.core.formats import FORMATS, messages_of

if TYPE_CHECKING:
    from ftcurate.core.export.validate import ValidationReport

BATCH = 1000


def record_chat(rec: dict, kind: str) -> list[dict] | None:
    """The chat a trainer renders for one record (read as the importer reads format `kind`), or None
    where the record is too broken to say."""
    if kind not in FORMATS:
        return None
    try:
        return messages_of(rec, kind)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


class TokenTally:
    """Counts one file's examples; `add` per record, then `finish` for the summary."""

    def __init__(self, counter: Any, file_name: str, report: ValidationReport, exact: bool = True) -> None:
        self.counter, self.file_name, self.report, self.exact = counter, file_name, report, exact
        self.seen = 0
        self.pending: list[tuple[int, list[dict]]] = []
        self.counts: list[int] = []
        self.over = 0

    def add(self, lineno: int, rec: Any, kind: str | None) -> None:
        chat = record_chat(rec, kind) if isinstance(rec, dict) and kind else None
        if chat is not None:
            self.seen += 1
            if not self.exact and self.counter.upper_bound(chat) <= self.counter.context:
                return  # cannot exceed the window: no need to tokenise
            self.pending.append((lineno, chat))
            if len(self.pending) >= BATCH:
                self._flush()

    def _flush(self) -> None:
        from ftcurate.core.export.validate import Issue

        if not self.pending:
            return
        try:
            counts = self.counter.count([c for _, c in self.pending])
        except Exception:  # noqa: BLE001 - a template that rejects one chat must not hide the others
            counts = []
            for _, chat in self.pending:
                try:
                    counts.append(self.counter.count([chat])[0])
                except Exception:  # noqa: BLE001
                    counts.append(-1)
        ctx = self.counter.context
        for (line, _), n in zip(self.pending, counts, strict=True):
            if n < 0:
                continue
            self.counts.append(n)
            if n > ctx:
                self.over += 1
                self.report.add(Issue(self.file_name, line, "tokens", "error",
                                      f"{n:,} tokens with the {self.counter.model} chat template; its context "
                                      f"is {ctx:,} tokens, so training would cut or skip this example"))
        self.pending = []

    def finish(self) -> dict[str, Any]:
        self._flush()
        n = len(self.counts)
        out = {"model": self.counter.model, "context": self.counter.context, "exact": self.counter.exact,
               "examples": self.seen, "over_context": self.over}
        if self.exact:
            out.update(total=sum(self.counts), mean=round(sum(self.counts) / n, 1) if n else 0,
                       max=max(self.counts, default=0))
        else:
            out["tokenised"] = n
        return out
