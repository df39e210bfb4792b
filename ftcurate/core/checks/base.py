"""The one contract every quality check follows.

A check is a class with a `name` (the CLI's `--only` name) and `run(ctx, progress) -> CheckResult`.
It reads examples from `ctx.frame` (the columnar view, see `ftcurate.core.view`) and returns per-example
`Flag`s plus a dataset-level `CheckSummary`. It never writes to the project itself: the runner
(`ftcurate.core.checks.runner`) stores the flags in one transaction, keeps the open/resolved/ignored
state a person gave to a flag that is found again, and records a failing check without stopping the rest.

Register a check with `@register_check` in its module and list the module in `CHECK_MODULES` in
`ftcurate.core.checks.registry`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

# re-exported: the flag type lives below the check layer so engines (dedup, pii, ...) can build flags
from ftcurate.core.flag import FLAG_STATES, SEVERITIES, Flag  # noqa: F401

if TYPE_CHECKING:
    import polars as pl

    from ftcurate.core.progress import Progress
    from ftcurate.core.store import Project

@dataclass
class CheckSummary:
    """What a check found, in the same shape for every check (the runner stores it as JSON).

    flagged: examples with at least one flag of this check.
    by_kind: flags per kind (a check may list its enabled kinds with 0).
    clusters: clusters found over all kinds (0 for checks that do not group examples).
    clusters_by_kind: clusters per kind (duplicates: "exact"/"input"/"output"; conflicts: "label", ...).
    details: check-specific figures, JSON-serialisable, documented by each check:
        pii: examples, turns, unique_texts, analysed, from_cache, findings, model, threshold,
            allow_list_candidates; imbalance: the label statistics (labels, median, under, over,
            unlabelled, ...), by, behaviours, suggested_caps, examples; tone: outputs, house_voice,
            formality_tagged, thresholds, rude_model; hygiene: examples_computed (examples not found
            in the check cache), language, tokens, openings (each only when that rule ran);
            paraphrase: embedded, from_cache, embedder (the embedding backend); a failed run:
            traceback.
    """

    flagged: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    clusters: int = 0
    clusters_by_kind: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, flags: list[Flag], *, by_kind: dict[str, int] | None = None,
           clusters_by_kind: dict[str, int] | None = None, details: dict[str, Any] | None = None) -> CheckSummary:
        """The summary of `flags`: `flagged` and (unless given) `by_kind` are counted from them;
        `clusters` is the sum of `clusters_by_kind`."""
        if by_kind is None:
            by_kind = {}
            for f in flags:
                by_kind[f.kind or ""] = by_kind.get(f.kind or "", 0) + 1
        cbk = dict(clusters_by_kind or {})
        return cls(flagged=len({f.example_id for f in flags}), by_kind=dict(by_kind),
                   clusters=sum(cbk.values()), clusters_by_kind=cbk, details=dict(details or {}))

    def to_json(self) -> dict[str, Any]:
        """A plain dict (what `check_runs` stores): the five fields by name."""
        return {"flagged": self.flagged, "by_kind": dict(self.by_kind), "clusters": self.clusters,
                "clusters_by_kind": dict(self.clusters_by_kind), "details": dict(self.details)}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> CheckSummary:
        """Read `to_json` output back. A run stored before summaries were typed (a flat dict, no
        "details") is kept whole in `details`, with the counts left at 0."""
        data = data or {}
        if "details" not in data:
            return cls(details=dict(data))
        return cls(flagged=int(data.get("flagged") or 0), by_kind=dict(data.get("by_kind") or {}),
                   clusters=int(data.get("clusters") or 0), clusters_by_kind=dict(data.get("clusters_by_kind") or {}),
                   details=dict(data.get("details") or {}))


@dataclass
class CheckResult:
    flags: list[Flag] = field(default_factory=list)
    summary: CheckSummary = field(default_factory=CheckSummary)


@dataclass
class CheckContext:
    """What a check may read.

    frame: polars DataFrame of the examples in scope (see `ftcurate.core.view.COLUMNS`).
    project: the open project, for `cache_get`/`cache_put` (incremental work keyed by content hash)
        and `settings`; None in unit tests that run a check on a bare frame.
    config: this check's settings (merged defaults + project settings + CLI overrides).
    """

    frame: pl.DataFrame
    project: Project | None = None
    config: dict[str, Any] = field(default_factory=dict)


class Check:
    """Base class. Subclasses set `name`, `title`, `description`, `defaults` and implement `run`."""

    name: ClassVar[str] = ""
    # The `ftcurate.core.view.COLUMNS` the check reads (None: all). The runner reads only the union of
    # the selected checks' columns, so a project's big columns (metadata, ...) stay on disk when no
    # check needs them.
    columns: ClassVar[tuple[str, ...] | None] = None
    title: ClassVar[str] = ""
    description: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}

    def validate_config(self, config: dict[str, Any]) -> None:
        """Raise `ConfigError` for invalid settings (unknown entity, invalid regex, ...)."""

    def run(self, ctx: CheckContext, progress: Progress) -> CheckResult:  # pragma: no cover
        raise NotImplementedError


_CHECKS: dict[str, type[Check]] = {}


def register_check(cls: type[Check]) -> type[Check]:
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    _CHECKS[cls.name] = cls
    return cls


def registered_checks() -> dict[str, type[Check]]:
    return dict(_CHECKS)
