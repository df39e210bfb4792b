""""Never flag this word": a reviewer's allow-list entry, as one undoable project edit.

`never_flag_command(project, word)` builds a `CompositeCommand` that
  * adds `word` to the project's "pii" setting `allow_list` (matched case-insensitively, as the whole
    finding or a phrase around it; see `PiiConfig.is_allowed`), and
  * marks the open PII flags whose text is covered by it "ignored", so the review list is right at
    once, without re-running the check.
`project.apply(cmd)` records it in the history; `project.undo()` restores the setting and the flags.
`allow_again_command` removes a word from the list the same way (flags come back on the next run).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ftcurate.core.errors import UserError

if TYPE_CHECKING:
    from ftcurate.core.commands import CompositeCommand
    from ftcurate.core.store import Project

SETTING = "pii"


def _settings(project: Project) -> dict:
    settings = project.get_setting(SETTING) or {}
    if not isinstance(settings, dict):
        raise UserError(f"project setting 'pii' must be an object, got {settings!r}", path=project.path)
    return dict(settings)


def _clean(word: str) -> str:
    word = " ".join(str(word).split())
    if not word:
        raise UserError("the word to never flag is empty")
    if len(word) > 200:
        raise UserError("the word to never flag is longer than 200 characters")
    return word


def matching_open_flags(project: Project, word: str) -> list[int]:
    """Ids of open "pii" flags whose finding the allow-list entry `word` covers."""
    import polars as pl

    from ftcurate.core.pii.config import PiiConfig

    cfg = PiiConfig(allow_list=(word,))
    df = project.flags_frame().filter((pl.col("check") == "pii") & (pl.col("state") == "open"))
    if df.is_empty():
        return []
    rows = df.select("id", "example_id", "turn", "start", "end").to_dicts()
    examples = {ex.id: ex for ex in project.get_examples(sorted({r["example_id"] for r in rows}))}
    out = []
    for r in rows:
        ex = examples.get(r["example_id"])
        if ex is None or r["turn"] is None or not 0 <= r["turn"] < len(ex.messages):
            continue
        text = ex.messages[r["turn"]].get("content") or ""
        s, e = r["start"], r["end"]
        if s is None or e is None or e > len(text):
            continue
        if cfg.is_allowed(text[s:e], text, s, e):
            out.append(int(r["id"]))
    return out


def flag_value(project: Project, flag_id: int) -> str | None:
    """The text a "pii" flag marks (None when the flag is gone or its span no longer fits)."""
    rows = project.query('SELECT example_id, turn, start, "end" FROM flags WHERE id = ?', (int(flag_id),))
    if not rows or rows[0][1] is None or rows[0][2] is None:
        return None
    ex_id, turn, s, e = rows[0]
    exs = project.get_examples([ex_id])
    if not exs or not 0 <= turn < len(exs[0].messages):
        return None
    text = exs[0].messages[turn].get("content") or ""
    return text[s:e] if e <= len(text) else None


def never_flag_command(project: Project, word: str) -> CompositeCommand | None:
    """The edit that adds `word` to the allow-list and ignores the open flags it covers; None when
    the word is already on the list and no open flag matches."""
    from ftcurate.core.commands import CompositeCommand, SetFlagStateCommand, SetSettingCommand
    from ftcurate.core.pii.config import PiiConfig

    word = _clean(word)
    settings = _settings(project)
    allow = list(settings.get("allow_list") or [])
    commands = []
    if word.casefold() not in {a.casefold() for a in allow}:
        settings["allow_list"] = [*allow, word]
        PiiConfig.from_dict(settings, where="pii settings")  # a bad "re:" pattern fails here
        commands.append(SetSettingCommand(SETTING, settings, text=f"Never flag {word!r} as PII"))
    flags = matching_open_flags(project, word)
    if flags:
        commands.append(SetFlagStateCommand(flags, "ignored", text=f"Ignore {len(flags)} PII flag(s) on {word!r}"))
    if not commands:
        return None
    return CompositeCommand(commands, text=f"Never flag {word!r} as PII ({len(flags)} open flag(s) ignored)")


def allow_again_command(project: Project, word: str) -> CompositeCommand | None:
    """The edit that removes `word` from the allow-list (any case); None when it is not on it."""
    from ftcurate.core.commands import CompositeCommand, SetSettingCommand

    word = _clean(word)
    settings = _settings(project)
    allow = list(settings.get("allow_list") or [])
    kept = [a for a in allow if a.casefold() != word.casefold()]
    if len(kept) == len(allow):
        return None
    settings["allow_list"] = kept
    return CompositeCommand([SetSettingCommand(SETTING, settings, text=f"Flag {word!r} as PII again")],
                            text=f"Flag {word!r} as PII again")


def never_flag_words(project: Project) -> list[str]:
    """The project's allow-list entries."""
    return list(_settings(project).get("allow_list") or [])
