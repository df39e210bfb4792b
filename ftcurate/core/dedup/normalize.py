"""Text normalisation shared by every duplicate check, and the exact-duplicate grouping.

Two texts are exact duplicates when they are equal after `normalize_series`: Unicode NFKC, lower
case, punctuation removed (so "Reset it!" == "reset it"), runs of whitespace collapsed, ends trimmed.
Symbols ($, %, +) and digits are kept: "$5" and "5" are different answers. The same normalised text
feeds MinHash shingling, so the near-duplicate check never sees case or punctuation differences.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from collections.abc import Sequence

# Joins the two halves of a pair; survives normalisation (not punctuation, not whitespace).
PAIR_SEPARATOR = " \u241e "


def normalize_series(texts: pl.Series) -> pl.Series:
    """Normalise a column of texts (nulls become ""). Vectorised; ~0.3 s per million short texts."""
    return (texts.fill_null("").str.normalize("NFKC").str.to_lowercase()
            .str.replace_all(r"\p{P}+", "").str.replace_all(r"\s+", " ").str.strip_chars())


def normalize_text(text: str) -> str:
    """Normalise one text exactly as `normalize_series` does."""
    return normalize_series(pl.Series([text], dtype=pl.Utf8))[0]


def question_answer_texts(frame: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """The question and the answer of every row of an examples frame, as the duplicate checks see them.

    The answer is the final assistant turn (`output`). The question is the last user turn (`input`);
    for a multi-turn chat it is every user/assistant turn before the final answer, joined, so two
    chats that only share a closing "thanks" / "you're welcome" are not called duplicates.
    """
    questions = frame["input"].fill_null("")
    answers = frame["output"].fill_null("")
    if "messages" not in frame.columns or "n_turns" not in frame.columns:
        return questions, answers
    long_rows = np.flatnonzero((frame["n_turns"].fill_null(0) > 2).to_numpy())
    if len(long_rows) == 0:
        return questions, answers
    values = questions.to_list()
    msgs = frame["messages"]
    for r in long_rows.tolist():
        turns = [m for m in json.loads(msgs[r]) if m.get("role") in ("user", "assistant")]
        last = max((k for k, m in enumerate(turns) if m["role"] == "assistant"), default=len(turns))
        context = turns[:last]
        if len(context) > 1:
            values[r] = PAIR_SEPARATOR.join(m.get("content", "") for m in context)
    return pl.Series("question", values, dtype=pl.Utf8), answers


def pair_keys(norm_questions: pl.Series, norm_answers: pl.Series) -> pl.Series:
    """Normalised question + answer, for exact pair duplicates."""
    return pl.select(pl.concat_str([pl.lit(norm_questions), pl.lit(PAIR_SEPARATOR),
                                    pl.lit(norm_answers)])).to_series()


def exact_groups(normalized: pl.Series | Sequence[str]) -> np.ndarray:
    """Group equal normalised texts.

    Returns an int64 array of group labels, one per text: rows with the same non-empty text share
    the label of the first such row (its position); empty texts and unique texts get -1.
    """
    s = pl.Series("t", normalized, dtype=pl.Utf8) if not isinstance(normalized, pl.Series) else normalized
    df = pl.DataFrame({"t": s.fill_null("")}).with_row_index("pos")
    first = df.group_by("t").agg(pl.col("pos").min().alias("first"), pl.len().alias("n"))
    joined = df.join(first, on="t", how="left").sort("pos")
    labels = joined["first"].cast(pl.Int64).to_numpy().copy()
    labels[(joined["n"].to_numpy() < 2) | (joined["t"].str.len_chars().to_numpy() == 0)] = -1
    return labels
