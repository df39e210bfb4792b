"""Cancel latency of training, phase by phase: from the cancel request to the worker process's exit.

Each scenario starts the real app path (`ProcessTask` running `ftcurate.gui.proc_jobs:train`, or a
package / scoring job, in a spawned worker process), waits until the run is in the phase to test,
cancels it as the Train page's Cancel button does, and measures until the process has exited. Also the
CLI: `ftcurate train` as a subprocess, SIGINT (Ctrl-C) in a phase, until it exits. For each phase it
prints the latency, how the worker stopped (its own cancel checks = "checks"; the SIGTERM fallback
after 0.5 s = "sigterm"; SIGKILL = "kill"), and as the reference the time the old between-steps
check could have needed (the length of the phase's uninterrupted unit of work, measured in the same
run: one training step, the whole base measurement, the whole tuned measurement ...).

    python benchmarks/bench_train_cancel.py                      # SmolLM2-135M-Instruct (built in), CPU
    python benchmarks/bench_train_cancel.py --model smollm2-random --threads 1

The training-step and tuned-model scenarios resume a copy of the reference run (its base scores are
kept), so they do not measure the base model again; everything else starts a fresh run.

Data: the first 16 (train) and 4 (test) chats of the Bitext customer-support sample
(../shared/data/bitext_cs) that fit in 320 tokens; batches of up to 320 tokens, 2 answers of up to 32
tokens compared. Small on purpose: every scenario is a fresh worker that loads the model again.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "bitext_cs"


def write_export(folder: Path, n_train: int, n_test: int) -> Path:
    path = next(DATA.glob("*.csv"))
    rows = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if len(row["response"]) > 900:  # ~ 200 tokens: the chat fits the 320-token context
                continue
            rows.append({"messages": [{"role": "user", "content": row["instruction"]},
                                      {"role": "assistant", "content": row["response"]}]})
            if len(rows) >= n_train + n_test:
                break
    folder.mkdir(parents=True, exist_ok=True)
    for name, part in (("train.jsonl", rows[:n_train]), ("test.jsonl", rows[n_train:])):
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
    return folder


def package_job(progress, run_dir: str, out_dir: str) -> dict:
    """Worker target: `package_run` (merge + GGUF writing)."""
    from ftcurate.core.trainer.package import package_run

    return package_run(run_dir, out_dir, qtype="q8_0", overwrite=True, progress=progress)


def score_job(progress, export_dir: str, adapter_dir: str, model: str, threads: int) -> dict:
    """Worker target: the scoring step of compare-curation (`score_models`)."""
    from ftcurate.core.trainer.compare import score_models
    from ftcurate.core.trainer.config import TrainConfig

    cfg = TrainConfig(max_len=320, threads=threads, max_new_tokens=32)
    return score_models(Path(export_dir), {"tuned": Path(adapter_dir)}, model, cfg, 2, progress)


class Scenario:
    """Run one worker until `when(status, done, total, t_phase)` says cancel; time cancel -> exit."""

    def __init__(self, name: str, target: str, args: tuple, when, env: dict | None = None) -> None:
        self.name, self.target, self.args, self.when, self.env = name, target, args, when, env or {}

    def run(self, limit_s: float = 900.0) -> dict:
        from ftcurate.gui.proctask import ProcessTask
        from ftcurate.gui.train_panel import TRAIN_CANCEL_GRACE_S

        old = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            task = ProcessTask(self.name, self.target, self.args, on_error=lambda _e: None,
                               cancel_grace_s=TRAIN_CANCEL_GRACE_S).start()
        finally:
            for k, v in old.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        start = time.monotonic()
        phase, phase_t0 = "", start
        t_cancel = t_ended = None
        while time.monotonic() - start < limit_s:
            task._drain(block_s=0.01)
            task._reap()
            now = time.monotonic()
            status = task.progress.status.split(":")[0]
            if status != phase:
                phase, phase_t0 = status, now
            if t_cancel is None and task.is_running() and self.when(status, task.progress.done,
                                                                    task.progress.total or 0, now - phase_t0):
                t_cancel = now
                task.cancel()
                cancelled_in = phase
            if t_cancel is not None and t_ended is None and task.state != "running":
                t_ended = now
            if task.state != "running" and not task.is_alive():
                break
            if t_cancel is None and task.state != "running":
                return {"phase": self.name, "error": f"ended ({task.state}) before the cancel point"}
        exit_t = time.monotonic()
        if t_cancel is None:
            task._terminate()
            return {"phase": self.name, "error": "never reached the cancel point"}
        how = "checks" if task._terminated_at is None else ("kill" if task._proc.exitcode == -9 else "sigterm")
        return {"phase": self.name, "status_at_cancel": cancelled_in, "latency_s": round(exit_t - t_cancel, 2),
                "task_ended_s": round((t_ended or exit_t) - t_cancel, 2), "how": how,
                "exitcode": task._proc.exitcode}


def cli_scenario(name: str, argv: list[str], trigger, env: dict) -> dict:
    """`ftcurate train ... --json` as a subprocess; SIGINT when `trigger(line)` is true."""
    proc = subprocess.Popen([sys.executable, "-m", "ftcurate.cli", *argv, "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **env}, cwd=ROOT)
    t_cancel = None
    for line in proc.stdout:
        if trigger(line):
            time.sleep(trigger.delay)
            t_cancel = time.monotonic()
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=600)
    t_exit = time.monotonic()
    last = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    return {"phase": name, "status_at_cancel": last.get("phase"), "latency_s": round(t_exit - t_cancel, 2)
            if t_cancel else None, "how": "ctrl-c", "exitcode": proc.returncode,
            "traceback": "Traceback" in err}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="default", help="'default' (SmolLM2-135M-Instruct), 'smollm2-random' or a folder")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1: no spin-waits on a busy machine)")
    ap.add_argument("--train", type=int, default=16)
    ap.add_argument("--test", type=int, default=4)
    ap.add_argument("--only", default=None, help="comma-separated scenario names")
    args = ap.parse_args()

    from PySide6.QtCore import QCoreApplication

    from ftcurate.core.trainer.config import TrainOptions

    app = QCoreApplication.instance() or QCoreApplication([])  # noqa: F841 - timers need an application
    work = Path(tempfile.mkdtemp(prefix="bench-cancel-"))
    export = write_export(work / "export", args.train, args.test)
    model = args.model
    if model == "smollm2-random":
        from benchmarks.bench_trainer import build_model

        model = str(build_model("smollm2-random", work / "model"))
    env = {"FTCURATE_THREADS": str(args.threads)}

    def opts(**kw) -> TrainOptions:
        base = dict(model=model, device="cpu", threads=args.threads, epochs=1, token_budget=320, max_len=320,
                    n_generate=2, max_new_tokens=32, output_dir=str(work / "runs"), seed=1)
        base.update(kw)
        return TrainOptions(**base)

    # one uninterrupted run first: the reference durations, and an adapter for packaging and scoring
    from ftcurate.core.progress import Progress
    from ftcurate.core.trainer.run import run_training

    phases: dict[str, list[float]] = {}

    class Clock(Progress):
        def __init__(self):
            super().__init__()
            self.cur, self.t = "", time.monotonic()

        def _changed(self):
            name = self.status.split(":")[0]
            if name != self.cur:
                now = time.monotonic()
                phases.setdefault(self.cur, []).append(now - self.t)
                print(f"  reference: {self.cur or 'start'} took {now - self.t:.1f} s", flush=True)
                self.cur, self.t = name, now

    steps: list[float] = []
    t0 = time.monotonic()
    ref = run_training(export, opts(max_steps=4), Clock(), on_event=lambda e: steps.append(e["elapsed_s"])
                       if e.get("event") == "step" else None)
    print(f"reference run: {time.monotonic() - t0:.1f} s; step times "
          f"{[round(b - a, 1) for a, b in zip([0.0, *steps], steps, strict=False)]}", flush=True)
    reference = {k: round(sum(v), 1) for k, v in phases.items() if k}
    step_s = (steps[-1] - steps[0]) / max(1, len(steps) - 1) if len(steps) > 1 else steps[0]
    reference["training"] = round(step_s, 1)  # the old check waited for the end of the current step

    job = ("ftcurate.gui.proc_jobs:train",)

    def resumable(name: str, keep_checkpoint: bool) -> str:
        """A runs folder holding a copy of the reference run, unfinished again (for `resume=True`)."""
        root = work / f"resume-{name}"
        shutil.copytree(ref["run_dir"], root / Path(ref["run_dir"]).name)
        run = root / Path(ref["run_dir"]).name
        (run / "metrics.json").unlink()
        if not keep_checkpoint:
            shutil.rmtree(run / "checkpoint")
        return str(root)

    mid_step = {"armed": None}

    def in_training(status, done, total, t):
        # the middle of the second step: 1 step done, then half a step's time
        if status == "training" and done >= 1:
            mid_step["armed"] = mid_step["armed"] or time.monotonic()
            return time.monotonic() - mid_step["armed"] >= 0.5 * step_s
        return False

    fresh_cache = {"FTCURATE_CACHE_DIR": str(work / "fresh-cache"), **env}
    scenarios = [
        Scenario("converting the model (first use)", job[0], (str(export), opts(), None),
                 lambda s, d, t, dt: s.startswith("preparing the model") and dt >= 2.0, fresh_cache),
        Scenario("loading the model", job[0], (str(export), opts(), None),
                 lambda s, d, t, dt: s == "loading the model", env),
        Scenario("measuring the base model: loss", job[0], (str(export), opts(), None),
                 lambda s, d, t, dt: s == "measuring the base model" and d >= 1, env),
        Scenario("measuring the base model: answers", job[0], (str(export), opts(), None),
                 lambda s, d, t, dt: s == "measuring the base model" and t and d >= t - 20, env),
        Scenario("training step (forward/backward)", job[0],
                 (str(export), opts(resume=True, output_dir=resumable("step", False)), None), in_training, env),
        Scenario("measuring the tuned model", job[0],
                 (str(export), opts(resume=True, output_dir=resumable("tuned", True)), None),
                 lambda s, d, t, dt: s == "measuring the tuned model" and dt >= 1.0, env),
        Scenario("packaging (GGUF writing)", "benchmarks.bench_train_cancel:package_job",
                 (ref["run_dir"], str(work / "pkg")), lambda s, d, t, dt: s.startswith("writing") and d >= 3, env),
        Scenario("compare-curation scoring", "benchmarks.bench_train_cancel:score_job",
                 (str(export), ref["adapter_dir"], model, args.threads),
                 lambda s, d, t, dt: s.startswith("scoring") and dt >= 1.0, env),
    ]
    only = set(args.only.split(",")) if args.only else None
    rows = []
    for sc in scenarios:
        if only and not any(o in sc.name for o in only):
            continue
        mid_step["armed"] = None
        res = sc.run()
        res["reference_s"] = reference.get(sc.name.split(":")[0].split(" (")[0],
                                           reference.get(res.get("status_at_cancel", ""), None))
        rows.append(res)
        print(json.dumps(res), flush=True)

    class Trigger:
        def __init__(self, text: str, delay: float) -> None:
            self.text, self.delay = text, delay

        def __call__(self, line: str) -> bool:
            return self.text in line

    base = ["train", str(export), "--model", model, "--device", "cpu", "--token-budget", "320", "--max-len", "320",
            "--generate", "2", "--max-new-tokens", "32", "--output", str(work / "cli-runs")]
    for name, argv, trig in (("CLI Ctrl-C: measuring the base model", base, Trigger('"event": "data"', 1.0)),
                             ("CLI Ctrl-C: training step", [*base[:-1], resumable("cli", False), "--resume"],
                              Trigger('"event": "step"', 0.5 * step_s))):
        if only and not any(o in name for o in only):
            continue
        res = cli_scenario(name, argv, trig, env)
        rows.append(res)
        print(json.dumps(res), flush=True)

    print("\n| phase | cancel -> worker exit (s) | stopped by | old check could wait (s) |")
    print("|---|---:|---|---:|")
    for r in rows:
        if "error" in r:
            print(f"| {r['phase']} | {r['error']} | | |")
            continue
        ref_s = r.get("reference_s")
        print(f"| {r['phase']} | {r['latency_s']} | {r['how']} | {ref_s if ref_s is not None else ''} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
