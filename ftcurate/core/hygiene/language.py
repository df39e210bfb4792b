"""Language identification with py3langid (offline, model inside the package, pure Python + numpy).

Texts are cleaned (placeholders, URLs, e-mail addresses, numbers removed) and cut to `MAX_CHARS`
before detection: the detector walks every byte in Python, and 300 characters are plenty to tell
languages apart. Candidates are limited to `LANGUAGES` so that short English texts are not
mistaken for a rare language that happens to share their character n-grams.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from ftcurate.core.hygiene.rules import PLACEHOLDER_RES

MAX_CHARS = 300
LANGUAGES = ("af ar bg bn ca cs cy da de el en eo es et eu fa fi fr ga gl he hi hr hu hy id is it ja ka kk ko "
             "lt lv mk ms mt nb nl nn pl pt ro ru sk sl sq sr sv sw ta te th tl tr uk ur vi zh").split()
NAMES = {"af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech", "da": "Danish",
         "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "fa": "Persian",
         "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian",
         "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian",
         "lv": "Latvian", "nb": "Norwegian", "nl": "Dutch", "pl": "Polish", "pt": "Portuguese",
         "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian",
         "sv": "Swedish", "th": "Thai", "tr": "Turkish", "uk": "Ukrainian", "vi": "Vietnamese",
         "zh": "Chinese"}
_CLEAN_RES = (*PLACEHOLDER_RES[:3], re.compile(r"https?://\S+|www\.\S+|\S+@\S+"), re.compile(r"[\d#$%]+"),
              re.compile(r"<[^<>]{0,80}>"))
LETTER_RE = re.compile(r"[^\W\d_]", re.UNICODE)
# The most frequent English function words. A text where a quarter of the words are among them is
# English beyond doubt; in an English project such texts skip the (pure Python, ~1 ms) detector.
ENGLISH_FUNCTION_WORDS = frozenset("""
the to and a of you your in is for it that we our on be can this with are will have if i or as at by
please from not an my me us do was would any what how there here all so has been more
""".split())
ASCII_WORD_RE = re.compile(r"[a-z]+")

_IDENT: Any = None
_LOCK = threading.Lock()


def language_name(code: str) -> str:
    return NAMES.get(code, code)


def _identifier() -> Any:
    global _IDENT
    with _LOCK:
        if _IDENT is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            ident.set_languages([code for code in LANGUAGES if code in set(ident.labels)])
            _IDENT = ident
    return _IDENT


def clean_for_detection(text: str) -> str:
    for rx in _CLEAN_RES:
        text = rx.sub(" ", text)
    return " ".join(text.split())[:MAX_CHARS]


def surely_english(text: str) -> bool:
    """True when a text is obviously English (>= 6 words, >= 25 % English function words)."""
    words = ASCII_WORD_RE.findall(text[:MAX_CHARS].lower())
    if len(words) < 6 or not text.isascii() and len(text.encode()) > 1.05 * len(text):
        return False
    return sum(1 for w in words if w in ENGLISH_FUNCTION_WORDS) >= 0.25 * len(words)


def detect(text: str, min_letters: int = 20) -> tuple[str | None, float]:
    """(language code, probability) of a text, or (None, 0.0) when it has too few letters to tell."""
    t = clean_for_detection(text)
    if len(LETTER_RE.findall(t)) < min_letters:
        return None, 0.0
    lang, prob = _identifier().classify(t)
    return lang, float(prob)


def prob_of(text: str, lang: str) -> float:
    """Probability the detector gives to `lang` for `text` (0.0 if unknown)."""
    ident = _identifier()
    for code, p in ident.rank(clean_for_detection(text)):
        if code == lang:
            return float(p)
    return 0.0
