"""Redact PII findings: in one text (`redact_text`) or as an undoable project edit (`redaction_command`).

Modes:
  * "placeholder": the typed placeholder `<PERSON>`, `<EMAIL_ADDRESS>`, ...
  * "fake": a realistic stand-in, the same for the same original within a conversation (`fakes`).
  * "mask": every character of the finding replaced by "*".

Text replacement is done by presidio-anonymizer (several spans per text, applied from right to left
so offsets stay valid). `redaction_command` turns selected "pii" flags into one `CompositeCommand`:
a `SetMessagesCommand` per edited example plus a `SetFlagStateCommand` marking those flags resolved,
so applying it records one history entry and `project.undo()` restores text and flag state.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ftcurate.core.errors import UserError
from ftcurate.core.records import messages_hash, text_hash

if TYPE_CHECKING:
    from ftcurate.core.commands import CompositeCommand
    from ftcurate.core.pii.fakes import FakeMaker
    from ftcurate.core.store import Project

MODES = ("placeholder", "fake", "mask")
SALT_SETTING = "pii_redaction_salt"
# Cache namespace: turn text hash -> [[start, end, entity], ...] of the fakes redaction put in that text,
# so the pii check does not flag ftcurate's own fakes on the next run.
FAKES_NAMESPACE = "pii-fakes"


def redact_text(text: str, spans: Sequence[tuple[int, int, str]], mode: str = "placeholder",
                fakes: FakeMaker | None = None) -> str:
    """Return `text` with each (start, end, entity) span replaced according to `mode`.

    Overlapping spans are reduced to the longest one first. Raises ValueError for an unknown mode,
    a span outside the text, or mode "fake" without `fakes`.
    """
    return redact_text_spans(text, spans, mode, fakes)[0]


def redact_text_spans(text: str, spans: Sequence[tuple[int, int, str]], mode: str = "placeholder",
                      fakes: FakeMaker | None = None) -> tuple[str, list[tuple[int, int, str]]]:
    """Like `redact_text`, also returning the (start, end, entity) of each replacement in the new text."""
    if mode not in MODES:
        raise ValueError(f"unknown redaction mode {mode!r}; expected one of {', '.join(MODES)}")
    if mode == "fake" and fakes is None:
        raise ValueError("mode 'fake' needs a FakeMaker")
    spans = _non_overlapping(spans, len(text))
    if not spans:
        return text, []
    from ftcurate.core.pii import _presidio

    _presidio.load()  # presidio-anonymizer imports presidio-analyzer
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    results = [RecognizerResult(entity, s, e, 1.0) for s, e, entity in spans]
    entities = {entity for _s, _e, entity in spans}
    if mode == "placeholder":
        ops = {ent: OperatorConfig("replace", {"new_value": f"<{ent}>"}) for ent in entities}
    elif mode == "mask":
        longest = max(e - s for s, e, _ in spans)
        ops = {"DEFAULT": OperatorConfig("mask", {"masking_char": "*", "chars_to_mask": longest,
                                                  "from_end": False})}
    else:
        ops = {ent: OperatorConfig("custom", {"lambda": _fake_op(fakes, ent)}) for ent in entities}
    res = _anonymizer(AnonymizerEngine).anonymize(text=text, analyzer_results=results, operators=ops)
    return res.text, sorted((int(i.start), int(i.end), str(i.entity_type)) for i in res.items)


_ENGINE = None


def _anonymizer(cls):
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = cls()
    return _ENGINE


def _fake_op(fakes: FakeMaker, entity: str):
    return lambda original: fakes.fake(entity, original)


def _non_overlapping(spans: Iterable[tuple[int, int, str]], n: int) -> list[tuple[int, int, str]]:
    kept: list[tuple[int, int, str]] = []
    for s, e, ent in sorted(spans, key=lambda x: (-(x[1] - x[0]), x[0])):
        if not (0 <= s < e <= n):
            raise ValueError(f"span {s}-{e} is outside the text (length {n})")
        if all(e <= ks or s >= ke for ks, ke, _ in kept):
            kept.append((s, e, ent))
    return sorted(kept)


# -- project edits -----------------------------------------------------------------------------------
@dataclass
class RedactionPlan:
    """What `plan_redaction` found: the command (None when there is nothing to do) and counts."""

    command: CompositeCommand | None
    flag_ids: list[int] = field(default_factory=list)
    example_ids: list[int] = field(default_factory=list)
    stale_flag_ids: list[int] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)
    fake_spans: dict[str, list] = field(default_factory=dict)  # new turn text hash -> inserted fakes


def project_salt(project: Project) -> str:
    """The project's secret for fake values, created on first use."""
    salt = project.get_setting(SALT_SETTING)
    if not salt:
        salt = secrets.token_hex(16)
        project.set_setting(SALT_SETTING, salt)
    return salt


