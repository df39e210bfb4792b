"""PII settings validation and the allow-list (no model needed)."""

from __future__ import annotations

import pytest

from ftcurate.core.checks.pii import PiiCheck
from ftcurate.core.errors import ConfigError
from ftcurate.core.pii.config import BUILTIN_ENTITIES, PiiConfig
from ftcurate.core.pii.postprocess import Finding, finalize, resolve_overlaps


def test_defaults_cover_all_builtin_entities():
    cfg = PiiConfig.from_dict({})
    assert cfg.entities == BUILTIN_ENTITIES
    assert cfg.threshold == 0.5
    assert cfg.severity_of("CREDIT_CARD") == "high"
    assert cfg.severity_of("PERSON") == "medium"
    assert cfg.severity_of("URL") == "low"


@pytest.mark.parametrize("settings, needle", [
    ({"entities": ["PERSON", "PASSPORT"]}, "unknown PII entity 'PASSPORT'"),
    ({"custom": [{"name": "order", "entity": "ORDER_ID", "regex": "ORD-(\\d{8}"}]}, "invalid regular expression"),
    ({"custom": [{"name": "order", "entity": "order id", "regex": "ORD-\\d+"}]}, "UPPER_CASE"),
    ({"custom": [{"name": "any", "entity": "ANY", "regex": "x*"}]}, "matches the empty string"),
    ({"custom": [{"name": "o", "entity": "ORDER_ID", "regex": "ORD", "score": 2}]}, "between"),
    ({"custom": [{"entity": "ORDER_ID", "regex": "ORD"}]}, "'name' is required"),
    ({"custom": [{"name": "o", "entity": "O", "regex": "x", "colour": "red"}]}, "unknown key 'colour'"),
    ({"allow_list": ["re:[unclosed"]}, "invalid regular expression"),
    ({"allow_list": "Acme"}, "must be a list"),
    ({"threshold": 1.5}, "threshold"),
    ({"phone_regions": ["US", "XX"]}, "unknown phone region 'XX'"),
    ({"allowlist": ["Acme"]}, "unknown key 'allowlist'"),
])
def test_bad_settings_raise_config_error_naming_the_problem(settings, needle):
    with pytest.raises(ConfigError) as err:
        PiiConfig.from_dict(settings)
    assert needle in str(err.value)


def test_check_validates_its_config():
    with pytest.raises(ConfigError, match="unknown PII entity"):
        PiiCheck().validate_config({"entities": ["NOPE"]})
    PiiCheck().validate_config({"entities": ["PERSON"], "threshold": 0.7})


def test_custom_entities_become_known_and_keep_their_severity():
    cfg = PiiConfig.from_dict({"custom": [{"name": "order", "entity": "ORDER_ID", "regex": "ORD-\\d{8}",
                                           "context": ["order"], "severity": "low"}],
                               "entities": ["ORDER_ID", "EMAIL_ADDRESS"]})
    assert cfg.entities == ("ORDER_ID", "EMAIL_ADDRESS")
    assert cfg.severity_of("ORDER_ID") == "low"


def test_analysis_key_ignores_allow_list_and_threshold_but_not_custom_recognizers():
    a = PiiConfig.from_dict({})
    b = PiiConfig.from_dict({"allow_list": ["Acme"], "threshold": 0.8, "entities": ["PERSON"]})
    c = PiiConfig.from_dict({"custom": [{"name": "o", "entity": "ORDER_ID", "regex": "ORD-\\d+"}]})
    assert a.analysis_key("m") == b.analysis_key("m")
    assert a.analysis_key("m") != c.analysis_key("m")
    assert a.analysis_key("m") != a.analysis_key("other-model")


def test_allow_list_matches_exact_phrase_containing_phrase_and_regex():
    text = "Thanks, Acme Support team. Write to support@acme.com or to jo@mail.com. Agent Maya"
    cfg = PiiConfig.from_dict({"allow_list": ["acme support", "support@acme.com", "re:Maya|Leo"]})
    def at(value, entity, score=0.9):
        i = text.index(value)
        return Finding(entity, i, i + len(value), score)

    raw = [at("Acme", "PERSON"),                    # inside the allowed phrase "Acme Support"
           at("support@acme.com", "EMAIL_ADDRESS"),  # allowed address
           at("jo@mail.com", "EMAIL_ADDRESS"),       # someone else's address
           at("Maya", "PERSON")]                     # allowed by the regex entry
    kept = finalize(text, raw, cfg)
    assert [text[f.start:f.end] for f in kept] == ["jo@mail.com"]


def test_threshold_and_entity_filter_apply_after_the_cache():
    text = "call 415 555 2671 or mail a@b.com"
    raw = [Finding("PHONE_NUMBER", 5, 17, 0.45), Finding("EMAIL_ADDRESS", 26, 33, 1.0)]
    assert [f.entity for f in finalize(text, raw, PiiConfig.from_dict({}))] == ["EMAIL_ADDRESS"]
    assert finalize(text, raw, PiiConfig.from_dict({"threshold": 0.4, "entities": ["PHONE_NUMBER"]})) == [raw[0]]


def test_overlaps_prefer_checksummed_entities_and_merge_same_type():
    found = resolve_overlaps([Finding("URL", 10, 20, 0.6), Finding("EMAIL_ADDRESS", 4, 20, 1.0),
                              Finding("PERSON", 30, 34, 0.85), Finding("PERSON", 30, 40, 0.55),
                              Finding("LOCATION", 50, 56, 0.85), Finding("STREET_ADDRESS", 44, 60, 0.7)])
    assert found == [Finding("EMAIL_ADDRESS", 4, 20, 1.0), Finding("PERSON", 30, 40, 0.85),
                     Finding("STREET_ADDRESS", 44, 60, 0.7)]
