"""The one shape of a finding: `Flag`, with the severities and states it may take.

Checks return flags (`ftcurate.core.checks`), engines such as `ftcurate.core.dedup` build them, the store
keeps them; this module sits below all three so none of them imports another to get the type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SEVERITIES = ("info", "low", "medium", "high")
FLAG_STATES = ("open", "resolved", "ignored")


@dataclass
class Flag:
    """One finding on one example.

    turn/start/end: index into `messages` and character span in that turn's content; all None for
    whole-example flags. kind: sub-type (PII entity type, "exact", "placeholder", ...). cluster: id
    shared by the members of a duplicate/conflict cluster. score: confidence or distance (0..1 when
    it means a probability). data: extra JSON for views (e.g. the conflicting answers).
    """

    example_id: int
    check: str
    severity: str
    message: str
    kind: str | None = None
    turn: int | None = None
    start: int | None = None
    end: int | None = None
    cluster: int | None = None
    score: float | None = None
    data: dict[str, Any] | None = None
    state: str = "open"
    id: int | None = None

    def key(self) -> tuple:
        """Identity used to carry a person's state (ignored/resolved) across re-runs."""
        return (self.example_id, self.check, self.kind, self.turn, self.start, self.end)
