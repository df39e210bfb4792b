"""A cheap preview of an export: the first few included examples rendered in the chosen format."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ftcurate.core.export.formats import get_format, preview_text, with_system_prompt
from ftcurate.core.split import include_sql

if TYPE_CHECKING:
    from ftcurate.core.store import Project


def preview_export(project: Project, format: str = "openai", *, n: int = 3, include: str = "not_rejected",
                   system_prompt: str | None = None) -> str:
    """The first `n` examples (by id) that `include` selects, as the chosen format writes them.

    Reads only those rows (one small query), so it is instant on a million examples. `system_prompt`
    None uses the project setting "system_prompt", as `export_project` does.
    """
    fmt = get_format(format)
    where = include_sql(include)
    rows = project.query(f"SELECT id, label, messages FROM examples WHERE {where} ORDER BY id LIMIT ?", (int(n),))
    if system_prompt is None:
        system_prompt = project.get_setting("system_prompt") or None
    data = [(i, lab, with_system_prompt(json.loads(m), system_prompt or None)) for i, lab, m in rows]
    if not data:
        return "(no examples to export with these options)"
    return preview_text(fmt, data)
