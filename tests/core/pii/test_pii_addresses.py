"""Street addresses of many countries, country names, and the generated address vocabulary."""

from __future__ import annotations

import json

import pytest

from ftcurate.core.pii import addresses
from ftcurate.core.pii.addresses import find_addresses, find_countries, is_country


def spans(text: str) -> list[str]:
    return [text[s:e] for s, e, _ in find_addresses(text)]


@pytest.mark.parametrize("text, address", [
    ("I moved to 6750 Koskikatu 25 Apt. 864, please update.", "6750 Koskikatu 25 Apt. 864"),
    ("Send it to 19607 107 Igias Street please", "19607 107 Igias Street"),
    ("My address:\nRavintola Central\nPietarinkatu 15\n00140 Helsinki\nFinland\nThanks",
     "Pietarinkatu 15\n00140 Helsinki\nFinland"),
    ("Ship to 301 Hamilton Avenue, Palo Alto, CA 94303, United States of America. Thanks",
     "301 Hamilton Avenue, Palo Alto, CA 94303, United States of America"),
    ("I live at 12 rue de Rivoli, 75001 Paris", "12 rue de Rivoli, 75001 Paris"),
    ("Calle Mayor 5, 28013 Madrid", "Calle Mayor 5, 28013 Madrid"),
    ("Flat 3, 12 High Street, London SW1A 1AA", "Flat 3, 12 High Street, London SW1A 1AA"),
    ("123 Main St Springfield IL 62701", "123 Main St Springfield IL 62701"),
    ("PO Box 1234, Austin, TX 78701", "PO Box 1234, Austin, TX 78701"),
    ("Rua Augusta, 1500 - São Paulo", "Rua Augusta, 1500 - São Paulo"),
    ("New address: Resslova 343/10, 301 00 Plzeň, Czech Republic", "Resslova 343/10, 301 00 Plzeň, Czech Republic"),
    ("Georgi Sava Rakovski St. 27, Sofia 1000, Bulgaria", "Georgi Sava Rakovski St. 27, Sofia 1000, Bulgaria"),
])
def test_addresses_in_several_layouts(text, address):
    assert spans(text) == [address]


@pytest.mark.parametrize("text", [
    "I have 2 items on the way and 3 Main things",
    "Order 12345 Street Fighter",
    "We have 3 Stores in the City Center, open 9 to 5.",
    "Windows 10 keeps crashing after the update.",
    "Rue is a lovely name for a cat.",
    "Order 12345, USA",
    "My Pixel 7, Canada edition, will not charge.",
])
def test_prose_with_numbers_is_not_an_address(text):
    assert spans(text) == []


def test_address_stops_before_the_next_clause():
    text = "Call me at 555 123 4567, I live at 42 Oak Road, Leeds. Thanks"
    assert spans(text) == ["42 Oak Road, Leeds"]


def test_country_names_and_country_alone():
    text = "Do you ship to Canada or the United Kingdom?"
    assert [text[s:e] for s, e in find_countries(text)] == ["Canada", "United Kingdom"]
    assert is_country("canada") and is_country("USA") and not is_country("Toronto")


def test_packaged_resource_comes_from_the_generator_with_its_licence():
    res = addresses.resource()
    assert "OpenCage" in res["licence"] and "MIT" in res["licence"]
    assert len(res["countries_used"]) > 200
    assert {"street", "rue", "calle", "katu"} <= set(res["street_words"])
    assert r"\d{5}" in res["postcode_shapes"]["FI"]


def test_use_resource_replaces_and_restores_the_vocabulary():
    small = json.loads(json.dumps(addresses.resource()))
    small["street_suffixes"] = [s for s in small["street_suffixes"] if s != "katu"]
    small["street_words"] = [w for w in small["street_words"] if w != "katu"]
    try:
        addresses.use_resource(small)
        assert spans("Pietarinkatu 15") == []
    finally:
        addresses.use_resource(None)
    assert spans("Pietarinkatu 15") == ["Pietarinkatu 15"]


def test_generator_builds_the_same_shape_from_a_few_countries(shared_data):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
    from gen_pii_address_resource import build_resource, postcode_shape

    assert postcode_shape("SW1A 1AA") == r"[A-Z]{2}\d[A-Z]\ \d[A-Z]{2}"
    files = sorted((shared_data / "address_formats" / "countries").glob("*.yaml"))[:40]
    res = build_resource(files)
    assert set(res) == set(addresses.resource())
    assert len(res["countries_used"]) == 40
