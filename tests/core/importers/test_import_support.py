"""Support-log importers: message-per-row, transcripts, nested JSON, threads, email."""

from __future__ import annotations

import csv
import random

import pytest
from importer_helpers import fixture, pairs, read_file

from ftcurate.core.errors import UserError
from ftcurate.core.importers.dialogue import conversation_examples, speaker_role
from ftcurate.core.importers.transcripts import parse_transcript


def test_message_rows_one_example_per_agent_reply():
    det, examples = read_file(fixture("support_messages.csv"))
    assert det.importer == "support_messages"
    assert "conversation=ticket_id" in det.summary and "role=sender" in det.summary
    assert "Internal note->dropped" in det.summary and "Bot->dropped" in det.summary
    assert pairs(examples) == [
        ("I want a refund for order 42.\nIt arrived broken.",  # consecutive messages merge
         "Sorry about that! I've issued the refund.\nIt takes 3-5 days."),  # "^RR" removed
        ("where is my parcel?", "It ships tomorrow."),  # @handle removed, bot message dropped
        ("Thanks! Can I change the address?", "Yes - reply with the new address."),
    ]
    assert [e.label for e in examples] == ["refund", "shipping", "shipping"]
    assert examples[0].provenance == {"row": 6, "conversation": "T1"}
    assert all("customer is VIP" not in m["content"] for e in examples for m in e.messages)


def test_full_context_keeps_the_conversation_so_far():
    _, examples = read_file(fixture("support_messages.csv"), context="full")
    last = examples[-1]
    assert [m["role"] for m in last.messages] == ["user", "assistant", "user", "assistant"]
    assert last.messages[0]["content"] == "where is my parcel?"
    assert last.metadata["turn"] == 4 and last.metadata["turns"] == 4


def test_context_must_be_last_or_full():
    with pytest.raises(UserError, match="context"):
        read_file(fixture("support_messages.csv"), context="everything")


def test_jsonl_message_rows_interleaved_with_internal_flag():
    det, examples = read_file(fixture("support_messages.jsonl"))
    assert det.mapping["internal"] == "is_internal" and det.label_column == "topic"
    assert pairs(examples) == [
        ("Do you have a store in Berlin?", "Yes, on Alexanderplatz."),
        ("Hi, my package arrived damaged.", "I'm sorry! Could you send a photo?"),
        ("Here it is.", "Thanks, a replacement is on its way."),
    ]
    assert examples[1].provenance == {"line": 2, "conversation": "501"}
    assert all("claims team" not in e.output for e in examples)


def _random_log(path, n_conv=60, seed=3, encoding="utf-8"):
    """Interleaved conversations, unsorted timestamps within some, unknown speaker names."""
    rng = random.Random(seed)
    rows = []
    for c in range(n_conv):
        t0 = 1000 * c
        agent = rng.choice(["Agent", "support", "Dana", "Lee"])  # Dana/Lee are unknown names
        who = ["Customer", agent, "Customer", "Customer", agent, "Note", agent, "bot", "Customer", agent]
        for i, spk in enumerate(who[: rng.randint(2, len(who))]):
            text = f"@acme msg {c}-{i} from {spk} é"
            if i % 4 == 0:
                text += "\nsecond line"
            if i % 3 == 0:
                text += "  ^AB"
            rows.append([f"K{c}", f"{t0 + i * 10:06d}", spk, text, f"topic{c % 4}" if i == 0 else ""])
    rng.shuffle(rows)  # fully interleaved; the numeric timestamps restore the order
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["conversation_id", "timestamp", "sender", "message", "intent"])
        w.writerows(rows)


