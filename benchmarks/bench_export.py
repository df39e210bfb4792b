"""Export throughput: split + write + card + validation, as a ratio to a bare JSONL dump.

Builds a project of `--n` synthetic examples (20 labels, 5 % of them in duplicate clusters of 2-4,
a tenth cut from multi-turn conversations), then measures in one process:

1. baseline: read the `messages` column and write `{"messages": ...}` JSONL with `json.dumps`
   (the least any exporter must do);
2. `plan_split` alone (grouping + stratified assignment);
3. `export_project(format="openai")` end to end (split, files, configs, card, validation);
4. `export_project(format="parquet")`.

Usage:
    python benchmarks/bench_export.py --n 200000
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from ftcurate.core.checks.base import Flag
from ftcurate.core.checks.runner import store_flags
from ftcurate.core.export import export_project
from ftcurate.core.records import Example, pair_to_messages
from ftcurate.core.split import plan_split
from ftcurate.core.store import Project


def build(path: Path, n: int, seed: int = 0) -> Project:
    rng = random.Random(seed)
    exs = []
    for i in range(n):
        lab = f"intent_{rng.randrange(20)}"
        q = f"Customer question {i} about {lab}: " + " ".join(rng.choice("abcdefgh") * 3 for _ in range(12))
        a = f"Agent answer {i}. " + " ".join(rng.choice("ijklmnop") * 4 for _ in range(25))
        conv = {"conversation": f"c{i // 3}"} if i % 10 == 0 else {}
        exs.append(Example(messages=pair_to_messages(q, a), label=lab, provenance=conv))
    project = Project.create(path)
    project.add_examples(exs, source=dict(name="synthetic.jsonl", path=str(path), content_hash="x", size=0,
                                          importer="bench", kind="pairs", options={}, detection={}))
    ids = project.example_ids()
    flags, cluster = [], 0
    pool = rng.sample(ids, n // 20)
    while pool:
        size = rng.randint(2, 4)
        members, pool = pool[:size], pool[size:]
        flags += [Flag(i, "near_duplicate", "medium", "near copy", cluster=cluster) for i in members]
        cluster += 1
    store_flags(project, "near_duplicate", flags)
    return project


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t_build, project = timed(lambda: build(tmp / "bench.ftcurate", args.n))
        print(f"built project: {args.n} examples in {t_build:.1f} s")

        def baseline():
            frame = project.examples_frame(["id", "messages"])
            with open(tmp / "baseline.jsonl", "w", encoding="utf-8") as fh:
                for m in frame.get_column("messages").to_list():
                    fh.write(json.dumps({"messages": json.loads(m)}, ensure_ascii=False) + "\n")

        t_base, _ = timed(baseline)
        print(f"baseline JSONL dump        {t_base:6.2f} s  {args.n / t_base:9,.0f} ex/s  1.00x")
        frame = project.examples_frame()
        flags = project.flags_frame()
        t_plan, plan = timed(lambda: plan_split(frame, flags, seed=0, test_fraction=0.1, val_fraction=0.05))
        print(f"plan_split                 {t_plan:6.2f} s  {args.n / t_plan:9,.0f} ex/s  "
              f"{t_base / t_plan:.2f}x   ({plan.n_groups} groups)")
        for fmt in ("openai", "parquet"):
            t, rep = timed(lambda fmt=fmt: export_project(project, tmp / f"out_{fmt}", format=fmt, seed=0,
                                                           test_fraction=0.1, val_fraction=0.05))
            print(f"export_project {fmt:<11} {t:6.2f} s  {args.n / t:9,.0f} ex/s  {t_base / t:.2f}x   "
                  f"(valid: {rep.validation['ok']})")
        project.close()


if __name__ == "__main__":
    main()
