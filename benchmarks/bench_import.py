"""Import throughput for a message-per-row support CSV, as a ratio to a plain `polars.read_csv`.

Generates a synthetic support log (`--rows` rows, default 1,000,000; conversations of 2-12 messages
with customer/agent/bot/internal-note senders, ISO timestamps and an intent column), then measures in
one process:

1. baseline: `polars.read_csv(path)` (rows/s);
2. importer: `detect_file` + `SupportMessagesImporter.read` producing every example (rows/s);
3. the same file re-encoded as cp1252 (which takes the row-accurate Python reader);
4. full import into a project (`ftcurate.core.importing.import_file`: SQLite, one transaction), with
   where its time goes: detect, read (the polars pass that pairs messages into examples), clean-up,
   build columns (messages JSON, metadata), insert (content hashes, binding, SQLite), other (file hash,
   source row) and the commit (WAL write and fsync).

Each figure is printed with its ratio to the baseline, the best of three `polars.read_csv` runs.
`--only-project` skips steps 2 and 3. `--bitext COPIES` replaces the synthetic log by one built from
public data: the Bitext customer-support sample in `../shared/data/bitext_cs` (one ticket per request:
the customer's request, then the agent's multi-line reply), repeated COPIES times with new ticket ids.
Usage:
    python benchmarks/bench_import.py --rows 1000000 [--skip-project] [--skip-cp1252] [--only-project]
    python benchmarks/bench_import.py --bitext 3 --only-project
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import polars as pl

CUSTOMER = ["Hi, where is my order {n}?", "I was charged twice for invoice {n}.",
            "My card ending {n} does not work.", "How do I reset my password?",
            "Can I change the delivery address for order {n}?", "The app crashes when I pay.",
            "I want to cancel my subscription, it renews on the {d}th.", "Thanks, that worked!"]
AGENT = ["Sorry about that! Order {n} ships tomorrow. ^RR", "I've refunded the duplicate charge on {n}.",
         "Please try again now, I reset the card. -TS", "Use 'Forgot password' on the login page.",
         "Done: the new address is saved for order {n}.", "We fixed it in version 3.{d}, please update.",
         "Your subscription is cancelled; no further charges.", "Glad to help, have a good day!"]
INTENTS = ["order_status", "billing", "card", "account", "delivery", "app", "cancel", "other"]


def make_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(2, 13, size=rows // 2 + 2)
    conv = np.repeat(np.arange(len(lengths)), lengths)[:rows]
    pos = np.concatenate([np.arange(n) for n in lengths])[:rows]
    kind = np.where(pos % 2 == 0, 0, 1)  # alternate customer / agent ...
    noise = rng.random(rows)
    sender = np.where(noise < 0.03, "Bot", np.where(noise < 0.05, "Internal note",
                      np.where(kind == 0, "Customer", "Agent")))
    topic = rng.integers(0, len(INTENTS), size=len(lengths))[conv]
    nums = rng.integers(10000, 99999, size=rows)
    cust = np.array(CUSTOMER, dtype=object)[topic]
    agent = np.array(AGENT, dtype=object)[topic]
    text = [(c if k == 0 else a).format(n=n, d=n % 28) for c, a, k, n in zip(cust, agent, kind, nums,
                                                                             strict=True)]
    ts = (np.datetime64("2024-01-01T00:00:00") + (conv * 600 + pos * 20).astype("timedelta64[s]"))
    pl.DataFrame({
        "conversation_id": [f"C{c:07d}" for c in conv],
        "timestamp": ts.astype(str),
        "sender": sender,
        "message": text,
        "intent": np.array(INTENTS, dtype=object)[topic],
    }).write_csv(path)


def make_bitext_csv(path: Path, copies: int) -> int:
    """A message-per-row log from the public Bitext sample (see the module doc); returns its rows."""
    import csv

    src = Path(__file__).resolve().parents[2] / "shared" / "data" / "bitext_cs"
    rows = pl.read_csv(src / "Bitext_Sample_Customer_Support_Training_Dataset.csv", infer_schema=False)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["ticket", "sender", "body", "intent"])
        for k in range(copies):
            for i, r in enumerate(rows.iter_rows(named=True)):
                w.writerow([f"B{k}-{i}", "Customer", r["instruction"], r["intent"]])
                w.writerow([f"B{k}-{i}", "Agent", r["response"], ""])
    return 2 * copies * rows.height


def timed(fn):
    gc.collect()
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def run_importer(path: Path) -> int:
    from ftcurate.core.importers.base import ImportOptions
    from ftcurate.core.importing import detect_file
    from ftcurate.core.progress import Progress

    options = ImportOptions()
    importer, det = detect_file(path, options)
    assert det.importer == "support_messages", det
    return sum(1 for _ in importer.read(path, options, det, Progress()))


STAGES = ("detect", "read", "clean", "build", "insert", "other", "commit")


@contextmanager
def stage_clocks(clocks: dict[str, list[float]]) -> Iterator[None]:
    """Add each stage's [wall, CPU] seconds to `clocks` while the import runs (wraps the functions
    `import_file` and `bulk_insert.insert_batches` call; restores them after)."""
    from ftcurate.core import bulk_insert, importing
    from ftcurate.core.importers.support import SupportMessagesImporter

    def clock(name, fn):
        def timed_fn(*args, **kwargs):
            w, c = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                clocks[name][0] += time.perf_counter() - w
                clocks[name][1] += time.process_time() - c
        return timed_fn

    def timed_iter(it):
        while True:
            w, c = time.perf_counter(), time.process_time()
            item = next(it, None)
            clocks["read"][0] += time.perf_counter() - w
            clocks["read"][1] += time.process_time() - c
            if item is None:
                return
            yield item

    read_batches = SupportMessagesImporter.read_batches

    def batches(self, *args, **kwargs):
        it = read_batches(self, *args, **kwargs)
        return None if it is None else timed_iter(iter(it))

    saved = [(importing, "detect_file"), (bulk_insert, "clean_pairs"), (bulk_insert, "pair_rows"),
             (bulk_insert, "insert_frame")]
    originals = [getattr(m, n) for m, n in saved]
    for (m, n), fn, stage in zip(saved, originals, ("detect", "clean", "build", "insert"), strict=True):
        setattr(m, n, clock(stage, fn))
    SupportMessagesImporter.read_batches = batches
    try:
        yield
    finally:
        for (m, n), fn in zip(saved, originals, strict=True):
            setattr(m, n, fn)
        SupportMessagesImporter.read_batches = read_batches


def run_project(path: Path, tmp: Path, clocks: dict[str, list[float]] | None = None) -> int:
    """Full import into a new project; with `clocks`, also each stage's [wall, CPU] seconds."""
    from ftcurate.core.importing import import_file
    from ftcurate.core.store import Project

    clocks = clocks if clocks is not None else {}
    clocks.update({s: [0.0, 0.0] for s in STAGES})
    target = tmp / "bench.ftcurate"
    target.unlink(missing_ok=True)
    with Project.create(target) as project, stage_clocks(clocks):
        w0, c0 = time.perf_counter(), time.process_time()
        with project.transaction():  # import_file joins it; leaving it is the commit
            n = import_file(project, path).examples
            w1, c1 = time.perf_counter(), time.process_time()
        clocks["commit"] = [time.perf_counter() - w1, time.process_time() - c1]
        clocks["other"] = [w1 - w0 - sum(v[0] for k, v in clocks.items() if k not in ("other", "commit")),
                           c1 - c0 - sum(v[1] for k, v in clocks.items() if k not in ("other", "commit"))]
    return n


