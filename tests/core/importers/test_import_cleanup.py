"""The shared clean-up step and messy catalogs (a synthetic 28-column marketplace export)."""

from __future__ import annotations

from collections import Counter

import pytest
from importer_helpers import read_file
from marketplace import FURNITURE_REVIEWS, FURNITURE_SPEC, make_catalog

from ftcurate.cli import main
from ftcurate.core.importers.catalog_text import BoilerplateFinder, header_currency, price_column
from ftcurate.core.importers.textclean import (
    FIX_ENTITIES,
    FIX_MOJIBAKE,
    REASON_EMPTY,
    ImportCleaner,
    clean_turn,
    has_mojibake,
    unescape_entities,
)
from ftcurate.core.importing import import_file
from ftcurate.core.records import Example
from ftcurate.core.store import Project


def test_clean_turn_rules():
    fixes: Counter = Counter()
    assert clean_turn("Whatâ€™s the cafÃ© menu?", fixes=fixes) == "What’s the café menu?"
    assert clean_turn("Tom &amp; Jerry &gt; cats &#39;ok&#39;", fixes=fixes) == "Tom & Jerry > cats 'ok'"
    assert clean_turn("AT&T and Q&A stay", fixes=fixes) == "AT&T and Q&A stay"
    assert unescape_entities("&amp;amp;") == "&"
    assert clean_turn("<p>Hello <b>there</b></p>\nSkip to content", fixes=fixes) == "Hello there"
    for empty in ("None", " nan ", "NULL", "N/A", "", None):
        assert clean_turn(empty) == ""
    assert fixes[FIX_MOJIBAKE] == 1 and fixes[FIX_ENTITIES] == 1
    assert clean_turn("naïve café – déjà vu") == "naïve café – déjà vu"  # correct text untouched
    assert has_mojibake("cafÃ©") and not has_mojibake("café")


def test_one_line_furniture_only_for_pages_and_catalogs():
    def ex(text):
        return Example(messages=[{"role": "user", "content": "What now?"}, {"role": "assistant", "content": text}])

    assert next(ImportCleaner("support").apply([ex("Read more")])).output == "Read more"  # a chat message
    catalog = ImportCleaner("catalog")
    assert list(catalog.apply([ex("Show up to 2 reviews by default")])) == []
    assert catalog.dropped == {REASON_EMPTY: 1} and catalog.fixed["page furniture removed"] == 1
    multi = "Our mugs hold 350 ml.\nAdd to cart\nWas this answer helpful? Yes No"
    assert next(ImportCleaner("support").apply([ex(multi)])).output == "Our mugs hold 350 ml."


def test_cleaner_drops_empty_turns_and_leaves_pairs_markup():
    c = ImportCleaner("support")
    exs = [Example(messages=[{"role": "user", "content": "nan"}, {"role": "assistant", "content": "Hi"}]),
           Example(messages=[{"role": "user", "content": "Q &amp; A"}, {"role": "assistant", "content": "ok"}])]
    out = list(c.apply(exs))
    assert len(out) == 1 and out[0].messages[0]["content"] == "Q & A"
    assert c.dropped == {REASON_EMPTY: 1}
    pairs = ImportCleaner("pairs")
    ex = Example(messages=[{"role": "user", "content": "<b>x</b> &amp;"}, {"role": "assistant", "content": "y"}])
    assert next(pairs.apply([ex])).messages[0]["content"] == "<b>x</b> &amp;"


def test_price_headers_with_currency():
    assert header_currency("Price (EUR)") == "EUR" and header_currency("Preis in €") == "EUR"
    assert header_currency("price_usd") == "USD" and header_currency("Price") is None
    assert price_column(["Old Price (EUR)", "Price (EUR)", "Shipping price"]) == "Price (EUR)"


def test_boilerplate_needs_many_products():
    b = BoilerplateFinder()
    for i in range(20):
        b.add_product([f"Product {i} is nice. Free returns within thirty days always."])
    b.add_product(["A rare sentence shared by two. Short one."])
    b.add_product(["A rare sentence shared by two."])
    assert b.remove("Great pan. Free returns within thirty days always.") == ("Great pan.", 1)
    assert b.remove("A rare sentence shared by two.")[1] == 0


@pytest.fixture(scope="module")
def marketplace(tmp_path_factory):
    return make_catalog(tmp_path_factory.mktemp("mk") / "marketplace.csv", n=300)


def test_marketplace_every_named_product_yields_clean_examples(marketplace, tmp_path):
    det, examples = read_file(marketplace)
    assert det.importer == "catalog" and det.mapping["price"] == "Price (EUR)"
    assert len({e.provenance["row"] for e in examples}) == 300  # every product has a name
    with Project.create(tmp_path / "p.ftcurate") as p:
        rep = import_file(p, marketplace)
        stored = list(p.iter_examples())
    assert rep.examples == len(stored) and len({e.provenance["row"] for e in stored}) == 300
    assert any("boilerplate" in why for why in rep.dropped) and "boilerplate" in rep.summary
    assert rep.cleaned[FIX_MOJIBAKE] > 0 and rep.cleaned[FIX_ENTITIES] > 0
    for e in stored:
        for m in e.messages:
            text = m["content"]
            assert FURNITURE_SPEC.split(" Select")[0] not in text and FURNITURE_REVIEWS not in text
            assert "&amp;" not in text and not has_mojibake(text)
            assert not {"nan", "None", "null"} & set(text.replace(".", " ").split())
    prices = [e.output for e in stored if e.input.startswith("How much")]
    assert prices and all(p.endswith(" EUR.") for p in prices)
    assert {e.label for e in stored} - {None} == {"Kitchen", "Garden", "Home", "Sports", "Toys"}
    specs = [e.output for e in stored if "specifications" in e.input]
    assert specs and all(s.startswith("Material:") for s in specs)  # furniture-only specs give nothing


def test_dry_run_counts_products_per_template(marketplace, tmp_path, capsys):
    proj = tmp_path / "p.ftcurate"
    Project.create(proj).close()
    assert main(["import", str(proj), str(marketplace), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "of 300 products  What is {name}? => {overview}" in out
    assert "0 of 300 products  What warranty does {name} have?" in out
    assert "boilerplate: 'show up to 2 reviews by default'" in out
    with Project.open(proj) as p:
        assert p.count_examples() == 0


def test_hygiene_flags_mojibake_that_survived(tmp_path):
    from ftcurate.core.checks.runner import run_checks
    from ftcurate.core.hygiene.rules import find_mojibake

    f = find_mojibake("Whatâ€™s the price?")
    assert f is not None and f.kind == "mojibake" and f.text.startswith("â€")
    assert find_mojibake("naïve café – déjà vu") is None
    with Project.create(tmp_path / "p.ftcurate") as p:
        # added straight to the project (not through an import, which would have repaired it)
        p.add_examples([Example(messages=[{"role": "user", "content": "Is it open?"},
                                          {"role": "assistant", "content": "Yes, itâ€™s open every day."}])])
        run_checks(p, ["hygiene"])
        flags = p.flags_frame()
    kinds = flags["kind"].to_list()
    assert "mojibake" in kinds
