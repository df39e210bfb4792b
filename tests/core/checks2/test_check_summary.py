"""Every check returns a `CheckSummary` of the same shape; the runner stores it and reads it back."""

from __future__ import annotations

from health_fixtures import formal_pairs, make_project

from ftcurate.core.checks.base import CheckSummary, Flag
from ftcurate.core.checks.runner import check_runs, run_checks


def test_of_counts_examples_and_kinds_and_sums_clusters():
    flags = [Flag(1, "x", "low", "m", kind="a"), Flag(1, "x", "low", "m", kind="b"), Flag(2, "x", "low", "m", kind="a")]
    s = CheckSummary.of(flags, clusters_by_kind={"exact": 2, "input": 3}, details={"embedded": 4})
    assert (s.flagged, s.by_kind, s.clusters, s.clusters_by_kind) == (2, {"a": 2, "b": 1}, 5, {"exact": 2, "input": 3})
    assert CheckSummary.from_json(s.to_json()) == s


def test_a_run_stored_before_summaries_were_typed_reads_as_details():
    old = {"clusters": {"input": 3}, "flagged": 5, "embedded": 11}
    s = CheckSummary.from_json(old)
    assert s.details == old and s.clusters == 0 and s.flagged == 0


def test_every_check_fills_the_same_fields(tmp_path):
    pairs = formal_pairs(30)
    pairs += [pairs[0], pairs[0], pairs[1]]  # two exact-copy clusters
    labels = ["orders"] * 20 + ["billing"] * 10 + ["orders"] * 3
    project = make_project(tmp_path / "p.ftcurate", pairs, labels)
    try:
        names = ["exact_duplicate", "label_imbalance", "hygiene", "tone"]
        outcomes = {o.name: o for o in run_checks(project, names)}
        assert all(o.ok for o in outcomes.values()), [o.error for o in outcomes.values()]
        for o in outcomes.values():
            s = o.summary
            assert isinstance(s, CheckSummary) and isinstance(s.clusters, int) and isinstance(s.by_kind, dict)
            assert s.flagged <= len(pairs) and (s.flagged == 0) == (o.flags == 0), o.name
        dup = outcomes["exact_duplicate"].summary
        assert dup.clusters == sum(dup.clusters_by_kind.values()) >= 2
        runs = check_runs(project)
        assert {n: runs[n]["summary"] for n in names} == {n: outcomes[n].summary for n in names}
    finally:
        project.close()
