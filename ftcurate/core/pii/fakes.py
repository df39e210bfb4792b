"""Deterministic fake values for redaction: the same original gets the same fake within a conversation.

`FakeMaker(salt, conversation)` derives every fake from a keyed hash of (salt, conversation, entity,
original), so re-running a redaction gives the same text, and one person's name maps to one fake name
throughout a conversation (names are mapped word by word: "John" and "John Smith" stay consistent).
The salt is a per-project secret, so nobody can confirm a guess of the original by recomputing a
fake. Fakes keep the shape of the original (separators, length, country prefix, card brand digit,
IBAN country) and use values that cannot be real where such ranges exist: SSNs in the never-issued
9xx area, IPs in the documentation ranges, e-mails and URLs on example.com/org/net.
No Faker dependency.
"""

from __future__ import annotations

import hashlib
import ipaddress
import random
import re

FIRST = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Robin", "Jamie", "Avery", "Riley", "Quinn",
         "Drew", "Elena", "Marco", "Nina", "Omar", "Lena", "Tariq", "Ines", "Felix", "Hana", "Victor", "Zoe",
         "Arjun", "Leila", "Tomas", "Mira", "Kofi", "Sara", "Ivan", "Noor", "Paul", "Greta", "Yusuf"]
LAST = ["Rivera", "Keller", "Novak", "Okoye", "Lindqvist", "Moreau", "Tanaka", "Brennan", "Sato", "Hale",
        "Farouk", "Castillo", "Weber", "Nakamura", "Quinlan", "Petrov", "Adeyemi", "Laurent", "Ferreira",
        "Dalton", "Varga", "Kaur", "Mendel", "Osei", "Sorensen", "Ibarra", "Whitlock", "Rahman", "Corbin"]
STREETS = ["Alder", "Beacon", "Copper", "Dove", "Ember", "Fern", "Granite", "Heron", "Ivy", "Juniper",
           "Kestrel", "Linden", "Marigold", "Nettle", "Orchard", "Poplar", "Quarry", "Rowan", "Sorrel"]
SUFFIXES = ["Street", "Road", "Avenue", "Lane", "Drive", "Close", "Way"]
TOWNS = ["Fairview", "Riverton", "Oakdale", "Brookfield", "Millbrook", "Ashford", "Glenwood", "Kingsbridge",
         "Westhaven", "Lakemont", "Stonebury", "Harborview"]


