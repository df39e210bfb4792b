"""Surface style features of one text: pure Python, no model, ~50 µs per short answer.

`surface_features(text)` returns the raw measurements the tone profile is built from;
`surface_hits(text)` returns the words behind them, used only to explain a flag in plain words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ftcurate.core.tone.lexicon import (
    CONTRACTION_SUFFIXES,
    GREETING_RE,
    I_BIT,
    NEG_BIT,
    POLITE_BIT,
    POLITE_PHRASE_RE,
    RUDE_BIT,
    RUDE_PHRASE_RE,
    S_CONTRACTIONS,
    SIGNOFF_RE,
    SLANG_BIT,
    WE_BIT,
    WORD_CLASS,
)

WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*")
SENT_SPLIT_RE = re.compile(r"[.!?]+(?=\s|$)|\n+")
LIST_MARKER_RE = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•])\s+", re.MULTILINE)  # "1. " is no sentence end
HAS_LETTER_RE = re.compile(r"[A-Za-z]")
EMOJI_RE = re.compile(
    "[\U0001F300-\U0001FAFF\U0001F000-\U0001F2FF\u2600-\u27BF\u2B50\u2B55\u2764\u203C\u2049]"
    r"|(?<![\w:/])[:;=]-?[)(DPp](?![\w/])|<3")
VOWEL_GROUP_RE = re.compile(r"[aeiouy]+")
SUBJECT_DROP_RE = re.compile(r"\s*(?:need|want|wanna|gotta|hope|guess|dunno|got to|trying to) ")
CAPS_MIN = 3


@dataclass
class Surface:
    """Raw counts for one text (see `surface_features`)."""

    words: int = 0
    sentences: int = 0
    syllables: int = 0
    polite: int = 0
    rude: int = 0
    negative: int = 0
    exclaim: int = 0
    emoji: int = 0
    caps: int = 0
    contractions: int = 0
    slang: int = 0
    we: int = 0
    i: int = 0
    greeting: bool = False
    signoff: bool = False


@dataclass
class Hits:
    """The words that made a text score on each class (for explanations)."""

    slang: list[str] = field(default_factory=list)
    rude: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    emoji: list[str] = field(default_factory=list)
    caps: list[str] = field(default_factory=list)


def _syllables(word: str) -> int:
    w = word.lower()
    n = len(VOWEL_GROUP_RE.findall(w))
    if n > 1 and w.endswith("e") and not w.endswith(("le", "ee")):
        n -= 1
    return max(1, n)


CONTRACTION_FLAG, CAPS_FLAG = 1, 2


@lru_cache(maxsize=200_000)
def _word_info(w: str) -> tuple[int, int, int]:
    """(class bits, syllables, flags) of one word as written; cached, since words repeat (Zipf)."""
    lw = w.lower()
    c = WORD_CLASS.get(lw, 0)
    if w == "i" or (lw.startswith("i'") and w[0] == "i"):
        c |= SLANG_BIT  # a lower-case "i" is textspeak
    flags = 0
    if "'" in lw and (lw.endswith(CONTRACTION_SUFFIXES) or lw in S_CONTRACTIONS):
        flags |= CONTRACTION_FLAG
    if len(w) >= CAPS_MIN and w.isupper() and w.isalpha():
        flags |= CAPS_FLAG
    # Vowel groups are a cheap syllable estimate; exact counts do not matter for a grade level.
    return c, (_syllables(w) if len(w) > 3 else 1), flags


def surface_features(text: str, hits: Hits | None = None) -> Surface:
    """Measure one text. Never raises; an empty text gives all zeros.

    Args:
        text: the answer.
        hits: when given, filled with the words behind the slang/rude/negative/emoji/caps counts.
    """
    s = Surface()
    if not text or not text.strip():
        return s
    if "’" in text:
        text = text.replace("’", "'")
    words = WORD_RE.findall(text)
    s.words = len(words)
    syl = 0
    caps: set[str] = set()
    info = _word_info
    for w in words:
        c, n_syl, flags = info(w)
        syl += n_syl
        if flags:
            if flags & CONTRACTION_FLAG:
                s.contractions += 1
            if flags & CAPS_FLAG:
                caps.add(w)  # distinct: an acronym repeated five times is not shouting
        if c:
            if c & SLANG_BIT:
                s.slang += 1
                if hits is not None:
                    hits.slang.append(w)
            if c & RUDE_BIT:
                s.rude += 1
                if hits is not None:
                    hits.rude.append(w)
            if c & NEG_BIT:
                s.negative += 1
                if hits is not None:
                    hits.negative.append(w)
            if c & POLITE_BIT:
                s.polite += 1
            if c & WE_BIT:
                s.we += 1
            if c & I_BIT:
                s.i += 1
    s.syllables = syl
    s.caps = len(caps)
    if hits is not None:
        hits.caps.extend(sorted(caps))
    body = LIST_MARKER_RE.sub("", text) if "\n" in text else text
    s.sentences = max(1, sum(1 for part in SENT_SPLIT_RE.split(body) if HAS_LETTER_RE.search(part)))
    s.exclaim = text.count("!")
    emojis = EMOJI_RE.findall(text)
    s.emoji = len(emojis)
    if hits is not None:
        hits.emoji.extend(emojis)
    low = text.lower()
    s.polite += len(POLITE_PHRASE_RE.findall(low))
    rude_phrases = RUDE_PHRASE_RE.findall(low)
    s.rude += len(rude_phrases)
    if hits is not None:
        hits.rude.extend(rude_phrases)
    dropped = SUBJECT_DROP_RE.match(low)
    if dropped:  # "need help with my order": the subject is left out, as in chat
        s.slang += 1
        if hits is not None:
            hits.slang.append(dropped.group(0).strip() + " …")
    s.greeting = bool(GREETING_RE.match(low[:80]))
    s.signoff = bool(SIGNOFF_RE.search(low[-160:]))
    return s


def reading_grade(s: Surface) -> float:
    """Flesch-Kincaid grade level, clipped to [-3, 25]."""
    if not s.words:
        return 0.0
    g = 0.39 * s.words / s.sentences + 11.8 * s.syllables / s.words - 15.59
    return float(min(25.0, max(-3.0, g)))


def log_count(n: int) -> float:
    return math.log1p(n)
