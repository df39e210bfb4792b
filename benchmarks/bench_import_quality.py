"""What the import clean-up leaves: catalogs (boilerplate, products without examples) and the IBM
Twitter customer-care corpus (entities, signatures, handles), after a full `import_file`.

Catalog boilerplate (a sentence of 4+ words in at least 3 products and 10 % of the products with text)
was tuned on the synthetic marketplace catalog (development set) and is reported on catalogs it was
never tuned on (test set: the demo shop's Shopify export and the test fixtures), where every sentence it
removes is a wrong removal since they hold no page furniture.
Usage: python benchmarks/bench_import_quality.py [--products 1000]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "core" / "importers"))

from marketplace import FURNITURE_REVIEWS, FURNITURE_SPEC, make_catalog  # noqa: E402

from ftcurate.core.importing import import_file  # noqa: E402
from ftcurate.core.store import Project  # noqa: E402

ENTITY = re.compile(r"&(?:amp|gt|lt|quot|#\d+);")
SIGNATURE = re.compile(r"(?:^|\s)[\^~*]\s?[A-Z]\w*\s*$|(?:^|\s)-[A-Z]{2,3}\s*$")


def _import(tmp: Path, path: Path):
    with Project.create(tmp / f"{path.stem}-{len(list(tmp.iterdir()))}.ftcurate") as p:
        rep = import_file(p, path)
        return rep, list(p.iter_examples())


def catalogs(tmp: Path, n: int) -> None:
    dev = make_catalog(tmp / "marketplace.csv", n=n)
    rep, exs = _import(tmp, dev)
    products = len({e.provenance["row"] for e in exs})
    furniture = sum(1 for e in exs if FURNITURE_SPEC[:30] in e.output or FURNITURE_REVIEWS in e.output)
    per_template = Counter(e.metadata["template"] for e in exs)
    print(f"dev  marketplace ({n} products, 28 columns): {products}/{n} products with an example, "
          f"{rep.examples} examples, {furniture} answers with page furniture")
    print(f"     left out: {rep.dropped}")
    for t, k in per_template.most_common():
        print(f"     {k:>6}  {t}")
    for path in (ROOT / "resources/demo/catalog.csv", ROOT / "tests/fixtures/importers/shopify.csv",
                 ROOT / "tests/fixtures/importers/catalog.csv"):
        rep, exs = _import(tmp, path)
        removed = sum(v for k, v in rep.dropped.items() if "boilerplate" in k)
        print(f"test {path.name}: {len({e.metadata['product'] for e in exs})} products with examples, "
              f"{rep.examples} examples, products that lost boilerplate sentences: {removed}")


def twitter(tmp: Path) -> None:
    folder = ROOT.parent / "shared" / "data" / "ibm_twitter_customer_care"
    for name in ("dev.json", "test.json"):
        path = folder / name
        if not path.is_file():
            print(f"{name}: not present")
            continue
        raw = json.loads(path.read_text(encoding="utf-8"))
        agent = [t["message"] for r in raw for t in r["dialogContent"] if "agent" in t]
        agent += [r["agentURL"]["url_utterance"] for r in raw]
        rep, exs = _import(tmp, path)
        outs = [e.output for e in exs]
        text = [e.input for e in exs] + outs
        print(f"{name}: {len(raw)} conversations -> {rep.examples} examples; agent messages with HTML entities "
              f"{sum(bool(ENTITY.search(m)) for m in agent)}/{len(agent)} in the file, "
              f"{sum(bool(ENTITY.search(t)) for t in text)} turns after import; signatures "
              f"{sum(bool(SIGNATURE.search(m.strip())) for m in agent)} in the file, "
              f"{sum(bool(SIGNATURE.search(o)) for o in outs)} after; turns starting with @ "
              f"{sum(t.lstrip().startswith('@') for t in text)}; web.archive.org links "
              f"{sum('web.archive.org' in o for o in outs)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        catalogs(Path(tmp), args.products)
        twitter(Path(tmp))


if __name__ == "__main__":
    main()
