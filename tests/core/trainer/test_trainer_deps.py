"""The trainer runs with only torch, transformers, peft (+ stdlib): the app's other dependencies are
blocked in a fresh interpreter, as on a bare GPU box."""

from __future__ import annotations

import json
import os
import subprocess
import sys

BLOCKED = ("polars", "pyarrow", "PySide6", "presidio_analyzer", "presidio_anonymizer", "spacy", "platformdirs",
           "sentence_transformers", "datasketch", "openpyxl")

CODE = """
import importlib.abc, json, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {blocked!r}:
            raise ImportError('blocked: ' + name)
sys.meta_path.insert(0, Block())
import pkgutil, importlib, ftcurate.core.trainer as t
for m in pkgutil.iter_modules(t.__path__):
    if m.name != 'record':  # record writes into a project: needs the store, only used with --project
        importlib.import_module('ftcurate.core.trainer.' + m.name)
from ftcurate.core.trainer.run import run_training
from ftcurate.core.trainer.config import TrainOptions
r = run_training({export!r}, TrainOptions(model={model!r}, max_steps=2, n_generate=1, max_new_tokens=2,
                 device='cpu', threads=1, token_budget=128, max_len=128))
print(json.dumps({{'steps': r['steps'], 'loaded': sorted(m for m in sys.modules if m.split('.')[0] in {blocked!r})}}))
"""


def test_trainer_needs_only_torch_transformers_peft(tiny_export, tiny_model, tmp_path):
    code = CODE.format(blocked=BLOCKED, export=str(tiny_export), model=str(tiny_model))
    env_cache = {"FTCURATE_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**os.environ, **env_cache})
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res == {"steps": 2, "loaded": []}
