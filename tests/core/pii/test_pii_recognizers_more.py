"""Recognizers through the real analyzer: address vs phone, extensions, cards, countries, names."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def found(analyzer, text: str) -> set[tuple[str, str]]:
    return {(f.entity, text[f.start:f.end]) for f in analyzer.analyze(text)}


def test_an_address_beats_a_bare_number_read_as_a_phone(analyzer):
    text = "Please deliver to 19607 107 Igias Street tomorrow."
    got = found(analyzer, text)
    assert ("STREET_ADDRESS", "19607 107 Igias Street") in got
    assert not any(kind == "PHONE_NUMBER" for kind, _ in got)


def test_an_international_phone_next_to_an_address_is_kept(analyzer):
    text = "Address: 42 Oak Road, Leeds. Phone +44 20 7946 0958."
    got = found(analyzer, text)
    assert ("PHONE_NUMBER", "+44 20 7946 0958") in got and ("STREET_ADDRESS", "42 Oak Road, Leeds") in got


@pytest.mark.parametrize("text, value", [
    ("call me on (415) 555-2671 ext. 204 please", "(415) 555-2671 ext. 204"),
    ("my number is 020 7946 0958 x12", "020 7946 0958 x12"),
    ("Phone: +1234567890.", "+1234567890"),
])
def test_phone_extensions_and_phone_shaped_numbers_with_context(analyzer, text, value):
    assert ("PHONE_NUMBER", value) in found(analyzer, text)


@pytest.mark.parametrize("value", [
    "6011 0009 9013 9424",        # Discover, 16
    "3530111333300000",           # JCB, 16
    "6304 0000 0000 0000 018",    # Maestro, 19
    "5019717010103742",           # Dankort (Visa-like 50xx), 16
])
def test_card_numbers_of_12_to_19_digits_with_luhn(analyzer, value):
    assert ("CREDIT_CARD", value) in found(analyzer, f"my card {value} was declined")


def test_luhn_invalid_digits_are_not_a_card(analyzer):
    assert not any(k == "CREDIT_CARD" for k, _ in found(analyzer, "my card 4111 1111 1111 1112 was declined"))


def test_country_is_a_low_place_finding(analyzer):
    assert found(analyzer, "Do you ship to Canada?") == {("LOCATION", "Canada")}


@pytest.mark.parametrize("text", [
    "Do you have it in Brown or Grey?", "Click Returns in the menu.", "The White one is sold out.",
])
def test_lone_colours_and_menu_words_are_not_names(analyzer, text):
    assert not any(k in ("PERSON", "LOCATION") for k, _ in found(analyzer, text))


def test_colour_surnames_stay_in_full_names(analyzer):
    assert ("PERSON", "Lisa White") in found(analyzer, "Please ask Lisa White to call me back.")


@pytest.mark.parametrize("text, value", [
    ("hi my name is ana silva and my order is late", "ana silva"),
    ("ok thanks, omar", "omar"),
    ("My name is Łukasz Żółw.", "Łukasz Żółw"),
])
def test_lower_case_and_non_english_names_after_strong_cues(analyzer, text, value):
    assert ("PERSON", value) in found(analyzer, text)


@pytest.mark.parametrize("text", ["my name is not on the invoice", "my name is wrong on the bill", "Thanks, everyone"])
def test_lower_case_cues_without_a_name(analyzer, text):
    assert not any(k == "PERSON" for k, _ in found(analyzer, text))
