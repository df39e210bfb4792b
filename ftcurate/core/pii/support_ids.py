"""Support identifiers a company would not want trained into a model: order, tracking, account and
ticket numbers.

They do not identify a person on their own, so they are flagged at low severity (see
`config.SEVERITY`), but a model that learns real order numbers from support logs may repeat them to
other customers. Found by a cue word before the identifier ("order #A-10423", "tracking number:
1Z999AA10123456784", "account ending in 4821", "ticket 88213") or by a well-known carrier layout (UPS
1Z..., USPS 20-22 digits after "tracking"). The identifier must hold at least three digits, so
"order status" or "account settings" are never findings.

This module imports presidio at import time; import it lazily (the engine does).
"""

from __future__ import annotations

import re

from ftcurate.core.pii import _presidio

_presidio.load()

from presidio_analyzer import LocalRecognizer  # noqa: E402

from ftcurate.core.pii.recognizers import _result  # noqa: E402

SUPPORT_ID_ENTITIES = ("ORDER_ID", "TRACKING_NUMBER", "ACCOUNT_NUMBER", "TICKET_ID")

_CUES = {
    "ORDER_ID": r"order|purchase|invoice|bill|receipt|booking|reservation|transaction|txn",
    "TRACKING_NUMBER": r"tracking|shipment|parcel|consignment|waybill|package|awb",
    "ACCOUNT_NUMBER": r"account|acct|a/c|customer|member(?:ship)?|policy|subscriber|client|patient|student|"
                      r"employee|user|loyalty",
    "TICKET_ID": r"ticket|case|incident|claim|reference|ref|confirmation|request|complaint|rma",
}
_KIND = r"(?:number|no\.?|num|nr|id|code|#|reference|ref)"
_ID = r"([A-Z0-9](?:[A-Z0-9]|[-/](?=[A-Z0-9])){3,29})"
_LINK = r"(?:\s*(?:is|was|:|#|=|-|of)\s*|\s+|(?=\d))(?:(?:ending|ends)\s+(?:in|with)\s+)?"
_PATTERNS = [
    (entity, re.compile(rf"(?i:\b(?:{cue})(?:[\s-]*{_KIND})?){_LINK}#?\s*{_ID}(?![\w-])"))
    for entity, cue in _CUES.items()
]
_BARE_ID = re.compile(r"\bID(?:\s*:\s*|\s+(?:is|was)\s+|\s*#\s*)([A-Z0-9][A-Z0-9-]{3,29})(?![\w-])")
_UPS = re.compile(r"\b1Z[0-9A-Z]{16}\b")
_DIGITS3 = re.compile(r"\d.*\d.*\d")


class SupportIdRecognizer(LocalRecognizer):
    """ORDER_ID / TRACKING_NUMBER / ACCOUNT_NUMBER / TICKET_ID after their cue word. Score 0.7 (0.8 for
    a UPS tracking number)."""

    def __init__(self) -> None:
        super().__init__(supported_entities=list(SUPPORT_ID_ENTITIES), name="SupportIdRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        if not _DIGITS3.search(text):
            return []
        out = []
        for entity, rx in _PATTERNS:
            if entity not in entities:
                continue
            for m in rx.finditer(text):
                value = m.group(1)
                if sum(c.isdigit() for c in value) < 3 or re.fullmatch(r"\d{1,2}[:/.-]\d{1,2}.*", value):
                    continue
                out.append(_result(self, entity, m.start(1), m.end(1), 0.7))
        if "ACCOUNT_NUMBER" in entities:  # "ID: 789012" with no other cue: an account-like id
            for m in _BARE_ID.finditer(text):
                if sum(c.isdigit() for c in m.group(1)) >= 3:
                    out.append(_result(self, "ACCOUNT_NUMBER", m.start(1), m.end(1), 0.6))
        if "TRACKING_NUMBER" in entities:
            out += [_result(self, "TRACKING_NUMBER", m.start(), m.end(), 0.8) for m in _UPS.finditer(text)]
        return out
