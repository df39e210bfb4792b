"""Recognizers for street addresses and for names that the statistical NER model misses.

spaCy's small English model tags at most the street name of an address ("Baker Street" as FAC) and
misses many names that come with strong cues ("my name is ...", "Best regards, ..."). These regex
recognizers add those. Street addresses cover the common English-language layouts (US, UK, Canada,
Australia: number + name + street type, optional unit, town, state and postcode), PO boxes, and the
German and French layouts ("Hauptstraße 12, 10115 Berlin", "12 rue de Rivoli, 75001 Paris").

This module imports presidio at import time; import it lazily (the engine does).
"""

from __future__ import annotations

import re

from ftcurate.core.pii import _presidio

_presidio.load()

from presidio_analyzer import LocalRecognizer  # noqa: E402

from ftcurate.core.pii.postprocess import TEAM_WORDS  # noqa: E402
from ftcurate.core.pii.recognizers import _result  # noqa: E402

_SUFFIX = (r"(?:Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|"
           r"Terrace|Ter|Parkway|Pkwy|Circle|Cir|Highway|Hwy|Square|Sq|Crescent|Cres|Close|Gardens|Gdns|"
           r"Row|Mews|Grove|Alley|Trail|Plaza|Walk|Rise|Parade|Esplanade|Pike|Expressway|Loop)")
_SUFFIX_CAPS = _SUFFIX.upper().replace("(?:", "(?:")
_NAME_WORD = r"(?:[A-Z][\w'’.-]*|\d{1,3}(?:st|nd|rd|th))"
_TOWN_WORD = r"[A-Z][a-zà-ÿ'’.-]+"
_UNIT = r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|Rm|#)\.?\s*#?[\w-]{1,6})"
_POSTCODE = (r"(?:\d{5}(?:-\d{4})?|[A-Z]\d[A-Z]\s?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|\d{4})")
_LOCALITY = (rf"(?:,\s*{_TOWN_WORD}(?:[\s-]+{_TOWN_WORD}){{0,2}})?"
             rf"(?:,?\s+[A-Z]{{2,3}}\b)?(?:,?\s+{_POSTCODE}\b)?")

_ENGLISH = re.compile(
    rf"(?:\b(?:Flat|Apt|Apartment|Unit|Suite)\s+\w{{1,5}},\s*)?"
    rf"\b\d{{1,5}}[A-Za-z]?(?:[-/]\d{{1,4}})?\s+"
    rf"(?:(?:[NSEW]|North|South|East|West)\.?\s+)?(?:{_NAME_WORD}\s+){{1,3}}?"
    rf"(?:{_SUFFIX}|{_SUFFIX_CAPS})\b\.?"
    rf"(?:\s+(?:[NSEW]{{1,2}}|North|South|East|West)\b)?"
    rf"{_UNIT}?{_LOCALITY}")
_POBOX = re.compile(rf"\b(?i:P\.?\s?O\.?\s?Box|Post Office Box)\s+\d{{1,6}}{_LOCALITY}")
_GERMAN = re.compile(
    r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer)\s+\d{1,4}\s?[a-z]?\b"
    r"(?:,\s*\d{4,5}\s+[A-ZÄÖÜ][\wäöüß-]+)?")
_FRENCH = re.compile(
    r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|route)"
    r"\s+(?:(?:de la|de l'|du|des|de|la|le|l')\s*)?[A-ZÉ][\w'’-]+(?:\s+[A-ZÉ][\w'’-]+){0,3}"
    r"(?:,\s*\d{5}\s+[A-ZÉ][\w'’-]+)?")

# Locality words that are really the start of the next clause ("..., Thanks").
_NOT_TOWN = {"Thanks", "Thank", "Please", "Regards", "Best", "Cheers", "But", "And", "Or", "So", "Then",
             "Also", "Hi", "Hello", "Sorry", "Can", "Could", "Would", "Is", "It", "I", "We", "The", "This"}