class FakeMaker:
    """Fakes for one conversation. `fake(entity, original)` is deterministic and collision-checked."""

    def __init__(self, salt: str, conversation: str) -> None:
        self.salt = salt
        self.conversation = conversation
        self._given: dict[tuple[str, str], str] = {}
        self._used: dict[str, tuple[str, str]] = {}

    def _rng(self, *parts: str) -> random.Random:
        h = hashlib.blake2b("\x1f".join((self.salt, self.conversation, *parts)).encode("utf-8"),
                            digest_size=8).digest()
        return random.Random(int.from_bytes(h, "big"))

    def fake(self, entity: str, original: str) -> str:
        key = (entity, _norm(original))
        if key in self._given:
            return self._given[key]
        for attempt in range(20):
            value = self._make(entity, original, attempt)
            owner = self._used.get(value)
            if owner is None or owner == key:
                break
        self._given[key] = value
        self._used[value] = key
        return value

    # -- per entity ---------------------------------------------------------------------------------
    def _make(self, entity: str, original: str, attempt: int) -> str:
        tag = str(attempt)
        r = self._rng(entity, _norm(original), tag)
        if entity == "PERSON":
            return self._person(original, tag)
        if entity == "EMAIL_ADDRESS":
            first, last = r.choice(FIRST).lower(), r.choice(LAST).lower()
            return f"{first}.{last}{r.randint(1, 99)}@example.{r.choice(['com', 'org', 'net'])}"
        if entity == "PHONE_NUMBER":
            return _phone(original, r)
        if entity == "CREDIT_CARD":
            return _card(original, r)
        if entity == "IBAN_CODE":
            return _iban(original, r)
        if entity == "US_SSN":
            return _digits_like(original, r, fixed_prefix="9")
        if entity == "IP_ADDRESS":
            if ":" in original:
                return str(ipaddress.IPv6Address((0x20010DB8 << 96) | r.getrandbits(32)))
            net = r.choice(["192.0.2", "198.51.100", "203.0.113"])
            return f"{net}.{r.randint(1, 254)}"
        if entity == "URL":
            path = "".join(r.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(6))
            site = r.choice(["example.com", "example.org", "example.net"])
            return f"https://{site}/{path}" if "://" in original else f"www.{site}/{path}"
        if entity == "STREET_ADDRESS":
            line = f"{r.randint(1, 999)} {r.choice(STREETS)} {r.choice(SUFFIXES)}"
            return f"{line}, {r.choice(TOWNS)}" if "," in original else line
        if entity == "LOCATION":
            return r.choice(TOWNS)
        return _shape_like(original, r)

    def _person(self, original: str, tag: str) -> str:
        words = original.split()
        out = []
        for i, w in enumerate(words):
            pool = FIRST if i == 0 else LAST
            r = self._rng("PERSON-word", str(i == 0), _norm(w), tag)
            # never the real word back (the salt is random, so 1 in len(pool) names would keep it)
            out.append(r.choice([p for p in pool if p.casefold() != w.casefold()] or pool))
        return " ".join(out) or self._rng("PERSON", tag).choice(FIRST)


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.strip().casefold())


def _shape_like(original: str, r: random.Random) -> str:
    """Same length and character classes: digits -> digits, letters -> letters, the rest kept."""
    out = []
    for ch in original:
        if ch.isdigit():
            out.append(str(r.randint(0, 9)))
        elif ch.isalpha():
            c = r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
            out.append(c if ch.isupper() else c.lower())
        else:
            out.append(ch)
    return "".join(out)


def _digits_like(original: str, r: random.Random, fixed_prefix: str = "") -> str:
    out, first = [], True
    for ch in original:
        if ch.isdigit():
            out.append(fixed_prefix if first and fixed_prefix else str(r.randint(0, 9)))
            first = False
        else:
            out.append(ch)
    return "".join(out)


def _phone(original: str, r: random.Random) -> str:
    """Keep '+CC' / '00CC' and the layout; replace the subscriber digits."""
    m = re.match(r"^\s*(\+|00)(\d{1,3})", original)
    keep = m.end() if m else 0
    head = original[:keep]
    tail = _digits_like(original[keep:], r)
    return head + tail


def _luhn_fix(digits: list[int]) -> None:
    total = 0
    for i, d in enumerate(reversed(digits[:-1])):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    digits[-1] = (10 - total % 10) % 10


def _card(original: str, r: random.Random) -> str:
    """Same brand digit, length and separators; Luhn-valid so downstream validators still accept it."""
    src = [c for c in original if c.isdigit()]
    digits = [int(src[0])] + [r.randint(0, 9) for _ in src[1:]]
    _luhn_fix(digits)
    it = iter(digits)
    return "".join(str(next(it)) if c.isdigit() else c for c in original)


def _iban(original: str, r: random.Random) -> str:
    """Same country, length, character classes and spacing; valid check digits."""
    compact = re.sub(r"\s", "", original).upper()
    if len(compact) < 5 or not compact[:2].isalpha():
        return _shape_like(original, r)
    cc = compact[:2]
    bban = "".join(str(r.randint(0, 9)) if c.isdigit() else r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
                   for c in compact[4:])
    check = 98 - int("".join(str(int(c, 36)) for c in bban + cc + "00")) % 97
    new = f"{cc}{check:02d}{bban}"
    it = iter(new)
    return "".join(next(it) if not c.isspace() else c for c in original)
