"""Column suggestions for the import dialog's mapping: a column named like a field the detection left
unmapped ("Price (EUR)" for price) is offered as that field's column; the person can change it."""

from __future__ import annotations

import re


def _plain(name: str) -> str:
    """A column name without units or notes: "Price (EUR)" -> "price", "Unit price [€]" -> "unit_price"."""
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"\(.*?\)|\[.*?\]", "", name.lower())).strip("_")


def guess_columns(columns: list[str], fields: tuple[str, ...], detected: dict[str, str],
                  chosen: dict[str, str]) -> dict[str, str]:
    """Columns whose plain name is a field the detection left unmapped (one column per field, never
    a column already used)."""
    used = set(detected.values()) | set(chosen.values())
    out: dict[str, str] = {}
    for f in fields:
        if f in detected or f in chosen:
            continue
        hit = next((c for c in columns if c not in used and _plain(c) in (f, f"{f}s", f"product_{f}")), None)
        if hit is not None:
            out[f] = hit
            used.add(hit)
    return out