def plan_redaction(project: Project, flag_ids: Iterable[int] | None = None, *, kinds: Iterable[str] | None = None,
                   example_ids: Iterable[int] | None = None, mode: str = "placeholder",
                   states: Sequence[str] = ("open",)) -> RedactionPlan:
    """Select "pii" flags and build the redaction command.

    Args:
        flag_ids: exact flags to redact (any state); None selects by the filters below.
        kinds: only these entity types (e.g. ["PERSON", "EMAIL_ADDRESS"]).
        example_ids: only flags on these examples.
        mode: "placeholder", "fake" or "mask".
        states: flag states to include when selecting by filter.

    Selecting by filter without `kinds` leaves out country names standing alone (flags with
    data.country_only): a country is not personal data. Name them by flag id or kind to redact them.

    Flags whose turn text changed since the check ran (the stored `turn_hash` differs) are not
    applied; they are returned in `stale_flag_ids` (re-run the check to refresh them).

    Raises:
        UserError: unknown mode, or a flag id that does not exist or is not a PII flag.
    """
    from ftcurate.core.commands import CompositeCommand, SetFlagStateCommand, SetMessagesCommand
    from ftcurate.core.pii.fakes import FakeMaker

    if mode not in MODES:
        raise UserError(f"unknown redaction mode {mode!r}; expected one of {', '.join(MODES)}")
    rows = _select_flags(project, flag_ids, kinds, example_ids, states)
    if flag_ids is None and not kinds:
        rows = [r for r in rows if not r["data"].get("country_only")]
    plan = RedactionPlan(command=None)
    if not rows:
        return plan
    by_example: dict[int, list[dict]] = defaultdict(list)
    for r in rows:
        by_example[r["example_id"]].append(r)
    examples = {ex.id: ex for ex in project.get_examples(sorted(by_example))}
    earlier = _recorded_fakes(project, examples.values())
    salt = project_salt(project) if mode == "fake" else ""
    makers: dict[str, FakeMaker] = {}
    commands = []
    applied: list[int] = []
    for ex_id, flags in by_example.items():
        ex = examples[ex_id]
        messages = [dict(m) for m in ex.messages]
        per_turn: dict[int, list[dict]] = defaultdict(list)
        for f in flags:
            turn = f["turn"]
            ok = turn is not None and 0 <= turn < len(messages)
            if ok:
                content = messages[turn]["content"]
                want = (f.get("data") or {}).get("turn_hash")
                ok = f["end"] <= len(content) and (want is None or want == text_hash(content))
            if ok:
                per_turn[turn].append(f)
            else:
                plan.stale_flag_ids.append(f["id"])
        if not per_turn:
            continue
        conv = str(ex.provenance.get("conversation") or f"example:{ex_id}")
        fakes = makers.setdefault(conv, FakeMaker(salt, conv)) if mode == "fake" else None
        for turn in sorted(per_turn):
            spans = [(f["start"], f["end"], f["kind"] or "PII") for f in per_turn[turn]]
            old = messages[turn]["content"]
            new, inserted = redact_text_spans(old, spans, mode, fakes)
            messages[turn]["content"] = new
            # fakes from an earlier redaction of this text stay known, moved to their new offsets
            kept = _shift_fakes(earlier.get(text_hash(old), []), _non_overlapping(spans, len(old)), inserted)
            if kept or (mode == "fake" and inserted):
                plan.fake_spans[text_hash(new)] = sorted(kept + ([list(x) for x in inserted] if mode == "fake" else []))
            for f in per_turn[turn]:
                applied.append(f["id"])
                plan.by_kind[f["kind"]] = plan.by_kind.get(f["kind"], 0) + 1
        commands.append(SetMessagesCommand(ex_id, messages, text=f"Redact PII in example {ex_id}",
                                           expect=messages_hash(ex.messages)))
        plan.example_ids.append(ex_id)
    if not applied:
        return plan
    commands.append(SetFlagStateCommand(applied, "resolved", text=f"Resolve {len(applied)} PII flag(s)"))
    plan.flag_ids = applied
    if plan.fake_spans:
        # Recorded now (harmless if the plan is never applied: the hashes are of texts that then do
        # not exist), so the next pii check run knows these values are ftcurate's own fakes.
        import json

        project.cache_put(FAKES_NAMESPACE, {h: json.dumps(v).encode() for h, v in plan.fake_spans.items()})
    plan.command = CompositeCommand(
        commands, text=f"Redact {len(applied)} PII finding(s) in {len(plan.example_ids)} example(s) ({mode})")
    return plan


