"""Product, brand and colour names from the project's own catalog are not personal data."""

from __future__ import annotations

import polars as pl

from ftcurate.core.checks.pii import CatalogNames
from ftcurate.core.checks.runner import run_checks
from ftcurate.core.records import Example, pair_to_messages

# The sign-off cue makes "Brightwave" a person name whatever the spaCy model says.
QUESTION = "Is the camp stove waterproof? My name is Maya Lindqvist.\nThanks,\nBrightwave"


def _person_values(project):
    flags = project.flags_frame().filter(pl.col("kind") == "PERSON")
    return {project.get_example(r["example_id"]).messages[r["turn"]]["content"][r["start"]:r["end"]]
            for r in flags.iter_rows(named=True)}


def test_brand_word_is_a_person_without_the_catalog(project):
    project.add_examples([Example(pair_to_messages(QUESTION, "Yes, it is."))])
    run_checks(project, ["pii"])
    assert {"Brightwave", "Maya Lindqvist"} <= _person_values(project)


def test_catalog_brand_names_are_not_flagged_but_customers_still_are(project):
    project.add_examples([
        Example(pair_to_messages(QUESTION, "Yes, it is.")),
        Example(pair_to_messages("What is Ember Camp Stove?", "A compact gas stove."),
                metadata={"product": "Ember Camp Stove", "brand": "Brightwave", "colors": "Brown, Slate Grey"}),
    ])
    run_checks(project, ["pii"])
    values = _person_values(project)
    assert "Maya Lindqvist" in values and "Brightwave" not in values


def test_catalog_names_cover_colours_listed_in_metadata():
    frame = pl.DataFrame({"metadata": ['{"product": "Ember Stove", "colors": "Brown, Slate Grey"}', None]})
    names = CatalogNames.from_frame(frame)
    text = "Do you have it in Slate Grey or Brown?"
    assert names.covers(text, text.index("Slate"), text.index("Slate") + len("Slate Grey"))
    assert names.covers(text, text.index("Brown"), text.index("Brown") + 5)
    assert not names.covers(text, 0, 2)
