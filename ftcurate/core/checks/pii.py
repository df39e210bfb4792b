"""The "pii" check: personal data in any turn of any example, one flag per finding.

Settings: the project's "pii" setting (custom recognizers, allow-list, entities; see
`ftcurate.core.pii.config`), overridden by this check's config. Every turn of every example is scanned;
identical turn texts (system prompts, sign-offs) are analysed once, and raw results are cached per
turn text hash under a namespace that includes the model and recognizer configuration, so a re-run
only analyses turns that changed. The spaCy model is not even loaded when everything is cached.

Flags: kind = entity type, turn/start/end = the span in `messages[turn]["content"]`, score = the
recognizer's confidence, severity per `ftcurate.core.pii.config.SEVERITY` (custom recognizers: their
own), data = {"role", "turn_hash" (to detect stale spans before redacting), "preview" (masked),
"country_only" (a LOCATION that is only a country name: low severity, skipped by default redaction)}.
Skipped: names/places inside the project's catalog product, brand and colour names, and fake values
that ftcurate's redaction inserted itself (recorded per turn text, so re-runs do not flag them again).
Summary: counts, plus `allow_list_candidates`: values found in at least 1 % of examples (and 20),
which are nearly always the company, a product or an agent's sign-off rather than a customer.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ftcurate.core.checks.base import Check, CheckContext, CheckResult, CheckSummary, Flag, register_check
from ftcurate.core.errors import ConfigError
from ftcurate.core.pii.addresses import is_country
from ftcurate.core.pii.config import PiiConfig
from ftcurate.core.pii.postprocess import Finding, finalize
from ftcurate.core.pii.redact import FAKES_NAMESPACE
from ftcurate.core.progress import Progress
from ftcurate.core.records import text_hash

LABELS = {"PERSON": "Person name", "EMAIL_ADDRESS": "E-mail address", "PHONE_NUMBER": "Phone number",
          "CREDIT_CARD": "Card number", "IBAN_CODE": "IBAN", "IP_ADDRESS": "IP address",
          "US_SSN": "US social security number", "STREET_ADDRESS": "Street address", "LOCATION": "Place name",
          "URL": "URL", "ORDER_ID": "Order number", "TRACKING_NUMBER": "Tracking number",
          "ACCOUNT_NUMBER": "Account number", "TICKET_ID": "Ticket number"}

_ANALYZER: dict[str, Any] = {}  # analysis key -> PiiAnalyzer, kept for the process (model load ~1 s)


def get_analyzer(config: PiiConfig):
    """A `PiiAnalyzer` for this configuration's recognizers, built once per process."""
    from ftcurate.core.pii.engine import PiiAnalyzer
    from ftcurate.core.pii.model import resolve_model

    key = config.analysis_key(resolve_model(config.model)[0])
    if key not in _ANALYZER:
        while len(_ANALYZER) >= 2:  # keep at most two (e.g. before/after editing custom recognizers)
            _ANALYZER.pop(next(iter(_ANALYZER)))
        _ANALYZER[key] = PiiAnalyzer(config)
    return _ANALYZER[key]


def pii_config(ctx_config: dict[str, Any], project=None) -> PiiConfig:
    """Project "pii" setting overridden by the check config, validated."""
    settings = dict(project.get_setting("pii") or {}) if project is not None else {}
    if not isinstance(settings, dict):
        raise ConfigError(f"project setting 'pii' must be an object, got {settings!r}")
    settings.update(ctx_config or {})
    return PiiConfig.from_dict(settings, where="pii settings")


def masked_preview(value: str) -> str:
    """'jo************' style preview: enough to recognise a finding without repeating it."""
    keep = 2 if len(value) > 5 else 1 if len(value) > 2 else 0
    return value[:keep] + "*" * (len(value) - keep)


NAME_LIKE = frozenset({"PERSON", "LOCATION"})
_CATALOG_KEYS = ("product", "brand", "vendor")
_CATALOG_LISTS = ("colors",)  # "Brown, Grey": each value is a name of its own


class CatalogNames:
    """Product, brand and colour names from the project's catalog imports (`metadata.product`, `brand`,
    `vendor`, `colors`).

    spaCy readily takes a capitalised product word for a person or a place ("Is the Ember camp stove
    waterproof?"); a name or place finding that lies inside one of the project's own product names,
    as written in the text (any case), is the product, not personal data.
    """

    def __init__(self, names: set[str]) -> None:
        self.by_word: dict[str, list[str]] = {}
        for name in names:
            for word in set(name.split()):
                self.by_word.setdefault(word, []).append(name)

    @classmethod
    def from_frame(cls, frame) -> CatalogNames:
        names: set[str] = set()
        if "metadata" in frame.columns:
            for raw in frame["metadata"].to_list():
                if not raw or '"product"' not in raw and '"brand"' not in raw:
                    continue
                meta = json.loads(raw)
                for key in _CATALOG_KEYS:
                    value = meta.get(key)
                    if isinstance(value, str) and value.strip():
                        names.add(" ".join(value.casefold().split()))
                for key in _CATALOG_LISTS:
                    value = meta.get(key)
                    if isinstance(value, str):
                        names.update(" ".join(v.casefold().split()) for v in value.split(",") if v.strip())
        return cls(names)

    def covers(self, text: str, start: int, end: int) -> bool:
        words = text[start:end].casefold().split()
        if not words or not self.by_word:
            return False
        low = text.casefold()
        for name in self.by_word.get(words[0], ()):
            i = low.find(name)
            while i >= 0:
                if i <= start and end <= i + len(name):
                    return True
                i = low.find(name, i + 1)
        return False


