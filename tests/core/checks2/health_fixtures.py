"""Builders for the checks II tests: a small fictional shop's support answers in one house voice."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from ftcurate.core.records import Example, messages_json, pair_to_messages

TOPICS = [
    ("How do I reset my password?", "reset your password from the Account page by selecting Forgot password"),
    ("Where is my order?", "track the delivery of your order from the Orders page of your account"),
    ("Can I change my delivery address?", "change the delivery address of an open order in the order details"),
    ("How do I cancel my subscription?", "cancel the subscription in the Billing section of your account"),
    ("Do you ship to Canada?", "receive deliveries in Canada within seven to ten working days"),
    ("How can I get a refund?", "request a refund within thirty days of delivery from the Returns page"),
    ("Where can I download my invoice?", "download every invoice as a PDF document from the Billing section"),
    ("Which payment methods do you accept?", "pay with a credit card, a bank transfer or a gift card"),
    ("How do I update my card?", "replace the stored payment card in the Billing section of your account"),
    ("Can I return a gift?", "return a gift with the gift receipt that was included in the parcel"),
]
OPENINGS = ["Thank you for contacting Acme support.", "Thank you for your message.",
            "Thank you for reaching out to us.", "Good afternoon, and thank you for your question."]
CLOSINGS = ["Please let us know if you need any further assistance.", "We are happy to help with any other question.",
            "Kind regards, the Acme support team.", "Please do not hesitate to contact us again."]


def formal_pairs(n: int = 40) -> list[tuple[str, str]]:
    """n question/answer pairs in one polite, formal house voice (deterministic)."""
    out = []
    for i in range(n):
        q, body = TOPICS[i % len(TOPICS)]
        answer = (f"{OPENINGS[i % len(OPENINGS)]} You can {body}. The change is applied to your account "
                  f"immediately. {CLOSINGS[(i // 2) % len(CLOSINGS)]}")
        out.append((q, answer))
    return out


def frame_of(pairs: list[tuple[str, str]], labels: list[str | None] | None = None,
             statuses: list[str] | None = None) -> pl.DataFrame:
    """A frame with the columns of `ftcurate.core.view` that the checks read."""
    msgs = [pair_to_messages(q, a) for q, a in pairs]
    n = len(pairs)
    return pl.DataFrame({
        "id": list(range(1, n + 1)),
        "label": labels if labels is not None else [None] * n,
        "status": statuses if statuses is not None else ["unreviewed"] * n,
        "input": [q for q, _ in pairs], "output": [a for _, a in pairs],
        "messages": [messages_json(m) for m in msgs], "source": ["fixture.jsonl"] * n,
        "metadata": [json.dumps({}) for _ in pairs],
    }, schema_overrides={"label": pl.Utf8})


def make_project(path: Path, pairs: list[tuple[str, str]], labels: list[str | None] | None = None):
    """A project file holding `pairs` (labels optional). Returns the open Project."""
    from ftcurate.core.store import Project

    project = Project.create(path)
    labels = labels or [None] * len(pairs)
    project.add_examples([Example(messages=pair_to_messages(q, a), label=lab) for (q, a), lab in
                          zip(pairs, labels, strict=True)],
                         source={"name": "fixture.jsonl", "path": str(path), "content_hash": "x" * 24, "size": 0,
                                 "importer": "test", "kind": "pairs", "options": {}, "detection": {}})
    return project