def _recorded_fakes(project: Project, examples) -> dict[str, list]:
    import json

    hashes = [text_hash(m.get("content") or "") for ex in examples for m in ex.messages]
    return {h: json.loads(v) for h, v in project.cache_get(FAKES_NAMESPACE, hashes).items()}


def _shift_fakes(fakes: list, replaced: list[tuple[int, int, str]], inserted: list[tuple[int, int, str]]) -> list:
    """Offsets of earlier fakes after `replaced` (old offsets) became `inserted` (new offsets, same
    order); fakes that were themselves replaced are dropped."""
    out = []
    for s, e, *kind in fakes:
        if any(s < re_ and rs < e for rs, re_, _ in replaced):
            continue
        delta = sum((ie - is_) - (re_ - rs) for (rs, re_, _), (is_, ie, _) in zip(replaced, inserted, strict=False)
                    if re_ <= s)
        out.append([s + delta, e + delta, *kind])
    return out


def redaction_command(project: Project, flag_ids: Iterable[int] | None = None, mode: str = "placeholder",
                      **filters) -> CompositeCommand | None:
    """The undoable edit redacting the selected PII flags (see `plan_redaction`); None if none match."""
    return plan_redaction(project, flag_ids, mode=mode, **filters).command


def _select_flags(project: Project, flag_ids, kinds, example_ids, states) -> list[dict]:
    import json

    import polars as pl

    df = project.flags_frame().filter(pl.col("check") == "pii")
    if flag_ids is not None:
        wanted = [int(i) for i in flag_ids]
        found = set(df.filter(pl.col("id").is_in(wanted))["id"].to_list())
        missing = [i for i in wanted if i not in found]
        if missing:
            raise UserError(f"flag {missing[0]} does not exist or is not a PII flag")
        df = df.filter(pl.col("id").is_in(wanted))
    else:
        df = df.filter(pl.col("state").is_in(list(states)))
    if kinds:
        df = df.filter(pl.col("kind").is_in([k.strip().upper() for k in kinds]))
    if example_ids is not None:
        df = df.filter(pl.col("example_id").is_in([int(i) for i in example_ids]))
    rows = df.select("id", "example_id", "turn", "start", "end", "kind", "data").to_dicts()
    for r in rows:
        r["data"] = json.loads(r["data"]) if r["data"] else {}
    return rows
