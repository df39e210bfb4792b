"""Recognizers for structured identifiers, written for recall on real support text.

Stock presidio misses many phone layouts (it only tries 8 regions and scans the whole text once per
region), American Express / 2-series Mastercard / 19-digit cards, and gives SSNs a "very weak" score.
These recognizers find candidates with one cheap regular expression, then validate each candidate:
phone numbers with libphonenumber (any `+CC` number, national formats of the configured regions),
cards with the Luhn checksum and issuer ranges, SSNs with the issued ranges. Scores reflect how much
evidence there is (an international prefix or separators beat a bare digit run), and presidio's
context enhancer adds to them when words like "phone" or "card" are near.

This module imports presidio at import time; import it lazily (the engine does).
"""

from __future__ import annotations

import re

from ftcurate.core.pii import _presidio

_presidio.load()

from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult  # noqa: E402
from presidio_analyzer.predefined_recognizers import (  # noqa: E402
    EmailRecognizer,
    IpRecognizer,
    UrlRecognizer,
)

# Words that, just before a number, say it is not a phone/SSN/card (an order or ticket id).
_NOT_PII_BEFORE = re.compile(
    r"(?i)\b(?:order|invoice|ticket|ref(?:erence)?|tracking|serial|case|sku|model|version|ver|v|build|"
    r"id|no|nr|item|part|batch|receipt|confirmation|po|isbn|parcel|shipment|transaction|txn|student|"
    r"patient|employee|member|policy|claim|account|acct|customer|invoice|bill)"
    r"(?:\s*(?:number|no\.?|num|nr|code|id|#))?(?:\s+(?:is|was|=))?[\s.:#-]*$|#\s*$")
_DIGITS = re.compile(r"\d")


def _result(rec: LocalRecognizer, entity: str, start: int, end: int, score: float) -> RecognizerResult:
    score = min(score, 1.0)
    return RecognizerResult(entity_type=entity, start=start, end=end, score=score,
                            analysis_explanation=AnalysisExplanation(rec.name, score),
                            recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: rec.name,
                                                  RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: rec.id})


def _digit_count_at_least(text: str, n: int) -> bool:
    count = 0
    for _ in _DIGITS.finditer(text):
        count += 1
        if count >= n:
            return True
    return False


def _preceded_by_id_word(text: str, start: int) -> bool:
    return bool(_NOT_PII_BEFORE.search(text[max(0, start - 24):start]))


_SSN_CUE = re.compile(r"(?i)\bssn\b|social[\s-]+security|\bss#")


def _ssn_cue_before(text: str, start: int) -> bool:
    return bool(_SSN_CUE.search(text[max(0, start - 48):start]))


# -- phone numbers ----------------------------------------------------------------------------------
_PHONE_CAND = re.compile(
    r"(?<![\w@/#$£€+.-])(?:\+|\b00)?\(?\d[\d\-.() /]{5,24}\d(?![\w@]|[.,/-]\d)")
_DATE_LIKE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$|^\d{1,2}:\d{2}")
# 123-45-6789 is the SSN layout and 12.34.56.78 an IPv4 address; neither is how people write phones.
_NOT_PHONE_LAYOUT = re.compile(r"^\d{3}-\d{2}-\d{4}$|^\d{1,3}(?:\.\d{1,3}){3}$")
_GROUPED = re.compile(r"^\(?0\d{1,4}\)?[ -]\d{3,4}[ -]\d{3,4}$")
_EXTENSION = re.compile(r"\s*(?:,\s*)?(?i:ext\.?|extension|x|#)\s*\d{1,5}\b")
_NANP = re.compile(r"^(?:\+?1[-. ]?)?(?:\(\d{3}\)\s?|\d{3}[-. ])\d{3}[-. ]\d{4}$")


