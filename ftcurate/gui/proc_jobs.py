"""Work the app runs in worker processes (`ProcessTask` targets). Imports no Qt: a child process
loads only this module and the core it calls. Each function opens its own project connection."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ftcurate.core.progress import Progress

if TYPE_CHECKING:
    from ftcurate.core.report.health_types import HealthData


def run_checks(progress: Progress, path: str, names: list[str] | None) -> list:
    """`ftcurate.core.checks.runner.run_checks` on the project at `path`; returns the outcomes."""
    from ftcurate.core.checks.runner import run_checks as run
    from ftcurate.core.store import Project

    with Project.open(path) as p:
        return run(p, names, progress=progress)


def health(progress: Progress, path: str) -> HealthData:
    """`ftcurate.core.report.health_data` (it may write the tone cache, hence a writable connection)."""
    from ftcurate.core.report import health_data
    from ftcurate.core.store import Project

    progress.set_status("Computing data health")
    with Project.open(path) as own:
        data = health_data(own, progress)
    try:  # the check titles, so the window need not import every check module to draw them
        from ftcurate.core.checks.registry import load_checks

        data.check_titles = {n: c.title or n for n, c in load_checks().items()}
    except Exception:  # noqa: BLE001 - titles are cosmetic; the panel falls back to names
        pass
    return data


def export(progress: Progress, path: str, outdir: str, kwargs: dict) -> Any:
    """`ftcurate.core.export.export_project` into `outdir`; returns its report."""
    from ftcurate.core.export import export_project
    from ftcurate.core.store import Project

    with Project.open(path) as p:
        return export_project(p, outdir, progress=progress, **kwargs)


def load_model(progress: Progress, model: str | None) -> int:
    """Import torch and transformers and load a model as training does first (benchmarks, warm-up);
    returns its parameter count."""
    progress.set_status("Loading the model")
    import torch  # noqa: F401
    from transformers import AutoModelForCausalLM

    from ftcurate.core.trainer.modelcache import resolve_model

    return int(AutoModelForCausalLM.from_pretrained(str(resolve_model(model))).num_parameters())


def train(progress: Progress, export_dir: str, options: Any, project_path: str | None) -> dict[str, Any]:
    """`ftcurate.core.trainer.record.train_and_record`; training events go to `progress.event`."""
    from ftcurate.core.trainer.record import train_and_record

    return train_and_record(export_dir, options, progress, getattr(progress, "event", None), project_path)
