"""The clean-up step every import goes through, after the importer and before the project.

`ImportCleaner.apply(examples)` wraps an importer's example stream. For each turn it:
- treats a turn that is only `None`, `nan`, `null`, `N/A` or blank as empty;
- repairs mojibake (UTF-8 read as Windows-1252/Latin-1: "Whatâ€™s" -> "What’s") with ftfy, only
  the encoding fix (quotes, ligatures and widths are left as written);
- unescapes HTML entities written with a semicolon (`&amp;`, `&gt;`, `&#39;`, `&rsquo;`); a bare `&`
  ("AT&T", "Q&A") is never touched;
- renders HTML markup to text when the turn looks like HTML, and removes whole lines of page furniture
  ("Skip to content", "Add to cart", "Was this article helpful?", "show up to 2 reviews by default")
  from texts of several lines; for FAQs and catalogs (scraped pages) also a one-line turn that is only
  furniture. A chat message is never dropped for reading like a button.

Ready-made fine-tuning files (kind "pairs") only get the first two: their authors may mean the markup.
An example whose user or assistant turn ends up empty is dropped. `counts` says, per reason, how many
examples were dropped and how many turns were repaired; `describe_counts` renders it for the summary.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Iterator

from ftcurate.core.importers.cleaning import normalize_text
from ftcurate.core.importers.htmltext import html_to_text, looks_like_html
from ftcurate.core.records import Example

NULL_WORDS = frozenset({"none", "nan", "null", "n/a", "na", "nil", "undefined", "#n/a"})
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# a Latin-1 lead byte followed by a continuation byte or a cp1252 special: the signature of mojibake
MOJIBAKE_HINT = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
                            "\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030"
                            "\u2039\u203a\u20ac\u2122]")
_FURNITURE = re.compile(
    r"^\s*(?:skip to (?:main )?content|back to top|add to (?:cart|bag|basket|wishlist|wish list)|"
    r"buy now|share (?:on|via) \w+(?: \w+)?|tweet|pin it|print(?: this page)?|read more|see more|"
    r"show (?:more|less)|load more|view (?:all|details|larger image|full details)|"
    r"(?:show|showing) (?:up to )?\d+ reviews?(?: by default)?|write a review|be the first to review[^.]*|"
    r"was this (?:article|answer|page|information) helpful\??(?: yes no)?|yes\s*no|"
    r"\d+ (?:out of \d+ )?(?:people|customers) found this helpful|"
    r"(?:this site|we) uses? cookies[^\n]{0,160}|accept (?:all )?cookies|cookie (?:settings|preferences)|"
    r"(?:previous|next) (?:article|page|product)|related (?:articles|products)|"
    r"you may also like|customers also (?:bought|viewed)|in stock\.? ?ready to ship|"
    r"free shipping on orders over[^\n]{0,40}|subscribe to (?:our )?newsletter[^\n]{0,60})"
    r"\s*[.!:]?\s*$", re.I | re.M)

_MOJIBAKE_HINT = MOJIBAKE_HINT  # the name earlier code (the column import path) uses
_NEEDS_WORK = re.compile(r"[&<\n\u0080-\U0010ffff]|^\s|\s\Z")
_FURNITURE_FIRST = frozenset(
    "skip back add buy share tweet pin print read see show load view showing write be was yes this we accept "
    "cookie previous next related you customers in free subscribe".split())
REASON_EMPTY = "a turn is empty after clean-up"
FIX_MOJIBAKE = "mojibake repaired"
FIX_ENTITIES = "HTML entities unescaped"
FIX_MARKUP = "markup rendered to text"
FIX_FURNITURE = "page furniture removed"
FIX_NULL = "None/nan/null field treated as empty"


def is_null_text(text: str | None) -> bool:
    """True for None, blank text and the words spreadsheets and scripts write for "no value"."""
    if text is None:
        return True
    if len(text) > 12 and not text[0].isspace() and not text[-1].isspace():
        return False  # longer than any of the words (the common case, decided without copying)
    return not text.strip() or text.strip().lower() in NULL_WORDS


def fix_mojibake(text: str) -> str:
    """`text` with mis-decoded UTF-8 repaired (ftfy's encoding fix only); unchanged when clean."""
    if text.isascii() or not MOJIBAKE_HINT.search(text):
        return text
    import ftfy

    return ftfy.fix_encoding(text)


def has_mojibake(text: str) -> bool:
    """True when `text` still holds mis-decoded UTF-8 that ftfy would repair."""
    return not text.isascii() and bool(MOJIBAKE_HINT.search(text)) and fix_mojibake(text) != text


def unescape_entities(text: str) -> str:
    """Decode `&name;` / `&#n;` entities (twice at most, for `&amp;amp;`); bare `&` stays."""
    for _ in range(2):
        if "&" not in text or not _ENTITY.search(text):
            break
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    return text


def remove_furniture(text: str, single_line: bool = False) -> str:
    """Drop whole lines that are page furniture (navigation, shop buttons, review widgets). A text of
    one line is only checked when `single_line` (pages and catalogs: in a chat, "Read more" may be
    what someone wrote)."""
    if "\n" not in text:  # one line: furniture only if it is the whole text (cheap anchored test)
        return "" if single_line and len(text) <= 200 and _FURNITURE.fullmatch(text) else text
    if not _FURNITURE.search(text):
        return text
    return _FURNITURE.sub("", text)


def _plain(text: str | None, single_line: bool = False) -> bool:
    """True when no rule can change `text` (most chat messages): one ASCII line without "&" or "<",
    no outer spaces, too long for a null word, and not a line of page furniture."""
    if text is None or len(text) <= 12 or _NEEDS_WORK.search(text):
        return False
    if single_line and len(text) <= 200:  # furniture lines are short and start with one of a few words
        first = text.split(" ", 1)[0].lower()
        if first in _FURNITURE_FIRST or first[:1].isdigit():
            return not _FURNITURE.fullmatch(text)
    return True


def clean_turn(text: str | None, markup: bool = True, fixes: Counter | None = None,
               single_line_furniture: bool = False) -> str:
    """One turn cleaned as described in the module docstring ("" when nothing is left).

    Args:
        text: the turn as the importer produced it.
        markup: also unescape entities, render HTML and remove page furniture.
        single_line_furniture: also treat a one-line text that is furniture as empty (FAQ pages and
            catalogs; never chat messages).
        fixes: a Counter that gets one count per kind of repair made.
    """
    if _plain(text, single_line_furniture):
        return text
    fixes = fixes if fixes is not None else Counter()
    if is_null_text(text):
        if text and text.strip():
            fixes[FIX_NULL] += 1
        return ""
    out = fix_mojibake(text)
    if out != text:
        fixes[FIX_MOJIBAKE] += 1
    if markup:
        if "<" in out and looks_like_html(out):
            out = html_to_text(out)
            fixes[FIX_MARKUP] += 1
        unescaped = unescape_entities(out)
        if unescaped != out:
            fixes[FIX_ENTITIES] += 1
            out = unescaped
        stripped = remove_furniture(out, single_line_furniture)
        if stripped != out:
            fixes[FIX_FURNITURE] += 1
            out = stripped
    if out is not text:
        out = normalize_text(out)
    return "" if is_null_text(out) else out


class ImportCleaner:
    """The shared clean-up step over one import's examples (see the module docstring)."""

    def __init__(self, kind: str) -> None:
        self.markup = kind != "pairs"
        self.single_line = kind in ("faq", "catalog")  # scraped pages: a whole turn may be furniture
        self.dropped: Counter[str] = Counter()
        self.fixed: Counter[str] = Counter()

    def clean(self, ex: Example) -> Example | None:
        """The example with every turn cleaned, or None (counted) when a turn ends up empty."""
        for m in ex.messages:
            if not _plain(m.get("content"), self.single_line):
                break
        else:
            return ex  # the common case: nothing to change
        msgs = []
        for m in ex.messages:
            content = m.get("content")
            text = clean_turn(content if isinstance(content, str) else None, self.markup, self.fixed, self.single_line)
            if not text and m.get("role") in ("user", "assistant"):
                self.dropped[REASON_EMPTY] += 1
                return None
            if text != content:
                m = {**m, "content": text}
            msgs.append(m)
        ex.messages = msgs
        return ex

    def clean_texts(self, texts: list[str | None]) -> list[str]:
        """One column of turns cleaned ("" for a turn left empty), as `clean` would clean each turn.

        A cheap pre-check skips the turns no step can change (no `&`, `<`, mojibake, furniture or
        null word), so a million clean turns cost one regex search each.
        """
        out: list[str] = []
        for t in texts:
            if t is not None and t.strip() and "&" not in t and "<" not in t \
                    and not _MOJIBAKE_HINT.search(t) and not _FURNITURE.search(t) \
                    and t.strip().lower() not in NULL_WORDS:
                out.append(t)
            else:
                out.append(clean_turn(t, self.markup, self.fixed))
        return out

    def apply(self, examples: Iterable[Example]) -> Iterator[Example]:
        for ex in examples:
            out = self.clean(ex)
            if out is not None:
                yield out


def describe_counts(dropped: dict[str, int], fixed: dict[str, int] | None = None) -> str:
    """"dropped: 3 internal notes, 1 ...; repaired: 6 HTML entities unescaped" ("" when nothing)."""
    parts = []
    if dropped:
        parts.append("dropped: " + ", ".join(f"{n} ({why})" for why, n in sorted(dropped.items(),
                                                                                key=lambda kv: -kv[1])))
    if fixed:
        parts.append("cleaned: " + ", ".join(f"{n} turns ({why})" for why, n in sorted(fixed.items(),
                                                                                     key=lambda kv: -kv[1])))
    return "; ".join(parts)
