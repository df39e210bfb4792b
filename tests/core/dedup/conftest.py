"""Fixtures for the duplicate tests: a real project holding `dedup_fixtures.ROWS`."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from dedup_fixtures import examples

from ftcurate.core.dedup import engine

# The ONNX export of the embedding model (~20 s, 110 MB) is made once and shared between test sessions.
os.environ.setdefault("FTCURATE_CACHE_DIR", str(Path(tempfile.gettempdir()) / "ftcurate-test-cache"))


@pytest.fixture
def faq_project(project):
    engine.clear_memo()
    project.add_examples(examples())
    return project


