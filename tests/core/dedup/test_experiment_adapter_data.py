"""The adapter experiment's hard-negative generator (scripts/experiment_paraphrase_adapter.py)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_templated_requests_label_verb_and_object(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    from bench_paraphrase_dense import VERBS
    from experiment_paraphrase_adapter import templated_requests

    texts, labels, verb = templated_requests(300, seed=101)
    assert len(texts) == len(labels) == len(verb) == 300
    for t, lab, v in zip(texts, labels, verb, strict=True):
        name, obj = lab.split("|")
        assert name == VERBS[v]
        assert f" {name} {obj}" in t  # the object follows the verb in the question
        swapped = t.replace(f" {name} ", " other ", 1)
        assert swapped != t
    # several wordings of one request exist, so positives can be drawn for the fixed objects
    assert len(set(labels)) < len(labels)
