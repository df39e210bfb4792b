"""A missing optional part is one line naming the extra to install (exit 1), never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftcurate.core.errors import UserError
from ftcurate.core.extras import MissingPartError, extra_for_module, from_import_error, message, require

# Makes the named top-level modules unimportable in a child process, as on a base install.
BLOCKER = """
import importlib.abc, sys
BLOCKED = set(sys.argv.pop(1).split(","))
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Block())
from ftcurate.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _run_without(modules: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    return subprocess.run([sys.executable, "-c", BLOCKER, modules, *args], capture_output=True, text=True,
                          env=env, timeout=300)


def _tiny_export(folder: Path) -> Path:
    folder.mkdir()
    rows = [{"messages": [{"role": "user", "content": f"Question {i}?"},
                          {"role": "assistant", "content": f"Answer {i}."}]} for i in range(12)]
    for name in ("train.jsonl", "test.jsonl"):
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return folder


def test_training_without_torch_names_the_train_extra(tmp_path):
    proc = _run_without("torch", "train", str(_tiny_export(tmp_path / "export")), "--max-steps", "1")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert 'pip install "ftcurate[train]"' in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_missing_core_library_is_still_a_bug(tmp_path):
    proj = tmp_path / "p.ftcurate"
    assert _run_without("nothing", "new", str(proj)).returncode == 0
    proc = _run_without("polars", "stats", str(proj))
    assert proc.returncode == 2
    assert "internal error" in proc.stderr


def test_extra_lookup_and_messages():
    assert extra_for_module("torch.nn") == "train"
    assert extra_for_module("sentence_transformers") == "embed"
    assert extra_for_module("ray") == "scale"
    assert extra_for_module("polars") is None
    assert message("embed", "the paraphrase check") == (
        'the paraphrase check needs the optional part [embed]: pip install "ftcurate[embed]"')
    err = from_import_error(ModuleNotFoundError("No module named 'peft'", name="peft"))
    assert isinstance(err, MissingPartError) and isinstance(err, UserError)
    assert from_import_error(ModuleNotFoundError("x", name="polars")) is None


def test_require_raises_only_for_missing_modules():
    require("train", ("json",))  # present: nothing happens
    with pytest.raises(MissingPartError, match=r"\[scale\]"):
        require("scale", ("ftcurate_no_such_module_xyz",))
