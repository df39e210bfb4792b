"""Fixtures for the duplicate tests: a real project holding `dedup_fixtures.ROWS`."""

from __future__ import annotations

import pytest
from dedup_fixtures import examples

from ftcurate.core.dedup import engine


@pytest.fixture
def faq_project(project):
    engine.clear_memo()
    project.add_examples(examples())
    return project


