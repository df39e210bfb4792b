"""Project store at scale: import, open, columnar view (several loaders compared), peak memory.

    python benchmarks/bench_store.py [--n 1000000]

Builds a synthetic project of N pair examples through the real import pipeline (JSONL -> importer ->
one transaction), then times opening it and building the polars view with each loader; prints each
loader's time as a ratio to the plain `fetchall -> DataFrame(orient="row")` baseline run in the same
process. The table model's screenful timing lives in benchmarks/bench_gui_table.py.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from pathlib import Path

import polars as pl

from ftcurate.core.importers.base import ImportOptions
from ftcurate.core.importing import import_file
from ftcurate.core.store import Project
from ftcurate.core.view import COLUMNS, examples_frame

WORDS = ("order refund parcel delivery account password tent jacket boots size colour warranty "
         "return label tracking courier invoice discount voucher stock").split()


def make_jsonl(path: Path, n: int) -> None:
    rng = random.Random(0)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            q = " ".join(rng.choices(WORDS, k=rng.randint(6, 18))) + "?"
            a = " ".join(rng.choices(WORDS, k=rng.randint(15, 45))) + "."
            fh.write(json.dumps({"input": q, "output": a, "label": f"intent_{i % 40}"}) + "\n")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, repeat=3):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def load_rows_orient(project: Project) -> pl.DataFrame:
    """Baseline: fetch every row as a tuple, let polars build the frame row-wise."""
    cols = [c for c in COLUMNS if c != "source"]
    exprs = ", ".join(f'e."{c}"' for c in cols)
    sql = f"SELECT {exprs} FROM examples e ORDER BY e.id"
    rows = project.conn.execute(sql).fetchall()
    return pl.DataFrame(rows, schema={c: COLUMNS[c] for c in cols}, orient="row")


def load_per_column(project: Project) -> pl.DataFrame:
    """One query per column (each a flat list)."""
    cols = [c for c in COLUMNS if c != "source"]
    data = {}
    for c in cols:
        q = f'SELECT "{c}" FROM examples ORDER BY id'
        data[c] = pl.Series(c, [r[0] for r in project.conn.execute(q)], dtype=COLUMNS[c], strict=False)
    return pl.DataFrame(data)


def load_read_database(project: Project) -> pl.DataFrame:
    cols = [c for c in COLUMNS if c != "source"]
    q = f"SELECT {', '.join(chr(34) + c + chr(34) for c in cols)} FROM examples ORDER BY id"
    return pl.read_database(q, connection=project.conn, infer_schema_length=None)


LOADERS = {
    "fetchall+orient (baseline)": load_rows_orient,
    "examples_frame (all columns)": lambda pr: examples_frame(pr),
    "one query per column": load_per_column,
    "pl.read_database": load_read_database,
    "examples_frame, 5 table columns": lambda pr: examples_frame(pr, ["id", "status", "label", "input",
                                                                      "output"]),
}


def run_loader(name: str, path: Path) -> None:
    """Child process: time one loader (best of 2) and report its own peak RSS as one JSON line."""
    with Project.open(path) as p:
        secs, df = timed(lambda: LOADERS[name](p), repeat=2)
        print(json.dumps({"seconds": secs, "rows": df.height, "peak_mb": peak_mb()}))


def main() -> None:
    import subprocess
    import sys

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--loader", help=argparse.SUPPRESS)
    ap.add_argument("--project", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.loader:
        return run_loader(args.loader, Path(args.project))
    tmp = Path(tempfile.mkdtemp())
    src, proj = tmp / "pairs.jsonl", tmp / "bench.ftcurate"
    make_jsonl(src, args.n)
    print(f"{args.n:,} examples, source {src.stat().st_size / 1e6:.0f} MB")

    p = Project.create(proj)
    t = time.perf_counter()
    import_file(p, src, ImportOptions(kind="pairs"))
    t_import = time.perf_counter() - t
    p.close()
    print(f"import            {t_import:8.2f} s  ({args.n / t_import:,.0f} examples/s), "
          f"project {proj.stat().st_size / 1e6:.0f} MB, peak RSS {peak_mb():.0f} MB")
    t_open, p = timed(lambda: Project.open(proj), repeat=1)
    p.close()
    print(f"open              {t_open:8.3f} s")
    print("columnar view, each loader in its own process (time best of 2, that process's peak RSS):")
    base = None
    for name in LOADERS:
        out = subprocess.run([sys.executable, __file__, "--loader", name, "--project", str(proj)],
                             capture_output=True, text=True)
        if out.returncode:
            print(f"  {name:<34} failed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        base = base or r["seconds"]
        print(f"  {name:<34} {r['seconds']:7.2f} s  x{base / r['seconds']:4.2f} vs baseline  "
              f"peak {r['peak_mb']:6.0f} MB  ({r['rows']:,} rows)")


if __name__ == "__main__":
    main()
