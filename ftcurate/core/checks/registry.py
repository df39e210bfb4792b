"""Check modules whose classes register themselves on import (order = default run order)."""

from __future__ import annotations

import importlib

from ftcurate.core.checks.base import Check, registered_checks

CHECK_MODULES = (
    "ftcurate.core.checks.hygiene",
    "ftcurate.core.checks.pii",
    "ftcurate.core.checks.duplicates",
    "ftcurate.core.checks.imbalance",
    "ftcurate.core.checks.tone",
)


def load_checks() -> dict[str, type[Check]]:
    """Import the check modules and return {name: class} in registration order."""
    for name in CHECK_MODULES:
        importlib.import_module(name)
    return registered_checks()
