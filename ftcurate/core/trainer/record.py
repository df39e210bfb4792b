"""Record training runs in a project, and map exported lines back to project examples.

`RunRecorder(project_path)` is an `on_event` callback for `run_training`: on "start" it adds a run
(status "running"), on "step" it keeps the loss curve (written every `flush_every` points), and
`finish` / `cancelled` / `failed` close the record. It opens the project for each write, so it can
live in a worker thread (SQLite connections belong to their thread). Only imported when a project is
given, so the trainer itself never needs the store's dependencies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

METRIC_KEYS = ("base_test_loss", "tuned_test_loss", "base_perplexity", "tuned_perplexity", "verdict",
               "verdict_text", "loss_change_pct", "chrf_base", "chrf_tuned", "tokens_per_s",
               "tokens_per_s_steady", "train_tokens", "steps", "device", "device_name", "model",
               "train_examples", "test_examples", "skipped_train", "skipped_test", "train_seconds",
               "seconds", "merged_dir", "run_dir")


def run_metrics(result: dict[str, Any]) -> dict[str, Any]:
    """The part of a run result stored as the run's metrics (no long lists)."""
    out = {k: result.get(k) for k in METRIC_KEYS}
    out["skipped"] = result.get("skipped")
    out["samples"] = result.get("samples")
    return out


class RunRecorder:
    """Write one run's record into the project at `project_path` as events arrive."""

    def __init__(self, project_path: str | Path, flush_every: int = 50) -> None:
        self.project_path = Path(project_path)
        self.run_id: int | None = None
        self.curve: list[list[float]] = []
        self.flush_every = flush_every
        self._unflushed = 0

    def _project(self):
        from ftcurate.core.store import Project

        return Project.open(self.project_path)

    def _update(self, **fields: Any) -> None:
        if self.run_id is None:
            return
        with self._project() as project:
            project.update_run(self.run_id, **fields)

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "start":
            record = {"status": "running", "config": {**event.get("config", {}), "device": event.get("device"),
                                                      "export_dir": event.get("export_dir"),
                                                      "resumed": event.get("resumed")},
                      "data_hash": event.get("data_hash"), "log": str(Path(event["run_dir"]) / "log.jsonl")}
            with self._project() as project:
                self.run_id = project.add_run(record)
        elif kind == "step":
            self.curve.append([event["step"], event["loss"]])
            self._unflushed += 1
            if self._unflushed >= self.flush_every:
                self._unflushed = 0
                self._update(loss_curve=self.curve)

    def finish(self, result: dict[str, Any]) -> None:
        self._update(status="done", metrics=run_metrics(result), loss_curve=result.get("loss_curve") or self.curve,
                     adapter_dir=result.get("adapter_dir"))

    def cancelled(self) -> None:
        self._update(status="cancelled", loss_curve=self.curve)

    def failed(self, message: str) -> None:
        self._update(status="failed", metrics={"error": message}, loss_curve=self.curve)


def close_stopped_run(project_path: str | Path, run_dir: str | Path) -> bool:
    """Mark the run written to `run_dir` as cancelled if its record still says "running".

    For a training process that was stopped from outside (killed after it ignored cancel and SIGTERM)
    and so never closed its own record. Only that run's record is touched: another run of the same
    project (a CLI training at the same time) keeps its status. True if a record was closed.
    """
    from ftcurate.core.store import Project

    log = str(Path(run_dir) / "log.jsonl")
    with Project.open(project_path) as project:
        stale = [r["id"] for r in project.runs() if r["status"] == "running" and r["log"] == log]
        for run_id in stale:
            project.update_run(run_id, status="cancelled")
    return bool(stale)


def resolve_example_ids(project: Any, split: str, samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill in `id` of compare samples from the project's saved split (record `index` -> example id).

    Samples that already carry an id are left alone; where the split is missing or shorter, id stays None.
    """
    try:
        ids = project.get_split(split)
    except Exception:  # noqa: BLE001 - no such split: nothing to map
        ids = []
    out = []
    for s in samples:
        s = dict(s)
        if s.get("id") is None and ids and 0 <= int(s.get("index", -1)) < len(ids):
            s["id"] = int(ids[int(s["index"])])
        out.append(s)
    return out


def train_and_record(export_dir: str | Path, options: Any, progress: Any = None, on_event: Any = None,
                     project_path: str | Path | None = None) -> dict[str, Any]:
    """`run_training`, recording the run in the project at `project_path` when one is given.

    The compare samples get their project example ids from the project's saved "test" split. The run's
    status becomes "done", "cancelled" or "failed"; exceptions propagate unchanged. With a project and
    no `options.output_dir`, runs go to `runs/` in the project's folder.
    """
    import dataclasses

    from ftcurate.core.errors import Cancelled
    from ftcurate.core.trainer.run import run_training

    if project_path and options is not None and not getattr(options, "output_dir", None):
        options = dataclasses.replace(options, output_dir=str(Path(project_path).resolve().parent / "runs"))
    recorder = RunRecorder(project_path) if project_path else None

    def handle(event: dict[str, Any]) -> None:
        if recorder is not None:
            recorder(event)
        if on_event is not None:
            on_event(event)

    try:
        result = run_training(export_dir, options, progress, handle)
    except (Cancelled, KeyboardInterrupt):  # a second Ctrl-C aborts the cancel, but it is still one
        if recorder is not None:
            from ftcurate.core import cancel

            with cancel.uninterruptible():  # a hard stop (SIGTERM) arriving now waits for this write
                recorder.cancelled()
        raise
    except BaseException as exc:
        if recorder is not None:
            recorder.failed(f"{exc.__class__.__name__}: {exc}")
        raise
    if recorder is not None:
        from ftcurate.core.store import Project

        with Project.open(recorder.project_path) as project:
            result["samples"] = resolve_example_ids(project, "test", result["samples"])
        recorder.finish(result)
    return result
