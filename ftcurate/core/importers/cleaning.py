"""Text clean-up shared by importers: whitespace, HTML fragments, Markdown markup, social handles and
agent signatures. Every function takes and returns plain `str` and never raises on odd input."""

from __future__ import annotations

import re

from ftcurate.core.importers.htmltext import html_to_text, looks_like_html

_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
# runs of spaces after a word, except a single plain space (replacing it by itself would copy the text
# once per word: the matches this skips change nothing)
_SPACES = re.compile(r"(?<=\S)(?: [ \t\f\v\u00a0\u2007\u202f]+|[\t\f\v\u00a0\u2007\u202f][ \t\f\v\u00a0\u2007\u202f]*)")
_ODD_SPACE = re.compile(r"[\t\f\v\u00a0\u2007\u202f]")
_SPACE_BEFORE_NEWLINE = re.compile(r"[ \t\u00a0]+\n")
_LEADING_HANDLES = re.compile(r"^(?:\s*@\w{1,30}[:,]?)+\s*")
_TRAILING_HANDLES = re.compile(r"(?:\s+@\w{1,30})+\s*$")
_NUMERIC_HANDLE = re.compile(r"(?<![\w@])@\d{2,}\b\s?")
_HANDLE = re.compile(r"(?<![\w@])@([A-Za-z_]\w{0,29})\b")
# "^RR", "-AB", "~JK", "*TS", "^Rashmi", "-Richard", "~Brianna", "^CharlesOpacki" at the very end:
# initials or a first name agents sign tweets and chats with (after a space, nothing after it)
_SIGNATURE = re.compile(r"(?:\s+|^)(?:\^\s?[A-Z][A-Za-z]{0,20}|[-~*/]\s?[A-Z]{2,3}"
                        r"|[-~]\s?[A-Z][a-z]{2,15}(?:[A-Z][a-z]{1,15})?)\.?\s*$")  # "/Applications" stays
_SIG_START = frozenset("^-~*/")  # the first character of every _SIGNATURE
_SIG_SPAN = 36  # its longest form ("-" + space + 2 x 16 letters + ".") within the text's last characters
# a closing line such as "Sam, Fernhill Support", "- Jo from the Acme team", "~ Alex"
_SIGN_OFF = re.compile(r"\n[ \t]*(?:(?:[-\u2013\u2014~][ \t]*)?[A-Z][\w'.-]*(?: [A-Z][\w'.-]*)?"
                       r"(?:,| -| \u2013| from| at| @)[ \t]+(?:the )?[\w&'. -]{0,40}?"
                       r"\b(?i:support|team|care|service|helpdesk|help desk)\b\.?"
                       r"|[-\u2013\u2014~][ \t]*[A-Z][a-z]+)[ \t]*$")
_MD_FENCE = re.compile(r"^[ \t]*(?:```|~~~)[^\n]*\n(.*?)^[ \t]*(?:```|~~~)[ \t]*$", re.M | re.S)
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_MD_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_MD_BULLET = re.compile(r"^(\s*)[*+]\s+", re.M)


def normalize_text(text: str) -> str:
    """Unify newlines, drop zero-width characters, collapse runs of spaces (keeping indentation) and of
    blank lines, strip."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text)
    if "  " in text or _ODD_SPACE.search(text):  # the common text (single plain spaces) skips the sub
        text = _SPACES.sub(" ", text)
    if " \n" in text or "\t\n" in text or "\u00a0\n" in text:
        text = _SPACE_BEFORE_NEWLINE.sub("\n", text)
    if "\n\n\n" in text:
        text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def clean_handles(text: str) -> str:
    """Remove @handles that address someone (leading/trailing, and anonymised numeric ones); keep the
    name of a handle mentioned mid-sentence ("DM @AcmeHelp" -> "DM AcmeHelp")."""
    text = _LEADING_HANDLES.sub("", text)
    text = _TRAILING_HANDLES.sub("", text)
    text = _NUMERIC_HANDLE.sub("", text)
    return _HANDLE.sub(r"\1", text)


def strip_signature(text: str) -> str:
    """Remove a trailing agent signature: initials ("^RR", "-TS") or a closing line naming the agent
    and team ("Sam, Fernhill Support", "- Jo")."""
    if _SIG_START.intersection(text.rstrip()[-_SIG_SPAN:]):  # a signature starts near the end
        text = _SIGNATURE.sub("", text)
    text = text.rstrip()
    if "\n" not in text:
        return text
    m = _SIGN_OFF.search(text)
    if m is None:
        return text
    before = text[:m.start()].rstrip()
    if m.group(0).lstrip()[:1] in "-\u2013\u2014~" and before.rsplit("\n", 1)[-1].lstrip()[:1] in "-*\u2022":
        return text  # the last item of a list, not a sign-off
    return before


def clean_social(text: str) -> str:
    """Clean a tweet-like message: handles, trailing signature, whitespace."""
    return normalize_text(strip_signature(clean_handles(normalize_text(text))))


def markdown_to_text(text: str) -> str:
    """Readable text from Markdown: link and image text kept, emphasis markers and heading hashes
    removed, bullets as "- ". Lists and paragraphs keep their lines; fenced code is kept verbatim
    (without the fence lines)."""
    parts = _MD_FENCE.split(text)
    if len(parts) > 1:
        return normalize_text("".join(p if i % 2 else _markdown_inline(p) for i, p in enumerate(parts)))
    return normalize_text(_markdown_inline(text))


def _markdown_inline(text: str) -> str:
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_REF_LINK.sub(r"\1", text)
    text = _MD_BOLD.sub(r"\2", text)
    text = _MD_ITALIC.sub(r"\1", text)
    text = _MD_HEADING.sub("", text)
    return _MD_BULLET.sub(r"\1- ", text)


def clean_text(text: str | None, html: bool | None = None) -> str:
    """Normalise a cell that may hold HTML: rendered to text when `html` is True, or when None and it
    looks like HTML."""
    if not text:
        return ""
    if html or (html is None and looks_like_html(text)):
        return normalize_text(html_to_text(text))
    return normalize_text(text)
