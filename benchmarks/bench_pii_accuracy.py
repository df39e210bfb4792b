"""PII accuracy on development and test sets: ftcurate's analyzer vs stock presidio, same spaCy model.

Corpora (../shared/data; each split in two, see ftcurate/core/pii/corpora.py):
  * contextual-anonymizer: GPT-written chats, e-mails and documents with placeholder-aligned gold spans
    (names, e-mails, phones, addresses, URLs; account/ticket/order numbers scored separately). Dev/test
    by a hash of the text. Predictions on other labelled personal data (dates, usernames, national ids)
    are neither right nor wrong here and are left out.
  * address blocks: OpenCage's address test cases of 251 countries in support sentences, one line or
    multi-line. Dev = one half of the countries, test = the other half; the address vocabulary is
    generated from the dev countries only for both, so test addresses and their words are unseen.
  * bitext: real customer-support instructions with one labelled entity (names, cities, countries,
    order numbers); dev/test by a hash of the text. Every personal-data type is scored, so anything
    else found there counts as a false alarm (a precision check on real support wording).
  * WNUT-17 (tweets; person, location): the dev file for dev, the test file for test.
  * structured synthetic (benchmarks/data/make_pii_gold.py): seed 7 for dev, seed 8 for test.

Recognizers and word lists were tuned on the dev sets only. Scores: span-level P/R/F1 per type, a match
needs the same type and >= 50 % overlap of the union (`--exact` for exact boundaries). The headline is
the pooled micro over personal-data types on contextual + address + bitext + structured. Prints;
asserts nothing.

    python benchmarks/bench_pii_accuracy.py --limit 600      # both splits, ~10 min on 2 busy cores
    python benchmarks/bench_pii_accuracy.py --split dev --no-stock --show-errors 5
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
sys.path.insert(0, str(ROOT / "scripts"))

from ftcurate.core.pii import corpora  # noqa: E402
from ftcurate.core.pii.evaluation import Counts, conll_to_texts, read_conll, score  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
PERSONAL = ["PERSON", "STREET_ADDRESS", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE",
            "US_SSN", "IP_ADDRESS", "URL"]
STRUCTURED = ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "URL"]
SUPPORT_IDS = ["ORDER_ID", "TRACKING_NUMBER", "ACCOUNT_NUMBER", "TICKET_ID"]


def load_datasets(split: str, limit: int, quick: bool) -> list[tuple[str, list, list[str], bool]]:
    """(name, data, scored types, counts towards the headline) for one split."""
    out = []
    ctx = SHARED / "pii_contextual_anonymizer" / "synthetic_data.json"
    if ctx.is_file():
        data = corpora.contextual(ctx, split)[:limit]
        out.append((f"contextual-anonymizer {split}", data, PERSONAL, True))
        out.append((f"contextual-anonymizer {split}: support ids", data, SUPPORT_IDS, False))
    files = sorted((SHARED / "address_formats" / "countries").glob("*.yaml"))
    if files:
        dev, test = corpora.country_halves(files)
        data = corpora.address_blocks(dev if split == "dev" else test, seed=7 if split == "dev" else 8)
        out.append((f"address blocks, {split} countries ({len(dev if split == 'dev' else test)})", data,
                    ["STREET_ADDRESS", "PERSON"], True))
    bt = SHARED / "bitext_cs" / "Bitext_Sample_Customer_Support_Training_Dataset.csv"
    if bt.is_file():
        data = corpora.bitext(bt, split)[:limit]
        # every personal-data type is scored: a finding of a type the row does not label is a false alarm
        out.append((f"bitext support instructions {split}", data, [*PERSONAL, "LOCATION", "ORDER_ID"], True))
    wnut = SHARED / "wnut17" / ("emerging.dev.conll" if split == "dev" else "emerging.test.annotated")
    if wnut.is_file():
        data = conll_to_texts(read_conll(wnut), {"person": "PERSON", "location": "LOCATION"})[:limit]
        out.append((f"WNUT-17 {split} (tweets)", data, ["PERSON", "LOCATION"], False))
    import make_pii_gold

    n = 200 if quick else max(300, limit)
    gen = make_pii_gold.generate(n, 7 if split == "dev" else 8)
    data = [(r["text"], [tuple(s) for s in r["spans"]]) for r in gen]
    out.append((f"structured synthetic {split}", data, STRUCTURED, True))
    return out


def build_stock(model_dir: str):
    from ftcurate.core.pii import _presidio

    _presidio.load()
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    return AnalyzerEngine(nlp_engine=SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model_dir}]))


def run_stock(engine, texts: list[str]) -> list[list[tuple]]:
    from presidio_analyzer import BatchAnalyzerEngine

    res = BatchAnalyzerEngine(engine).analyze_iterator(texts, language="en", batch_size=64)
    return [[(r.start, r.end, r.entity_type, r.score) for r in rs] for rs in res]


def run_ours(analyzer, texts: list[str]) -> list[list[tuple]]:
    raw = analyzer.analyze_many(texts, n_process=1)
    return [[(f.start, f.end, f.entity, f.score) for f in analyzer.finalize(t, r)]
            for t, r in zip(texts, raw, strict=True)]


def _drop_other(gold: list, pred: list[tuple]) -> list[tuple]:
    """Predictions overlapping gold personal data of a type not scored here are left out."""
    other = [(s, e) for s, e, t in gold if t == corpora.OTHER]
    return [p for p in pred if not any(p[0] < e and s < p[1] for s, e in other)]


def evaluate(name: str, data: list, types: list[str], preds: dict[str, list], exact: bool,
             pooled: dict | None) -> None:
    gold = [g for _t, g in data]
    rows = {}
    for label, pred in preds.items():
        spans = [[(s, e, t) for s, e, t, _sc in _drop_other(g, p)] for g, p in zip(gold, pred, strict=True)]
        rows[label] = score(gold, spans, types, min_overlap=1.0 if exact else 0.5)
        if pooled is not None:
            for t in types:
                if t in PERSONAL:
                    pooled.setdefault(label, Counts()).add(rows[label][t])
    print(f"\n== {name}: {len(data)} texts, {sum(1 for g in gold for x in g if x[2] in types)} gold spans")
    print(f"{'type':<16}" + "".join(f"{n:>27}" for n in rows))
    print(f"{'':<16}" + "".join(f"{'P':>9}{'R':>9}{'F1':>9}" for _ in rows))
    for t in [*types, "micro"]:
        if t != "micro" and not any(rows[n][t].tp + rows[n][t].fn + rows[n][t].fp for n in rows):
            continue
        print(f"{t:<16}" + "".join(f"{rows[n][t].precision:9.3f}{rows[n][t].recall:9.3f}{rows[n][t].f1:9.3f}"
                                  for n in rows))


def show_errors(data, preds, types, k: int) -> None:
    from ftcurate.core.pii.evaluation import match

    shown: dict[str, int] = {}
    for (text, gold), pred in zip(data, preds, strict=True):
        spans = [(s, e, t) for s, e, t, _ in _drop_other(gold, pred)]
        for t, cnt in match(gold, spans, types).items():
            if (cnt.fp or cnt.fn) and shown.get(t, 0) < k:
                shown[t] = shown.get(t, 0) + 1
                print(f"  [{t}] {text[:300]!r}\n      gold={[text[s:e] for s, e, g in gold if g == t]}"
                      f" pred={[text[s:e] for s, e, g in spans if g == t]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=["dev", "test", "both"], default="both")
    ap.add_argument("--limit", type=int, default=600, help="texts per corpus and split")
    ap.add_argument("--quick", action="store_true", help="--limit 200")
    ap.add_argument("--exact", action="store_true", help="exact span boundaries")
    ap.add_argument("--model", default=None, help="spaCy model package or directory (default: preferred)")
    ap.add_argument("--no-stock", action="store_true", help="skip stock presidio (faster tuning)")
    ap.add_argument("--show-errors", type=int, default=0, help="print N errors per type (ours)")
    ap.add_argument("--error-types", default="")
    args = ap.parse_args()
    limit = 200 if args.quick else args.limit
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    from gen_pii_address_resource import build_resource

    from ftcurate.core.pii import addresses
    from ftcurate.core.pii.config import PiiConfig
    from ftcurate.core.pii.engine import PiiAnalyzer
    from ftcurate.core.pii.model import resolve_model

    files = sorted((SHARED / "address_formats" / "countries").glob("*.yaml"))
    if files:  # address words from the dev countries only: test-country addresses stay unseen
        addresses.use_resource(build_resource(corpora.country_halves(files)[0]))
    t0 = time.perf_counter()
    ours = PiiAnalyzer(PiiConfig(model=args.model))
    print(f"ftcurate analyzer: model {ours.model_id}, built in {time.perf_counter() - t0:.1f}s")
    stock = None if args.no_stock else build_stock(str(resolve_model(args.model)[1]))
    splits = ["dev", "test"] if args.split == "both" else [args.split]
    for split in splits:
        pooled: dict[str, Counts] = {}
        for name, data, types, headline in load_datasets(split, limit, args.quick):
            texts = [t for t, _g in data]
            t0 = time.perf_counter()
            p_ours = run_ours(ours, texts)
            t1 = time.perf_counter()
            p_stock = run_stock(stock, texts) if stock else None
            preds = {"ftcurate (0.5)": p_ours}
            if p_stock is not None:
                preds["stock (default 0)"] = p_stock
                preds["stock (0.5)"] = [[p for p in ps if p[3] >= 0.5] for ps in p_stock]
            print(f"\n[{name}] ftcurate {t1 - t0:.1f}s, stock {time.perf_counter() - t1:.1f}s")
            evaluate(name, data, types, preds, args.exact, pooled if headline else None)
            if args.show_errors:
                want = [t for t in args.error_types.split(",") if t] or types
                show_errors(data, p_ours, [t for t in types if t in want], args.show_errors)
        print(f"\n#### {split.upper()}: personal-data micro, pooled over contextual + addresses + bitext + "
              "structured (P/R/F1): " + "   ".join(f"{label} {c.precision:.3f}/{c.recall:.3f}/{c.f1:.3f}"
                                                for label, c in pooled.items()))


if __name__ == "__main__":
    main()
