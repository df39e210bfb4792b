"""Import throughput for a message-per-row support CSV, as a ratio to a plain `polars.read_csv`.

Generates a synthetic support log (`--rows` rows, default 1,000,000; conversations of 2-12 messages
with customer/agent/bot/internal-note senders, ISO timestamps and an intent column), then measures in
one process:

1. baseline: `polars.read_csv(path)` (rows/s);
2. importer: `detect_file` + `SupportMessagesImporter.read` producing every example (rows/s);
3. the same file re-encoded as cp1252 (which takes the row-accurate Python reader);
4. full import into a project (`ftcurate.core.importing.import_file`: SQLite, one transaction), when
   the project store is available.

Each figure is printed with its ratio to the baseline. Usage:
    python benchmarks/bench_import.py --rows 1000000 [--skip-project] [--skip-cp1252]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
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


def run_project(path: Path, tmp: Path) -> int:
    from ftcurate.core.importing import import_file
    from ftcurate.core.store import Project

    with Project.create(tmp / "bench.ftcurate") as project:
        return import_file(project, path).examples


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--skip-project", action="store_true", help="skip the full import into a project")
    ap.add_argument("--skip-cp1252", action="store_true", help="skip the cp1252 (exact reader) run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        path = tmp / "support.csv"
        t, _ = timed(lambda: make_csv(path, args.rows))
        print(f"generated {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB in {t:.1f} s")
        base_t, df = timed(lambda: pl.read_csv(path))
        base = df.height / base_t
        del df
        print(f"polars.read_csv            {base_t:7.2f} s  {base:12,.0f} rows/s  (baseline)")
        results = [("importer (polars path)", path, run_importer)]
        if not args.skip_cp1252:
            cp = tmp / "support_cp1252.csv"
            cp.write_bytes(path.read_text("utf-8").replace("'", "\u2019").encode("cp1252"))
            results.append(("importer (cp1252, exact)", cp, run_importer))
        if not args.skip_project:
            try:
                import ftcurate.core.store  # noqa: F401
                results.append(("full import into project", path, lambda p: run_project(p, tmp)))
            except ImportError:
                print("(project store not available: skipping the full import)")
        for name, p, fn in results:
            t, n = timed(lambda p=p, fn=fn: fn(p))
            rate = args.rows / t
            print(f"{name:26} {t:7.2f} s  {rate:12,.0f} rows/s  ratio {rate / base:.3f}  ({n:,} examples)")


if __name__ == "__main__":
    main()
