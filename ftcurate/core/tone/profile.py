"""Style profile of each assistant output: one row of `FEATURES` per text.

Values are transformed so that a robust centre (median) and spread (MAD) are meaningful: counts of
marker words are `log1p(count)`, contractions are per 100 words, "we" is the share of first-person
pronouns that are plural (NaN when the text has none), greeting and sign-off are 0/1.

Style markers are cached in the project by text hash (namespace `CACHE_NS`), and tagged texts by
`FormalityScorer`, so re-running the tone check after edits profiles only the answers that changed;
formality is looked up again for every answer (see `cached_profiles`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ftcurate.core.progress import Progress
from ftcurate.core.records import text_hash
from ftcurate.core.tone.formality import FormalityScorer
from ftcurate.core.tone.surface import reading_grade, surface_features

if TYPE_CHECKING:
    from ftcurate.core.store import Project

FEATURES = ("formality", "polite", "rude", "negative", "exclaim", "emoji", "caps", "contractions", "slang",
            "we", "greeting", "signoff", "sent_len", "grade", "words")
IDX = {name: i for i, name in enumerate(FEATURES)}
# Smallest spread used for each feature, so that a house voice with no variation at all (every answer
# without emoji) still gives a finite, meaningful distance for the first emoji.
FLOORS = np.array([4.0, 0.35, 0.25, 0.35, 0.35, 0.2, 0.5, 2.0, 0.2, 0.25, 0.5, 0.5, 4.0, 2.0, 0.5])
CACHE_NS = "tone.surface.v1"  # per text hash: the style markers (every feature but formality)


def surface_row(text: str) -> list[float]:
    """The profile of one text without formality (that column is NaN here)."""
    s = surface_features(text)
    log1p = math.log1p
    first_person = s.we + s.i
    return [
        math.nan,
        log1p(s.polite), log1p(s.rude), log1p(s.negative), log1p(s.exclaim), log1p(s.emoji), log1p(s.caps),
        min(50.0, 100.0 * s.contractions / s.words) if s.words else 0.0,
        log1p(s.slang),
        s.we / first_person if first_person else math.nan,
        float(s.greeting), float(s.signoff),
        min(80.0, s.words / s.sentences) if s.words else 0.0,
        reading_grade(s),
        log1p(s.words),
    ]


def profile_texts(texts: list[str], scorer: FormalityScorer | None = None,
                  progress: Progress | None = None) -> np.ndarray:
    """Profile texts (no cache). Returns float32 array (len(texts), len(FEATURES)).

    Progress: total = 2 * distinct texts (formality pass, then surface pass); honours cancellation.
    """
    progress = progress or Progress()
    uniq: dict[str, int] = {}
    idx = np.fromiter((uniq.setdefault(t or "", len(uniq)) for t in texts), dtype=np.int64, count=len(texts))
    utexts = list(uniq)
    out = np.empty((len(utexts), len(FEATURES)), dtype=np.float32)
    progress.set_total(2 * len(utexts))
    progress.set_status("Tone: part-of-speech formality")
    scorer = scorer or FormalityScorer()
    out[:, 0] = scorer.score(utexts, progress) if utexts else 0
    progress.set_status("Tone: style markers")
    progress.set_progress(len(utexts))
    out[:, 1:] = _surface(utexts, progress)
    progress.set_progress(2 * len(utexts))
    no_words = out[:, IDX["words"]] == 0
    out[no_words, 0] = np.nan
    return out[idx]


def _surface(texts: list[str], progress: Progress) -> np.ndarray:
    out = np.empty((len(texts), len(FEATURES) - 1), dtype=np.float32)
    for k, t in enumerate(texts):
        out[k] = surface_row(t)[1:]
        if k % 2000 == 1999:
            progress.advance(2000)
            progress.check_cancelled()
    return out


def cached_profiles(project: Project | None, texts: list[str], scorer: FormalityScorer | None = None,
                    progress: Progress | None = None) -> np.ndarray:
    """`profile_texts` through the project's caches (no cache when project is None).

    The style markers of each text are cached by text hash (`CACHE_NS`); formality is scored for all
    texts on every run (`FormalityScorer` caches each tagged text itself), because with more than
    `sample` * 1.5 texts it depends on the lexicon learnt from the project's sample. So a re-check
    after edits gives what a check from scratch gives, and tags only texts it has not seen.
    """
    if project is None:
        return profile_texts(texts, scorer, progress)
    progress = progress or Progress()
    uniq: dict[str, int] = {}
    idx = np.fromiter((uniq.setdefault(t or "", len(uniq)) for t in texts), dtype=np.int64, count=len(texts))
    utexts = list(uniq)
    keys = [text_hash(t) for t in utexts]
    found = project.cache_get(CACHE_NS, keys)
    width = len(FEATURES) - 1
    out = np.empty((len(utexts), len(FEATURES)), dtype=np.float32)
    progress.set_total(2 * len(utexts))
    progress.set_status("Tone: part-of-speech formality")
    if scorer is None:
        scorer = FormalityScorer(project=project)
    elif scorer.project is None:
        scorer.project = project
    out[:, 0] = scorer.score(utexts, progress) if utexts else 0
    progress.set_status("Tone: style markers")
    progress.set_progress(len(utexts))
    missing = [i for i, k in enumerate(keys) if k not in found]
    if missing:
        rows = _surface([utexts[i] for i in missing], progress)
        out[missing, 1:] = rows
        project.cache_put(CACHE_NS, {keys[i]: rows[j].tobytes() for j, i in enumerate(missing)})
    for i, k in enumerate(keys):
        b = found.get(k)
        if b is not None:
            out[i, 1:] = np.frombuffer(b, dtype=np.float32, count=width)
    progress.set_progress(2 * len(utexts))
    no_words = out[:, IDX["words"]] == 0
    out[no_words, 0] = np.nan
    return out[idx]
