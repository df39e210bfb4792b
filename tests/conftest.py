"""Shared fixtures. Qt runs offscreen; datasets from ../shared/data are optional (tests skip)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data beside the checkout; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture(autouse=True, scope="session")
def _isolated_app_dirs(tmp_path_factory):
    """Keep app settings and logs out of the user's real config folders (model cache is shared)."""
    cfg = tmp_path_factory.mktemp("config")
    os.environ.setdefault("FTCURATE_CONFIG_DIR", str(cfg))
    os.environ.setdefault("FTCURATE_LOG_DIR", str(cfg / "logs"))
    yield


@pytest.fixture
def project(tmp_path):
    """A fresh, empty project file."""
    from ftcurate.core.store import Project

    p = Project.create(tmp_path / "test.ftcurate")
    yield p
    p.close()
