"""The conflict check stays within bounded memory however large a question cluster is (issue 17):
one question with 20,000 different answers, run in a subprocess under an address-space
cap. The full k x k comparison would need hundreds of GB; the block-wise one must finish."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

CAP_GB = 3

SCRIPT = textwrap.dedent("""
    import json, resource, sys
    import numpy as np
    import polars as pl

    resource.setrlimit(resource.RLIMIT_AS, ({cap} << 30, {cap} << 30))
    from ftcurate.core.checks import duplicates
    from ftcurate.core.checks.base import CheckContext
    from ftcurate.core.progress import Progress

    if {unbounded}:
        duplicates.DENSE_BYTES = 1 << 60  # the old behaviour: one k x k matrix per cluster
    mode, n = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(0)
    if mode == "check":
        vocab = [f"w{{i}}" for i in range(5000)]
        answers = [" ".join(rng.choice(vocab, 10)) + f" ref {{k}}" for k in range(n)]
        frame = pl.DataFrame({{"id": list(range(1, n + 1)), "input": ["How do I return an item?"] * n,
                              "output": answers, "row": list(range(n))}})
        cfg = {{**duplicates.ConflictCheck.defaults, "match": "exact", "answer_similarity": "minhash"}}
        res = duplicates.ConflictCheck().run(CheckContext(frame=frame, config=cfg), Progress())
        out = {{"flags": len(res.flags), "clusters": res.summary.clusters}}
    else:  # the embedding path, on random unit vectors (no model needed)
        sim = object.__new__(duplicates._AnswerSimilarity)
        v = rng.standard_normal((n, 384)).astype(np.float32)
        sim.vecs, sim.sizes = v / np.linalg.norm(v, axis=1, keepdims=True), None
        groups, dis = duplicates._answer_groups(sim, list(range(n)), lambda a, b: a == a, 0.7, 0)
        out = {{"groups": int(len(np.unique(groups))), "disagreement": dis}}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({{**out, "peak_mb": peak}}))
""")


def _run(mode: str, n: int, unbounded: bool = False) -> subprocess.CompletedProcess:
    code = SCRIPT.format(cap=CAP_GB, unbounded=unbounded)
    return subprocess.run([sys.executable, "-c", code, mode, str(n)], capture_output=True, text=True,
                          timeout=900)


def test_one_question_with_20k_different_answers_finishes_under_a_memory_cap():
    done = _run("check", 20_000)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["clusters"] == 1 and out["flags"] == 20_000  # one question, answers that disagree
    assert out["peak_mb"] < CAP_GB * 1024


def test_the_full_matrix_would_not_fit_under_the_same_cap():
    done = _run("check", 20_000, unbounded=True)
    assert done.returncode != 0 and "MemoryError" in done.stderr


def test_embedding_answers_compare_in_blocks_under_the_cap():
    done = _run("embed", 30_000)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["groups"] > 25_000 and 0 < out["disagreement"] <= 1
