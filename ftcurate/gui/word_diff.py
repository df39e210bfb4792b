"""Word-level differences between two texts as HTML (the highlighted words of cluster cards and of an
edited example's diff)."""

from __future__ import annotations

import difflib
import html
import re

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
HIGHLIGHT = "#fde293"


def word_diff_html(text: str, reference: str | None) -> str:
    """`text` as HTML with the words that are not in `reference` highlighted (word-level difflib)."""
    tokens = _TOKEN.findall(text or "")
    if reference is None:
        return _html_tokens(tokens)
    ref = _TOKEN.findall(reference or "")
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, ref, tokens, autojunk=False)
    for op, _, _, j1, j2 in matcher.get_opcodes():
        part = tokens[j1:j2]
        if op in ("replace", "insert") and "".join(part).strip():
            # keep the spaces around a changed run outside the highlight
            lead = 0
            while part[lead].isspace():
                lead += 1
            end = len(part)
            while part[end - 1].isspace():
                end -= 1
            out.append(_html_tokens(part[:lead]))
            out.append(f'<span style="background:{HIGHLIGHT}">{_html_tokens(part[lead:end])}</span>')
            out.append(_html_tokens(part[end:]))
        else:
            out.append(_html_tokens(part))
    return "".join(out)


def _html_tokens(tokens: list[str]) -> str:
    return html.escape("".join(tokens)).replace("\n", "<br>")