def print_breakdown(clocks: dict[str, list[float]], base_t: float, base_cpu: float) -> None:
    total = sum(v[0] for v in clocks.values())
    cpu = sum(v[1] for v in clocks.values())
    print(f"  CPU seconds (all threads): read_csv {base_cpu:.3f} s, full import {cpu:.3f} s, "
          f"ratio {base_cpu / cpu:.3f}")
    print(f"  where the full import's time goes (wall / CPU of all threads; read_csv: {base_t:.3f} s):")
    for name in STAGES:
        wall, cpu = clocks[name]
        print(f"    {name:8} {wall:7.3f} s  {cpu:7.3f} s CPU  {100 * wall / total:5.1f} %  "
              f"= {wall / base_t:5.2f}x the read_csv time")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--skip-project", action="store_true", help="skip the full import into a project")
    ap.add_argument("--skip-cp1252", action="store_true", help="skip the cp1252 (exact reader) run")
    ap.add_argument("--only-project", action="store_true", help="only the baseline and the full import")
    ap.add_argument("--bitext", type=int, default=0, metavar="COPIES",
                    help="use a log built from ../shared/data/bitext_cs, repeated COPIES times")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        path = tmp / "support.csv"
        if args.bitext:
            t, args.rows = timed(lambda: make_bitext_csv(path, args.bitext))
        else:
            t, _ = timed(lambda: make_csv(path, args.rows))
        print(f"generated {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB in {t:.1f} s")
        runs, cpus = [], []
        for _ in range(3):
            c0 = time.process_time()
            runs.append(timed(lambda: pl.read_csv(path))[0])
            cpus.append(time.process_time() - c0)
        base_t, base_cpu = min(runs), min(cpus)
        base = args.rows / base_t
        print(f"polars.read_csv            {base_t:7.3f} s {base:12,.0f} rows/s  (baseline, best of 3; first call "
              f"{runs[0]:.3f} s)")
        results = [] if args.only_project else [("importer (polars path)", path, run_importer)]
        if not (args.skip_cp1252 or args.only_project):
            cp = tmp / "support_cp1252.csv"
            cp.write_bytes(path.read_text("utf-8").replace("'", "\u2019").encode("cp1252"))
            results.append(("importer (cp1252, exact)", cp, run_importer))
        clocks: dict[str, list[float]] = {}
        if not args.skip_project:
            results.append(("full import into project", path, lambda p: run_project(p, tmp, clocks)))
        for name, p, fn in results:
            t, n = timed(lambda p=p, fn=fn: fn(p))
            rate = args.rows / t
            print(f"{name:26} {t:7.3f} s {rate:12,.0f} rows/s  ratio {rate / base:.3f}  ({n:,} examples)")
        if clocks:
            print_breakdown(clocks, base_t, base_cpu)


if __name__ == "__main__":
    main()
