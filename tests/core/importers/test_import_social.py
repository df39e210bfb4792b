"""Social customer-care threads (IBM Twitter customer-care shape): sides by key, the documented clean-up."""

from __future__ import annotations

import re

from importer_helpers import fixture, pairs, read_file

from ftcurate.core.importers.social import clean_social_text
from ftcurate.core.importing import import_file
from ftcurate.core.store import Project


def test_rule_handles_urls_signatures():
    assert clean_social_text("@AcmeCare hi, ask @AdobePremiere please") == "hi, ask AdobePremiere please"
    assert clean_social_text("See https://web.archive.org/web/20200401224734/https://x.example/a ^Caroline") == \
        "See https://x.example/a"
    for sig in ("^RR", "-AB", "~Brianna", "*MS", "^CharlesOpacki", "-Richard"):
        assert clean_social_text(f"Thanks for waiting. {sig}") == "Thanks for waiting."
    assert clean_social_text("Use the Fast-Track lane") == "Use the Fast-Track lane"
    assert clean_social_text("Drag the app to /Applications") == "Drag the app to /Applications"
    assert clean_social_text("It's in the menu *Settings") == "It's in the menu *Settings"


def test_social_fixture_pairs_and_closing_answer():
    det, examples = read_file(fixture("social_threads.json"))
    assert det.importer == "social_threads" and "agentURL.url_utterance" in det.summary
    assert pairs(examples) == [
        ("my router keeps dropping wifi &amp; I work from home :(",
         "Sorry to hear that! Have you tried a factory reset?"),
        ("same here, no idea how", "Here's how to reset it: https://help.acme.example/reset Let me know!")]
    assert examples[0].provenance == {"row": 1, "line": 2, "conversation": "S1"}
    assert examples[0].metadata["brand"] == "AcmeCare"


def test_ibm_twitter_customer_care_imports_cleanly(shared_data, tmp_path):
    folder = shared_data / "ibm_twitter_customer_care"
    with Project.create(tmp_path / "p.ftcurate") as p:
        reports = [import_file(p, folder / name) for name in ("dev.json", "test.json")]
        rows = [(e.input, e.output) for e in p.iter_examples()]
    assert all(r.importer == "social_threads" for r in reports)
    assert len(rows) > 1000 and not any(r.dropped for r in reports)
    text = "\n".join(i + "\n" + o for i, o in rows)
    assert not re.search(r"&(?:amp|gt|lt|quot|#\d+);", text)  # entities unescaped by the shared step
    assert "web.archive.org" not in text
    assert not any(re.search(r"(?:^|\s)[\^~*]\s?[A-Z]\w*\s*$", o) for _, o in rows)  # signatures
    assert not any(re.match(r"\s*@\w", i) or re.match(r"\s*@\w", o) for i, o in rows)  # addressed handles
