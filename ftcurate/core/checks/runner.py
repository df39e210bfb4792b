"""Run quality checks over a project and store their flags.

Each check runs on the columnar view and returns flags; the runner replaces that check's flags in one
transaction, carrying over the state (ignored / resolved) a person gave to a flag found again, so
re-running checks never undoes review work. A check that raises (a bug, MemoryError, a missing
model) is recorded as failed in `check_runs`, reported through `on_outcome` as soon as it happens, and
the others still run; the failed check's flags from its last good run are left as they were.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ftcurate.core.checks.base import SEVERITIES, CheckContext, CheckSummary, Flag
from ftcurate.core.checks.registry import load_checks
from ftcurate.core.errors import Cancelled, ConfigError
from ftcurate.core.progress import Progress
from ftcurate.core.store import Project


@dataclass
class CheckOutcome:
    """How one check went: ok with `flags` stored, or failed with `error` ("ExceptionType: message")."""

    name: str
    ok: bool
    flags: int = 0
    seconds: float = 0.0
    error: str | None = None
    summary: CheckSummary = field(default_factory=CheckSummary)


def resolve_names(names: list[str] | None) -> list[str]:
    """Validate `--only` names against the registry (ConfigError lists the known ones)."""
    checks = load_checks()
    if not names:
        return list(checks)
    unknown = [n for n in names if n not in checks]
    if unknown:
        raise ConfigError(f"unknown check {unknown[0]!r}; known checks: {', '.join(checks)}")
    return list(dict.fromkeys(names))


def check_config(project: Project, name: str, overrides: dict[str, Any] | None = None,
                 app: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Layered config: check defaults < app settings (`app`, from `app_check_config`) < the project's
    "checks" setting < `overrides` (CLI or caller)."""
    cls = load_checks()[name]
    cfg = dict(cls.defaults)
    cfg.update((app or {}).get(name, {}))
    cfg.update((project.get_setting("checks", {}) or {}).get(name, {}))
    cfg.update(overrides or {})
    return cfg


def app_check_config(project: Project) -> dict[str, dict[str, Any]]:
    """The user's app settings (Settings dialog) as per-check config."""
    from ftcurate.core.settings import check_overrides, load_settings

    defaults = {n: dict(c.defaults) for n, c in load_checks().items()}
    return check_overrides(load_settings(), defaults, project.get_setting("checks"),
                           project.get_setting("tone"))


def run_checks(project: Project, names: list[str] | None = None,
               config: dict[str, dict[str, Any]] | None = None,
               progress: Progress | None = None,
               on_outcome: Callable[[CheckOutcome], None] | None = None) -> list[CheckOutcome]:
    """Run checks (all by default) and store their flags. Config errors are raised before any work.

    A check that raises is recorded as failed and the rest still run; every outcome, failed or not,
    is in the returned list, and `on_outcome` (if given) is called with each as soon as its check ends,
    so a caller can print results while later checks run. Cancellation and ConfigError stop the run.
    """
    progress = progress or Progress()
    checks = load_checks()
    names = resolve_names(names)
    config = config or {}
    instances = {}
    app = app_check_config(project)
    for n in names:
        inst = checks[n]()
        cfg = check_config(project, n, config.get(n), app)
        inst.validate_config(cfg)
        instances[n] = (inst, cfg)
    frame = project.examples_frame(frame_columns([inst for inst, _ in instances.values()]))
    outcomes: list[CheckOutcome] = []
    for n, (inst, cfg) in instances.items():
        progress.set_status(f"Check: {inst.title or n}")
        t0 = time.perf_counter()
        try:
            result = inst.run(CheckContext(frame=frame, project=project, config=cfg), progress)
        except (Cancelled, ConfigError):  # the user's settings are wrong: stop and say so
            raise
        except Exception as exc:  # noqa: BLE001 - one failing check must not take the others down
            err = f"{exc.__class__.__name__}: {exc}"
            _record_run(project, n, False, err, CheckSummary(details={"traceback": traceback.format_exc(limit=5)}), cfg)
            outcomes.append(CheckOutcome(n, False, error=err, seconds=time.perf_counter() - t0))
            if on_outcome is not None:
                on_outcome(outcomes[-1])
            continue
        stored = store_flags(project, n, result.flags)
        _record_run(project, n, True, None, result.summary, cfg)
        outcomes.append(CheckOutcome(n, True, stored, time.perf_counter() - t0, summary=result.summary))
        if on_outcome is not None:
            on_outcome(outcomes[-1])
    progress.finish()
    return outcomes


def frame_columns(checks: list) -> list[str] | None:
    """The examples-frame columns the checks read: the union of their `columns` (None: all)."""
    from ftcurate.core.view import COLUMNS

    wanted = {"id"}
    for c in checks:
        if c.columns is None:
            return None
        wanted.update(c.columns)
    return [c for c in COLUMNS if c in wanted]