class IntlPhoneRecognizer(LocalRecognizer):
    """International and national phone numbers, validated with libphonenumber.

    Numbers written with `+CC` or `00CC` are accepted for any country; numbers without a country code
    are tried against `regions`. Score: 0.75 international, 0.65 North-American layout, 0.6 other
    separated layouts, 0.3 a bare digit run (needs a context word such as "call" to pass 0.5);
    0.25 less when an id word ("order", "ticket", "#") comes just before.
    """

    CONTEXT = ["phone", "call", "mobile", "cell", "tel", "telephone", "whatsapp", "text", "sms", "number",
               "contact", "reach", "fax", "landline", "ring"]

    def __init__(self, regions: tuple[str, ...]) -> None:
        self.regions = tuple(regions)
        super().__init__(supported_entities=["PHONE_NUMBER"], name="IntlPhoneRecognizer",
                         context=self.CONTEXT)

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        if not _digit_count_at_least(text, 7):
            return []
        out = []
        for m in _PHONE_CAND.finditer(text):
            for s, e, score in self._validate(m.group(), m.start()):
                ext = _EXTENSION.match(text, e)
                if ext:  # "+1 415 555 2671 ext. 204": the extension is part of the number
                    e = ext.end()
                if _preceded_by_id_word(text, s):
                    score -= 0.25
                if _ssn_cue_before(text, s):  # "my SSN is 123 45 6789" is not a phone number
                    score -= 0.3
                out.append(_result(self, "PHONE_NUMBER", s, e, score))
        return out

    def _validate(self, cand: str, offset: int) -> list[tuple[int, int, float]]:
        import phonenumbers

        stripped = cand.rstrip(" .-(/")
        if _DATE_LIKE.match(stripped) or _NOT_PHONE_LAYOUT.match(stripped):
            return []
        ndig = sum(c.isdigit() for c in stripped)
        if ndig < 7:
            return []
        if ndig > 15:
            return [] if ndig <= 19 and luhn_ok(re.sub(r"\D", "", stripped)) else self._submatches(cand, offset)
        intl = stripped.startswith(("+", "00", "(+"))
        regions = (None,) if stripped.startswith("+") else self.regions
        for region in regions:
            try:
                num = phonenumbers.parse(stripped, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(num):
                return [(offset, offset + len(stripped), self._score(stripped, intl))]
        if stripped.startswith("+"):
            try:
                num = phonenumbers.parse(stripped, None)
                if phonenumbers.is_possible_number(num):
                    return [(offset, offset + len(stripped), 0.55)]
            except phonenumbers.NumberParseException:
                pass
            if 8 <= ndig <= 15:  # "+1234567890": not a real number, but written as one (needs context)
                return [(offset, offset + len(stripped), 0.4)]
        if _NANP.match(stripped) or _GROUPED.match(stripped):
            # the layout of a phone number whose digits no numbering plan has (555 numbers, fictional
            # area codes): a phone only with a context word nearby ("call", "phone")
            return [(offset, offset + len(stripped), 0.4)]
        # Only a candidate of several digit groups can hide a valid number inside ("0207 946 0958 2");
        # a Luhn-valid 13-19 digit run is a card number (the card recognizer's), not joined phones.
        if ndig <= 10 or " " not in stripped or (ndig >= 13 and luhn_ok(re.sub(r"\D", "", stripped))):
            return []
        return self._submatches(cand, offset)

    def _submatches(self, cand: str, offset: int) -> list[tuple[int, int, float]]:
        """Candidate joined several numbers ("0207 946 0958 2 times"): let the matcher split it."""
        import phonenumbers

        found: dict[tuple[int, int], float] = {}
        for region in self.regions:
            for m in phonenumbers.PhoneNumberMatcher(cand, region, leniency=phonenumbers.Leniency.VALID):
                raw = m.raw_string
                found[(offset + m.start, offset + m.end)] = self._score(raw, raw.startswith(("+", "00")))
        return [(s, e, sc) for (s, e), sc in found.items()]

    @staticmethod
    def _score(raw: str, intl: bool) -> float:
        if intl:
            return 0.75
        if _NANP.match(raw):
            return 0.65
        if any(c in raw for c in " -.()/"):
            return 0.6
        return 0.3


# -- payment cards ----------------------------------------------------------------------------------
_CARD_CAND = re.compile(
    r"(?<![\w+./-])(?:\d{4}([ -]?)\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|\d{4}([ -]?)\d{6}\2\d{4,5}|\d{13,19})"
    r"(?![\w-]|[.,]\d)")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def issuer_ok(d: str) -> bool:
    """Known issuer range for this length (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay,
    Maestro, Mir)."""
    n = len(d)
    p2, p3, p4 = int(d[:2]), int(d[:3]), int(d[:4])
    if d[0] == "4":
        return n in (13, 16, 19)
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:
        return n == 16
    if p2 in (34, 37):
        return n == 15
    if p4 == 6011 or 644 <= p3 <= 649 or p2 == 65:
        return 16 <= n <= 19
    if 3528 <= p4 <= 3589:
        return 16 <= n <= 19
    if 300 <= p3 <= 305 or p2 in (36, 38, 39) or p4 == 3095:
        return 14 <= n <= 19
    if p2 == 62 or 2200 <= p4 <= 2204:
        return 16 <= n <= 19
    if p2 in (50, 56, 57, 58, 63, 67, 68, 69):
        return 12 <= n <= 19
    return False


class ValidatedCardRecognizer(LocalRecognizer):
    """Payment card numbers: 13-19 digits in the usual groupings, Luhn-valid. Score 0.85 with a known
    issuer range, 0.35 for a Luhn-valid number of unknown issuer (needs "card" nearby)."""

    CONTEXT = ["card", "credit", "debit", "visa", "mastercard", "amex", "discover", "jcb", "diners",
               "maestro", "unionpay", "cc", "payment", "charged", "billing"]

    def __init__(self) -> None:
        super().__init__(supported_entities=["CREDIT_CARD"], name="ValidatedCardRecognizer", context=self.CONTEXT)

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        if not _digit_count_at_least(text, 13):
            return []
        out = []
        for m in _CARD_CAND.finditer(text):
            digits = re.sub(r"\D", "", m.group())
            if not luhn_ok(digits) or len(set(digits)) < 2:
                continue
            score = 0.85 if issuer_ok(digits) else 0.35
            if _preceded_by_id_word(text, m.start()):
                score -= 0.3
            out.append(_result(self, "CREDIT_CARD", m.start(), m.end(), score))
        return out


# -- US social security numbers ----------------------------------------------------------------------
_SSN_CAND = re.compile(r"(?<![\w+./-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w-]|[.,/]\d)")


class ValidatedSsnRecognizer(LocalRecognizer):
    """US SSNs in issued ranges (no 000/666/9xx area, 00 group, 0000 serial). Score 0.6 for 123-45-6789,
    0.5 for spaces, 0.25 for nine bare digits (needs "SSN"/"social security" nearby)."""

    CONTEXT = ["ssn", "social", "security", "ss#", "ssns", "taxpayer"]

    def __init__(self) -> None:
        super().__init__(supported_entities=["US_SSN"], name="ValidatedSsnRecognizer", context=self.CONTEXT)

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        if not _digit_count_at_least(text, 9):
            return []
        out = []
        for m in _SSN_CAND.finditer(text):
            area, sep, group, serial = m.groups()
            if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
                continue
            if len(set(area + group + serial)) == 1:
                continue
            score = {"-": 0.6, " ": 0.5}.get(sep, 0.25)
            if _preceded_by_id_word(text, m.start()) and not _ssn_cue_before(text, m.start()):
                score -= 0.3
            out.append(_result(self, "US_SSN", m.start(), m.end(), score))
        return out


# -- stock recognizers behind a cheap pre-check ------------------------------------------------------
_TLD_EXTRACT = None


class FastEmailRecognizer(EmailRecognizer):
    """Stock e-mail recognizer; its domain check uses tldextract's bundled suffix list, offline (the
    stock one fetches the list from the internet on first use)."""

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
        return super().analyze(text, entities, nlp_artifacts, regex_flags) if "@" in text else []

    def validate_result(self, pattern_text: str) -> bool:
        global _TLD_EXTRACT
        if _TLD_EXTRACT is None:
            import tldextract

            _TLD_EXTRACT = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=())
        return _TLD_EXTRACT(pattern_text).fqdn != ""


