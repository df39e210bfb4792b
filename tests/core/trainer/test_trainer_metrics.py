"""chrF, the verdict, config resolution and the model cache (no model loading)."""

from __future__ import annotations

import pytest

from ftcurate.core.errors import ConfigError, UserError
from ftcurate.core.trainer.config import TrainOptions, resolve_config
from ftcurate.core.trainer.metrics import chrf, verdict
from ftcurate.core.trainer.modelcache import cache_dir, default_gguf, resolve_model


def test_chrf_bounds_and_ordering():
    ref = "Your refund will arrive in 5 to 7 business days."
    assert chrf(ref, ref) == pytest.approx(100.0)
    assert chrf("qqq", ref) == 0.0
    assert chrf("", ref) == 0.0
    close = chrf("Your refund arrives in 5 to 7 days.", ref)
    far = chrf("Please press the Cancel button.", ref)
    assert 0 < far < close < 100
    # whitespace does not matter
    assert chrf("Your  refund will arrive in 5 to 7 business days.", ref) == pytest.approx(100.0)


def test_chrf_known_value():
    # hyp "ab" vs ref "abc": 1-grams P=2/2 R=2/3, 2-grams P=1/1 R=1/2; 3-grams absent in hyp.
    p, r = 1.0, (2 / 3 + 1 / 2) / 2
    assert chrf("ab", "abc") == pytest.approx(100 * 5 * p * r / (4 * p + r))


def test_verdict_says_better_worse_or_same_with_numbers():
    v = verdict(2.0, 1.5, 20.0, 35.0)
    assert v["verdict"] == "better" and v["loss_change_pct"] == -25.0 and "25.0 % better" in v["text"]
    assert "chrF 20.0 -> 35.0" in v["text"]
    assert verdict(2.0, 2.2)["verdict"] == "not better" and "worse" in verdict(2.0, 2.2)["text"]
    assert "about the same" in verdict(2.0, 1.999)["text"]
    assert verdict(None, None)["verdict"] == "unknown"


def test_presets_and_device_defaults():
    cpu = resolve_config(TrainOptions(), "cpu")
    gpu = resolve_config(TrainOptions(), "cuda")
    assert cpu.precision == "fp32" and cpu.preset == "quick" and cpu.max_len <= 512
    assert gpu.precision == "bf16" and gpu.token_budget >= 32768 and gpu.preset == "standard"
    thorough = resolve_config(TrainOptions(preset="thorough", epochs=5), "cpu")
    assert thorough.lora_r == 32 and thorough.epochs == 5
    with pytest.raises(ConfigError):
        resolve_config(TrainOptions(preset="turbo"), "cpu")
    with pytest.raises(ConfigError):
        resolve_config(TrainOptions(epochs=0), "cpu")


def test_model_cache_dir_follows_env_and_default_gguf_is_found(tmp_path, monkeypatch):
    monkeypatch.setenv("FTCURATE_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    gguf = default_gguf()
    assert gguf.suffix == ".gguf" and gguf.stat().st_size > 10_000_000


def test_resolve_model_errors_name_the_path(tmp_path):
    with pytest.raises(UserError, match="not found"):
        resolve_model(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="config.json"):
        resolve_model(str(tmp_path / "empty"))
