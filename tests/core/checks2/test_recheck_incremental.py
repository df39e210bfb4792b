"""A re-check after edits reuses the check cache and stores exactly the flags a from-scratch check does."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from health_fixtures import formal_pairs, make_project

from ftcurate.core.checks.runner import check_runs, run_checks
from ftcurate.core.commands import CompositeCommand, SetMessagesCommand
from ftcurate.core.dedup import engine
from ftcurate.core.records import pair_to_messages
from ftcurate.core.store import Project

NAMES = ["hygiene", "exact_duplicate", "near_duplicate", "conflict", "label_imbalance", "tone"]
# Conflicts on near-same questions compared by MinHash, and tone's style dimensions: no sentence
# model, so the test stays fast (embeddings have their own same-flags test in tests/core/dedup);
# formality from a lexicon learnt on a 20-answer sample, the path large projects take.
CONFIG = {"conflict": {"match": "near", "answer_similarity": "minhash"},
          "tone": {"dimensions": ["casual", "curt", "loud", "complex", "person"], "formality_mode": "lexicon",
                   "formality_sample": 20},
          "hygiene": {"language": None}}
FRENCH = "Vous pouvez suivre la livraison de votre commande depuis la page Commandes de votre compte."


def _pairs() -> list[tuple[str, str]]:
    pairs = formal_pairs(160)
    pairs += [(q.replace("my", "my  own"), a) for q, a in pairs[:20]]  # near copies of questions
    pairs += [(q, "No, that is not possible. " + a) for q, a in pairs[20:30]]  # conflicting answers
    pairs += [("Where is my order?", FRENCH), ("Hi", "ok"), ("Order status?", "Your order {{Order Number}} "
              "ships <b>today</b>."), ("yo where my stuff", "lol dunno mate, ur parcel is somewhere 😀")]
    return pairs


def _labels(n: int) -> list[str]:
    return [["orders", "billing", "account", "rare"][i % 4] if i % 50 else "tiny" for i in range(n)]


def _edit(project: Project) -> int:
    """Edit about 10 % of the examples: new answers, a question made a copy of another, a language."""
    ids = project.example_ids()
    cmds = []
    for k, ex in enumerate(project.get_examples(ids[::10])):
        q, a = ex.messages[0]["content"], ex.messages[-1]["content"]
        if k % 4 == 0:
            a += " Anything else I can help with?"
        elif k % 4 == 1:
            q = "How do I reset my password?"
        elif k % 4 == 2:
            a = FRENCH
        else:
            a = "nope"
        cmds.append(SetMessagesCommand(ex.id, pair_to_messages(q, a)))
    project.apply(CompositeCommand(cmds, text="test: edit 10 %"))
    return len(cmds)


def _flags(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute('SELECT example_id, check_name, kind, turn, start, "end", severity, message, cluster,'
                            " score, data, state FROM flags ORDER BY 1, 2, 3, 4, 5, 6, 8").fetchall()
    finally:
        conn.close()


@pytest.fixture
def projects(tmp_path):
    pairs = _pairs()
    project = make_project(tmp_path / "a.ftcurate", pairs, _labels(len(pairs)))
    yield project, tmp_path
    project.close()


def test_recheck_after_edits_equals_a_check_from_scratch(projects):
    project, tmp = projects
    engine.clear_memo()
    run_checks(project, NAMES, CONFIG)
    edited = _edit(project)
    engine.clear_memo()  # as in a new `ftcurate check` process
    outcomes = run_checks(project, NAMES, CONFIG)
    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    # hygiene computed only the edited examples; the rest came from the check cache
    assert 0 < check_runs(project)["hygiene"]["summary"].details["examples_computed"] <= edited
    # near duplicates kept their signatures and LSH pairs in the check cache (re-checked incrementally)
    assert project.query("SELECT count(*) FROM cache WHERE namespace LIKE 'near.v1:%'")[0][0] >= 2
    assert project.query("SELECT count(*) FROM cache WHERE namespace LIKE 'minhash.v1:%'")[0][0] > 0
    project.close()

    fresh = tmp / "fresh.ftcurate"
    shutil.copyfile(tmp / "a.ftcurate", fresh)
    with Project.open(fresh) as copy, copy.transaction() as conn:
        conn.execute("DELETE FROM cache")
        conn.execute("DELETE FROM flags")
        conn.execute("DELETE FROM check_runs")
    engine.clear_memo()
    with Project.open(fresh) as copy:
        assert run_checks(copy, NAMES, CONFIG)
        assert copy.query("SELECT count(*) FROM cache WHERE namespace LIKE 'hygiene%'")[0][0] > 0

    mine, theirs = _flags(tmp / "a.ftcurate"), _flags(fresh)
    assert {f[1] for f in mine} >= {"hygiene", "exact_duplicate", "near_duplicate", "conflict", "tone"}
    assert any(f[1] == "hygiene" and f[2] == "language" for f in mine)
    assert mine == theirs


def test_store_flags_keeps_ids_updates_changed_values_and_deletes_vanished(projects):
    from ftcurate.core.checks.base import Flag
    from ftcurate.core.checks.runner import store_flags

    project, _ = projects
    ids = project.example_ids()[:3]
    first = [Flag(ids[0], "hygiene", "low", "a", kind="short", score=1), Flag(ids[1], "hygiene", "low", "b"),
             Flag(ids[2], "hygiene", "low", "c", data={"x": 1})]
    store_flags(project, "hygiene", first)
    before = {r[1]: r[0] for r in project.query("SELECT id, example_id FROM flags")}
    again = [Flag(ids[0], "hygiene", "low", "a", kind="short", score=1.0),
             Flag(ids[2], "hygiene", "medium", "c", data={"x": 2})]
    store_flags(project, "hygiene", again)
    rows = project.query("SELECT id, example_id, severity, message, data FROM flags ORDER BY example_id")
    assert [(r[0], r[1]) for r in rows] == [(before[ids[0]], ids[0]), (before[ids[2]], ids[2])]
    assert rows[1][2:] == ("medium", "c", '{"x": 2}')


def test_cache_get_scan_gives_what_key_lookups_give(projects, monkeypatch):
    from ftcurate.core import store

    project, _ = projects
    project.cache_put("ns", {f"k{i}": str(i).encode() for i in range(50)})
    project.cache_put("other", {"k1": b"x"})
    keys = [f"k{i}" for i in range(0, 60, 3)]
    by_lookup = project.cache_get("ns", keys)
    monkeypatch.setattr(store, "_CACHE_SCAN_MIN", 2)
    assert project.cache_get("ns", keys) == by_lookup
    assert len(by_lookup) == 17 and by_lookup["k3"] == b"3"