class FastIpRecognizer(IpRecognizer):
    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
        if not _IP_HINT.search(text):
            return []
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        # "version 10.0.19045.1" is a version, not an address
        return [r for r in results if not re.search(r"(?i)\b(?:version|ver|v|build)\.?\s*$",
                                                    text[max(0, r.start - 12):r.start])]


_DOMAIN_HINT = re.compile(r"[A-Za-z0-9-]\.[A-Za-z]{2}|://")
_IP_HINT = re.compile(r"\d\.\d|::|[0-9a-fA-F]:[0-9a-fA-F]")


class FastUrlRecognizer(UrlRecognizer):
    """Stock URL recognizer, run only when the text has something like "x.co" or "://" in it (its
    pattern list is the most expensive part of the structured recognizers)."""

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
        return super().analyze(text, entities, nlp_artifacts, regex_flags) if _DOMAIN_HINT.search(text) else []


# -- IBANs ----------------------------------------------------------------------------------------------
IBAN_LENGTH = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}
_IBAN_CAND = re.compile(r"(?<![\w-])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){11,30}")


def iban_ok(compact: str) -> bool:
    cc = compact[:2].upper()
    if IBAN_LENGTH.get(cc) != len(compact):
        return False
    rearranged = (compact[4:] + compact[:4]).upper()
    try:
        return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1
    except ValueError:
        return False


class ValidatedIbanRecognizer(LocalRecognizer):
    """IBANs in print (groups of four) or compact form, any case: the country's length and the
    ISO 7064 mod-97 check digits must agree (a random string passes 1 time in 97). Score 0.9."""

    CONTEXT = ["iban", "bank", "account", "transfer", "wire", "sepa", "refund", "debit"]

    def __init__(self) -> None:
        super().__init__(supported_entities=["IBAN_CODE"], name="ValidatedIbanRecognizer", context=self.CONTEXT)

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        if not _digit_count_at_least(text, 10):
            return []
        out = []
        for m in _IBAN_CAND.finditer(text):
            raw = m.group()
            want = IBAN_LENGTH.get(raw[:2].upper())
            if want is None:
                continue
            # take exactly `want` alphanumerics; the candidate may run into the next word
            count, end = 0, 0
            for i, ch in enumerate(raw):
                if ch.isalnum():
                    count += 1
                    if count == want:
                        end = i + 1
                        break
            if not end or (m.start() + end < len(text) and text[m.start() + end].isalnum()):
                continue
            compact = re.sub(r"[ -]", "", raw[:end])
            if iban_ok(compact):
                out.append(_result(self, "IBAN_CODE", m.start(), m.start() + end, 0.9))
        return out
