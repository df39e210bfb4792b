"""The PII analyzer: one presidio `AnalyzerEngine` over a NER-only spaCy pipeline, run in batches.

`PiiAnalyzer(config)` builds the engine once (loading the model takes about a second once spaCy and
presidio are imported); then `analyze_many(texts)` returns raw findings for every text: spaCy runs over
batches with `nlp.pipe`, and on large inputs the texts are split across worker processes, forked
from a single-threaded process (the CLI: workers share the loaded engine) and spawned otherwise (the
GUI's worker thread: each builds its own). `finalize` (see `postprocess`) turns raw findings into
what a person sees.

Recognizers: spaCy NER for PERSON and LOCATION (GPE/LOC), cue patterns for names, stock presidio
recognizers for e-mail, IP and URL (behind cheap pre-checks), and this package's validated
recognizers for phone numbers, cards, IBANs, SSNs, street addresses (many countries' layouts),
country names, and support identifiers (order, tracking, account, ticket numbers), plus the project's
custom regexes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ftcurate.core.pii.config import BUILTIN_ENTITIES, PiiConfig
from ftcurate.core.pii.postprocess import Finding, finalize

if TYPE_CHECKING:
    from ftcurate.core.progress import Progress

# Below this many texts a second process costs more to start than it saves: a forked worker starts in
# well under a second, a spawned one imports spaCy and presidio and loads the model (5-10 s here).
PARALLEL_MIN_TEXTS = 2000
PARALLEL_MIN_TEXTS_SPAWN = 10000
BATCH_SIZE = 64
# spaCy batch: larger batches make the NER's matrix products more efficient (the md model: ~25 % less
# CPU per text at 256 than at 64 on short support messages); progress still advances every BATCH_SIZE.
NLP_BATCH_SIZE = 256
RAW_FLOOR = 0.05  # raw results under this score are never kept (not even in the cache)
_WARM_UP = ("Hi, I'm Ana Silva from Lisbon: ana@example.com, +1 415 555 2671, 4111 1111 1111 1111, "
            "DE89 3704 0044 0532 0130 00, 123-45-6789, 10.0.0.1, https://example.com, 12 Main Street.")


class PiiAnalyzer:
    """Analyzer for one configuration. Build once per run; not thread-safe (spaCy is not)."""

    def __init__(self, config: PiiConfig | None = None) -> None:
        from ftcurate.core.pii import _presidio

        _presidio.load()
        from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer

        from ftcurate.core.pii import recognizers as R
        from ftcurate.core.pii import recognizers_text as RT
        from ftcurate.core.pii.model import load_ner_pipeline
        from ftcurate.core.pii.nlp import LeanContextEnhancer, NerOnlySpacyNlpEngine
        from ftcurate.core.pii.support_ids import SupportIdRecognizer

        logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
        self.config = config or PiiConfig()
        self.nlp, self.model_id = load_ner_pipeline(self.config.model)
        nlp_engine = NerOnlySpacyNlpEngine(self.nlp, self.model_id)
        recognizers = [
            SpacyRecognizer(supported_entities=["PERSON", "LOCATION"]),
            RT.PersonCueRecognizer(), RT.StreetAddressRecognizer(), RT.CountryRecognizer(), SupportIdRecognizer(),
            R.FastEmailRecognizer(), R.FastIpRecognizer(), R.FastUrlRecognizer(), R.ValidatedIbanRecognizer(),
            R.IntlPhoneRecognizer(self.config.phone_regions), R.ValidatedCardRecognizer(),
            R.ValidatedSsnRecognizer(),
        ]
        for spec in self.config.custom:
            recognizers.append(PatternRecognizer(
                supported_entity=spec.entity, name=f"custom:{spec.name}",
                patterns=[Pattern(spec.name, spec.regex, spec.score)], context=list(spec.context) or None))
        registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["en"])
        self.entities = list(dict.fromkeys([*BUILTIN_ENTITIES, *(c.entity for c in self.config.custom)]))
        self.engine = AnalyzerEngine(
            registry=registry, nlp_engine=nlp_engine, supported_languages=["en"],
            context_aware_enhancer=LeanContextEnhancer(context_prefix_count=6, context_suffix_count=3))
        self.cache_key = self.config.analysis_key(self.model_id)
        # Compile every recognizer's patterns now (presidio compiles lazily on first match attempt), so
        # forked workers inherit them and the first batch is not slower than the rest.
        self.analyze_raw([_WARM_UP])

    # -- raw analysis -----------------------------------------------------------------------------
    def analyze_raw(self, texts: Sequence[str], progress: Progress | None = None,
                    batch_size: int = BATCH_SIZE) -> list[list[Finding]]:
        """Raw findings for each text, in this process (spaCy batched with `nlp.pipe`)."""
        out: list[list[Finding]] = []
        docs = self.engine.nlp_engine.process_batch(list(texts), "en", batch_size=max(batch_size, NLP_BATCH_SIZE))
        for i, (text, artifacts) in enumerate(docs):
            results = self.engine.analyze(text=text, language="en", entities=self.entities,
                                          nlp_artifacts=artifacts, score_threshold=RAW_FLOOR)
            out.append(sorted(Finding(r.entity_type, r.start, r.end, round(float(r.score), 4))
                              for r in results))
            if progress is not None and i % batch_size == batch_size - 1:
                progress.advance(batch_size)
                progress.check_cancelled()
        if progress is not None:
            progress.advance(len(out) % batch_size)
        return out

    def analyze_many(self, texts: Sequence[str], progress: Progress | None = None,
                     n_process: int | None = None, start_method: str | None = None) -> list[list[Finding]]:
        """Raw findings for each text, using worker processes for large inputs.

        n_process: workers; default `config.n_process`, else 2 (or the CPU count if lower) when there
        are at least PARALLEL_MIN_TEXTS texts (PARALLEL_MIN_TEXTS_SPAWN when workers must be spawned),
        else 1 (in this process).
        start_method: "fork" or "spawn" to force one (benchmarks); default: fork when safe.
        """
        n = n_process or self.config.n_process
        if n is None:
            method = start_method or _start_method()
            least = PARALLEL_MIN_TEXTS if method == "fork" else PARALLEL_MIN_TEXTS_SPAWN
            n = min(2, os.cpu_count() or 1) if len(texts) >= least else 1
        if n <= 1 or len(texts) < 2 * BATCH_SIZE:
            return self.analyze_raw(texts, progress)
        return _analyze_in_workers(self, list(texts), n, progress, start_method)

    # -- convenience ------------------------------------------------------------------------------
    def finalize(self, text: str, raw: list[Finding]) -> list[Finding]:
        return finalize(text, raw, self.config)

    def analyze(self, text: str) -> list[Finding]:
        """Final findings for one text (tests, previews)."""
        return self.finalize(text, self.analyze_raw([text])[0])


# -- worker processes --------------------------------------------------------------------------------
_WORKER: PiiAnalyzer | None = None


def _worker_init(config_dict: dict) -> None:
    """Spawned worker: build its own analyzer. torch is hidden first: spaCy's thinc imports it when
    installed (seconds of start-up) but never uses it for these CPU pipelines."""
    global _WORKER
    import sys

    if "trf" not in str(config_dict.get("model") or ""):  # transformer pipelines do need torch
        sys.modules.setdefault("torch", None)  # type: ignore[arg-type]
    _WORKER = PiiAnalyzer(PiiConfig.from_dict(config_dict))


def _worker_run(texts: list[str]) -> list[list[tuple]]:
    assert _WORKER is not None
    return [[tuple(f) for f in fs] for fs in _WORKER.analyze_raw(texts)]


def _start_method() -> str:
    """"fork" shares the loaded analyzer instantly, but only a single-threaded process may fork safely
    (the GUI runs checks on a worker thread); otherwise "spawn"."""
    import multiprocessing as mp
    import threading

    if "fork" in mp.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _analyze_in_workers(analyzer: PiiAnalyzer, texts: list[str], n: int, progress: Progress | None,
                        start_method: str | None = None) -> list[list[Finding]]:
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    global _WORKER
    method = start_method or _start_method()
    chunk = max(BATCH_SIZE, min(512, len(texts) // (n * 8) or BATCH_SIZE))
    results: list[list[Finding]] = [[] for _ in texts]
    if method == "fork":
        _WORKER = analyzer  # inherited by the forked workers
        ex = ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("fork"))
    else:
        ex = ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("spawn"),
                                 initializer=_worker_init, initargs=(analyzer.config.to_dict(),))
    try:
        futures = {ex.submit(_worker_run, texts[s:s + chunk]): s for s in range(0, len(texts), chunk)}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in done:
                s = futures[fut]
                part = fut.result()
                for j, fs in enumerate(part):
                    results[s + j] = [Finding(*f) for f in fs]
                if progress is not None:
                    progress.advance(len(part))
            if progress is not None:
                progress.check_cancelled()
    except BaseException:
        ex.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        if method == "fork":
            _WORKER = None
    ex.shutdown(wait=True)
    return results
