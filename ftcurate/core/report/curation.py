""""Did curation help?": train the same model with the same budget on the raw and on the curated data,
and compare base, raw-tuned and curated-tuned on the curated test split.

`compare_curation(project_path, ...)`:
1. reads the project's last export (the curated train/test split) and rebuilds the raw data set: every
   imported example as imported, rejected ones included, minus the test chats and exact copies of them
   (`curation_data.raw_examples`);
2. trains a LoRA adapter on each with the same settings, seed and number of optimizer steps;
3. scores base / raw / curated per test chat (`trainer.compare.score_models`) and traces the
   differences back to what curation did (`curation_analysis.analyse`);
4. writes `report.json` and a self-contained `report.html` into `out_dir`.
The raw data (with the personal data curation removed) and both adapters live in a temporary folder
that is deleted at the end: nothing unredacted is left on disk. Same project, seed and preset give
the same report (timings and paths are kept apart, under "run").
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.progress import Progress

# demo: a few minutes on two CPU cores (10 steps of 512 tokens each, 10 answers per model).
# quick: one pass over the curated training data (the raw run gets the same number of steps).
CURATION_PRESETS: dict[str, dict[str, Any]] = {
    "demo": {"max_steps": 10, "epochs": 100, "lr": 1e-3, "lora_r": 8, "lora_alpha": 16, "max_len": 384,
             "token_budget": 512, "max_new_tokens": 40, "n_generate": 10},
    "quick": {"preset": "quick", "max_new_tokens": 64, "n_generate": 24},
}


def last_export(project: Any) -> Path:
    """The folder of the project's last OpenAI-format export.

    Raises:
        UserError: the project was never exported in that format.
    """
    params = (project.splits().get("train") or {}).get("params") or {}
    if params.get("format") != "openai" or not params.get("outdir"):
        raise UserError("export the project first (ftcurate export P OUTDIR --format openai)", path=project.path)
    return Path(params["outdir"])


def _options(preset: dict[str, Any], model: str | None, seed: int, device: str | None, threads: int | None,
             output_dir: Path, **extra: Any) -> Any:
    from ftcurate.core.trainer.config import TrainOptions

    opts = {k: v for k, v in preset.items() if k != "n_generate"}
    opts.update(extra)
    return TrainOptions(model=model, seed=seed, device=device, threads=threads, output_dir=str(output_dir),
                        n_generate=0, **opts)


def compare_curation(project_path: str | Path, export_dir: str | Path | None = None,
                     out_dir: str | Path | None = None, preset: str = "demo", seed: int = 1234,
                     model: str | None = None, device: str | None = None, threads: int | None = None,
                     progress: Progress | None = None) -> dict[str, Any]:
    """Run the comparison and write `out_dir/report.json` and `out_dir/report.html`.

    Args:
        project_path: the project (opened read-only).
        export_dir: the curated export (default: the project's last openai export).
        out_dir: where the report goes (default: `runs/curation-<time>` beside the project).
        preset: a key of CURATION_PRESETS.

    Returns:
        The report dict (see `curation_analysis.analyse`), plus "run" (paths, seconds) and "html".

    Raises:
        UserError: no export, no test split, curation changed nothing, unknown preset.
    """
    import dataclasses

    from ftcurate.core.report.curation_analysis import analyse
    from ftcurate.core.report.curation_data import curation_actions, export_ids, raw_examples, write_split
    from ftcurate.core.report.curation_html import render_curation_html
    from ftcurate.core.store import Project
    from ftcurate.core.trainer.compare import score_models
    from ftcurate.core.trainer.config import resolve_config
    from ftcurate.core.trainer.data import load_export
    from ftcurate.core.trainer.device import pick_device
    from ftcurate.core.trainer.package import training_system_prompt
    from ftcurate.core.trainer.run import run_training

    if preset not in CURATION_PRESETS:
        raise UserError(f"unknown preset {preset!r}; choose one of {', '.join(CURATION_PRESETS)}")
    progress = progress or Progress()
    t0 = time.perf_counter()
    project_path = Path(project_path)
    with Project.open(project_path, read_only=True) as project:
        export_dir = Path(export_dir) if export_dir else last_export(project)
        train_rows, test_rows = load_export(export_dir)
        if not test_rows:
            raise UserError("the export has no test split; export with --test-fraction above 0",
                            path=export_dir / "test.jsonl")
        test_ids = export_ids(project, test_rows, "test")
        curated_ids = export_ids(project, train_rows, "train")
        raw, left_out = raw_examples(project, set(test_ids))
        actions = curation_actions(project)
    system = training_system_prompt(export_dir)
    for r in raw:  # the export's system prompt is a format choice, not curation: both sides get it
        if system and r["messages"][0]["role"] != "system":
            r["messages"].insert(0, {"role": "system", "content": system})
    raw_ids = [r["id"] for r in raw]
    curated_msgs = {int(i): r.messages for i, r in zip(curated_ids, train_rows, strict=True)}
    raw_msgs = {r["id"]: r["messages"] for r in raw}
    if raw_ids == sorted(curated_msgs) and all(raw_msgs[i] == curated_msgs[i] for i in raw_ids):
        raise UserError("curation has not changed the training data yet (nothing rejected, redacted or edited), "
                        "so both models would be the same; review the flags first")
    if not raw:
        raise UserError("no raw examples outside the test split to train on", path=project_path)
    out_dir = Path(out_dir) if out_dir else project_path.resolve().parent / "runs" / time.strftime(
        "curation-%Y%m%d-%H%M%S")
    out_dir.mkdir(parents=True, exist_ok=True)
    spec = CURATION_PRESETS[preset]
    work = Path(tempfile.mkdtemp(prefix="ftcurate-curation-"))
    try:
        # train-only folders: the runs skip their own base/tuned evaluation; `score_models` does it once
        raw_dir, cur_dir = work / "raw", work / "curated"
        write_split(raw_dir, "train", raw)
        cur_dir.mkdir()
        shutil.copyfile(export_dir / "train.jsonl", cur_dir / "train.jsonl")
        progress.set_status("training on the curated data")
        cur = run_training(cur_dir, _options(spec, model, seed, device, threads, work / "runs"), progress)
        progress.set_status("training on the raw data")
        raw_run = run_training(raw_dir, _options(spec, model, seed, device, threads, work / "runs",
                                                 max_steps=cur["steps"], epochs=max(100, spec.get("epochs", 1))),
                               progress)
        cfg = resolve_config(_options(spec, model, seed, device, threads, work), pick_device(device))
        cfg = dataclasses.replace(cfg, device=cur["device"])
        scores = score_models(export_dir, {"raw": Path(raw_run["adapter_dir"]), "curated": Path(cur["adapter_dir"])},
                              model, cfg, spec["n_generate"], progress)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for row, pid in zip(scores["examples"], test_ids, strict=False):
        row["id"] = pid if row.get("id") is None else row["id"]
    report = analyse(scores, actions, test_ids=test_ids, raw_ids=raw_ids, curated_ids=sorted(curated_msgs),
                     left_out=left_out)
    report["settings"] = {"preset": preset, "seed": seed, "model": cur["model"], "base_model": cur.get("base_model"),
                          "steps": cur["steps"], "raw_steps": raw_run["steps"], "train_tokens_curated": cur["train_tokens"],
                          "train_tokens_raw": raw_run["train_tokens"], "config": {k: cur["config"].get(k) for k in (
                              "lr", "lora_r", "lora_alpha", "max_len", "token_budget", "precision", "max_new_tokens")}}
    report["run"] = {"project": str(project_path), "export_dir": str(export_dir), "out_dir": str(out_dir),
                     "device": cur["device"], "seconds": round(time.perf_counter() - t0, 1)}
    html = render_curation_html(report)
    (out_dir / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    (out_dir / "report.html").write_text(html, encoding="utf-8")
    report["run"]["html"] = str(out_dir / "report.html")
    progress.finish()
    return report

