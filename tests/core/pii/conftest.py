"""Fixtures for the PII tests: one real analyzer (presidio + spaCy) per test session."""

from __future__ import annotations

import pytest

from ftcurate.core.records import Example, pair_to_messages


@pytest.fixture(scope="session")
def analyzer():
    """The default-configuration analyzer, shared with the check (same process-level instance)."""
    from ftcurate.core.checks.pii import get_analyzer
    from ftcurate.core.pii.config import PiiConfig

    return get_analyzer(PiiConfig())


@pytest.fixture
def pii_project(project):
    """A project with three conversations containing PII in several turns."""
    project.add_examples([
        Example(pair_to_messages(
            "Hi, I'm John Smith. Email me at john.smith@gmail.com or call +44 20 7946 0958.",
            "Thanks John Smith, we wrote to john.smith@gmail.com. Best regards, Acme Support",
            system="You are the assistant of Acme Corp."), provenance={"conversation": "c1"}),
        Example(pair_to_messages("My card 4111 1111 1111 1111 was charged twice.",
                                 "Sorry about that, the refund is on its way."),
                provenance={"conversation": "c2"}),
        Example(pair_to_messages("How do I reset my password?", "Use the link on the login page."),
                provenance={"conversation": "c3"}),
    ])
    return project
