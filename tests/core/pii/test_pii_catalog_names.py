"""Product names from the project's own catalog are not personal data."""

from __future__ import annotations

import polars as pl

from ftcurate.core.checks.runner import run_checks
from ftcurate.core.records import Example, pair_to_messages

QUESTION = "Is the Ember camp stove waterproof? My name is Maya Lindqvist."


def _person_values(project):
    flags = project.flags_frame().filter(pl.col("kind") == "PERSON")
    return {project.get_example(r["example_id"]).messages[r["turn"]]["content"][r["start"]:r["end"]]
            for r in flags.iter_rows(named=True)}


def test_product_word_is_a_person_without_the_catalog(project):
    project.add_examples([Example(pair_to_messages(QUESTION, "Yes, it is."))])
    run_checks(project, ["pii"])
    assert {"Ember", "Maya Lindqvist"} <= _person_values(project)


def test_catalog_product_names_are_not_flagged_but_customers_still_are(project):
    project.add_examples([
        Example(pair_to_messages(QUESTION, "Yes, it is.")),
        Example(pair_to_messages("What is Ember Camp Stove?", "A compact gas stove."),
                metadata={"product": "Ember Camp Stove", "handle": "ember-camp-stove"}),
    ])
    run_checks(project, ["pii"])
    values = _person_values(project)
    assert "Maya Lindqvist" in values and "Ember" not in values
