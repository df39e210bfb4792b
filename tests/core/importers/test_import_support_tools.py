"""Help-desk exports: Zendesk, Freshdesk, Intercom, Help Scout (fixtures in each API's documented shape)."""

from __future__ import annotations

import json

import pytest
from importer_helpers import fixture, pairs, read_file

from ftcurate.cli import main
from ftcurate.core.errors import UserError
from ftcurate.core.importers.tool_shapes import DROP_BOT, DROP_DRAFT, DROP_NOTE, DROP_SYSTEM
from ftcurate.core.importing import detect_file, import_file
from ftcurate.core.store import Project


def _read(name: str, **options):
    path = fixture(f"support_tools/{name}")
    importer, det = detect_file(path)
    _, examples = read_file(path, **options)
    list(importer.read(path, importer_options(options), det, _progress()))  # fills importer.dropped
    return det, examples, dict(importer.dropped)


def importer_options(options):
    from ftcurate.core.importers.base import ImportOptions

    return ImportOptions(**options)


def _progress():
    from ftcurate.core.progress import Progress

    return Progress()


def test_zendesk_tickets_with_comments():
    det, examples, dropped = _read("zendesk_tickets.json")
    assert det.importer == "zendesk" and "Zendesk export" in det.summary and "recognised by its fields" in det.summary
    assert pairs(examples) == [
        ("My parcel shows delivered but I never got it.",
         "Sorry about that! I've opened a trace with the carrier &amp; will update you within 24 hours."),
        ("Any news?", "The carrier found it at your neighbour's. It will be dropped off today.")]  # quote cut
    assert dropped == {DROP_NOTE: 1}
    assert examples[0].provenance == {"row": 1, "conversation": "101"}
    _, labelled, _ = _read("zendesk_tickets.json", label_column="category")
    assert {e.label for e in labelled} == {"Shipping"}


def test_zendesk_incremental_ticket_events_grouped_by_ticket():
    det, examples, dropped = _read("zendesk_ticket_events.json")
    assert det.importer == "zendesk" and "messages grouped by ticket id" in det.summary
    got = {e.provenance["conversation"]: (e.input, e.output) for e in examples}
    assert got == {"202": ("Where is my refund for order 555?",
                           "Your refund was issued today; it takes 3-5 business days to appear."),
                   "303": ("How do I change my password?",  # the sign-off is cut
                           "Go to Settings > Security and choose Change password."),
                   # the agent wrote first: the sideloaded users' roles say who is who
                   "404": ("Oh! How do I add a new card?", "Open Billing > Payment methods and choose Add card.")}
    assert dropped == {DROP_NOTE: 1}


def test_freshdesk_tickets_with_conversations():
    det, examples, dropped = _read("freshdesk_tickets.json")
    assert det.importer == "freshdesk" and det.label_column == "type"
    assert pairs(examples) == [
        ("I ordered a medium jacket and got a small one.",
         "So sorry! A medium is on its way and a free return label is attached."),
        ("Thanks! Do I need to send the small one back first?",
         "No, keep it until the medium arrives, then use the label."),  # HTML body when body_text is empty
        ("Can I get a VAT invoice?", "Sure, it is attached.")]
    assert [e.label for e in examples] == ["Returns", "Returns", None]
    assert dropped == {DROP_NOTE: 1}


def test_freshdesk_real_api_samples(shared_data):
    folder = shared_data / "freshdesk_api_samples"
    for name in ("conversations.json", "ticket_1.json", "all_tickets.json", "note_1.json", "reply_1.json"):
        _, det = detect_file(folder / name)
        assert det.importer == "freshdesk", name
    path = folder / "conversations.json"  # a private note and an agent reply, no customer message
    importer, det = detect_file(path)
    assert list(importer.read(path, importer_options({}), det, _progress())) == []
    assert importer.dropped[DROP_NOTE] == 1


def test_intercom_conversation_parts():
    det, examples, dropped = _read("intercom_conversations.json")
    assert det.importer == "intercom"
    assert pairs(examples) == [
        ("Hi, can I pause my subscription for a month?",
         "Yes! Go to Billing and choose Pause. You can pause for up to 3 months."),
        ("Will I still be charged this month?", "No, billing stops the day you pause.")]
    assert dropped == {DROP_BOT: 1, DROP_SYSTEM: 1, DROP_NOTE: 1}


def test_helpscout_threads_in_time_order():
    det, examples, dropped = _read("helpscout_conversations.json")
    assert det.importer == "helpscout"
    assert pairs(examples) == [
        ("The zip on my jacket broke after a week.",
         "Sorry about the zip! We will send a new slider today – it fits in two minutes."),
        ("Got it, thank you!", "Great to hear. Enjoy the trip!")]
    assert dropped == {DROP_NOTE: 1, DROP_DRAFT: 1, DROP_SYSTEM: 1}
    _, full, _ = _read("helpscout_conversations.json", context="full")
    assert len(full[-1].messages) == 4


def test_summary_counts_dropped_notes_and_entities_cleaned(tmp_path):
    with Project.create(tmp_path / "p.ftcurate") as p:
        rep = import_file(p, fixture("support_tools/zendesk_tickets.json"))
        texts = [e.output for e in p.iter_examples()]
    assert rep.dropped == {DROP_NOTE: 1} and f"1 ({DROP_NOTE})" in rep.summary
    assert "&amp;" not in " ".join(texts)


def test_bad_record_names_the_line(tmp_path):
    path = tmp_path / "tickets.jsonl"
    good = json.load(open(fixture("support_tools/zendesk_tickets.json")))["tickets"][0]
    path.write_text(json.dumps(good) + "\n" + json.dumps({"id": 2, "note": "x"}) + "\n", encoding="utf-8")
    importer, det = detect_file(path)
    assert det.importer == "zendesk"
    with pytest.raises(UserError) as err:
        list(importer.read(path, importer_options({}), det, _progress()))
    assert err.value.line == 2
    proj = tmp_path / "p.ftcurate"
    Project.create(proj).close()
    assert main(["import", str(proj), str(path)]) == 1
    with Project.open(proj) as p:
        assert p.count_examples() == 0
