"""Catalog importers and question templates."""

from __future__ import annotations

import json

import pytest
from importer_helpers import fixture, pairs, read_file

from ftcurate.core.errors import ConfigError
from ftcurate.core.importers.templates import load_templates, parse_template


def _qa(examples):
    return {e.input: e.output for e in examples}


def test_generic_catalog_default_templates():
    det, examples = read_file(fixture("catalog.csv"))
    assert det.importer == "catalog" and det.kind == "catalog"
    assert "7 of 9 default question templates fit its columns" in det.summary
    qa = _qa(examples)
    assert qa["What is Trail Runner 2?"] == "Light trail shoe with a grippy sole."  # HTML cleaned
    assert qa["How much is Trail Runner 2?"] == "Trail Runner 2 costs 89.90 EUR."
    assert qa["What sizes does Trail Runner 2 come in?"] == "Trail Runner 2 comes in these sizes: 40, 41, 42."
    assert qa["What colours does Bottle 750 come in?"] == "Bottle 750 is available in red, blue."
    # Camp Mug has no description and a "nan" price: "What is" gets the overview, "How much" is skipped
    assert qa["What is Camp Mug?"] == "Camp Mug is made by Stride and is part of our Accessories range."
    assert "How much is Camp Mug?" not in qa
    assert qa["Who makes Camp Mug?"] == "Camp Mug is made by Stride."
    for e in examples:
        for m in e.messages:
            assert "None" not in m["content"] and "nan" not in m["content"].split()
    labels = {e.metadata["product"]: e.label for e in examples}
    assert labels == {"Trail Runner 2": "Footwear", "Bottle 750": "Accessories", "Camp Mug": "Accessories"}
    assert examples[0].provenance == {"row": 2} and examples[0].metadata["sku"] == "TR-1"


def test_label_level_keeps_more_of_the_category_path():
    _, examples = read_file(fixture("catalog.csv"), extra={"label_level": 2})
    assert {e.label for e in examples if e.metadata["product"] == "Trail Runner 2"} == {"Footwear | Running"}
    _, examples = read_file(fixture("catalog.csv"), extra={"label_level": -1})
    assert {e.label for e in examples if e.metadata["product"] == "Trail Runner 2"} == {"Trail"}


def test_shopify_variants_group_per_handle():
    det, examples = read_file(fixture("shopify.csv"))
    assert det.importer == "shopify_catalog" and "grouped by Handle" in det.summary
    qa = _qa(examples)
    assert qa["What is Classic Tee?"] == "Soft organic cotton tee.\n\n- Regular fit\n- Machine washable"
    assert qa["What sizes does Classic Tee come in?"] == "Classic Tee comes in these sizes: S, M, L."
    assert qa["What colours does Classic Tee come in?"] == "Classic Tee is available in White, Black."
    assert qa["How much is Classic Tee?"] == "Classic Tee costs from 19.00 to 21.00."
    assert qa["How much is Gift Card?"] == "Gift Card costs 25.00."
    assert "What sizes does Gift Card come in?" not in qa  # "Default Title" is not an option value
    tee = [e for e in examples if e.metadata["product"] == "Classic Tee"]
    assert {e.label for e in tee} == {"Apparel"} and tee[0].metadata["handle"] == "classic-tee"
    assert len({e.metadata["product"] for e in examples}) == 2  # variant and image rows are not products


def test_custom_templates_and_question_only_inference():
    templates = ["How much does {name} cost? ",  # answer inferred from "cost"
                 "Is {name} by {brand} any good? => {name} is one of {brand}'s best sellers.",
                 "What is the SKU of {name}?",
                 "# a comment line"]
    _, examples = read_file(fixture("catalog.csv"), templates=templates)
    assert pairs(examples)[:3] == [
        ("How much does Trail Runner 2 cost?", "Trail Runner 2 costs 89.90 EUR."),
        ("Is Trail Runner 2 by Stride any good?", "Trail Runner 2 is one of Stride's best sellers."),
        ("What is the SKU of Trail Runner 2?", "The product code of Trail Runner 2 is TR-1."),
    ]
    assert examples[0].metadata["template"] == "How much does {name} cost?"


def test_template_with_unknown_field_is_a_config_error():
    with pytest.raises(ConfigError, match="warrantee"):
        read_file(fixture("catalog.csv"), templates=["Is {name} under warrantee? => {warrantee}"])


def test_template_parsing():
    t = parse_template("Does {Name} come in {colour}? => Yes: {colors}")
    assert t.fields == ("name", "colour", "colors")
    assert t.render({"name": "Mug", "colour": "red", "colors": "red, blue"}) == ("Does Mug come in red?",
                                                                              "Yes: red, blue")
    assert t.render({"name": "Mug", "colour": "red"}) is None
    with pytest.raises(ConfigError):
        parse_template("Hello there")
    with pytest.raises(ConfigError, match="cannot tell"):
        parse_template("Would {name} suit {activity} and {season}?")


def test_load_templates_text_and_json(tmp_path):
    txt = tmp_path / "t.txt"
    txt.write_text("# mine\nWhat is {name}? => {description}\n\nHow much is {name}?\n", encoding="utf-8")
    assert load_templates(txt) == ["What is {name}? => {description}", "How much is {name}?"]
    js = tmp_path / "t.json"
    js.write_text(json.dumps([{"question": "Who makes {name}?", "answer": "{brand}"}, "What is {name}?"]),
                  encoding="utf-8")
    assert load_templates(js) == ["Who makes {name}? => {brand}", "What is {name}?"]


def test_catalog_from_jsonl_tsv_and_xlsx(tmp_path):
    import openpyxl

    products = [{"product_name": "Head Torch", "price": 29.5, "specs": {"lumens": 300, "battery": "AAA"},
                 "categories": "Lighting > Torches", "sizes": ["one size"]},
                {"product_name": "Lantern", "price": None, "specs": None, "categories": "Lighting"}]
    jl = tmp_path / "cat.jsonl"
    jl.write_text("\n".join(json.dumps(p) for p in products), encoding="utf-8")
    _, examples = read_file(jl)
    qa = _qa(examples)
    assert qa["What are the specifications of Head Torch?"] == "lumens: 300; battery: AAA"
    assert qa["How much is Head Torch?"] == "Head Torch costs 29.5."
    assert not any("Lantern" in q for q in qa if q.startswith("How much"))
    assert {e.label for e in examples} == {"Lighting"}
    tsv = tmp_path / "cat.tsv"
    tsv.write_text("title\tprice\tbrand\nHead Torch\t29.50\tGlow\n", encoding="utf-8")
    _, examples = read_file(tsv)
    assert _qa(examples)["Who makes Head Torch?"] == "Head Torch is made by Glow."
    wb = openpyxl.Workbook()
    wb.active.append(["Name", "Price", "Brand"])
    wb.active.append(["Head Torch", 29.5, "Glow"])
    wb.save(tmp_path / "cat.xlsx")
    _, examples = read_file(tmp_path / "cat.xlsx")
    assert _qa(examples)["How much is Head Torch?"] == "Head Torch costs 29.5."
    assert examples[0].provenance == {"row": 2}
