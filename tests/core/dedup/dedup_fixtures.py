"""A small support FAQ with planted duplicates (rows and helpers shared by the dedup tests)."""

from __future__ import annotations

from ftcurate.core.records import Example, pair_to_messages

RESET_A = "Go to Settings > Security and click Reset password."


def chat(*turns: str) -> list[dict]:
    roles = ["user", "assistant"] * len(turns)
    return [{"role": r, "content": t} for r, t in zip(roles, turns, strict=False)]


# id: (question, answer, status, label); ids are assigned in this order starting at 1.
ROWS = [
    ("How do I reset my password?", RESET_A, "unreviewed", None),                   # 1 exact pair
    ("how do I reset my password", RESET_A.lower(), "approved", None),              # 2 exact pair (keeper)
    ("HOW DO I RESET MY PASSWORD!!!", RESET_A + " ", "unreviewed", None),           # 3 exact pair
    ("How do I reset my pasword?", RESET_A[:-1] + " now.", "unreviewed", None),    # 4 near pair
    ("What are your opening hours?", "We are open 9am to 5pm.", "unreviewed", None),  # 5 same q
    ("What are your opening hours?", "We are open 24/7.", "unreviewed", None),      # 6 same q
    ("Do you ship to Canada?", "Yes, we ship to Canada.", "unreviewed", None),      # 7
    ("Can I return an item?", "Yes, within 30 days.", "unreviewed", "returns"),     # 8 same q (keeper)
    ("Can I return an item", "Yes, within 30 days, with the receipt and the original box.",
     "unreviewed", None),                                                            # 9 same q
    (None, None, "unreviewed", None),                                                # 10 multi-turn
    (None, None, "unreviewed", None),                                                # 11 multi-turn
    ("Do you ship to Canada?", "Yes, we ship to Canada.", "rejected", None),        # 12 rejected copy of 7
    ("How do I change my delivery address?", "Go to Orders > Address.", "unreviewed", None),  # 13 near q
    ("How do I change my delivery adress?", "Call us and we will change it.", "unreviewed", None),  # 14
]
MULTI = {
    10: chat("My order is late", "Sorry to hear that! What is the order number?", "Thanks",
             "You're welcome!"),
    11: chat("I need a refund for a broken lamp", "Sure, I have started the refund.", "Thanks",
             "You're welcome!"),
}


def examples(rows=ROWS, multi=MULTI) -> list[Example]:
    out = []
    for n, (q, a, status, label) in enumerate(rows, start=1):
        msgs = multi[n] if n in multi else pair_to_messages(q, a)
        out.append(Example(msgs, label=label, status=status))
    return out


def flags_by(project, check: str, kind: str | None = None) -> dict[int, set[int]]:
    """{cluster id: member example ids} of one check (and kind)."""
    import polars as pl

    df = project.flags_frame().filter(pl.col("check") == check)
    if kind:
        df = df.filter(pl.col("kind") == kind)
    out: dict[int, set[int]] = {}
    for row in df.iter_rows(named=True):
        out.setdefault(row["cluster"], set()).add(row["example_id"])
    return out
