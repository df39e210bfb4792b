"""PII throughput: ftcurate's analyzer vs presidio's stock one-text-at-a-time `analyze` loop, same texts.

Texts: half real customer messages (banking77 test set from ../shared/data, if present), half synthetic
support sentences with structured PII (benchmarks/data/make_pii_gold.py), shuffled; ~90 characters on
average. Baseline: stock `AnalyzerEngine` (default recognizers, `SpacyNlpEngine` with the full
pipeline of the same spaCy model), `for t in texts: engine.analyze(t, language="en")`.

Measured, in the same process, engine construction excluded for both:
  * ftcurate, 1 process: spaCy NER only, `nlp.pipe` batches, validated recognizers with pre-checks.
  * ftcurate, 2 worker processes (what the check uses above 2,000 texts), worker start-up included:
    forked (CLI: workers share the loaded engine) and spawned (GUI thread: each loads its own).
Prints docs/s and the ratio to the baseline; asserts nothing. The machine is shared: expect +-20 %.

    python benchmarks/bench_pii_speed.py --n 2000
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "data"))


def load_texts(n: int, seed: int) -> list[str]:
    import make_pii_gold

    rng = random.Random(seed)
    real: list[str] = []
    b77 = ROOT.parent / "shared" / "data" / "banking77" / "test.csv"
    if b77.is_file():
        with b77.open(encoding="utf-8") as fh:
            real = [row["text"] for row in csv.DictReader(fh)]
        rng.shuffle(real)
    synth = [r["text"] for r in make_pii_gold.generate(n, seed)]
    texts = real[: n // 2] + synth[: n - min(len(real), n // 2)]
    rng.shuffle(texts)
    return texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--model", default=None, help="spaCy model package or directory (default: preferred)")
    ap.add_argument("--no-workers", action="store_true", help="skip the 2-worker runs")
    ap.add_argument("--baseline-n", type=int, default=0,
                    help="time the stock loop on the first N texts only (default: all) and extrapolate")
    args = ap.parse_args()
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    from ftcurate.core.pii import _presidio

    _presidio.load()
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    from ftcurate.core.pii.config import PiiConfig
    from ftcurate.core.pii.engine import PiiAnalyzer
    from ftcurate.core.pii.model import resolve_model

    texts = load_texts(args.n, args.seed)
    print(f"{len(texts)} texts, mean {sum(map(len, texts)) / len(texts):.0f} chars; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")

    ours = PiiAnalyzer(PiiConfig(model=args.model))
    model_pkg = ours.model_id
    model_dir = str(resolve_model(args.model)[1])  # stock presidio loads the same model, full pipeline
    stock = AnalyzerEngine(nlp_engine=SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model_dir}]))
    stock.analyze("warm up: call John at +1 415 555 2671", language="en")
    ours.analyze("warm up: call John at +1 415 555 2671")

    base_texts = texts[: args.baseline_n] if args.baseline_n else texts
    t0, c0 = time.perf_counter(), time.process_time()
    for t in base_texts:
        stock.analyze(t, language="en")
    base = len(base_texts) / (time.perf_counter() - t0)
    base_cpu = (time.process_time() - c0) / len(base_texts) * 1000
    print(f"stock analyze() loop            {base:8.1f} docs/s   1.00x   "
          f"({base_cpu:.2f} ms CPU/doc; {model_pkg}, full pipeline)")

    t0, c0 = time.perf_counter(), time.process_time()
    raw = ours.analyze_raw(texts)
    _final = [ours.finalize(t, r) for t, r in zip(texts, raw, strict=True)]
    one = len(texts) / (time.perf_counter() - t0)
    one_cpu = (time.process_time() - c0) / len(texts) * 1000
    print(f"ftcurate, 1 process             {one:8.1f} docs/s   {one / base:.2f}x   "
          f"({one_cpu:.2f} ms CPU/doc: {base_cpu / one_cpu:.2f}x less CPU per text)")

    import resource

    for method, note in (() if args.no_workers else (("fork", "CLI"), ("spawn", "GUI thread"))):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        raw2 = ours.analyze_many(texts, n_process=2, start_method=method)
        _final = [ours.finalize(t, r) for t, r in zip(texts, raw2, strict=True)]
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cores = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) / wall
        two = len(texts) / wall
        print(f"ftcurate, 2 workers ({method:<5})    {two:8.1f} docs/s   {two / base:.2f}x   "
              f"({note}; start-up included; workers got {cores:.2f} cores; same results: {raw2 == raw})")

if __name__ == "__main__":
    main()
