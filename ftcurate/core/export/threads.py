"""Conversations cut into one example per agent reply (`import --context full`) trained once.

Such an import gives a conversation of three replies as three examples: [u1 a1], [u1 a1 u2 a2] and
[u1 a1 u2 a2 u3 a3]. Exported as they are, a1 is trained three times and a2 twice. The split keeps a
conversation's cuts in one split, so within each split:

- OpenAI chat files keep every cut and give an earlier assistant turn `"weight": 0` when another
  exported example of the same conversation ends with exactly that turn (OpenAI trains only weight-1
  assistant turns): every answer is trained once, in the example that ends with it.
- Formats without per-turn weights that train every assistant turn (ShareGPT, Alpaca with history,
  Parquet / datasets) keep one example per thread: a cut that is the start of a longer exported cut
  of the same conversation is left out (the longer one holds all its turns).
- Prompt/completion trains only the completion (the last answer), so nothing is trained twice there.

Only examples with a conversation id (set by the support importers) are compared.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

KEEPS_ALL_CUTS = ("openai", "prompt-completion")
LEFT_OUT_REASON = "earlier cuts of a conversation (a longer cut of it holds their answers)"


def _key(msgs: list[dict]) -> str:
    return json.dumps([(m.get("role"), m.get("content")) for m in msgs], ensure_ascii=False)


def thread_cuts(frame: pl.DataFrame, splits: dict[str, list[int]]) -> tuple[set[int], dict[int, set[int]]]:
    """(ids of cuts contained in a longer exported cut, {id: stored turn indexes to weight 0}).

    `frame` needs id, source_id, conversation, messages; `splits` is {split: ids}.
    """
    import polars as pl

    if "conversation" not in frame.columns:
        return set(), {}
    shorter: set[int] = set()
    zero: dict[int, set[int]] = {}
    for ids in splits.values():
        sub = (frame.filter(pl.col("id").is_in(ids) & pl.col("conversation").is_not_null())
               .select("id", "source_id", "conversation", "messages"))
        groups: dict[tuple, list[tuple[int, list[dict]]]] = {}
        for ex_id, src, conv, raw in sub.iter_rows():
            groups.setdefault((src, conv), []).append((ex_id, json.loads(raw) if raw else []))
        for members in groups.values():
            if len(members) < 2:
                continue
            ends = {_key(msgs) for _, msgs in members}
            for ex_id, msgs in members:
                if any(len(other) > len(msgs) and _key(other[:len(msgs)]) == _key(msgs)
                       for oid, other in members if oid != ex_id):
                    shorter.add(ex_id)
                last = max((i for i, m in enumerate(msgs) if m.get("role") == "assistant"), default=-1)
                turns = {i for i, m in enumerate(msgs)
                         if m.get("role") == "assistant" and i < last and _key(msgs[:i + 1]) in ends}
                if turns:
                    zero[ex_id] = turns
    return shorter, zero


def with_weights(messages: list[dict], stored_len: int, turns: set[int] | None) -> list[dict]:
    """`messages` (the stored ones, maybe with a system prompt put first) with `weight: 0` on `turns`
    (indexes into the stored messages) and nothing else changed."""
    if not turns:
        return messages
    shift = len(messages) - stored_len
    return [{**m, "weight": 0} if i - shift in turns else m for i, m in enumerate(messages)]
