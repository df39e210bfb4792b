"""`pip install ftcurate` from a wheel built from this checkout gives a working `ftcurate demo`.

Builds the wheel, installs it into a fresh virtual environment with its base dependencies only (no
[train] or [embed]: the pip cache makes this quick after `make install`), then runs the demo and checks
that a missing optional part is one line naming the extra. Slow (about two minutes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    build = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                  "-w", str(work / "dist"), str(ROOT)], cwd=work)
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = (work / "dist").glob("ftcurate-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "ftcurate/resources/demo/support_log.csv" in names
    assert "ftcurate/resources/icons/app.svg" in names
    assert not any(n.startswith("tests/") for n in names)
    venv = work / "venv"
    assert _run([sys.executable, "-m", "venv", str(venv)], cwd=work).returncode == 0
    pip = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-compile", str(wheel)], cwd=work)
    assert pip.returncode == 0, pip.stderr[-3000:]
    return venv


def test_the_demo_runs_from_the_installed_wheel(installed, tmp_path):
    bin_dir = installed / "bin"
    assert (bin_dir / "ftcurate-app").is_file()  # the gui-script entry point
    proc = _run([str(bin_dir / "ftcurate"), "demo", str(tmp_path / "demo"), "--json"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    steps = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {s["step"] for s in steps} >= {"import", "check", "export", "summary"}
    assert all(s["ok"] for s in steps if s["step"] == "check")
    assert (tmp_path / "demo" / "export" / "train.jsonl").stat().st_size > 0
    assert '"ftcurate[embed]"' in proc.stderr  # said once, in one line, not a traceback
    assert "Traceback" not in proc.stderr


def test_training_without_the_train_extra_says_which_to_install(installed, tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    row = {"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]}
    for name in ("train.jsonl", "test.jsonl"):
        (export / name).write_text(json.dumps(row) + "\n", encoding="utf-8")
    proc = _run([str(installed / "bin" / "ftcurate"), "train", str(export)], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert 'pip install "ftcurate[train]"' in proc.stderr
    assert "Traceback" not in proc.stderr
