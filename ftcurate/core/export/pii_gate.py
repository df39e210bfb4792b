"""The export's PII gate: scan exactly what an export writes, with the real PII check.

`scan_export(project, frame, ids, extras)` runs the project's "pii" check (presidio + spaCy, the
project's recognizers, allow-list and threshold; `ftcurate.core.checks.pii.PiiCheck`) over

- every turn of every exported example, as stored (so turn numbers match the review screen), and
- every other text the export writes: the system prompt it adds, the labels (Parquet `label` column,
  the card), the project and source file names (the card, `dataset_info.json`), the redaction policy.

The check caches raw analyzer results per text hash in the project, so a re-export analyses only
texts that changed since the last check or export: a new import, an edit, a new system prompt.

A finding a person marked "not personal data" (an ignored flag on the same example, turn, span and
type, on unchanged text) stays ignored. Everything else the scan finds is open, whatever a stale
check run said: the gate and the dataset card's privacy lines come from this scan alone.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ftcurate.core.progress import Progress

if TYPE_CHECKING:
    import polars as pl

    from ftcurate.core.store import Project

SHOWN_EXAMPLES = 5


@dataclass(frozen=True)
class ScanFinding:
    """One finding in exported text. `example_id` is None for texts outside the examples;
    `where` says in plain words where it is ("example 12, turn 2 (user)", "the system prompt", ...)."""

    where: str
    example_id: int | None
    kind: str
    severity: str
    state: str  # "open" or "ignored"


@dataclass
class PiiScan:
    """Result of `scan_export`: findings plus how much work the cache saved."""

    findings: list[ScanFinding] = field(default_factory=list)
    texts: int = 0
    analysed: int = 0
    from_cache: int = 0
    model: str = ""

    def open(self, severity: str | None = None) -> list[ScanFinding]:
        return [f for f in self.findings if f.state == "open" and (severity is None or f.severity == severity)]

    def blockers(self) -> list[ScanFinding]:
        """Open high-severity findings: these stop an export unless the user allows PII."""
        return self.open("high")

    def ignored(self) -> list[ScanFinding]:
        return [f for f in self.findings if f.state == "ignored"]

    @staticmethod
    def by_kind(findings: list[ScanFinding]) -> dict[str, int]:
        return dict(sorted(Counter(f.kind for f in findings).items()))

    def examples_of(self, findings: list[ScanFinding]) -> list[str]:
        """A few places, examples first (ids ascending), then the other texts."""
        seen: list[str] = []
        for f in sorted(findings, key=lambda f: (f.example_id is None, f.example_id or 0, f.where)):
            key = f"example {f.example_id}" if f.example_id is not None else f.where
            if key not in seen:
                seen.append(key)
        return seen

    def to_json(self) -> dict[str, Any]:
        blockers = self.blockers()
        return {"texts": self.texts, "analysed": self.analysed, "from_cache": self.from_cache, "model": self.model,
                "open_high": len(blockers), "open_high_by_kind": self.by_kind(blockers),
                "open_other": len(self.open()) - len(blockers), "ignored": len(self.ignored()),
                "open_by_kind": self.by_kind(self.open()),
                "examples": self.examples_of(blockers)[:SHOWN_EXAMPLES]}


def scan_export(project: Project, frame: pl.DataFrame, ids: set[int], extras: dict[str, str],
                progress: Progress | None = None) -> PiiScan:
    """Scan exported examples `ids` of `frame` (needs id, messages) and `extras` ({where: text}).

    Raises:
        ConfigError: the project's PII settings are invalid (the check's own validation).
        Cancelled: `progress` was cancelled.
    """
    import polars as pl

    from ftcurate.core.checks.base import CheckContext
    from ftcurate.core.checks.pii import PiiCheck
    from ftcurate.core.checks.runner import check_config

    progress = progress or Progress()
    sub = frame.filter(pl.col("id").is_in(list(ids))) if ids else frame.clear()
    if "metadata" not in sub.columns:  # the check reads product names from it (catalog imports)
        meta = project.examples_frame(["id", "metadata"])
        sub = sub.join(meta, on="id", how="left")
    sub = sub.select("id", "messages", "metadata")
    # Other texts become one-turn rows with negative ids, so the check scans (and caches) them too.
    places = {-(i + 1): where for i, where in enumerate(extras)}
    if extras:
        extra_rows = pl.DataFrame(
            {"id": list(places), "messages": [json.dumps([{"role": "user", "content": t}]) for t in extras.values()],
             "metadata": [None] * len(extras)},
            schema={"id": pl.Int64, "messages": pl.Utf8, "metadata": pl.Utf8})
        sub = pl.concat([sub.cast({"id": pl.Int64, "messages": pl.Utf8, "metadata": pl.Utf8}), extra_rows])
    check = PiiCheck()
    config = check_config(project, "pii")
    check.validate_config(config)
    result = check.run(CheckContext(frame=sub, project=project, config=config), progress)
    ignored = _ignored_keys(project, ids)
    d = result.summary.details
    scan = PiiScan(texts=int(d["unique_texts"]), analysed=int(d["analysed"]), from_cache=int(d["from_cache"]),
                   model=str(d["model"]))
    for f in result.flags:
        if f.example_id < 0:
            scan.findings.append(ScanFinding(places[f.example_id], None, f.kind or "PII", f.severity, "open"))
            continue
        role = (f.data or {}).get("role") or "unknown"
        key = (int(f.example_id), f.kind, f.turn, f.start, f.end)
        turn_hash = (f.data or {}).get("turn_hash")
        state = "ignored" if key in ignored and ignored[key] in (None, turn_hash) else "open"
        scan.findings.append(ScanFinding(f"example {f.example_id}, turn {(f.turn or 0) + 1} ({role})",
                                         int(f.example_id), f.kind or "PII", f.severity, state))
    return scan


def _ignored_keys(project: Project, ids: set[int]) -> dict[tuple, str | None]:
    """{(example_id, kind, turn, start, end): turn hash or None} of PII flags a person ignored."""
    out: dict[tuple, str | None] = {}
    rows = project.query('SELECT example_id, kind, turn, start, "end", data FROM flags '
                         "WHERE check_name = 'pii' AND state = 'ignored'")
    for ex_id, kind, turn, start, end, data in rows:
        if ex_id not in ids:
            continue
        try:
            turn_hash = (json.loads(data) or {}).get("turn_hash") if data else None
        except (ValueError, AttributeError):
            turn_hash = None
        out[(int(ex_id), kind, turn, start, end)] = turn_hash
    return out


def refusal_message(scan: PiiScan, project_name: str) -> str:
    """The exit-1 message when open high-severity findings stop an export."""
    blockers = scan.blockers()
    kinds = ", ".join(f"{k} {n}" for k, n in scan.by_kind(blockers).items())
    places = scan.examples_of(blockers)
    shown = ", ".join(places[:SHOWN_EXAMPLES]) + (f" and {len(places) - SHOWN_EXAMPLES} more"
                                                  if len(places) > SHOWN_EXAMPLES else "")
    return (f"export stopped: the PII scan of what this export would write found {len(blockers)} open "
            f"high-severity finding(s) ({kinds}) in {shown}. Run `ftcurate check {project_name} --only pii`, "
            "then redact them (`ftcurate redact`) or mark false alarms as not personal data in review; or "
            "use --allow-pii to export anyway (the dataset card records it)")


def stored_blockers(flags: pl.DataFrame, ids: set[int]) -> pl.DataFrame:
    """Open high-severity PII flags already stored for examples `ids`: a quick preview of the stop
    for the export dialog (the export itself rescans exactly what it writes)."""
    import polars as pl

    if flags.height == 0:
        return flags
    return flags.filter((pl.col("check") == "pii") & (pl.col("severity") == "high") & (pl.col("state") == "open")
                        & pl.col("example_id").is_in(list(ids)))
