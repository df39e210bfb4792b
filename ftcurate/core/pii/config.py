"""PII settings: which entities to look for, custom recognizers, the allow-list, and their validation.

Settings come from the project (`project.get_setting("pii")`), the check's config and CLI overrides, as
one JSON dict::

    {
      "entities": ["PERSON", "EMAIL_ADDRESS", ...],      # default: all built-in + custom entities
      "custom": [{"name": "order id", "entity": "ORDER_ID", "regex": "ORD-\\d{8}",
                  "context": ["order"], "score": 0.6, "severity": "medium"}],
      "allow_list": ["Acme Corp", "support@acme.com", "re:Agent \\w+"],
      "threshold": 0.5,                                  # minimum score of a finding
      "phone_regions": ["US", "GB", ...],                # regions for numbers written without +CC
      "model": null,                                     # spaCy package name or directory
      "n_process": null                                  # worker processes; null = automatic
    }

`PiiConfig.from_dict` validates everything up front and raises `ConfigError` naming the bad key and
value, so a typo fails before any text is scanned.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from ftcurate.core.errors import ConfigError

# Bump when recognizers or post-processing change, so cached results are not reused.
ENGINE_VERSION = "pii-7"

BUILTIN_ENTITIES: tuple[str, ...] = (
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN",
    "STREET_ADDRESS", "LOCATION", "URL", "ORDER_ID", "TRACKING_NUMBER", "ACCOUNT_NUMBER", "TICKET_ID",
)

# Structured identifiers that pin down one person or one account are "high"; names and street
# addresses identify people but are common in support text and need a human look ("medium"); URLs,
# IP addresses and place names rarely identify someone on their own ("low"), nor do a company's own
# order, tracking, account and ticket numbers, which are flagged so they are not trained in ("low").
SEVERITY: dict[str, str] = {
    "CREDIT_CARD": "high", "US_SSN": "high", "IBAN_CODE": "high", "EMAIL_ADDRESS": "high",
    "PHONE_NUMBER": "high", "PERSON": "medium", "STREET_ADDRESS": "medium", "URL": "low",
    "IP_ADDRESS": "low", "LOCATION": "low", "ORDER_ID": "low", "TRACKING_NUMBER": "low",
    "ACCOUNT_NUMBER": "low", "TICKET_ID": "low",
}

DEFAULT_PHONE_REGIONS: tuple[str, ...] = ("US", "GB", "CA", "AU", "IN", "IE", "NZ", "ZA", "DE", "FR")

_ENTITY_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_KEYS = ("entities", "custom", "allow_list", "threshold", "phone_regions", "model", "n_process")
_CUSTOM_KEYS = ("name", "entity", "regex", "context", "score", "severity")


@dataclass(frozen=True)
class CustomRecognizerSpec:
    """One project-specific regex recognizer (order numbers, account ids, ...)."""

    name: str
    entity: str
    regex: str
    context: tuple[str, ...] = ()
    score: float = 0.6
    severity: str = "medium"


@dataclass(frozen=True)
class PiiConfig:
    entities: tuple[str, ...] = BUILTIN_ENTITIES
    custom: tuple[CustomRecognizerSpec, ...] = ()
    allow_list: tuple[str, ...] = ()
    threshold: float = 0.5
    phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS
    model: str | None = None
    n_process: int | None = None
    _allow_res: tuple = field(default=(), compare=False, repr=False)

    # -- construction / validation ----------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, where: str = "pii settings") -> PiiConfig:
        """Validate a settings dict (see module docstring). Raises `ConfigError` on any bad value."""
        data = dict(data or {})
        unknown = [k for k in data if k not in _KEYS]
        if unknown:
            raise ConfigError(f"{where}: unknown key {unknown[0]!r}; expected one of {', '.join(_KEYS)}")
        custom = tuple(_custom_spec(c, i, where) for i, c in enumerate(_as_list(data.get("custom"), "custom", where)))
        names = [c.name for c in custom]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ConfigError(f"{where}: custom recognizer name {sorted(dupes)[0]!r} is used twice")
        known = list(BUILTIN_ENTITIES) + [c.entity for c in custom if c.entity not in BUILTIN_ENTITIES]
        entities = data.get("entities")
        if entities is None:
            entities = known
        else:
            entities = [str(e).strip().upper() for e in _as_list(entities, "entities", where)]
            for e in entities:
                if e not in known:
                    raise ConfigError(f"{where}: unknown PII entity {e!r} in 'entities'; known entities: "
                                      f"{', '.join(known)}")
        allow = []
        for i, a in enumerate(_as_list(data.get("allow_list"), "allow_list", where)):
            if not isinstance(a, str) or not a.strip():
                raise ConfigError(f"{where}: allow_list[{i}] must be a non-empty string, got {a!r}")
            allow.append(a.strip())
        allow_res = tuple(_compile(a[3:], f"{where}: allow_list[{i}]") for i, a in enumerate(allow)
                          if a.startswith("re:"))
        threshold = _number(data.get("threshold", 0.5), "threshold", where, 0.0, 1.0)
        regions = data.get("phone_regions")
        if regions is None:
            regions = list(DEFAULT_PHONE_REGIONS)
        else:
            import phonenumbers

            regions = [str(r).upper() for r in _as_list(regions, "phone_regions", where)]
            bad = [r for r in regions if r not in phonenumbers.SUPPORTED_REGIONS]
            if bad:
                raise ConfigError(f"{where}: unknown phone region {bad[0]!r} in 'phone_regions' "
                                  "(use two-letter ISO country codes such as US, GB, DE)")
        model = data.get("model")
        if model is not None and not isinstance(model, str):
            raise ConfigError(f"{where}: 'model' must be a spaCy package name or a directory, got {model!r}")
        n_process = data.get("n_process")
        if n_process is not None and (not isinstance(n_process, int) or n_process < 1):
            raise ConfigError(f"{where}: 'n_process' must be a positive integer or null, got {n_process!r}")
        return cls(entities=tuple(dict.fromkeys(entities)), custom=custom, allow_list=tuple(allow),
                   threshold=threshold, phone_regions=tuple(regions), model=model, n_process=n_process,
                   _allow_res=allow_res)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("_allow_res")
        d["custom"] = [asdict(c) for c in self.custom]
        for k in ("entities", "allow_list", "phone_regions"):
            d[k] = list(d[k])
        for c in d["custom"]:
            c["context"] = list(c["context"])
        return d

    # -- derived ----------------------------------------------------------------------------------
    def analysis_key(self, model_id: str) -> str:
        """Hash of everything that changes raw analysis results (not the allow-list or threshold,
        which are applied afterwards), used as the cache namespace."""
        blob = json.dumps({"v": ENGINE_VERSION, "model": model_id, "regions": self.phone_regions,
                           "custom": [asdict(c) for c in self.custom]}, sort_keys=True, default=list)
        return hashlib.blake2b(blob.encode(), digest_size=8).hexdigest()

    def severity_of(self, entity: str) -> str:
        for c in self.custom:
            if c.entity == entity:
                return c.severity
        return SEVERITY.get(entity, "medium")

    def is_allowed(self, value: str, text: str, start: int, end: int) -> bool:
        """True when the finding `text[start:end]` is covered by the allow-list.

        Plain entries match case-insensitively, either the whole finding or a phrase of the text that
        contains the finding (so "Acme Corp" also allows a "Acme" found inside it). Entries starting
        with "re:" are regular expressions that must match the whole finding.
        """
        v = value.strip().casefold()
        low = text.casefold()
        for a in self.allow_list:
            if a.startswith("re:"):
                continue
            af = a.casefold()
            if v == af:
                return True
            i = low.find(af)
            while i >= 0:
                if i <= start and end <= i + len(af):
                    return True
                i = low.find(af, i + 1)
        return any(rx.fullmatch(value.strip()) for rx in self._allow_res)


def _as_list(value: Any, key: str, where: str) -> list:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigError(f"{where}: {key!r} must be a list, got {value!r}")
    return list(value)


def _number(value: Any, key: str, where: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise ConfigError(f"{where}: {key!r} must be a number between {lo:g} and {hi:g}, got {value!r}")
    return float(value)


def _compile(pattern: str, what: str):
    import regex

    try:
        rx = regex.compile(pattern, regex.IGNORECASE | regex.MULTILINE | regex.DOTALL)
    except (regex.error, TypeError) as exc:
        raise ConfigError(f"{what}: invalid regular expression '{pattern}': {exc}") from None
    if rx.fullmatch(""):
        raise ConfigError(f"{what}: regular expression '{pattern}' matches the empty string")
    return rx


def _custom_spec(c: Any, i: int, where: str) -> CustomRecognizerSpec:
    what = f"{where}: custom[{i}]"
    if not isinstance(c, dict):
        raise ConfigError(f"{what} must be an object with name, entity and regex, got {c!r}")
    unknown = [k for k in c if k not in _CUSTOM_KEYS]
    if unknown:
        raise ConfigError(f"{what}: unknown key {unknown[0]!r}; expected {', '.join(_CUSTOM_KEYS)}")
    for k in ("name", "entity", "regex"):
        if not isinstance(c.get(k), str) or not c[k].strip():
            raise ConfigError(f"{what}: {k!r} is required and must be a non-empty string")
    name = c["name"].strip()
    what = f"{where}: custom recognizer {name!r}"
    entity = c["entity"].strip()
    if not _ENTITY_NAME.match(entity):
        raise ConfigError(f"{what}: entity {entity!r} must be UPPER_CASE letters, digits and _ (e.g. ORDER_ID)")
    _compile(c["regex"], what)
    context = c.get("context") or []
    if not isinstance(context, list) or not all(isinstance(w, str) and w.strip() for w in context):
        raise ConfigError(f"{what}: 'context' must be a list of words, got {context!r}")
    score = _number(c.get("score", 0.6), "score", what, 0.01, 1.0)
    severity = c.get("severity", "medium")
    if severity not in ("info", "low", "medium", "high"):
        raise ConfigError(f"{what}: severity must be one of info, low, medium, high, got {severity!r}")
    return CustomRecognizerSpec(name=name, entity=entity, regex=c["regex"],
                                context=tuple(w.strip().lower() for w in context), score=score,
                                severity=severity)
