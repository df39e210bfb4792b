"""presidio `NlpEngine` over an already loaded, NER-only spaCy pipeline.

presidio's own `SpacyNlpEngine.load()` loads a model by name (and downloads it when missing); here the
pipeline is loaded by `ftcurate.core.pii.model` from its package directory with everything but NER
excluded. Without a lemmatizer, the lower-cased token text stands in for lemmas: presidio's context
enhancer matches context words as substrings, so "cards" still supports "card".

This module imports presidio at import time; import it lazily.
"""

from __future__ import annotations

from ftcurate.core.pii import _presidio

_presidio.load()

from presidio_analyzer import RecognizerResult  # noqa: E402
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer  # noqa: E402
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine  # noqa: E402
from spacy.tokens import Span  # noqa: E402

# spaCy label -> presidio entity. FAC is left out: on WNUT-17 dev it added nothing, and in support
# text the small model tags product names ("Echo Dot") as FAC; streets are found by the address
# recognizer instead.
SPACY_TO_ENTITY = {"PERSON": "PERSON", "PER": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION"}
NER_SCORE = 0.85
CONFIDENT = 0.75  # results scored this high are not raised by context words (see LeanContextEnhancer)


class NerOnlySpacyNlpEngine(SpacyNlpEngine):
    """Wraps `nlp` (a loaded spaCy Language) for presidio; entities limited to SPACY_TO_ENTITY."""

    def __init__(self, nlp, model_id: str, label_map: dict[str, str] | None = None) -> None:
        self.label_map = dict(label_map or SPACY_TO_ENTITY)
        super().__init__(
            models=[{"lang_code": "en", "model_name": model_id}],
            ner_model_configuration=NerModelConfiguration(
                model_to_presidio_entity_mapping=self.label_map, default_score=NER_SCORE))
        self.nlp = {"en": nlp}

    def load(self) -> None:
        """Already loaded in __init__ (never downloads)."""

    def get_supported_entities(self) -> list[str]:
        return sorted(set(self.label_map.values()))

    def _doc_to_nlp_artifact(self, doc, language: str) -> NlpArtifacts:
        ents = [Span(doc, e.start, e.end, label=self.label_map[e.label_])
                for e in doc.ents if e.label_ in self.label_map]
        return LazyNlpArtifacts(doc, ents, self, language)


class LazyNlpArtifacts(NlpArtifacts):
    """NlpArtifacts whose token lists are built on first use.

    presidio's context enhancer reads lemmas/keywords/token offsets only for texts where a recognizer
    with context words found something; building them for every text cost more than the recognizers.
    """

    def __init__(self, doc, entities, nlp_engine, language: str) -> None:  # noqa: D107 - no super: lazy
        self.tokens = doc
        self.entities = entities
        self.scores = [NER_SCORE] * len(entities)
        self.nlp_engine = nlp_engine
        self.language = language
        self._lemmas = self._indices = self._keywords = None

    @property
    def lemmas(self) -> list[str]:
        if self._lemmas is None:
            self._lemmas = [t.lower_ for t in self.tokens]
        return self._lemmas

    @property
    def tokens_indices(self) -> list[int]:
        if self._indices is None:
            self._indices = [t.idx for t in self.tokens]
        return self._indices

    @property
    def keywords(self) -> list[str]:
        if self._keywords is None:
            self._keywords = NlpArtifacts.set_keywords(self.nlp_engine, self.lemmas, self.language)
        return self._keywords


class LeanContextEnhancer(LemmaContextAwareEnhancer):
    """presidio's lemma context enhancer, run only on results of recognizers that have context words
    and scored under CONFIDENT; skipped (no deep copy, no token lists) for texts with none: most texts,
    all NER-only findings, and validated structured findings."""

    def enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
        with_context = {r.id for r in recognizers if r.context}
        key = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY
        # Context can only matter for results a threshold might drop: one already scored at least
        # CONFIDENT keeps its score (presidio would raise it further, to no effect on what is shown).
        weak = [r for r in raw_results
                if (r.recognition_metadata or {}).get(key) in with_context and r.score < CONFIDENT]
        if not context and not weak:
            return raw_results
        if context:
            return super().enhance_using_context(text, raw_results, nlp_artifacts, recognizers, context)
        rest = [r for r in raw_results if not any(r is w for w in weak)]
        return rest + super().enhance_using_context(text, weak, nlp_artifacts, recognizers, context)
