"""Pure text rules behind the hygiene check: truncation, placeholders, markup, openings.

Each function looks at one string and returns what it found; the check turns findings into flags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDER_RES: tuple[re.Pattern[str], ...] = (
    re.compile(r"\{\{[^{}\n]{1,80}\}\}"),  # {{Order Number}}
    re.compile(r"\$\{[A-Za-z_]\w{0,40}\}"),  # ${name}
    re.compile(r"(?<![{\w$])\{[A-Za-z_][A-Za-z0-9_]{0,40}\}(?!\})"),  # {name}, {order_id}
    re.compile(r"\[(?:[A-Z][A-Z0-9_]{1,30}(?: [A-Z0-9_]{1,30}){0,4})\](?!\()"),  # [NAME], [ORDER ID]
    re.compile(r"\[(?:[A-Z][a-z]+ ){0,4}(?:Name|Number|Date|Address|Email|Phone|Company|Product|Link|URL|"
               r"Hours|Amount|ID|Time|Website|Account|Order|City|Country|Code|Title|Signature|Agent|"
               r"Availability|Details)\](?!\()"),  # [Customer Name], [Business Hours]
    re.compile(r"\[(?:insert|enter|add|your|customer|company|placeholder)\b[^\]\n]{0,60}\]", re.IGNORECASE),
    re.compile(r"<(?:insert|enter|add|your|placeholder)\b[^<>\n]{0,60}>", re.IGNORECASE),  # <insert name>
    re.compile(r"(?<![\w%])%(?:\([A-Za-z_]\w*\))?[sd](?!\w)"),  # %s, %d, %(name)s
    re.compile(r"\b(?:XXX+|TODO|TBD|FIXME)\b|\blorem ipsum\b", re.IGNORECASE),
)
REDACTION_TAG_RE = re.compile(r"<[A-Z][A-Z_]{2,}>")  # <PERSON>: written on purpose by PII redaction

HTML_TAG_RE = re.compile(
    r"</?(?:p|br|div|span|a|b|i|u|strong|em|ul|ol|li|table|thead|tbody|tr|td|th|h[1-6]|img|font|center|"
    r"blockquote|pre|code|hr|sup|sub|small|section|article|header|footer|nav|style|script|html|body)"
    r"\b[^<>]{0,200}/?>", re.IGNORECASE)
HTML_ENTITY_RE = re.compile(r"&(?:nbsp|amp|lt|gt|quot|apos|rsquo|lsquo|rdquo|ldquo|mdash|ndash|hellip|"
                            r"#\d{1,6}|#x[0-9a-fA-F]{1,5});")
MARKDOWN_RES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\*\*[^*\n]{1,200}\*\*|__[^_\n]{1,200}__"), "bold"),
    (re.compile(r"(?m)^#{1,6} \S"), "heading"),
    (re.compile(r"\[[^\]\n]{1,200}\]\((?:https?://|/|#|mailto:)[^)\s]*\)"), "link"),
    (re.compile(r"```"), "code fence"),
    (re.compile(r"(?m)^\s*\|[^\n]*\|\s*$"), "table"),
)

TERMINAL = set(".!?…\"'”’)]}>*_`")
DANGLING_WORDS = frozenset("""
the a an and or but nor to of for with in on at by from into about your our my their its his her this
that these those is are was were be been will would can could should may might must shall if because so
as than then while when where which who whose please such very more most also including e.g i.e
""".split())
DANGLING_CHARS = set(",;:-–—/&(+=")  # ':' at the very end: the list it announces is missing
LIST_OR_HEADING_RE = re.compile(r"^\s*(?:[-*•]|\d{1,3}[.)]|#{1,6}|[A-Za-z][\w ]{0,40}:)\s*")
URL_END_RE = re.compile(r"(?:https?://|www\.)\S+$|\S+@\S+\.\w+$")
OPEN_CLOSE = (("(", ")"), ("[", "]"), ("{", "}"))


@dataclass
class Finding:
    kind: str
    start: int | None
    end: int | None
    text: str
    severity: str
    detail: str = ""


def find_placeholders(text: str, redaction_tags: bool = False) -> list[Finding]:
    """Template placeholders left in a text, as spans (overlaps removed, in order)."""
    found: list[tuple[int, int]] = []
    patterns = PLACEHOLDER_RES + ((REDACTION_TAG_RE,) if redaction_tags else ())
    for rx in patterns:
        for m in rx.finditer(text):
            found.append((m.start(), m.end()))
    found.sort()
    out: list[Finding] = []
    last_end = -1
    for s, e in found:
        if s < last_end:
            continue
        out.append(Finding("placeholder", s, e, text[s:e], "medium"))
        last_end = e
    return out


def find_markup(text: str, markdown: bool = True) -> list[Finding]:
    """HTML tags/entities (medium) and, when `markdown`, markdown syntax (low): one finding per type."""
    out: list[Finding] = []
    for rx, what in ((HTML_TAG_RE, "HTML tag"), (HTML_ENTITY_RE, "HTML entity")):
        ms = list(rx.finditer(text))
        if ms:
            out.append(Finding("markup", ms[0].start(), ms[0].end(), ms[0].group(0), "medium",
                               f"{what}{'s' if len(ms) > 1 else ''} ({len(ms)})"))
    if markdown:
        for rx, what in MARKDOWN_RES:
            ms = list(rx.finditer(text))
            if ms:
                out.append(Finding("markup", ms[0].start(), ms[0].end(), ms[0].group(0).strip(), "low",
                                   f"markdown {what}"))
    return out


def find_mojibake(text: str) -> Finding | None:
    """Mis-decoded UTF-8 ("Whatâ€™s", "cafÃ©") that survived import: the first bad run as a span."""
    from ftcurate.core.importers.textclean import MOJIBAKE_HINT, has_mojibake

    m = MOJIBAKE_HINT.search(text)
    if m is None or not has_mojibake(text):
        return None
    end = m.end()
    while end < len(text) and end - m.start() < 12 and not text[end].isspace():
        end += 1
    return Finding("mojibake", m.start(), end, text[m.start():end], "medium",
                   "characters read with the wrong encoding")


def truncation(text: str) -> Finding | None:
    """Does the answer stop mid-sentence? Strong signs -> medium, weak signs -> low, else None."""
    t = text.rstrip()
    if not t:
        return None
    tail = t[-40:].replace("\n", " ")
    if t.count("```") % 2 == 1:
        return Finding("truncated", None, None, tail, "medium", "a code block is never closed")
    for o, c in OPEN_CLOSE:
        if t.count(o) > t.count(c) and t.rfind(o) > t.rfind(c):
            return Finding("truncated", None, None, tail, "medium", f"an opening '{o}' is never closed")
    last = t[-1]
    if last in DANGLING_CHARS:
        return Finding("truncated", None, None, tail, "medium", f"it ends with '{last}'")
    if last in TERMINAL:
        return None
    words = re.findall(r"[A-Za-z']+", t[-60:])
    last_line = t.rsplit("\n", 1)[-1]
    if words and words[-1].lower() in DANGLING_WORDS and not LIST_OR_HEADING_RE.match(last_line):
        return Finding("truncated", None, None, tail, "medium", f"it ends with '{words[-1]}'")
    if URL_END_RE.search(t) or LIST_OR_HEADING_RE.match(last_line):
        return None
    if len(last_line.split()) >= 8 and (last.isalnum()):
        return Finding("truncated", None, None, tail, "low", "the last sentence has no full stop")
    return None


OPENING_SPLIT_RE = re.compile(r"(?<=[.!?:])\s|\n")
WORD_RE = re.compile(r"[a-z0-9']+")


def opening(text: str, words: int = 4) -> str:
    """The first `words` words of the first sentence, normalised (lower case, digits -> 0)."""
    first = OPENING_SPLIT_RE.split(text.strip(), maxsplit=1)[0].lower()
    for rx in PLACEHOLDER_RES[:3]:
        first = rx.sub(" ", first)
    toks = WORD_RE.findall(re.sub(r"\d+", "0", first))
    return " ".join(toks[:words])
