"""Fixtures for trainer tests: a tiny real model folder, small exports, one torch thread."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

# The machine is shared: one torch thread per test process avoids spin-wait slowdowns.
os.environ.setdefault("FTCURATE_THREADS", "1")
# The converted default model is large (~0.5 GB): share it between test sessions.
os.environ.setdefault("FTCURATE_CACHE_DIR", str(Path(tempfile.gettempdir()) / "ftcurate-test-cache"))

QUESTIONS = ["How do I cancel my order {n}?", "Where is my refund for order {n}?", "Can I change my password?",
             "What is the shipping address?", "Please help me with payment method {n}"]
ANSWERS = ["Please log in to your account, open Orders, and press the Cancel button.",
           "Your refund will arrive in 5 to 7 business days.",
           "I understand your concern. Let me check the delivery status for you.",
           "Thank you for your patience!"]


def chat(i: int) -> dict:
    q = QUESTIONS[i % len(QUESTIONS)].format(n=1000 + 37 * i)
    return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": ANSWERS[i % len(ANSWERS)]}]}


def write_export(folder: Path, train: list[dict], test: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("train.jsonl", train), ("test.jsonl", test)):
        with (folder / name).open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r) + "\n")
    return folder


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny Llama + ChatML BPE tokenizer, built from a config (no downloads)."""
    import torch

    torch.set_num_threads(1)
    from ftcurate.core.trainer.testing import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture
def tiny_export(tmp_path) -> Path:
    """24 train and 6 test chats."""
    return write_export(tmp_path / "export", [chat(i) for i in range(24)], [chat(i) for i in range(24, 30)])


def quick_options(model: Path, **kw):
    """Options for fast tiny-model runs."""
    from ftcurate.core.trainer.config import TrainOptions

    base = dict(model=str(model), epochs=1, lr=1e-2, token_budget=128, max_len=128, n_generate=1,
                max_new_tokens=4, seed=7, device="cpu", threads=1)
    base.update(kw)
    return TrainOptions(**base)


@pytest.fixture
def make_export(tmp_path):
    """Factory: make_export(train_rows, test_rows, name="export") -> folder."""
    return lambda train, test, name="export": write_export(tmp_path / name, train, test)


@pytest.fixture
def make_chat():
    return chat


@pytest.fixture
def opts(tiny_model):
    """Factory: opts(**overrides) -> TrainOptions for quick tiny-model runs."""
    return lambda **kw: quick_options(tiny_model, **kw)
