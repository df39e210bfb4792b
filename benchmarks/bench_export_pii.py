"""Export with its PII gate: the first export of a project vs re-export through the check cache.

The gate scans every text an export writes with the real PII check (presidio + spaCy). Raw analyzer
results are cached per text hash in the project, so a re-export only analyses what changed. This
script measures, in one process, on `--n` rows of the public Bitext customer-support sample
(../shared/data/bitext_cs):

1. first export (cold cache: nothing analysed yet) — the baseline, 1.00x;
2. re-export with the same options (warm cache);
3. re-export after editing 1 % of the examples (only those turns are analysed again);
4. re-export with a new system prompt (one new text).

The PII analyzer is built before any timing (once per process, ~1-4 s), so every row measures the
export itself. Usage:
    python benchmarks/bench_export_pii.py --n 2000
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from ftcurate.core.checks.pii import get_analyzer, pii_config
from ftcurate.core.commands import SetMessagesCommand
from ftcurate.core.export import export_project
from ftcurate.core.records import Example, pair_to_messages
from ftcurate.core.store import Project

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bitext_cs"


def load_rows(n: int) -> list[Example]:
    path = next(DATA.glob("*.csv"))
    out = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.append(Example(messages=pair_to_messages(row["instruction"], row["response"]),
                               label=row.get("intent") or None))
            if len(out) >= n:
                break
    return out


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    exs = load_rows(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        project = Project.create(tmp / "bench.ftcurate")
        project.add_examples(exs, source=dict(name="bitext_sample.csv", path=str(DATA), content_hash="x", size=0,
                                              importer="bench", kind="pairs", options={}, detection={}))
        get_analyzer(pii_config({}, project))  # model load outside the timings
        out = tmp / "out"
        opts = dict(test_fraction=0.1, seed=0, allow_pii=True)
        rows = []
        t, r = timed(lambda: export_project(project, out, **opts))
        rows.append(("first export (cold cache)", t, r.pii))
        t, r = timed(lambda: export_project(project, out, **opts))
        rows.append(("re-export, same data", t, r.pii))
        ids = project.example_ids()[:: 100]
        for ex in project.get_examples(ids):  # edits as a reviewer makes them (history included)
            msgs = [dict(m) for m in ex.messages]
            msgs[-1]["content"] += " Anything else I can help with?"
            project.apply(SetMessagesCommand(ex.id, msgs))
        t, r = timed(lambda: export_project(project, out, **opts))
        rows.append((f"re-export after editing {len(ids)} examples (1 %)", t, r.pii))
        t, r = timed(lambda: export_project(project, out, system_prompt="You answer for the shop.", **opts))
        rows.append(("re-export with a new system prompt", t, r.pii))
        project.close()
    base = rows[0][1]
    print(f"{args.n} examples (Bitext customer-support sample), openai format, 10 % test")
    print(f"{'run':<48} {'seconds':>8} {'speed-up':>9} {'texts':>7} {'analysed':>9}")
    for name, t, pii in rows:
        print(f"{name:<48} {t:8.2f} {base / t:8.1f}x {pii['texts']:7d} {pii['analysed']:9d}")


if __name__ == "__main__":
    main()