def store_flags(project: Project, check: str, flags: list[Flag]) -> int:
    """Replace `check`'s flags in one transaction. A flag found again keeps its id and the state a
    person gave it (so history entries that name it stay valid); vanished flags are deleted.

    The stored flags are read once, in blocks, in id order: each is matched with the first new flag
    of the same key (example, kind, turn, start, end) not matched yet and rewritten only when its
    values differ. Memory: the new flags' keys, one block of stored rows, and the writes.
    """
    now = time.time()
    for f in flags:
        if f.severity not in SEVERITIES:
            raise ValueError(f"check {check}: invalid severity {f.severity!r}")
    with project.transaction() as conn:
        # examples deleted since the check read them (an import with replace meanwhile) get no flags
        alive = _alive(conn, {int(f.example_id) for f in flags})
        flags = [f for f in flags if int(f.example_id) in alive]
        del alive
        pending: dict[tuple, Any] = {}  # key -> index of the new flag, or a list of them (same key)
        for k, f in enumerate(flags):
            key = (int(f.example_id), f.kind, f.turn, f.start, f.end)
            hit = pending.setdefault(key, k)
            if hit != k:
                pending[key] = [*hit, k] if isinstance(hit, list) else [hit, k]
        encoded: dict[int, tuple[Any, str | None]] = {}  # cluster members share one data dict: encode once

        def data_of(f: Flag) -> str | None:
            if f.data is None:
                return None
            hit = encoded.get(id(f.data))
            if hit is None or hit[0] is not f.data:
                hit = encoded[id(f.data)] = (f.data, json.dumps(f.data, ensure_ascii=False, default=str))
            return hit[1]

        matched = bytearray(len(flags))
        stale, changed = [], []
        cur = conn.execute('SELECT example_id, kind, turn, start, "end", id, severity, message, cluster, score,'
                           " data FROM flags WHERE check_name = ? ORDER BY id", (check,))
        while rows := cur.fetchmany(20_000):
            for row in rows:
                key = row[:5]
                k = pending.get(key)
                if k is None:
                    stale.append((row[5],))
                    continue
                if isinstance(k, list):
                    k, rest = k[0], k[1:]
                    pending[key] = rest if len(rest) > 1 else rest[0]
                else:
                    del pending[key]
                matched[k] = 1
                f = flags[k]
                values = (f.severity, f.message, f.cluster, f.score, data_of(f))
                if values != row[6:]:
                    changed.append((*values, row[5]))
        del pending
        inserts = [(int(f.example_id), check, f.turn, f.start, f.end, f.kind, f.severity, f.message, f.cluster,
                    f.score, data_of(f), f.state, now) for k, f in enumerate(flags) if not matched[k]]
        encoded.clear()
        conn.executemany("DELETE FROM flags WHERE id = ?", stale)
        conn.executemany("UPDATE flags SET severity=?, message=?, cluster=?, score=?, data=? WHERE id=?", changed)
        conn.executemany(
            'INSERT INTO flags (example_id, check_name, turn, start, "end", kind, severity, message, cluster,'
            " score, data, state, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", inserts)
    project._notify("flags", check=check)
    return len(flags)


def _alive(conn, wanted: set[int]) -> set[int]:
    """The ids of `wanted` that are still examples (many: one scan of the ids; few: lookups)."""
    if len(wanted) > 20_000:
        out: set[int] = set()
        cur = conn.execute("SELECT id FROM examples")
        while rows := cur.fetchmany(100_000):
            out.update(r[0] for r in rows if r[0] in wanted)
        return out
    ids = sorted(wanted)
    alive: set[int] = set()
    for i in range(0, len(ids), 900):
        chunk = ids[i:i + 900]
        alive.update(r[0] for r in conn.execute(
            f"SELECT id FROM examples WHERE id IN ({','.join('?' * len(chunk))})", chunk))
    return alive


def _record_run(project: Project, name: str, ok: bool, error: str | None, summary: CheckSummary, cfg: dict) -> None:
    with project.transaction() as conn:
        conn.execute("INSERT OR REPLACE INTO check_runs VALUES (?, ?, ?, ?, ?, ?)",
                     (name, time.time(), int(ok), error, json.dumps(summary.to_json(), default=str),
                      json.dumps(cfg, default=str)))


def check_runs(project: Project) -> dict[str, dict[str, Any]]:
    """Last run of each check: ran_at, ok, error, summary (a `CheckSummary`), config."""
    out = {}
    for n, t, ok, err, s, c in project.query("SELECT * FROM check_runs"):
        out[n] = {"ran_at": t, "ok": bool(ok), "error": err, "summary": CheckSummary.from_json(json.loads(s)), "config": json.loads(c)}
    return out
