"""The one contract every quality check follows.

A check is a class with a `name` (the CLI's `--only` name) and `run(ctx, progress) -> CheckResult`.
It reads examples from `ctx.frame` (the columnar view, see `ftcurate.core.view`) and returns per-example
`Flag`s plus a dataset-level `summary` dict. It never writes to the project itself: the runner
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
class CheckResult:
    flags: list[Flag] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


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
