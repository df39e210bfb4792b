"""Turn raw recognizer output into findings: threshold, entity filter, name clean-up, overlaps, allow-list.

Raw results (what the analyzer returns, and what the cache stores) depend only on the text and the
recognizers; everything here depends on settings a person changes often (threshold, entities,
allow-list), so it runs after the cache and re-running with a new allow-list costs no re-analysis.
Pure Python: no presidio or spaCy imports.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ftcurate.core.pii.config import PiiConfig


class Finding(NamedTuple):
    """One PII span in one text: entity type, character offsets [start, end), score in 0..1."""

    entity: str
    start: int
    end: int
    score: float


# Higher wins when two findings overlap: checksummed identifiers, then other structured ones, then
# URLs (an e-mail's domain is not a separate URL), addresses, and finally NER names and places. A
# support id found after its cue word ("case number 2023-4567") beats a phone read in the same digits.
PRIORITY = {"EMAIL_ADDRESS": 6, "IBAN_CODE": 6, "CREDIT_CARD": 6, "US_SSN": 5, "PHONE_NUMBER": 5,
            "IP_ADDRESS": 5, "ORDER_ID": 5.5, "TRACKING_NUMBER": 5.5, "ACCOUNT_NUMBER": 5.5, "TICKET_ID": 5.5,
            "URL": 4, "STREET_ADDRESS": 3, "PERSON": 2, "LOCATION": 1}
CUSTOM_PRIORITY = 5

_GREETING = re.compile(r"^(?:(?:hi|hello|hey|dear|thanks|thank you|cheers|regards|ok|okay|yes|no|oh|wow|"
                       r"sorry|please|attn|attention|cc|to|from)\b[\s,:!.]*)+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:'s|’s|')$")
_NOT_A_NAME_CHARS = re.compile(r"[\d@#/\\_=+<>{}\[\]|~^*$%&]|://|\.\w{2,3}$")
# Capitalised words spaCy's small model tags as PERSON in support text that are never names.
_NOT_NAME_WORDS = {
    "premium", "pro", "plus", "max", "mini", "ultra", "gold", "silver", "platinum", "prime", "basic",
    "standard", "business", "family", "support", "team", "customer", "service", "admin", "agent", "bot",
    "account", "billing", "refund", "order", "invoice", "ticket", "thanks", "hi", "hello", "hey",
    "dear", "regards", "cheers", "sir", "madam", "mr", "mrs", "ms", "dr", "lol", "omg", "wtf", "idk",
    "tbh", "btw", "asap", "faq", "wifi", "wi-fi", "bluetooth", "iphone", "ipad", "android", "windows",
    "mac", "macbook", "airpods", "alexa", "siri", "google", "paypal", "venmo", "zelle", "netflix",
    "spotify", "uber", "amazon", "ebay", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "rt", "email", "e-mail", "mail", "call", "text", "send", "check", "update",
    "contact", "reset", "login", "log", "password", "cancel", "help", "delivery", "shipping", "payment",
    "subscription", "plan", "app", "website", "chat", "phone", "mobile", "store", "shop", "manager",
    "supervisor", "ok", "okay", "yes", "no", "please", "urgent", "good", "morning", "evening",
}

# Words that spaCy tags as a lone PERSON or place in shop and support text but that are, standing alone,
# colours, menu or page names, or chat words: "Brown", "Grey" (catalog colours), "White" (a place),
# "Returns" (a menu). As part of a longer name ("Lisa White") or after a title ("Mrs Brown") they stay.
_LONE_NOT_NAME = {
    "black", "white", "grey", "gray", "brown", "green", "blue", "red", "pink", "purple", "orange",
    "yellow", "beige", "navy", "teal", "cream", "charcoal", "silver", "gold", "khaki", "tan", "taupe",
    "burgundy", "maroon", "mint", "sand", "slate", "graphite", "midnight", "copper", "bronze",
    "returns", "return", "orders", "home", "cart", "basket", "checkout", "wishlist", "sale", "sales",
    "shop", "menu", "settings", "profile", "search", "deals", "offers", "gift", "gifts", "rewards",
    "tracking", "track", "exchange", "exchanges", "warranty", "faq", "faqs", "contact", "about",
    "size", "sizes", "color", "colour", "fit", "new", "bio", "congrats", "congratulations", "makeup",
    "bill", "nurse", "doctor", "user", "comment", "post", "location", "date", "amount",
    "description", "subject", "re", "fwd", "note", "notes", "status", "total", "invoice", "receipt",
}
_TITLE_BEFORE = re.compile(r"(?i)\b(?:mr|mrs|ms|miss|mx|dr|prof|sir|madam|dear)\.?\s*$")

# A "name" with one of these words signs for a team ("Acme Support", "The Billing Team").
TEAM_WORDS = {"support", "team", "service", "services", "care", "desk", "helpdesk", "staff", "department",
              "sales", "billing", "crew", "squad", "bot", "assistant"}


_EDGE_JUNK = " \t,.;:!?-–—\"'()[]{}<>|/\\*@#…“”‘’"
_LEAD_TOKENS = {"rt", "via", "cc", "@", "#"}


def _trim_name(text: str, s: int, e: int, person: bool) -> tuple[int, int]:
    """Shrink [s, e) to its name-like core: no greeting or "RT @" in front, no punctuation or
    possessive at the end, nothing after a line break."""
    nl = text.find("\n", s, e)
    if nl >= 0:  # a name does not run across lines ("Dr. Emily Watson\nCustomer since ...")
        e = nl
    while True:
        before = (s, e)
        while s < e and text[s] in _EDGE_JUNK:
            s += 1
        while e > s and text[e - 1] in _EDGE_JUNK:
            e -= 1
        first = text[s:e].split(" ", 1)[0]
        if first.lower() in _LEAD_TOKENS and len(first) < e - s:
            s += len(first)
        if person:
            m = _GREETING.match(text[s:e])
            if m and 0 < m.end() < e - s:
                s += m.end()
            p = _POSSESSIVE.search(text[s:e])
            if p and p.start() > 0:
                e -= len(p.group())
        if (s, e) == before:
            return s, e


def clean_names(text: str, findings: list[Finding]) -> list[Finding]:
    """Trim PERSON/LOCATION spans to their name-like core and drop spans that cannot be names or places."""
    out = []
    for f in findings:
        if f.entity not in ("PERSON", "LOCATION"):
            out.append(f)
            continue
        s, e = _trim_name(text, f.start, f.end, f.entity == "PERSON")
        span = text[s:e]
        if len(span) < 2 or _NOT_A_NAME_CHARS.search(span):
            continue
        if not any(c.isalpha() for c in span):  # emoji or punctuation runs
            continue
        if " " not in span and span.strip(".,").casefold() in _LONE_NOT_NAME and \
                not _TITLE_BEFORE.search(text[max(0, s - 8):s]):
            continue
        if f.entity == "PERSON":
            words = [w.strip(".,") for w in span.lower().split()]
            if all(w in _NOT_NAME_WORDS for w in words) or any(w in TEAM_WORDS for w in words):
                continue
            if span.isupper() and len(span) <= 4:  # FAQ, ASAP, ...
                continue
        out.append(Finding(f.entity, s, e, f.score))
    return out


def resolve_overlaps(findings: list[Finding], custom_entities: frozenset[str] = frozenset()) -> list[Finding]:
    """Keep at most one finding per character: higher PRIORITY, then score, then longer span wins.

    Two overlapping findings of the same entity are merged into their union (an NER name and a cue
    name that disagree on one word).
    """
    def rank(f: Finding) -> tuple:
        pri = CUSTOM_PRIORITY if f.entity in custom_entities else PRIORITY.get(f.entity, 0)
        return (-pri, -f.score, -(f.end - f.start), f.start)

    kept: list[Finding] = []
    for f in sorted(findings, key=rank):
        clash = None
        for i, k in enumerate(kept):
            if f.start < k.end and k.start < f.end:
                clash = i
                break
        if clash is None:
            kept.append(f)
        elif kept[clash].entity == f.entity:
            k = kept[clash]
            merged = Finding(k.entity, min(k.start, f.start), max(k.end, f.end), k.score)
            if not any(merged.start < o.end and o.start < merged.end for j, o in enumerate(kept) if j != clash):
                kept[clash] = merged
    return sorted(kept, key=lambda f: (f.start, f.end))


def address_beats_phone(text: str, findings: list[Finding]) -> list[Finding]:
    """Drop phone numbers written without an international prefix that overlap a street address: in
    "19607 107 Igias Street" the digits are a house number, not a phone."""
    addresses = [f for f in findings if f.entity == "STREET_ADDRESS"]
    if not addresses:
        return findings
    return [f for f in findings if not (
        f.entity == "PHONE_NUMBER" and not text[f.start:f.end].lstrip("(").startswith(("+", "00"))
        and any(f.start < a.end and a.start < f.end for a in addresses))]


def finalize(text: str, raw: list[Finding], config: PiiConfig) -> list[Finding]:
    """Raw analyzer findings for `text` -> the findings a person should see, in text order."""
    wanted = set(config.entities)
    found = [f for f in raw if f.score >= config.threshold and f.entity in wanted]
    found = clean_names(text, found)
    found = address_beats_phone(text, found)
    found = resolve_overlaps(found, frozenset(c.entity for c in config.custom))
    if config.allow_list:
        found = [f for f in found if not config.is_allowed(text[f.start:f.end], text, f.start, f.end)]
    return found