class StreetAddressRecognizer(LocalRecognizer):
    """Street addresses (entity STREET_ADDRESS). Score 0.6 for a street line, 0.7 with town/postcode."""

    CONTEXT = ["address", "ship", "shipping", "deliver", "delivery", "live", "living", "moved", "billing",
               "street", "located", "courier", "send", "mail", "post"]

    def __init__(self) -> None:
        super().__init__(supported_entities=["STREET_ADDRESS"], name="StreetAddressRecognizer",
                         context=self.CONTEXT)

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        out = []
        has_digit = any(c.isdigit() for c in text)
        if has_digit:
            for rx in (_ENGLISH, _GERMAN, _FRENCH):
                for m in rx.finditer(text):
                    s, e = m.start(), self._trim(text, m.start(), m.end())
                    full = "," in text[s:e] or re.search(r"\d{4,5}\s*$|[A-Z]\d[A-Z]\s?\d[A-Z]\d$", text[s:e])
                    out.append(_result(self, "STREET_ADDRESS", s, e, 0.7 if full else 0.6))
        if "box" in text.lower():
            for m in _POBOX.finditer(text):
                out.append(_result(self, "STREET_ADDRESS", m.start(), self._trim(text, m.start(), m.end()), 0.65))
        return out

    @staticmethod
    def _trim(text: str, start: int, end: int) -> int:
        """Drop a trailing ', Thanks'-like clause the locality part swallowed, and trailing dots."""
        span = text[start:end]
        parts = span.split(",")
        while len(parts) > 1 and parts[-1].strip().split(" ")[0] in _NOT_TOWN:
            parts.pop()
        span = ",".join(parts).rstrip(" ,")
        if span.endswith(".") and not re.search(r"\b(?:St|Ave|Rd|Dr|Blvd|Ln|Ct|Pl|Str)\.$", span):
            span = span[:-1]
        return start + len(span)


# -- names from cues ---------------------------------------------------------------------------------
_NAME = r"[A-Z][a-zà-ÿ'’-]+(?:[ -](?:(?:van|von|de|del|da|di|le|la|al|bin|ibn)\s)?[A-Z][a-zA-Zà-ÿ'’-]+){0,2}"
_TITLE = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam)\.?\s+({_NAME})")
_INTRO = re.compile(r"(?i:\bmy name is|\bmy name's|\bcall me|\bin the name of|"
                    r"\bname on (?:the |my )?(?:account|card)|\baccount holder|\bcardholder)[\s:,-]+(" + _NAME + ")")
# "this is X" / "it's X" only when X ends the clause or is followed by "from", "here", ... ("it's Ana,
# my phone is ..."), not "this is Ridiculous behaviour".
_INTRO_WEAK = re.compile(r"(?i:\bthis is|\bit's|\bit is|\bhi,? i'm|\bhello,? i'm)\s+(" + _NAME + r")"
                         r"(?=\s*(?:[,.!?;]|$|-|–|\s(?:from|here|speaking|calling|again|at|with|and)\b))")
_SIGNOFF = re.compile(
    rf"(?i:regards|thanks|thank you|cheers|sincerely|best wishes|best|many thanks|yours truly|warmly)"
    rf"\s*[,.!\-–]?\s*\n?\s*[-–]?\s*({_NAME})\s*[.!]?\s*$", re.MULTILINE)
# Capitalised words that follow "this is" / "I'm" / "thanks" but are not names.
NOT_NAMES = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February",
    "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    "The", "This", "That", "It", "Not", "Still", "Just", "Really", "Very", "So", "Sorry", "Happy", "Glad",
    "Here", "There", "Again", "Ok", "Okay", "Yes", "No", "Please", "Thanks", "Thank", "Hi", "Hello",
    "Hey", "Team", "Support", "Customer", "Service", "Urgent", "Premium", "Pro", "Plus", "Gold", "Free",
    "Basic", "Business", "Family", "Standard", "English", "American", "British", "Canadian", "German",
    "French", "Indian", "Australian", "Irish", "Spanish", "Italian", "Chinese", "Japanese", "A", "An",
    "All", "Everyone", "Everybody", "Now", "Today", "Tomorrow", "Yesterday", "Done", "Back",
}


class PersonCueRecognizer(LocalRecognizer):
    """Names after a title ("Ms Patel"), an introduction ("my name is Ana Silva", "in the name of ...")
    or at a sign-off ("Best regards,\\nOmar"). Score 0.7 after a title or an explicit introduction,
    0.55 for weaker cues ("this is Ana, ...", sign-offs)."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name="PersonCueRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        out = []
        for rx, base in ((_TITLE, 0.7), (_INTRO, 0.7), (_INTRO_WEAK, 0.55), (_SIGNOFF, 0.55)):
            for m in rx.finditer(text):
                s, e = m.span(1)
                words = text[s:e].split()
                while words and words[-1] in NOT_NAMES:
                    words.pop()
                if not words or words[0] in NOT_NAMES or any(w.lower() in TEAM_WORDS for w in text[s:e].split()):
                    continue
                e = s + len(" ".join(words)) if len(words) > 1 else s + len(words[0])
                out.append(_result(self, "PERSON", s, e, base))
        return out
