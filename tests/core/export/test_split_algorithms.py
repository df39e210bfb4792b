"""The pure split algorithms: grouping, quotas, grouped stratified assignment, caps."""

from __future__ import annotations

import random
from collections import Counter

import polars as pl
import pytest

from ftcurate.core.errors import UserError
from ftcurate.core.split import (
    apply_caps,
    assign_groups,
    group_examples,
    label_quotas,
    plan_split,
    split_targets,
)


def test_groups_join_relations_and_chains_through_left_out_examples():
    conv = [(1, "a"), (2, "a"), (5, "b")]
    clusters = [(2, 7), (3, 7), (4, 9), (99, 9), (99, 11), (6, 11)]  # 99 is not exported: 4~99~6
    groups = group_examples([1, 2, 3, 4, 5, 6, 8], [conv, clusters])
    assert groups == [[1, 2, 3], [4, 6], [5], [8]]


def test_keys_of_different_relations_do_not_mix():
    groups = group_examples([1, 2], [[(1, "k")], [(2, "k")]])
    assert groups == [[1], [2]]


@pytest.mark.parametrize("seed", range(20))
def test_quotas_are_floor_or_ceiling_and_add_up(seed):
    rng = random.Random(seed)
    counts = {f"l{i}": rng.randint(1, 60) for i in range(rng.randint(1, 12))}
    n = sum(counts.values())
    targets = split_targets(n, test_fraction=rng.choice([0.1, 0.2, 0.33]), val_fraction=rng.choice([0, 0.1]))
    q = label_quotas(counts, targets, random.Random(seed))
    for split, t in targets.items():
        assert sum(q[lab][split] for lab in counts) == t
    for lab, n_l in counts.items():
        assert sum(q[lab].values()) == n_l
        for split, t in targets.items():
            exact = n_l * t / n
            assert abs(q[lab][split] - exact) < 1, (lab, split, q[lab][split], exact)


@pytest.mark.parametrize("seed", range(10))
def test_singletons_stratify_within_one_example_per_label(seed):
    rng = random.Random(seed)
    labels = {i: f"l{rng.randint(0, 7)}" for i in range(1, 301)}
    counts = Counter(labels.values())
    targets = split_targets(300, test_fraction=0.15, val_fraction=0.1)
    quotas = label_quotas(counts, targets, random.Random(seed))
    out = assign_groups([[i] for i in labels], labels, quotas, random.Random(seed))
    assert sorted(i for ids in out.values() for i in ids) == list(labels)
    for split, ids in out.items():
        assert len(ids) == targets[split]
        got = Counter(labels[i] for i in ids)
        for lab, n_l in counts.items():
            assert abs(got[lab] - n_l * targets[split] / 300) < 1


def test_groups_never_straddle_and_sizes_stay_close():
    rng = random.Random(3)
    groups, labels, next_id = [], {}, 1
    for _ in range(150):
        size = rng.choice([1, 1, 1, 2, 3, 5])
        g = list(range(next_id, next_id + size))
        next_id += size
        lab = rng.choice("abcd")
        labels.update(dict.fromkeys(g, lab))
        groups.append(g)
    n = len(labels)
    targets = split_targets(n, test_fraction=0.2)
    out = assign_groups(groups, labels, label_quotas(Counter(labels.values()), targets, rng), random.Random(1))
    where = {i: s for s, ids in out.items() for i in ids}
    for g in groups:
        assert len({where[i] for i in g}) == 1
    assert abs(len(out["test"]) - targets["test"]) <= 5


def test_assignment_is_deterministic_per_seed():
    labels = {i: "ab"[i % 2] for i in range(1, 101)}
    targets = split_targets(100, test_fraction=0.2)

    def run(seed):
        q = label_quotas(Counter(labels.values()), targets, random.Random(seed))
        return assign_groups([[i] for i in labels], labels, q, random.Random(seed))

    assert run(5) == run(5)
    assert run(5)["test"] != run(6)["test"]


def test_split_targets_rules():
    assert split_targets(100, test_fraction=0.1) == {"train": 90, "validation": 0, "test": 10}
    assert split_targets(5, test_fraction=0.05)["test"] == 1  # a requested split is never empty
    assert split_targets(50, test_count=7, val_count=3) == {"train": 40, "validation": 3, "test": 7}
    with pytest.raises(UserError, match="between 0 and 1"):
        split_targets(10, test_fraction=1.5)
    with pytest.raises(UserError, match="no training examples"):
        split_targets(10, test_count=6, val_count=4)


def test_caps_keep_approved_first():
    ids = list(range(1, 21))
    labels = {i: ("big" if i <= 15 else "small") for i in ids}
    kept, dropped = apply_caps(ids, labels, {"big": 5}, random.Random(0), preferred=[13, 14, 15])
    assert dropped == {"big": 10}
    assert {13, 14, 15} <= set(kept)
    assert sum(labels[i] == "big" for i in kept) == 5 and sum(labels[i] == "small" for i in kept) == 5


def _frame(rows):
    return pl.DataFrame(rows, schema={"id": pl.Int64, "source_id": pl.Int64, "label": pl.Utf8, "status": pl.Utf8,
                                      "conversation": pl.Utf8, "content_hash": pl.Utf8}, orient="row")


def test_plan_split_on_frames_keeps_clusters_and_conversations_together():
    rows = [(i, 1, "ab"[i % 2], "unreviewed", None, f"h{i}") for i in range(1, 41)]
    rows[0] = (1, 1, "b", "rejected", None, "h1")
    rows[1] = (2, 1, "a", "unreviewed", "conv-9", "h2")
    rows[2] = (3, 1, "b", "unreviewed", "conv-9", "h3")
    rows[3] = (4, 1, "a", "unreviewed", None, "h2")  # exact copy of 2 without any flag
    flags = pl.DataFrame({"example_id": [10, 11, 12, 20, 21], "check": ["paraphrase"] * 3 + ["near_duplicate"] * 2,
                          "cluster": [1, 1, 1, 1, 1], "state": ["open", "resolved", "open", "ignored", "ignored"]})
    for seed in range(8):
        plan = plan_split(_frame(rows), flags, seed=seed, test_fraction=0.25)
        where = {i: s for s, ids in plan.splits.items() for i in ids}
        assert 1 not in where and plan.excluded == {"rejected": 1}
        assert where[2] == where[3] == where[4]
        assert where[10] == where[11] == where[12]
    # ignored cluster flags do not tie: over seeds 20 and 21 end up apart at least once
    apart = 0
    for seed in range(30):
        plan = plan_split(_frame(rows), flags, seed=seed, test_fraction=0.25)
        where = {i: s for s, ids in plan.splits.items() for i in ids}
        apart += where[20] != where[21]
    assert apart > 0


def test_plan_split_refuses_when_everything_is_one_group():
    rows = [(i, 1, "a", "approved", "one-conv", f"h{i}") for i in range(1, 11)]
    with pytest.raises(UserError, match="cannot make a test split"):
        plan_split(_frame(rows), None, test_fraction=0.2)
