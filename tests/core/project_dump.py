"""A project file's contents as plain rows, to assert that something changed nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

TABLES = ("sources", "examples", "flags", "history", "settings", "splits")


def dump(path: Path) -> list:
    """Everything a person could lose, as plain rows (compare a project before and after)."""
    conn = sqlite3.connect(path)
    try:
        return [conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in TABLES]
    finally:
        conn.close()
