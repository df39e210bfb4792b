"""The embedding backends: the bundled MiniLM exported to ONNX (fp32 and int8) for real, against torch."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ftcurate.core.dedup import embed, onnx_embed
from ftcurate.core.errors import ConfigError
from ftcurate.core.records import text_hash

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not onnx_embed.available(), reason="needs onnxruntime")]

QUESTIONS = [
    "How do I reset my password?", "I forgot my password, how can I change it?", "Do you ship to Canada?",
    "Can I return a sale item?", "How long does a refund take?", "cancel my order please",
    "I want to change the delivery address of order 1234", "What are your opening hours on Sunday?",
    "is there a fee for paying with a credit card", "My card still hasn't arrived after two weeks, what now?",
    "how can i speak with a human agent", "Where can I download my invoice for last month's subscription?",
]


@pytest.fixture(scope="session")
def exported():
    """The export folder of the bundled model (made once per machine: conftest shares the cache dir)."""
    return onnx_embed.ensure_exported(embed.model_dir())


@pytest.fixture
def clean_backend(monkeypatch):
    monkeypatch.delenv(embed.BACKEND_ENV, raising=False)
    monkeypatch.setattr(embed, "_auto", None)
    yield
    embed._auto = None


def test_export_writes_fp32_then_int8_models(exported):
    from ftcurate.core.trainer.modelcache import cache_dir

    marker = json.loads((exported / "ftcurate-onnx.json").read_text())
    assert exported.parent == cache_dir() / "models"
    fp32 = exported / marker["files"]["fp32"]
    int8 = onnx_embed.model_file(embed.model_dir(), "int8")  # quantised from the fp32 export
    assert int8.parent == exported and fp32.stat().st_size > 80e6
    assert int8.stat().st_size < fp32.stat().st_size / 3  # int8 weights
    assert onnx_embed.ensure_exported(embed.model_dir()) == exported  # cached: not exported again
    assert not [p for p in exported.parent.iterdir() if p.name.startswith(".onnx-")]  # no half-written folder
    with pytest.raises(ConfigError, match="fp16"):
        onnx_embed.model_file(embed.model_dir(), "fp16")


def test_onnx_vectors_match_torch(exported):
    ref = embed.encode(QUESTIONS, backend_name="torch")
    fp32 = embed.encode(QUESTIONS, backend_name="onnx-fp32")
    int8 = embed.encode(QUESTIONS, backend_name="onnx-int8")
    assert fp32.dtype == int8.dtype == np.float32 and int8.shape == ref.shape
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)
    assert (fp32 * ref).sum(axis=1).min() > 0.99999  # same graph: pooling and normalisation match
    cos = (int8 * ref).sum(axis=1)
    assert cos.min() > 0.96 and cos.mean() > 0.985  # measured on 2,000 support questions: min 0.975, mean 0.993
    # similar questions stay closer than different ones
    assert float(int8[0] @ int8[1]) > float(int8[0] @ int8[2]) + 0.3


def test_default_backend_is_onnx_fp32_and_env_switches(exported, clean_backend, monkeypatch):
    assert embed.backend() == "onnx-fp32"
    for name in ("torch", "onnx-fp32", "onnx-int8"):
        monkeypatch.setenv(embed.BACKEND_ENV, name)
        assert embed.backend() == name
    monkeypatch.setenv(embed.BACKEND_ENV, "onnx")
    assert embed.backend() == "onnx-fp32"
    monkeypatch.setenv(embed.BACKEND_ENV, "tensorflow")
    with pytest.raises(ConfigError, match="FTCURATE_EMBED_BACKEND"):
        embed.backend()
    spaces = {embed.cache_namespace(n) for n in embed.BACKENDS}
    assert len(spaces) == 3 and embed.cache_namespace("torch") == embed.CACHE_NAMESPACE


def test_without_onnxruntime_torch_is_the_fallback(clean_backend, monkeypatch):
    monkeypatch.setattr(onnx_embed, "available", lambda: False)
    assert embed.backend() == "torch"
    monkeypatch.setenv(embed.BACKEND_ENV, "onnx-int8")
    with pytest.raises(ConfigError, match="onnxruntime"):
        embed.backend()


def test_cached_vectors_never_cross_backends(project, exported, clean_backend, monkeypatch):
    texts = QUESTIONS[:5]
    monkeypatch.setenv(embed.BACKEND_ENV, "torch")
    torch_vecs, n = embed.embed_texts(texts, project)
    assert n == 5
    monkeypatch.setenv(embed.BACKEND_ENV, "onnx-int8")
    int8_vecs, n = embed.embed_texts(texts, project)
    assert n == 5  # torch's cached vectors are not reused by int8
    again, n = embed.embed_texts(texts + QUESTIONS[5:7], project)
    assert n == 2 and np.array_equal(again[:5], int8_vecs)  # from int8's own cache, bit for bit
    key = text_hash(texts[0])
    torch_blob = project.cache_get(embed.cache_namespace("torch"), [key])[key]
    int8_blob = project.cache_get(embed.cache_namespace("onnx-int8"), [key])[key]
    assert np.array_equal(np.frombuffer(torch_blob, dtype=np.float32), torch_vecs[0])
    assert np.array_equal(np.frombuffer(int8_blob, dtype=np.float32), int8_vecs[0])
    assert not np.array_equal(torch_vecs[0], int8_vecs[0])


def test_first_use_exports_into_the_cache_dir_and_says_so(tmp_path, clean_backend, monkeypatch):
    from ftcurate.core.progress import Progress

    class Recorder(Progress):
        def __init__(self):
            super().__init__()
            self.seen = []

        def set_status(self, text):
            super().set_status(text)
            self.seen.append(text)

    monkeypatch.setenv("FTCURATE_CACHE_DIR", str(tmp_path / "cache"))  # the default backend, first use
    monkeypatch.setattr(embed, "_namespaces", {})
    monkeypatch.setattr(onnx_embed, "_sessions", {})  # as in a new process
    progress = Recorder()
    progress.set_status("Paraphrases: embedding 2 questions")
    vecs, n = embed.embed_texts(QUESTIONS[:2], progress=progress)
    assert n == 2 and vecs.shape == (2, embed.DIM) and embed.backend() == "onnx-fp32"
    assert any(s.startswith("Preparing the embedding model") for s in progress.seen)
    assert progress.status == "Paraphrases: embedding 2 questions"  # restored once the export is done
    folders = list((tmp_path / "cache" / "models").iterdir())
    assert [f.name.startswith("all-minilm-l6-v2-onnx-") for f in folders] == [True]
    assert (folders[0] / "model-fp32.onnx").is_file() and not (folders[0] / "model-int8.onnx").exists()
    progress.seen.clear()
    embed.embed_texts(QUESTIONS[2:3], progress=progress)
    assert not any(s.startswith("Preparing") for s in progress.seen)  # exported once
