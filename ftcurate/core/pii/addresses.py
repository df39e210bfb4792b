"""Street addresses in the layouts of many countries, on one line or as a multi-line block.

The vocabulary (street-type words and word endings, unit words, postcode shapes per country, country
names) comes from `address_resource.json`, generated from OpenCage's address-formatting test cases
of 251 countries by `scripts/gen_pii_address_resource.py` (MIT, see the file's "licence").

An address is found in two steps:

1. a street line, in one of these layouts (a number is always part of it, so "the way" or "Rue" in
   prose are not addresses):
   * number, name words, type word: "301 Hamilton Avenue", "19607 107 Igias Street";
   * number, type word, name words: "12 rue de Rivoli", "5 Avenida Paulista";
   * type word, name words, number: "Calle Mayor 5", "Rua Augusta, 1500";
   * a compound street word and a number on either side: "Pietarinkatu 15", "6750 Koskikatu 25",
     "Hauptstraße 12";
   * a PO box;
   with a unit before or after ("Flat 3, ...", "... Apt. 864", "#12");
2. then, while the next part (after a comma, a line break, or a space for postcodes and countries)
   is one, the locality: postcode and town in either order, a state code, a town, a country.

Score 0.6 for a street line alone, 0.75 with a locality part.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import regex as re

_RESOURCE: dict[str, Any] | None = None

_CONN = r"(?:de|du|des|la|le|les|del|da|do|dos|das|di|della|of|the|von|van|der|den|y|al|el|l'|d')"
_NAMEW = r"(?:\p{Lu}[\w'’.\-]*|\d{1,5}(?:st|nd|rd|th)?)"
_TOWNW = r"(?:\p{Lu}[\w'’\-]*)"
_NUM = r"\d{1,6}[A-Za-z]?(?:[-/]\d{1,5}[A-Za-z]?)?"
_DIR = r"(?:[NSEW]{1,2}|North|South|East|West)"
# Words that can follow an address after a comma but start the next clause instead of a town.
_NOT_TOWN = {"Thanks", "Thank", "Please", "Regards", "Best", "Cheers", "But", "And", "Or", "So", "Then",
             "Also", "Hi", "Hello", "Sorry", "Can", "Could", "Would", "Will", "Is", "It", "I", "We", "The",
             "This", "That", "My", "Our", "Your", "You", "He", "She", "They", "If", "When", "Where", "Phone",
             "Tel", "Email", "Mobile", "Call", "Order", "Ticket", "Kind", "Sincerely", "Yours", "Dear",
             "Attn", "Note", "PS", "Ok", "OK", "Okay", "Yes", "No", "Apt", "Unit"}


# First words of "Word 123" that name a thing with a number, not a street ("Order 12345, USA").
_NOT_STREET_NAME = {"order", "ticket", "case", "invoice", "version", "model", "step", "page", "item", "size",
                    "windows", "pixel", "galaxy", "iphone", "series", "gen", "level", "chapter", "day", "week",
                    "year", "number", "no", "room", "table", "gate", "flight", "platform", "account", "ref",
                    "reference", "claim", "policy", "batch", "lot", "unit", "box", "apt", "suite", "floor"}


def resource() -> dict[str, Any]:
    """The address vocabulary in use (the packaged JSON unless `use_resource` replaced it)."""
    global _RESOURCE
    if _RESOURCE is None:
        text = resources.files("ftcurate.core.pii").joinpath("address_resource.json").read_text("utf-8")
        _RESOURCE = json.loads(text)
    return _RESOURCE


def use_resource(res: dict[str, Any] | None) -> None:
    """Replace the vocabulary (benchmarks build one from the development countries only); None
    restores the packaged one."""
    global _RESOURCE
    _RESOURCE = res
    _patterns.cache_clear()
    _country_rx.cache_clear()
    _country_names_folded.cache_clear()


def _alt(words: list[str]) -> str:
    return "(?:" + "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w))) + ")"


@dataclass(frozen=True)
class _Patterns:
    streets: tuple[re.Pattern, ...]
    weak: re.Pattern
    unit_after: re.Pattern
    unit_before: re.Pattern
    parts: tuple[tuple[str, re.Pattern, bool], ...]  # (kind, pattern, may follow after a bare space)
    pobox: re.Pattern


@lru_cache(maxsize=4)
def _patterns(_key: int = 0) -> _Patterns:
    res = resource()
    sw = _alt([w for w in res["street_words"] if len(w) > 1])
    pw = _alt(res["street_prefix_words"])
    suf = _alt(res["street_suffixes"])
    unit = _alt(res["unit_words"])
    shapes = {s for ss in res["postcode_shapes"].values() for s in ss}
    # bare 2-3 digit codes are too common in prose to mark the end of an address
    shapes = [s for s in shapes if _shape_len(s) >= 4 or "A-Z" in s]
    pc = "(?:" + "|".join(sorted(shapes, key=len, reverse=True)) + r")(?![\w-])"
    countries = _alt(res["country_names"] + ["USA", "UK", "U.S.A.", "U.K.", "United States"])
    town = rf"{_TOWNW}(?:[ \-]+(?:{_CONN}[ \-]+)?{_TOWNW}){{0,3}}"
    streets = (
        rf"\b{_NUM},?[ \t]+(?:{_DIR}\.?[ \t]+)?(?:(?:{_NAMEW}|{_CONN})[ \t]+){{0,4}}?{_NAMEW}[ \t]+"
        rf"(?i:{sw})\b\.?(?:[ \t]+{_DIR}\b)?",
        rf"\b\d{{1,5}}(?:[ \t]?(?:bis|ter))?,?[ \t]+(?i:{pw})\.?[ \t]+(?:{_CONN}[ \t]+)*{_NAMEW}"
        rf"(?:[ \t]+(?:{_CONN}[ \t]+)*{_NAMEW}){{0,3}}",
        rf"\b(?i:{pw})\.?[ \t]+(?:(?:{_NAMEW}|{_CONN})[ \t]+){{0,3}}?{_NAMEW},?[ \t]+(?:n[º°o.]?[ \t]*)?"
        rf"\d{{1,5}}[A-Za-z]?\b",
        rf"(?:\b{_NUM}[ \t]+)?\b\p{{Lu}}[\w'’\-]*{suf}\.?[ \t]+\d{{1,5}}(?:[ \t]?[A-Za-z]\b)?(?!\d)",
        rf"\b{_NUM}[ \t]+\p{{Lu}}[\w'’\-]*{suf}\b",
        # name words, type word, number: "Georgi Sava Rakovski St. 27", "Frunze Mikhail Street, 473"
        rf"\b(?:{_NAMEW}[ \t]+){{1,4}}(?i:{sw})\b\.?,?[ \t]+(?:n[º°o.]?[ \t]*)?\d{{1,5}}[A-Za-z]?(?![\w.,]\d)",
    )
    # No street-type word: capitalised words and a house number ("Cerrito 1250", "Resslova 343/10"),
    # an address only when a postcode or a country follows, or two more locality parts.
    weak = rf"\b\p{{Lu}}[\w'’\-]+(?:[ \t]+(?:{_CONN}[ \t]+)?\p{{Lu}}[\w'’.\-]*){{0,3}},?[ \t]+\d{{1,5}}[A-Za-z]?(?:/\d{{1,4}})?\b"
    parts = (
        ("postcode", rf"{pc}[ \t]+{town}", True),                      # 00140 Helsinki
        ("postcode", rf"{town},?[ \t]+[A-Z]{{2,3}}\.?[ \t]+{pc}", True),  # Palo Alto, CA 94303
        ("postcode", rf"{town},?[ \t]+{pc}", False),                  # London SW1A 1AA
        ("postcode", rf"[A-Z]{{2,3}}\.?[ \t]+{pc}", True),               # CA 94303
        ("country", rf"{countries}\b", True),
        ("postcode", pc, True),
        ("town", rf"{town}", False),
    )
    return _Patterns(
        streets=tuple(re.compile(p) for p in streets),
        weak=re.compile(weak),
        unit_after=re.compile(rf",?[ \t]*(?:(?i:{unit})\.?[ \t]*(?:#|No\.?)?[ \t]*\w{{1,6}}\b|#[ \t]*\w{{1,6}}\b)"),
        unit_before=re.compile(rf"(?:(?i:{unit})\.?[ \t]*#?[ \t]*\w{{1,6}}|#\w{{1,6}}),?[ \t]+$"),
        parts=tuple((kind, re.compile(p), space_ok) for kind, p, space_ok in parts),
        pobox=re.compile(r"\b(?i:P\.?[ \t]?O\.?[ \t]?Box|Post Office Box|Postfach|Apartado)[ \t]+\d{1,6}"),
    )


def _shape_len(shape: str) -> int:
    """Characters a postcode shape stands for: r'\\d{5}' -> 5, r'[A-Z]{2}\\d' -> 3."""
    n = 0
    for m in re.finditer(r"(\\d|\[A-Z\]|\\.|.)(?:\{(\d+)\})?", shape):
        n += int(m.group(2) or 1)
    return n


_SEP = re.compile(r"[ \t]*(?:,[ \t]*\n?|\n|[-–](?=[ \t]))[ \t]*|[ \t]+")
_PART_END = re.compile(r"[ \t]*(?:[,\n]|$|\.(?:\s|$)|[!?;)])|[ \t]+(?:on|in|at|and|before|by|for|from|to|"
                       r"until|with|or|not|please|is|was)\b")
# What may lie between two pieces of one address found separately ("Av. dos Holandeses, 9, Quadra 33").
_JOIN = re.compile(r"[ \t]*(?:,|\n)?[ \t]*(?:[\w.]{1,6}[ \t]*,[ \t]*)?")


def _extend(text: str, end: int, pats: _Patterns) -> tuple[int, list[str]]:
    """Extend an address that ends at `end` with units and locality parts; returns (end, part kinds)."""
    m = pats.unit_after.match(text, end)
    while m and m.end() > end:
        end = m.end()
        m = pats.unit_after.match(text, end)
    kinds: list[str] = []
    while len(kinds) < 6:
        sep = _SEP.match(text, end)
        if sep is None or sep.end() >= len(text):
            break
        bare = not any(c in sep.group() for c in ",\n-–")
        if sep.group().count("\n") > 1:
            break
        best, best_kind = None, ""
        for kind, rx, space_ok in pats.parts:
            if bare and not space_ok:
                continue
            pm = rx.match(text, sep.end())
            if pm is None or not _PART_END.match(text, pm.end()):
                continue
            if any(w.strip(",.") in _NOT_TOWN for w in pm.group().split()):
                continue
            if best is None or pm.end() > best:
                best, best_kind = pm.end(), kind
        if best is None:
            break
        end = best
        kinds.append(best_kind)
    return end, kinds


def find_addresses(text: str) -> list[tuple[int, int, float]]:
    """(start, end, score) of every street address in `text`, longest first where they overlap."""
    if not any(c.isdigit() for c in text):
        return []
    pats = _patterns()
    found: list[tuple[int, int, float]] = []
    cands = [m.span() for rx in pats.streets for m in rx.finditer(text)]
    if "box" in text.lower() or "postfach" in text.lower() or "apartado" in text.lower():
        cands += [m.span() for m in pats.pobox.finditer(text)]
    weak = [m.span() for m in pats.weak.finditer(text)]
    for s, e in cands + weak:
        before = pats.unit_before.search(text[max(0, s - 24):s])
        if before:
            s -= len(before.group())
        e2, kinds = _extend(text, e, pats)
        if (s, e) in weak and (s, e) not in cands and (
                not ("postcode" in kinds or "country" in kinds or len(kinds) >= 2)
                or text[s:e].split()[0].casefold() in _NOT_STREET_NAME):
            continue
        e = _trim_end(text, s, e2)
        found.append((s, e, 0.75 if kinds else 0.6))
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    kept: list[tuple[int, int, float]] = []
    for f in found:
        if all(f[1] <= k[0] or f[0] >= k[1] for k in kept):
            kept.append(f)
    merged: list[tuple[int, int, float]] = []
    for f in sorted(kept):
        if merged and _JOIN.fullmatch(text, merged[-1][1], f[0]):
            p = merged.pop()
            f = (p[0], f[1], max(p[2], f[2]))
        merged.append(f)
    return merged


def _trim_end(text: str, s: int, e: int) -> int:
    span = text[s:e].rstrip(" \t,\n")
    if span.endswith(".") and not re.search(r"\b(?:St|Ave|Av|Rd|Dr|Blvd|Ln|Ct|Pl|Str|Jl|Ul)\.$", span):
        span = span[:-1]
    return s + len(span)


@lru_cache(maxsize=1)
def _country_rx() -> re.Pattern:
    names = [n for n in resource()["country_names"] if len(n) > 3]
    return re.compile(rf"(?<![\w-]){_alt(names)}(?![\w-])")


def find_countries(text: str) -> list[tuple[int, int]]:
    """Spans of country names written out ("Canada", "United Kingdom")."""
    return [m.span() for m in _country_rx().finditer(text)]


def is_country(value: str) -> bool:
    """True when `value` is only a country name (any case): not personal data on its own."""
    v = " ".join(value.split()).casefold()
    return v in _country_names_folded() or v in ("usa", "uk", "us", "u.s.", "u.k.", "united states")


@lru_cache(maxsize=1)
def _country_names_folded() -> frozenset[str]:
    return frozenset(n.casefold() for n in resource()["country_names"])
