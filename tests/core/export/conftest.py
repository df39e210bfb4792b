"""Fixtures for the export tests (builders live in export_fixtures.py)."""

from __future__ import annotations

import pytest
from export_fixtures import make_project


@pytest.fixture
def planted_project(tmp_path):
    project, planted = make_project(tmp_path / "shop.ftcurate")
    yield project, planted
    project.close()
