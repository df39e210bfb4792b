"""Labelled public corpora for PII evaluation, each split into a development and a test half.

Used by benchmarks/bench_pii_accuracy.py and the shared-data test; the data stays in ../shared/data
(never copied into the repository). Every loader returns `[(text, [(start, end, TYPE), ...]), ...]`.

* `contextual(path, split)`: kurkowski93/contextual-anonymizer (MIT), 4,321 GPT-written documents
  (chat support, e-mail threads, banking, ...) with a copy whose PII is replaced by placeholders
  ([NAME_1], [EMAIL_1], ...). Gold spans come from aligning the two texts. Split by a hash of the text:
  dev = even, test = odd.
* `address_blocks(files, seed)`: OpenCage address-formatting test cases (MIT) put into support-style
  sentences, as one line or as a multi-line block. The benchmark splits the countries in two halves
  (`country_halves`): dev addresses from one half, test addresses from the other, and the address
  vocabulary used on the test half is generated from the dev half only.
* `bitext(path, split)`: Bitext customer-support instructions (CDLA-Sharing-1.0), real support wording
  with one labelled entity per row (person name, order or invoice number, city, country). Split by
  a hash of the text.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from pathlib import Path

Gold = list[tuple[int, int, str]]

CONTEXTUAL_MAP = {
    "NAME": "PERSON", "DOCTOR": "PERSON", "CLIENT_NAME": "PERSON", "EMAIL": "EMAIL_ADDRESS",
    "PHONE": "PHONE_NUMBER", "ADDRESS": "STREET_ADDRESS", "LINK": "URL", "WEBSITE": "URL",
    "ACCOUNT": "ACCOUNT_NUMBER", "TICKET_ID": "TICKET_ID", "CASE_NUMBER": "TICKET_ID", "CASE_ID": "TICKET_ID",
    "CLAIM_ID": "TICKET_ID", "ORDER_NUMBER": "ORDER_ID", "TRANSACTION_ID": "ORDER_ID",
}
OTHER = "OTHER_PII"  # labelled personal data of a type not scored here (dates, usernames, PESEL, ...)
_PLACEHOLDER = re.compile(r"\[([A-Z][A-Z_]*?)(?:_\d+)?\]")


def _half(text: str) -> str:
    return "dev" if hashlib.blake2b(text.encode(), digest_size=2).digest()[0] % 2 == 0 else "test"


def align(original: str, anonymized: str) -> Gold | None:
    """Spans of `original` that `anonymized` replaced by placeholders, typed by the placeholder's
    label; None when the two texts cannot be aligned."""
    parts = _PLACEHOLDER.split(anonymized)
    literals, labels = parts[0::2], parts[1::2]
    if not original.startswith(literals[0]):
        return None
    pos, spans = len(literals[0]), []
    for label, lit in zip(labels, literals[1:], strict=True):
        if lit:
            nxt = original.find(lit, pos + 1)
            if lit == literals[-1] and lit is literals[-1]:
                nxt = len(original) - len(lit) if original.endswith(lit) else -1
        else:
            return None  # two placeholders in a row: no way to tell where one ends
        if nxt <= pos or nxt - pos > 120:
            return None
        spans.append((pos, nxt, label))
        pos = nxt + len(lit)
    return spans if pos == len(original) else None


def contextual(path: Path, split: str) -> list[tuple[str, Gold]]:
    """Documents of `split` ("dev" or "test") with typed gold spans (see CONTEXTUAL_MAP)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    out = []
    for d in data:
        text = d["context"]
        if _half(text) != split:
            continue
        spans = align(text, d["anonymized_context"])
        if spans is None:
            continue
        out.append((text, [(s, e, CONTEXTUAL_MAP.get(lab, OTHER)) for s, e, lab in spans]))
    return out


