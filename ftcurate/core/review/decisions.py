"""Cluster decisions that can hurt data, with their guard rails (Qt-free; the app and scripts share them).

* `rejections(command)`: how many examples an edit would mark rejected, so a caller can say it
  ("Keep #12 and reject 40 examples?") and ask before one click rejects more than `ASK_ABOVE`.
* `not_duplicates_command(...)`: "Not duplicates / both are fine": the cluster's flags become
  ignored (recorded in the history, undoable); no example changes.
"""

from __future__ import annotations

from typing import Any

from ftcurate.core.commands import Command, SetFlagStateCommand

# One click may reject at most this many examples without asking.
ASK_ABOVE = 10


def rejections(command: Command | None) -> int:
    """Examples `command` marks rejected (0 for None)."""
    if command is None:
        return 0
    return len(_rejected(command.to_json()))


def _rejected(d: dict[str, Any]) -> set[int]:
    if d.get("type") == "composite":
        out: set[int] = set()
        for c in d.get("commands", []):
            out |= _rejected(c)
        return out
    if d.get("type") == "set_status":
        if "values" in d:
            return {int(k) for k, v in d["values"].items() if v == "rejected"}
        if d.get("value") == "rejected":
            return {int(i) for i in d.get("ids", [])}
    return set()


def needs_confirmation(command: Command | None, limit: int = ASK_ABOVE) -> bool:
    """True when `command` would reject more than `limit` examples at once."""
    return rejections(command) > limit


def not_duplicates_command(flag_ids: list[int], n_examples: int, kind: str = "duplicates") -> Command:
    """Mark a cluster's flags ignored: the examples are fine as they are ("not duplicates",
    "both answers are fine"). One undoable edit; the checks keep the decision on their next run
    (a flag found again keeps the state a person gave it)."""
    what = "not duplicates" if kind == "duplicates" else "both answers are fine"
    return SetFlagStateCommand(list(map(int, flag_ids)), "ignored",
                               text=f"Mark {n_examples} examples {what}")


