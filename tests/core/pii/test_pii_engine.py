"""The real analyzer (presidio + spaCy): each entity type with exact spans, look-alikes, custom recognizers."""

from __future__ import annotations

import pytest

from ftcurate.core.pii.config import PiiConfig

pytestmark = pytest.mark.slow


def found(analyzer, text: str) -> set[tuple[str, str]]:
    return {(f.entity, text[f.start:f.end]) for f in analyzer.analyze(text)}


@pytest.mark.parametrize("text, entity, value", [
    ("Hi, my name is Priya Patel and I need help.", "PERSON", "Priya Patel"),
    ("Thanks for your help!\nBest regards,\nOmar Haddad", "PERSON", "Omar Haddad"),
    ("Send the invoice to j.doe+orders@mail.example.co.uk please.", "EMAIL_ADDRESS", "j.doe+orders@mail.example.co.uk"),
    ("Call me back on +44 20 7946 0958 after 5pm.", "PHONE_NUMBER", "+44 20 7946 0958"),
    ("My number is (415) 555-2671, text me.", "PHONE_NUMBER", "(415) 555-2671"),
    ("Contact: 0049 30 12345678 (weekdays only)", "PHONE_NUMBER", "0049 30 12345678"),
    ("whatsapp me on +91 98765 43210 about it", "PHONE_NUMBER", "+91 98765 43210"),
    ("I was charged on my card 4111 1111 1111 1111 twice.", "CREDIT_CARD", "4111 1111 1111 1111"),
    ("amex 3782 822463 10005 was declined", "CREDIT_CARD", "3782 822463 10005"),
    ("Refund to iban de89 3704 0044 0532 0130 00 please.", "IBAN_CODE", "de89 3704 0044 0532 0130 00"),
    ("Wire it to GB29NWBK60161331926819, ref 1234.", "IBAN_CODE", "GB29NWBK60161331926819"),
    ("For the tax form my SSN is 123-45-6789.", "US_SSN", "123-45-6789"),
    ("The server at 203.0.113.42 stopped answering.", "IP_ADDRESS", "203.0.113.42"),
    ("Requests come from 2001:db8:85a3::8a2e:370:7344 now.", "IP_ADDRESS", "2001:db8:85a3::8a2e:370:7344"),
    ("Please ship it to 1600 Pennsylvania Ave NW, Washington, DC 20500.", "STREET_ADDRESS",
     "1600 Pennsylvania Ave NW, Washington, DC 20500"),
    ("My billing address is 221B Baker Street, London NW1 6XE, thanks.", "STREET_ADDRESS",
     "221B Baker Street, London NW1 6XE"),
    ("Neue Adresse: Hauptstraße 12, 10115 Berlin.", "STREET_ADDRESS", "Hauptstraße 12, 10115 Berlin"),
    ("I'm travelling to Chicago next week.", "LOCATION", "Chicago"),
    ("The page https://shop.example.com/checkout?id=42 shows an error.", "URL",
     "https://shop.example.com/checkout?id=42"),
])
def test_each_entity_type_is_found_with_its_span(analyzer, text, entity, value):
    assert (entity, value) in found(analyzer, text)


@pytest.mark.parametrize("text", [
    "The invoice dated 2024-03-12 lists $1,249.00 twice; version 10.0.19045 crashes.",
    "I upgraded to the Premium Plan on my Galaxy Buds.",
    "Email support or call us, thanks!",
])
def test_look_alikes_are_not_flagged(analyzer, text):
    assert found(analyzer, text) == set()


@pytest.mark.parametrize("text, expected", [
    ("My order #100234567 arrived damaged, tracking 1Z999AA10123456784.",
     {("ORDER_ID", "100234567"), ("TRACKING_NUMBER", "1Z999AA10123456784")}),
    ("Ticket INC0012345: I upgraded to the Premium Plan.", {("TICKET_ID", "INC0012345")}),
    ("My account number is 44120983, can you check it?", {("ACCOUNT_NUMBER", "44120983")}),
    ("The case number is 2023-4567.", {("TICKET_ID", "2023-4567")}),
])
def test_support_ids_are_typed_and_not_read_as_phones(analyzer, text, expected):
    assert found(analyzer, text) == expected


@pytest.mark.parametrize("text", [
    "What is my order status?", "Open the account settings page.", "The ticket was closed yesterday.",
])
def test_support_id_cue_words_without_an_id_are_not_flagged(analyzer, text):
    assert found(analyzer, text) == set()


def test_ssn_layout_next_to_ssn_words_is_not_a_phone(analyzer):
    text = "The form asked for my social security number, it's 730 43 7911."
    assert found(analyzer, text) == {("US_SSN", "730 43 7911")}


def test_email_domain_is_not_a_second_url_finding(analyzer):
    text = "write to anna.berg@example.org"
    assert found(analyzer, text) == {("EMAIL_ADDRESS", "anna.berg@example.org")}


def test_custom_recognizer_with_context_and_entity_filter():
    from ftcurate.core.pii.engine import PiiAnalyzer

    cfg = PiiConfig.from_dict({
        "custom": [{"name": "order number", "entity": "ORDER_ID", "regex": r"\bORD-\d{8}\b",
                    "context": ["order"], "score": 0.4}],
        "entities": ["ORDER_ID", "EMAIL_ADDRESS"]})
    a = PiiAnalyzer(cfg)
    text = "Hi, I am Tom Berg. My order ORD-12345678 never came; mail me at li@example.com."
    # with "order" nearby the score (0.4 + context) passes 0.5; without it, it does not
    assert found(a, text) == {("ORDER_ID", "ORD-12345678"), ("EMAIL_ADDRESS", "li@example.com")}
    assert found(a, "See ORD-87654321 for details.") == set()


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_batched_and_multi_process_analysis_agree(analyzer, start_method):
    texts = [f"Customer {i}: call +1 415 555 {2600 + i:04d} or mail user{i}@example.com" for i in range(130)]
    one = analyzer.analyze_raw(texts)
    two = analyzer.analyze_many(texts, n_process=2, start_method=start_method)
    assert two == one
    assert all(any(f.entity == "PHONE_NUMBER" for f in fs) for fs in one)