def bitext(path: Path, split: str) -> list[tuple[str, Gold]]:
    """Bitext instructions of `split` with their one labelled entity, when it is personal data or a
    support identifier (person_name, order_id, invoice_id, delivery_city, delivery_country)."""
    kinds = {"person_name": "PERSON", "order_id": "ORDER_ID", "invoice_id": "ORDER_ID",
             "delivery_city": "LOCATION", "delivery_country": "LOCATION"}
    out, seen = [], set()
    with Path(path).open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = row["instruction"]
            if text in seen or _half(text) != split:
                continue
            seen.add(text)
            gold: Gold = []
            kind = kinds.get(row["entity_type"])
            if kind and row["start_offset"].isdigit():
                s, e = int(row["start_offset"]), int(row["end_offset"])
                if text[s:e].strip():
                    gold.append((s, e, kind))
            out.append((text, gold))
    return out


# -- address blocks --------------------------------------------------------------------------------
_ROAD_KEYS = ("road", "pedestrian", "footway", "path", "street", "residential")
_ONE_LINE = ["Please send the replacement to {a}.", "My new address is {a}", "Can you update my billing "
             "address to {a}? Thanks!", "Deliver it to {a} before Friday please.", "hi, the parcel should "
             "go to {a}, not the old one", "I live at {a} and the courier never came."]
_BLOCK = ["Ship to:\n{name}\n{a}\nThanks", "My new address:\n{a}\n\nKind regards,\n{name}",
          "Hello,\nplease use this address from now on:\n{a}\nThank you", "{name}\n{a}"]
_NAMES = ["Ana Silva", "Omar Haddad", "Lena Fischer", "Kenji Sato", "Grace Mensah", "Pavel Novak"]


def country_halves(files: list[Path]) -> tuple[list[Path], list[Path]]:
    """(dev, test): country files split by a hash of the country code."""
    dev = [f for f in files if hashlib.blake2b(f.stem.encode(), digest_size=2).digest()[0] % 2 == 0]
    return dev, [f for f in files if f not in dev]


def address_blocks(files: list[Path], seed: int = 7) -> list[tuple[str, Gold]]:
    """Support-style texts holding one address of these countries each (gold STREET_ADDRESS; the
    name in block layouts is gold PERSON)."""
    import yaml

    rng = random.Random(seed)
    out = []
    for f in sorted(files):
        for d in yaml.safe_load_all(f.read_text(encoding="utf-8")):
            if not d or not isinstance(d.get("components"), dict):
                continue
            lines = _address_lines(d, rng)
            if lines is None:
                continue
            if rng.random() < 0.5 and len(lines) > 2:
                lines = lines[:-1]  # without the country
            block = rng.random() < 0.5
            tmpl = rng.choice(_BLOCK if block else _ONE_LINE)
            addr = "\n".join(lines) if block else ", ".join(lines)
            name = rng.choice(_NAMES)
            text = tmpl.replace("{a}", addr).replace("{name}", name)
            gold = [(text.index(addr), text.index(addr) + len(addr), "STREET_ADDRESS")]
            if "{name}" in tmpl:
                gold.append((text.index(name), text.index(name) + len(name), "PERSON"))
            out.append((text, sorted(gold)))
    return out


def _address_lines(d: dict, rng: random.Random) -> list[str] | None:
    comp = {k: str(v).strip() for k, v in d["components"].items() if v is not None}
    road = next((comp[k] for k in _ROAD_KEYS if comp.get(k)), "")
    lines = [ln.strip() for ln in str(d.get("expected") or "").splitlines() if ln.strip()]
    if not road or not lines:
        return None
    start = next((i for i, ln in enumerate(lines) if road in ln), None)
    if start is None:
        return None
    lines = lines[start:]
    hn = comp.get("house_number") or comp.get("housenumber")
    if not hn or hn not in lines[0]:
        # the test case has no house number: add one where this country's line puts it
        number = str(rng.randint(1, 250))
        last = road.split()[-1].casefold()
        english = last in ("street", "road", "avenue", "lane", "drive", "way", "boulevard", "st", "rd", "ave")
        lines[0] = lines[0].replace(road, f"{number} {road}" if english else f"{road} {number}", 1)
    return lines
