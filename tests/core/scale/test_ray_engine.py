"""The Ray engine gives the same flags as the single-machine runner (a real local Ray, 2 CPUs)."""

from __future__ import annotations

import random
import sys

import pytest

from ftcurate.core.records import Example, pair_to_messages
from ftcurate.core.store import Project

CHECKS = ["hygiene", "pii", "exact_duplicate", "near_duplicate", "label_imbalance"]
QUESTIONS = ["Where is my order {n}?", "How do I reset my password for account {n}?",
             "Can I return the jacket I bought on order {n}?", "Why was I charged twice on invoice {n}?",
             "Does the Nimbus tent fit four people?"]
ANSWERS = ["Order {n} ships tomorrow, you will get a tracking e-mail.", "Use 'Forgot password' on the login page.",
           "Yes, returns are free within 30 days.", "I refunded the second charge on {n}.",
           "ok", "Thanks for waiting <br> the refund for {{Order Number}} is done.",
           "Die Bestellung wird morgen versandt, Sie erhalten eine E-Mail mit der Sendungsnummer."]
PII = [" My name is Maria Lopez.", " Mail me at john.carter@example.com.", " Call +1 415 555 2671.", ""]


def _examples(seed: int = 4, n: int = 160) -> list[Example]:
    rng = random.Random(seed)
    out: list[tuple[str, str, str]] = []
    for i in range(n):
        roll = rng.random()
        if out and roll < 0.1:
            q, a, lab = rng.choice(out)  # exact copy
        elif out and roll < 0.2:
            q, a, lab = rng.choice(out)
            k = rng.randrange(1, len(q) - 1)
            q = q[:k] + q[k + 1:]  # typo copy
        else:
            k = rng.randrange(len(QUESTIONS))
            num = rng.randrange(10_000, 99_999)
            q = QUESTIONS[k].format(n=num) + rng.choice(PII)
            a = rng.choice(ANSWERS).format(n=num) if rng.random() < 0.3 else ANSWERS[min(k, 3)].format(n=num)
            lab = f"intent{k}" if i % 40 else "rare"
        out.append((q, a, lab))
    return [Example(messages=pair_to_messages(q, a), label=lab) for q, a, lab in out]


def _project(path) -> Project:
    project = Project.create(path)
    project.add_examples(_examples(), source=dict(name="s.jsonl", path="s.jsonl", content_hash="x", size=0,
                                                  importer="test", kind="pairs", options={}, detection={}))
    project.set_setting("language", "en")
    return project


@pytest.fixture(scope="module")
def local_ray():  # one local Ray for the module: starting workers is most of the time on 2 cores
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


@pytest.mark.slow
def test_ray_engine_flags_equal_single_machine(tmp_path, local_ray):
    from ftcurate.core.checks.runner import run_checks
    from ftcurate.core.dedup import engine
    from ftcurate.scale.runner import run_checks_ray

    engine.clear_memo()
    with _project(tmp_path / "ray.ftcurate") as project:
        outcomes, report = run_checks_ray(project, CHECKS)
        ray_flags = project.flags_frame()
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        # the work was done on Ray: texts analysed there, and the components the checks used came from there
        assert report.texts["pii"] > 100 and report.texts["language"] > 100
        assert report.components and report.cpus == 2
    engine.clear_memo()
    with _project(tmp_path / "local.ftcurate") as project:
        assert all(o.ok for o in run_checks(project, CHECKS))
        local_flags = project.flags_frame()
    for check in ("hygiene", "pii", "exact_duplicate", "near_duplicate", "label_imbalance"):
        assert (local_flags["check"] == check).sum() > 0, check
    assert ray_flags.equals(local_flags)


@pytest.mark.slow
def test_ray_engine_reuses_the_cache_and_keeps_review_state(tmp_path, local_ray):
    from ftcurate.core.commands import SetFlagStateCommand
    from ftcurate.scale.runner import run_checks_ray

    with _project(tmp_path / "p.ftcurate") as project:
        run_checks_ray(project, ["pii", "near_duplicate"])
        first = project.flags_frame()
        fid = int(first["id"][0])
        project.apply(SetFlagStateCommand([fid], "ignored"))
        _, report = run_checks_ray(project, ["pii", "near_duplicate"])
        assert report.texts["pii"] == 0  # everything came from the cache
        again = project.flags_frame()
        assert again.drop("state").equals(first.drop("state"))
        assert again.filter(again["id"] == fid)["state"][0] == "ignored"


def test_engine_ray_without_ray_says_which_extra(tmp_path, capsys, monkeypatch):
    from ftcurate.cli import main

    path = tmp_path / "p.ftcurate"
    _project(path).close()
    monkeypatch.setitem(sys.modules, "ray", None)
    code = main(["check", str(path), "--engine", "ray"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and "pip install 'ftcurate[scale]'" in err[0]


@pytest.mark.slow
def test_ray_engine_embeddings_are_the_ones_the_checks_read(tmp_path, local_ray):
    """Paraphrase/conflict embeddings made on Ray land in the project cache under the keys the checks
    read, so the driver embeds nothing; the flags equal a single-machine run on cached embeddings."""
    from ftcurate.core.checks.runner import check_runs, run_checks
    from ftcurate.core.dedup import engine
    from ftcurate.scale.runner import run_checks_ray

    engine.clear_memo()
    with _project(tmp_path / "ray.ftcurate") as project:
        outcomes, report = run_checks_ray(project, ["paraphrase", "conflict"])
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        assert report.texts["embeddings"] > 20
        assert check_runs(project)["paraphrase"]["summary"].details["embedded"] == 0
        ray_flags = project.flags_frame()
    engine.clear_memo()
    with _project(tmp_path / "local.ftcurate") as project:
        run_checks(project, ["paraphrase", "conflict"])  # fills the embedding cache
        engine.clear_memo()
        run_checks(project, ["paraphrase", "conflict"])  # reads it, as the Ray run did
        local_flags = project.flags_frame()
    assert (local_flags["check"] == "paraphrase").sum() > 0
    assert ray_flags.drop("id").equals(local_flags.drop("id"))