@pytest.mark.parametrize("context", ["last", "full"])
def test_fast_path_matches_the_exact_reader(tmp_path, context):
    path = tmp_path / "log.csv"
    _random_log(path)
    _, fast = read_file(path, context=context)
    _, exact = read_file(path, context=context, extra={"exact": True})
    cp = tmp_path / "log_cp1252.csv"
    cp.write_bytes(path.read_text("utf-8").encode("cp1252"))
    _, cp_examples = read_file(cp, context=context)
    key = [(e.messages, e.label, e.metadata, e.provenance) for e in fast]
    assert key == [(e.messages, e.label, e.metadata, e.provenance) for e in exact]
    assert key == [(e.messages, e.label, e.metadata, e.provenance) for e in cp_examples]
    assert len(fast) > 60
    for e in fast:
        assert all("@acme" not in m["content"] and "^AB" not in m["content"] for m in e.messages)
        assert e.label and e.label.startswith("topic")


def test_timestamps_order_messages(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("conversation,time,role,text\n"
                    "A,2024-01-01T10:05:00,agent,Second answer\n"
                    "A,2024-01-01T10:00:00,customer,First question\n"
                    "A,2024-01-01T10:01:00,agent,First answer\n"
                    "A,2024-01-01T10:04:00,customer,Second question\n", encoding="utf-8")
    for extra in ({}, {"exact": True}):
        _, examples = read_file(path, extra=extra)
        assert pairs(examples) == [("First question", "First answer"), ("Second question", "Second answer")]
        assert examples[1].provenance["row"] == 2  # the reply's own row in the file


def test_unknown_speaker_names_resolve_to_agents(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text('ticket,author,body\nX,customer,Is it raining?\nX,Priya,"No, it is sunny."\n', encoding="utf-8")
    _, examples = read_file(path)
    assert pairs(examples) == [("Is it raining?", "No, it is sunny.")]


def test_missing_conversation_id_names_the_row(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("ticket_id,sender,message\nT1,customer,hi\nT1,agent,hello\n,customer,oops\n", encoding="utf-8")
    with pytest.raises(UserError) as info:
        read_file(path)
    assert info.value.row == 4 and "conversation id" in str(info.value)


def test_ragged_row_in_fast_path_is_reported_by_row(tmp_path):
    path = tmp_path / "log.csv"
    lines = ["ticket_id,sender,message"] + [f"T{i},customer,hello {i}" for i in range(50)]
    lines.insert(31, "T9,agent,too,many,fields")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UserError) as info:
        read_file(path, kind="support")
    assert info.value.row == 32


def test_mapping_overrides_detection(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("case,who,words,extra\n1,customer,Hello?,x\n1,agent,Hi there,y\n", encoding="utf-8")
    det, examples = read_file(path, kind="support", mapping={"conversation": "case", "role": "who", "text": "words"})
    assert det.mapping["text"] == "words" and pairs(examples) == [("Hello?", "Hi there")]
    with pytest.raises(UserError, match="no column 'nope'"):
        read_file(path, kind="support", mapping={"text": "nope"})


def test_speaker_roles():
    assert speaker_role("Customer") == "user" and speaker_role("End User") == "user"
    assert speaker_role("Support Agent") == "assistant" and speaker_role("customer service") == "assistant"
    for dropped in ("bot", "System", "Internal note", "action", "Virtual Assistant", "auto-reply"):
        assert speaker_role(dropped) is None, dropped
    assert speaker_role("Priya") == "?"


def test_conversation_examples_skip_greeting_before_customer():
    turns = [("assistant", "Hi!", {"row": 2}), ("user", "Help", {"row": 3}), ("assistant", "Sure", {"row": 4})]
    exs = list(conversation_examples("c", turns, "full"))
    assert len(exs) == 1 and exs[0].messages[0] == {"role": "user", "content": "Help"}


def test_transcripts_per_row():
    det, examples = read_file(fixture("support_transcripts.csv"))
    assert det.importer == "support_transcripts" and det.label_column == "topic"
    assert pairs(examples) == [
        ("I was charged twice this month.", "Sorry about that! I can see two charges.\nI've refunded the second one."),
        ("I can't log in\nit says my password is wrong", "Use the reset link on the sign-in page.\nThen try again."),
        ("hi there", "hello! how can I help?"),
        ("what are your hours?", "9 to 5 on weekdays."),
    ]
    assert examples[1].provenance == {"row": 3, "conversation": "C2"}


def test_parse_transcript_keeps_colons_inside_messages():
    turns = parse_transcript("Customer: Order ID: 5521\nAgent: Found it. Note: ships Friday.")
    assert turns == [("Customer", "Order ID: 5521"), ("Agent", "Found it. Note: ships Friday.")]
    assert parse_transcript("Just a plain sentence: nothing more.") == []


def test_nested_json_conversations():
    det, examples = read_file(fixture("support_conversations.jsonl"), context="full")
    assert det.importer == "support_conversations" and det.label_column == "intent"
    assert [len(e.messages) for e in examples] == [2, 4, 2]
    assert examples[2].messages == [{"role": "user", "content": "When are you open?"},
                                    {"role": "assistant", "content": "9am to 6pm, Monday to Saturday."}]
    assert examples[1].provenance == {"line": 1, "conversation": "c-1"} and examples[1].label == "refund"


def test_twitter_threads():
    det, examples = read_file(fixture("twitter_threads.csv"))
    assert det.importer == "support_threads"
    assert pairs(examples) == [
        ("my phone has no signal since this morning", "Sorry to hear that! Have you tried restarting it?"),
        ("yes twice\nstill nothing", "Please DM us your account number and we'll check the tower.\n"
                                     "You can also try toggling airplane mode meanwhile."),
        ("why does my iPhone keep restarting?", "Let's look into it together. Which iOS version are you on?"),
    ]
    assert examples[1].provenance == {"row": 6, "conversation": "1"}
    assert examples[2].metadata["brand"] == "AppleSupport"
    _, full = read_file(fixture("twitter_threads.csv"), context="full")
    assert [m["role"] for m in full[1].messages] == ["user", "assistant", "user", "assistant"]


def test_mbox_threads_quotes_signatures_disclaimers():
    det, examples = read_file(fixture("support.mbox"))
    assert det.importer == "email"
    assert pairs(examples) == [
        ("Hello,\n\nI was charged twice for invoice 7781. Can you refund one of the charges?",
         "Hi Dana,\n\nSorry about that. I have refunded the duplicate charge; it will show within 5 days."),
        ("Great, thank you! Will I get an email when it's done?",
         "Yes – you will get a confirmation email from our billing page.\n\n- Refund ID: R-55\n- Amount: $19.99"),
        ("The reset link you sent me has expired. Can you send a new one?",
         "I've sent a new link; it is valid for one hour."),
    ]
    assert examples[0].provenance == {"line": 17, "conversation": "m1@example.org"}
    text = " ".join(m["content"] for e in examples for m in e.messages)
    for gone in ("Sent from my iPhone", "CONFIDENTIAL", "Kind regards", "wrote:", "Original Message",
                 "We received your message"):
        assert gone not in text


def test_single_eml_reply_pairs_with_its_quote():
    _, examples = read_file(fixture("agent_reply.eml"))
    assert pairs(examples) == [("Hi, where is my order 5521? It was due yesterday.",
                                "Hi Sam,\n\nYour order 5521 left our warehouse today and should arrive on Friday.")]
    assert examples[0].metadata["subject"] == "Where is my order?"


def test_crlf_and_bom_give_the_same_examples(tmp_path):
    src = fixture("support_messages.csv").read_text(encoding="utf-8")
    path = tmp_path / "crlf.csv"
    path.write_bytes(src.replace("\n", "\r\n").encode("utf-8-sig"))
    plain = [(e.messages, e.provenance) for e in read_file(fixture("support_messages.csv"))[1]]
    assert [(e.messages, e.provenance) for e in read_file(path)[1]] == plain
    assert [(e.messages, e.provenance) for e in read_file(path, extra={"exact": True})[1]] == plain
