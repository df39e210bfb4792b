"""PII accuracy: ftcurate's analyzer vs presidio's stock AnalyzerEngine, same spaCy model, same run.

Datasets:
  * WNUT-17 (../shared/data/wnut17, CoNLL BIO): person -> PERSON, location -> LOCATION. Other WNUT types
    (corporation, product, group, creative-work) are unlabelled for scoring, so a PERSON predicted on a
    product name is a false positive. `--wnut test` (default) is held out: recognizers were tuned on dev.
  * A synthetic structured set (benchmarks/data/make_pii_gold.py, seeded): e-mails, international
    phones, cards, IBANs, SSNs, IPs, street addresses, names, places and URLs in support-style
    sentences, with non-PII look-alikes (order numbers, prices, versions, tracking codes).

Scores: span-level P/R/F1 per type, a predicted span matches a gold span of the same type when they
overlap by >= 50 % of their union (`--exact` for exact boundaries). Stock presidio is shown at its
default threshold (0: every result) and at 0.5 (ftcurate's default). Prints; asserts nothing.

    python benchmarks/bench_pii_accuracy.py            # ~2-4 min on 2 busy cores
    python benchmarks/bench_pii_accuracy.py --quick    # 300 structured + 300 WNUT sentences
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "data"))

from ftcurate.core.pii.evaluation import Counts, conll_to_texts, read_conll, score  # noqa: E402

STRUCTURED = ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS",
              "STREET_ADDRESS", "PERSON", "LOCATION", "URL"]
WNUT_TYPES = ["PERSON", "LOCATION"]


def wnut_dir() -> Path:
    return ROOT.parent / "shared" / "data" / "wnut17"


def load_wnut(split: str) -> list[tuple[str, list]]:
    files = {"test": ["emerging.test.annotated"], "dev": ["emerging.dev.conll"],
             "both": ["emerging.dev.conll", "emerging.test.annotated"]}[split]
    out = []
    for f in files:
        out += conll_to_texts(read_conll(wnut_dir() / f), {"person": "PERSON", "location": "LOCATION"})
    return out


def build_stock(model_name: str):
    from ftcurate.core.pii import _presidio

    _presidio.load()  # same import path for both engines (skips presidio's transformers import)
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    return AnalyzerEngine(nlp_engine=SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model_name}]))


def run_stock(engine, texts: list[str]) -> list[list[tuple]]:
    from presidio_analyzer import BatchAnalyzerEngine

    # Batch and loop give the same results (the speed benchmark times the loop); batch is faster here.
    res = BatchAnalyzerEngine(engine).analyze_iterator(texts, language="en", batch_size=64)
    return [[(r.start, r.end, r.entity_type, r.score) for r in rs] for rs in res]


def run_ours(analyzer, texts: list[str]) -> list[list[tuple]]:
    raw = analyzer.analyze_many(texts, n_process=1)
    return [[(f.start, f.end, f.entity, f.score) for f in analyzer.finalize(t, r)] for t, r in zip(texts, raw, strict=True)]


def table(title: str, rows: dict[str, dict], types: list[str]) -> None:
    names = list(rows)
    print(f"\n{title}")
    head = f"{'type':<15}" + "".join(f"{n:>26}" for n in names)
    print(head)
    print(f"{'':<15}" + "".join(f"{'P':>8}{'R':>8}{'F1':>8}  " for _ in names))
    for t in [*types, "micro"]:
        line = f"{t:<15}"
        for n in names:
            c = rows[n][t]
            line += f"{c.precision:8.3f}{c.recall:8.3f}{c.f1:8.3f}  "
        print(line)


def evaluate(name: str, data: list[tuple[str, list]], types: list[str], preds: dict[str, list], exact: bool,
             overall: dict | None = None) -> None:
    gold = [g for _t, g in data]
    ov = 1.0 if exact else 0.5
    rows = {}
    for label, pred in preds.items():
        spans = [[(s, e, t) for s, e, t, _sc in p] for p in pred]
        rows[label] = score(gold, spans, types, min_overlap=ov)
        if overall is not None:
            overall.setdefault(label, Counts()).add(rows[label]["micro"])
    table(f"== {name}: {len(data)} texts, {sum(len(g) for g in gold)} gold spans "
          f"({'exact' if exact else '>=50% overlap'} match)", rows, types)
    # type-agnostic: would the span be redacted at all, whatever type it was given?
    cov = {}
    gold_any = [[(s, e, "X") for s, e, _t in g] for g in gold]
    for label, pred in preds.items():
        spans = [[(s, e, "X") for s, e, t, _sc in p if t in types] for p in pred]
        cov[label] = score(gold_any, spans, ["X"], min_overlap=ov)["micro"]
    print("type-agnostic micro (P/R/F1): " + "   ".join(
        f"{label} {c.precision:.3f}/{c.recall:.3f}/{c.f1:.3f}" for label, c in cov.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="structured sentences")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--wnut", choices=["test", "dev", "both"], default="test")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--exact", action="store_true", help="exact span boundaries")
    ap.add_argument("--show-errors", type=int, default=0, help="print N errors per type (ours)")
    ap.add_argument("--error-types", default="", help="comma-separated types for --show-errors")
    ap.add_argument("--no-stock", action="store_true", help="skip the stock engine (faster tuning)")
    args = ap.parse_args()
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    import make_pii_gold

    from ftcurate.core.pii.engine import PiiAnalyzer

    n = 300 if args.quick else args.n
    structured = [(r["text"], [tuple(s) for s in r["spans"]]) for r in make_pii_gold.generate(n, args.seed)]
    datasets = [("structured (synthetic)", structured, STRUCTURED)]
    if wnut_dir().is_dir():
        wnut = load_wnut(args.wnut)
        datasets.append((f"WNUT-17 {args.wnut}", wnut[:300] if args.quick else wnut, WNUT_TYPES))
    else:
        print(f"(WNUT-17 not found at {wnut_dir()}; skipped)")

    t0 = time.perf_counter()
    ours = PiiAnalyzer()
    print(f"ftcurate analyzer: model {ours.model_id}, built in {time.perf_counter() - t0:.1f}s")
    model_pkg = ours.model_id.rsplit("-", 1)[0]
    t0 = time.perf_counter()
    stock = None if args.no_stock else build_stock(model_pkg)
    print(f"stock AnalyzerEngine: model {model_pkg} (full pipeline), built in {time.perf_counter() - t0:.1f}s")

    overall: dict[str, Counts] = {}
    for name, data, types in datasets:
        texts = [t for t, _g in data]
        t0 = time.perf_counter()
        p_ours = run_ours(ours, texts)
        t1 = time.perf_counter()
        p_stock = run_stock(stock, texts) if stock else [[] for _ in texts]
        t2 = time.perf_counter()
        print(f"\n[{name}] ftcurate {t1 - t0:.1f}s, stock {t2 - t1:.1f}s")
        preds = {"ftcurate (0.5)": p_ours,
                 "stock (default 0)": p_stock,
                 "stock (0.5)": [[p for p in ps if p[3] >= 0.5] for ps in p_stock]}
        evaluate(name, data, types, preds, args.exact, overall)
        if args.show_errors:
            want = [t for t in args.error_types.split(",") if t] or types
            show_errors(data, p_ours, [t for t in types if t in want], args.show_errors)
    print("\n== overall micro over all datasets (P/R/F1): " + "   ".join(
        f"{label} {c.precision:.3f}/{c.recall:.3f}/{c.f1:.3f}" for label, c in overall.items()))


def show_errors(data, preds, types, k: int) -> None:
    from ftcurate.core.pii.evaluation import match

    shown: dict[str, int] = {}
    for (text, gold), pred in zip(data, preds, strict=True):
        spans = [(s, e, t) for s, e, t, _ in pred]
        c = match(gold, spans, types)
        for t, cnt in c.items():
            if (cnt.fp or cnt.fn) and shown.get(t, 0) < k:
                shown[t] = shown.get(t, 0) + 1
                print(f"  [{t}] {text!r}\n      gold={[(text[s:e], g) for s, e, g in gold if g == t]}"
                      f" pred={[(text[s:e], g) for s, e, g in spans if g == t]}")


if __name__ == "__main__":
    main()
