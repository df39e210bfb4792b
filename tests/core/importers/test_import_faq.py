"""FAQ importers: tables (CSV/JSONL), Markdown and HTML pages."""

from __future__ import annotations

import pytest
from importer_helpers import fixture, pairs, read_file

from ftcurate.core.errors import UserError
from ftcurate.core.importers.faq_docs import parse_markdown_faq
from ftcurate.core.importers.htmltext import html_to_text


def test_faq_csv_with_html_answers_and_sections():
    det, examples = read_file(fixture("faq.csv"))
    assert det.importer == "faq_table" and det.kind == "faq"
    assert det.mapping == {"question": "Question", "answer": "Answer"} and det.label_column == "Section"
    assert "question=Question" in det.summary and "label=Section" in det.summary
    assert examples[0].output == ("Go to the sign-in page and click Forgot password.\n\n"
                                  "1. Enter your email\n2. Open the link we send")
    assert [e.input for e in examples] == ["How do I reset my password?", "Can I pay with PayPal?",
                                           "What are your opening hours?"]  # the row without an answer is skipped
    assert [e.label for e in examples] == ["Account", "Billing", "General"]
    assert examples[0].metadata == {"Source": "help centre"}


def test_faq_jsonl_short_column_names():
    det, examples = read_file(fixture("faq.jsonl"))
    assert det.mapping == {"question": "q", "answer": "a"} and det.label_column == "category"
    assert pairs(examples)[0] == ("Is there a student discount?", "Yes, 10% with a valid student ID.")
    assert examples[1].provenance == {"line": 2}


def test_faq_columns_by_content_and_by_mapping(tmp_path):
    path = tmp_path / "kb.csv"
    path.write_text("col1,col2,col3\n"
                    "How do I pair my headphones?,Hold the power button for five seconds until the light flashes blue,audio\n"
                    "Why is my battery draining?,Turn off background refresh and lower the screen brightness in settings,power\n",
                    encoding="utf-8")
    det, examples = read_file(path)
    assert det.mapping == {"question": "col1", "answer": "col2"} and det.score < 0.85
    assert examples[0].input == "How do I pair my headphones?"
    det, examples = read_file(path, kind="faq", mapping={"question": "col1", "answer": "col3"},
                              label_column="col2")
    assert examples[1].output == "power" and examples[1].label.startswith("Turn off")


def test_html_twin_column_is_preferred_and_plain_fills_gaps(tmp_path):
    path = tmp_path / "faq.csv"
    path.write_text('question,answer,answer_html\n'
                    'A?,one two,"<ul><li>one</li><li>two</li></ul>"\n'
                    'B?,plain only,\n', encoding="utf-8")
    det, examples = read_file(path)
    assert det.mapping["answer"] == "answer_html" and det.mapping["answer_fallback"] == "answer"
    assert pairs(examples) == [("A?", "- one\n- two"), ("B?", "plain only")]


def test_questions_without_answers_become_user_turns(tmp_path):
    path = tmp_path / "intents.csv"
    path.write_text("text,category\nWhere is my card?,card_arrival\nCan I top up by card?,top_up\n",
                    encoding="utf-8")
    det, examples = read_file(path)
    assert "without answers" in det.summary
    assert examples[0].messages == [{"role": "user", "content": "Where is my card?"}]
    assert examples[0].metadata["needs_answer"] is True and examples[1].label == "top_up"


def test_markdown_headings():
    det, examples = read_file(fixture("faq.md"))
    assert det.importer == "faq_markdown"
    assert pairs(examples) == [
        ("How long does delivery take?", "Standard delivery takes 2 to 4 business days. See our shipping page."),
        ("Can I change my order?", "Yes, until it ships:\n\n- open Orders\n- choose Edit"),
        ("What is your return policy?", "Unused items can be returned within 30 days.\n\n# not a heading"),
    ]  # code blocks are kept verbatim, without their fences
    assert [e.label for e in examples] == ["Orders", "Orders", "Returns"]
    assert examples[1].provenance == {"line": 9}


def test_markdown_bold_and_qa_lines():
    _, examples = read_file(fixture("faq_bold.md"))
    assert pairs(examples) == [("Do you ship abroad?", "Yes, to the EU and the US."),
                               ("How much is shipping?", "Free over $50; otherwise $4.95.")]
    items = parse_markdown_faq("Q: Can I return sale items?\nA: Yes, within 14 days.\n\nQ: Is it free?\nA: No.\n")
    assert [(q, a) for q, a, _, _ in items] == [("Can I return sale items?", "Yes, within 14 days."),
                                               ("Is it free?", "No.")]


def test_html_dl_details_headings():
    det, examples = read_file(fixture("faq.html"))
    assert det.importer == "faq_html" and "5 questions" in det.summary
    assert pairs(examples) == [
        ("Which cards do you accept?", "Visa, Mastercard and PayPal."),
        ("When am I charged?", "When the order ships.\n\nPre-orders are charged on release."),
        ("Do you ship internationally?", "Yes. We ship to:\n\n- the EU\n- the US & Canada"),
        ("How do I reset my password?",
         "Click Forgot password on the sign-in page.\n\n1. Enter your email.\n2. Follow the link."),
        ("Can I delete my account?", "Yes, from Settings > Privacy."),
    ]
    assert [e.label for e in examples] == ["Billing", "Billing", "Delivery", "Account", "Account"]
    assert examples[0].provenance == {"line": 7}


def test_html_jsonld_faqpage_wins():
    _, examples = read_file(fixture("faq_jsonld.html"))
    assert pairs(examples) == [("How do I return an item?", "Print the label from your orders.\n\n- Pack it\n- Drop it off"),
                               ("Is return shipping free?", "Yes, always.")]


def test_html_without_questions_is_refused(tmp_path):
    path = tmp_path / "about.html"
    path.write_text("<html><body><h1>About us</h1><p>We sell tents.</p></body></html>", encoding="utf-8")
    with pytest.raises(UserError, match="no importer recognises|no questions"):
        read_file(path)


def test_html_to_text_keeps_structure():
    html = ("<p>Hello&nbsp;<a href='x'>world</a></p><ul><li>one<li>two<ol><li>a</li></ol></ul>"
            "<table><tr><th>Size<th>Price<tr><td>S<td>9</table><script>alert(1)</script>")
    assert html_to_text(html) == "Hello world\n\n- one\n- two\n  1. a\n\nSize | Price\nS | 9"
