"""`ftcurate train` / `ftcurate eval` on a tiny model, with the run recorded in a real project."""

from __future__ import annotations

import json

from ftcurate.cli import main


def _lines(capsys):
    return [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]


def test_train_json_prints_progress_then_result_last_and_records_the_run(tiny_export, tiny_model, tmp_path, capsys):
    from ftcurate.core.store import Project

    proj = tmp_path / "p.ftcurate"
    Project.create(proj).close()
    rc = main(["train", str(tiny_export), "--model", str(tiny_model), "--max-steps", "3", "--generate", "1",
               "--max-new-tokens", "4", "--device", "cpu", "--token-budget", "128", "--project", str(proj), "--json"])
    assert rc == 0
    lines = _lines(capsys)
    assert [x["event"] for x in lines if x.get("event") == "step"] == ["step"] * 3
    last = lines[-1]
    assert {"base_test_loss", "tuned_test_loss", "tokens_per_s", "device", "adapter_dir"} <= set(last)
    assert last["device"] == "cpu" and last["steps"] == 3
    with Project.open(proj) as p:
        (run,) = p.runs()
    assert run["status"] == "done" and run["adapter_dir"] == last["adapter_dir"]
    assert run["metrics"]["tuned_test_loss"] == last["tuned_test_loss"]
    assert len(run["loss_curve"]) == 3 and run["config"]["max_steps"] == 3 and run["data_hash"]

    rc = main(["eval", str(tiny_export), "--adapter", last["adapter_dir"], "--generate", "1", "--max-new-tokens", "4",
               "--device", "cpu", "--json"])
    assert rc == 0
    ev = _lines(capsys)[-1]
    assert abs(ev["tuned_test_loss"] - last["tuned_test_loss"]) < 1e-3
    assert abs(ev["base_test_loss"] - last["base_test_loss"]) < 1e-3


def test_train_on_a_missing_export_exits_1_naming_the_file(tmp_path, capsys):
    assert main(["train", str(tmp_path / "nope"), "--json"]) == 1
    assert "nope" in capsys.readouterr().err


def test_recorded_run_maps_compare_samples_to_project_example_ids(tiny_export, opts, tmp_path):
    from ftcurate.core.store import Project
    from ftcurate.core.trainer.record import train_and_record

    proj = tmp_path / "ids.ftcurate"
    with Project.create(proj) as p:
        p.save_split("test", [501, 502, 503, 504, 505, 506])  # the export wrote test.jsonl in this order
    res = train_and_record(tiny_export, opts(n_generate=2, max_steps=2), project_path=proj)
    assert [s["id"] for s in res["samples"]] == [501, 502]
    with Project.open(proj) as p:
        (run,) = p.runs()
    assert run["status"] == "done" and [s["id"] for s in run["metrics"]["samples"]] == [501, 502]


def test_ctrl_c_keeps_a_checkpoint_and_resume_finishes(tiny_export, tiny_model):
    import os
    import signal
    import subprocess
    import sys

    base = [sys.executable, "-m", "ftcurate.cli", "train", str(tiny_export), "--model", str(tiny_model),
            "--device", "cpu", "--token-budget", "128", "--generate", "0", "--json"]
    env = {**os.environ, "FTCURATE_THREADS": "1"}
    proc = subprocess.Popen([*base, "--epochs", "10"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    for line in proc.stdout:
        if '"event": "step"' in line:
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err[-2000:]
    assert "Traceback" not in err
    last = json.loads(out.strip().splitlines()[-1])
    assert last["event"] == "cancelled" and last["checkpoint_step"] >= 1 and "--resume" in last["resume"]
    runs = tiny_export.parent / "runs"  # beside the export, never inside it
    assert not (tiny_export / "runs").exists()
    assert list(runs.glob("*/checkpoint/state.pt")) and not list(runs.glob("*/metrics.json"))
    done = subprocess.run([*base, "--resume"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(x) for x in done.stdout.strip().splitlines()]
    resumed_at = next(x["step"] for x in lines if x.get("event") == "resumed")
    assert resumed_at >= 1 and lines[-1]["steps"] > resumed_at and lines[-1]["epochs"] == 10


def test_ctrl_c_before_training_starts_exits_1_cleanly_and_resume_runs_the_whole_thing(tiny_export, tiny_model):
    import os
    import signal
    import subprocess
    import sys

    base = [sys.executable, "-m", "ftcurate.cli", "train", str(tiny_export), "--model", str(tiny_model),
            "--device", "cpu", "--token-budget", "128", "--generate", "6", "--max-new-tokens", "64",
            "--max-steps", "2"]
    env = {**os.environ, "FTCURATE_THREADS": "1"}
    proc = subprocess.Popen([*base, "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    for line in proc.stdout:
        if '"event": "data"' in line:  # tokenized; next: measuring the base model
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "Traceback" not in err, err[-2000:]
    last = json.loads(out.strip().splitlines()[-1])
    assert last["event"] == "cancelled" and last["run_dir"] and "--resume" in last["resume"]
    run_dir = tiny_export.parent / "runs"
    assert not list(run_dir.glob("*/metrics.json")) and not list(run_dir.glob("*/*.tmp"))
    done = subprocess.run([*base, "--resume"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert list(run_dir.glob("*/metrics.json"))
