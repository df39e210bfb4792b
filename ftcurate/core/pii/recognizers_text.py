"""Recognizers for street addresses and for names that the statistical NER model misses.

spaCy's small English model tags at most the street name of an address ("Baker Street" as FAC) and
misses many names that come with strong cues ("my name is ...", "Best regards, ..."). These regex
recognizers add those. Street addresses and country names come from `addresses` (layouts of many
countries, vocabulary generated from OpenCage's address-formatting test cases).

This module imports presidio at import time; import it lazily (the engine does).
"""

from __future__ import annotations

import regex as re

from ftcurate.core.pii import _presidio

_presidio.load()

from presidio_analyzer import LocalRecognizer  # noqa: E402

from ftcurate.core.pii.addresses import find_addresses, find_countries  # noqa: E402
from ftcurate.core.pii.postprocess import TEAM_WORDS  # noqa: E402
from ftcurate.core.pii.recognizers import _result  # noqa: E402


class StreetAddressRecognizer(LocalRecognizer):
    """Street addresses (entity STREET_ADDRESS) in many countries' layouts; see `addresses`.
    Score 0.6 for a street line, 0.75 with postcode, town or country."""

    CONTEXT = ["address", "ship", "shipping", "deliver", "delivery", "live", "living", "moved", "billing",
               "street", "located", "courier", "send", "mail", "post"]

    def __init__(self) -> None:
        super().__init__(supported_entities=["STREET_ADDRESS"], name="StreetAddressRecognizer",
                         context=self.CONTEXT)

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        return [_result(self, "STREET_ADDRESS", s, e, score) for s, e, score in find_addresses(text)]


class CountryRecognizer(LocalRecognizer):
    """Country names written out (LOCATION, score 0.6). A country alone is not personal data: the check
    gives such findings low severity and redaction skips them unless asked (see `checks.pii`)."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["LOCATION"], name="CountryRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        return [_result(self, "LOCATION", s, e, 0.6) for s, e in find_countries(text)]


# -- names from cues ---------------------------------------------------------------------------------
_NAME = r"\p{Lu}[\p{Ll}'’-]+(?:[ -](?:(?:van|von|de|del|da|di|le|la|al|bin|ibn)\s)?\p{Lu}[\p{L}'’-]+){0,2}"
# Lower-case names after the strongest cues only ("my name is ana silva", "thanks, omar").
_LOWER_NAME = r"\p{Ll}[\p{Ll}'’-]{1,20}(?: \p{Ll}[\p{Ll}'’-]{1,20})?"
_INTRO_LOWER = re.compile(r"(?:\bmy name is|\bmy name's|\bname:)\s+(" + _LOWER_NAME + r")"
                          r"(?=\s*(?:[,.!?;]|$|\s(?:and|from|here|i|my|speaking)\b))")
_SIGNOFF_LOWER = re.compile(r"(?:\bthanks|\bregards|\bcheers|\bthank you)\s*,?\s*\n?\s*(\p{Ll}[\p{Ll}'’-]{1,20})"
                            r"\s*[.!]?\s*$")
# Words that follow those cues in lower case without being a name.
NOT_LOWER_NAMES = {
    "not", "on", "in", "the", "a", "an", "still", "wrong", "missing", "spelled", "spelt", "listed", "shown",
    "correct", "incorrect", "different", "changed", "there", "here", "now", "so", "very", "all", "again",
    "anyway", "guys", "team", "everyone", "you", "u", "ya", "much", "lot", "lots", "bye", "in advance",
    "for", "and", "but", "ok", "okay", "sir", "madam", "mam", "maam", "dear", "friend", "buddy", "mate",
}
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
_LOWER_STOP = {w.lower() for w in (
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday today tomorrow yesterday again help "
    "support please is was be are were will would can could should have has had do does did").split()}
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
        for rx, base in ((_INTRO_LOWER, 0.6), (_SIGNOFF_LOWER, 0.55)):
            for m in rx.finditer(text):
                value = m.group(1)
                if not any(w in NOT_LOWER_NAMES or w in _LOWER_STOP for w in value.split()) and \
                        value not in NOT_LOWER_NAMES:
                    out.append(_result(self, "PERSON", m.start(1), m.end(1), base))
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