@register_check
class PiiCheck(Check):
    name = "pii"
    columns = ("id", "messages", "metadata")
    title = "Personal data (PII)"
    description = ("Names, e-mail addresses, phone numbers, card numbers, IBANs, SSNs, IP addresses, street "
                   "addresses, places, URLs and project-specific identifiers in any turn.")
    defaults: dict[str, Any] = {}

    def validate_config(self, config: dict[str, Any]) -> None:
        PiiConfig.from_dict(config, where="check 'pii' config")

    def run(self, ctx: CheckContext, progress: Progress) -> CheckResult:
        cfg = pii_config(ctx.config, ctx.project)
        frame = ctx.frame
        ids = frame["id"].to_list() if len(frame) else []
        msgs = frame["messages"].to_list() if len(frame) else []
        # (example_id, turn, role, hash) for every non-empty turn; texts by hash, analysed once.
        turns: list[tuple[int, int, str, str]] = []
        texts: dict[str, str] = {}
        for ex_id, raw in zip(ids, msgs, strict=True):
            for t, m in enumerate(json.loads(raw) if raw else []):
                content = m.get("content") or ""
                if not content.strip():
                    continue
                h = text_hash(content)
                texts.setdefault(h, content)
                turns.append((ex_id, t, m.get("role", ""), h))
        from ftcurate.core.pii.model import resolve_model

        model_id = resolve_model(cfg.model)[0]
        namespace = f"pii:{cfg.analysis_key(model_id)}"
        raw_by_hash: dict[str, list[Finding]] = {}
        if ctx.project is not None and texts:
            for h, blob in ctx.project.cache_get(namespace, list(texts)).items():
                raw_by_hash[h] = [Finding(*f) for f in json.loads(blob)]
        todo = [h for h in texts if h not in raw_by_hash]
        if todo:
            progress.set_status(f"PII: analysing {len(todo)} texts")
            progress.set_total(len(todo))
            analyzer = get_analyzer(cfg)
            results = analyzer.analyze_many([texts[h] for h in todo], progress)
            fresh = dict(zip(todo, results, strict=True))
            raw_by_hash.update(fresh)
            if ctx.project is not None:
                ctx.project.cache_put(namespace, {h: json.dumps([list(f) for f in fs]).encode()
                                                  for h, fs in fresh.items()})
        progress.check_cancelled()
        final: dict[str, list[Finding]] = {}
        flags: list[Flag] = []
        catalog = CatalogNames.from_frame(frame)
        # fakes that ftcurate's own redaction inserted (see redact.FAKES_NAMESPACE) are not PII again
        fakes = {h: json.loads(v) for h, v in ctx.project.cache_get(FAKES_NAMESPACE, list(texts)).items()} \
            if ctx.project is not None and texts else {}
        for ex_id, t, role, h in turns:
            if h not in final:
                inserted = fakes.get(h, [])
                final[h] = [f for f in finalize(texts[h], raw_by_hash[h], cfg)
                            if not (f.entity in NAME_LIKE and catalog.covers(texts[h], f.start, f.end))
                            and not any(f.start < e and s < f.end for s, e, *_ in inserted)]
            for f in final[h]:
                value = texts[h][f.start:f.end]
                data = {"role": role, "turn_hash": h, "preview": masked_preview(value)}
                severity = cfg.severity_of(f.entity)
                if f.entity == "LOCATION" and is_country(value):
                    # a country alone is not personal data: low at most, and not redacted by default
                    data["country_only"] = True
                    severity = "low" if severity in ("medium", "high") else severity
                flags.append(Flag(
                    example_id=int(ex_id), check=self.name, severity=severity,
                    message=f"{LABELS.get(f.entity, f.entity)} in the {role or 'unknown'} message (turn {t + 1})",
                    kind=f.entity, turn=t, start=f.start, end=f.end, score=round(float(f.score), 3),
                    data=data))
        by_kind = Counter(f.kind for f in flags)
        # The same value in many examples is usually the company, product or an agent's sign-off, not
        # a customer: offer those as allow-list candidates instead of making a person find them.
        spread: dict[tuple[str, str], set[int]] = {}
        for f in flags:
            if f.kind in ("PERSON", "LOCATION", "EMAIL_ADDRESS", "PHONE_NUMBER", "URL", "STREET_ADDRESS"):
                key = (f.kind, texts[f.data["turn_hash"]][f.start:f.end])
                spread.setdefault(key, set()).add(f.example_id)
        least = max(20, len(ids) // 100)
        candidates = sorted(((len(v), k) for k, v in spread.items() if len(v) >= least), reverse=True)[:10]
        summary = {
            "examples": len(ids), "turns": len(turns), "unique_texts": len(texts), "analysed": len(todo),
            "from_cache": len(texts) - len(todo), "findings": len(flags), "model": model_id, "threshold": cfg.threshold,
            "allow_list_candidates": [{"kind": k, "value": v, "examples": n} for n, (k, v) in candidates],
        }
        return CheckResult(flags=flags, summary=CheckSummary.of(flags, by_kind=dict(by_kind.most_common()),
                                                                details=summary))
