"""Turn clusters of row positions into `Flag`s with a suggested keeper, and read them back.

Every member of a cluster gets one flag (the keeper too), all with the same `cluster` id and
`data = {"keeper": id, "size": n, "members": [ids, keeper first, at most MEMBERS_LISTED],
"reason": why that keeper}`. Cluster ids are `smallest member id * 16 + code(check, kind)`: stable
across re-runs while the cluster keeps its oldest member, and unique across checks and kinds.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import numpy as np
import polars as pl

from ftcurate.core.dedup.clusters import keeper_reason
from ftcurate.core.flag import Flag

MEMBERS_LISTED = 50
CLUSTER_CODES = {
    ("exact_duplicate", "pair"): 1, ("exact_duplicate", "input"): 2, ("exact_duplicate", "output"): 3,
    ("near_duplicate", "pair"): 4, ("near_duplicate", "input"): 5, ("near_duplicate", "output"): 6,
    ("paraphrase", "input"): 7, ("conflict", "answer"): 8,
}


def cluster_id(min_example_id: int, check: str, kind: str) -> int:
    return int(min_example_id) * 16 + CLUSTER_CODES[(check, kind)]


def nested_groups(labels: np.ndarray, sub: np.ndarray, min_distinct: int = 2) -> list[np.ndarray]:
    """Groups of rows sharing `labels` (>= 0) that hold at least `min_distinct` distinct `sub` values.

    E.g. labels = near-duplicate components, sub = exact groups: components that are more than one
    exact copy repeated. Groups are ordered by label; rows inside a group by position.
    """
    pos = np.flatnonzero(labels >= 0)
    if len(pos) == 0:
        return []
    df = pl.DataFrame({"pos": pos, "label": labels[pos], "sub": sub[pos]})
    agg = (df.group_by("label").agg(pl.col("pos"), pl.col("sub").n_unique().alias("k"))
           .filter(pl.col("k") >= min_distinct).sort("label"))
    return [np.sort(np.asarray(p, dtype=np.int64)) for p in agg["pos"].to_list()]


def cluster_flags(frame: pl.DataFrame, members: np.ndarray, rank: np.ndarray, *, check: str, kind: str,
                  severity: str, message: Callable[[int, int, int], str],
                  score: np.ndarray | None = None, data: dict | None = None) -> list[Flag]:
    """One flag per member of a cluster.

    Args:
        frame: the frame the positions index (needs `id`).
        members: row positions of the cluster.
        rank: keeper rank of every row (`clusters.keeper_order`); the lowest-ranked member is the keeper.
        message: `message(example_id, keeper_id, others)` -> the flag's text.
        score: per-row score (indexed by position), or None.
        data: extra keys merged into every flag's data.
    """
    ids, out_len = _columns(frame)
    keeper_pos = int(members[np.argmin(rank[members])])
    keeper_id = int(ids[keeper_pos])
    member_ids = np.sort(ids[members]).tolist()
    listed = [keeper_id] + [i for i in member_ids if i != keeper_id][: MEMBERS_LISTED - 1]
    cid = cluster_id(member_ids[0], check, kind)
    payload = {"keeper": keeper_id, "size": len(members), "members": listed,
               "reason": keeper_reason(frame, keeper_pos, members, out_len), **(data or {})}
    others = len(members) - 1
    eids = ids[members].tolist()
    scores = [None] * len(eids) if score is None else [round(x, 4) for x in score[members].tolist()]
    return [Flag(example_id=eid, check=check, severity=severity, kind=kind, cluster=cid,
                 message=message(eid, keeper_id, others), score=sc, data=payload)
            for eid, sc in zip(eids, scores, strict=True)]


_COLUMNS: list = []  # [(weak reference to the frame, ids, answer lengths)] of the last frame seen


def _columns(frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The ids and answer lengths of `frame` as arrays, read once per frame (a check calls
    `cluster_flags` once per cluster, thousands of times on the same frame)."""
    if not _COLUMNS or _COLUMNS[0][0]() is not frame:
        out_len = frame["output"].fill_null("").str.len_chars().to_numpy() if "output" in frame.columns \
            else np.zeros(frame.height, dtype=np.int64)
        _COLUMNS[:] = [(weakref.ref(frame), frame["id"].to_numpy().astype(np.int64), out_len)]
    return _COLUMNS[0][1], _COLUMNS[0][2]


def keeper_note(example_id: int, keeper_id: int) -> str:
    """The tail every duplicate message ends with."""
    if example_id == keeper_id:
        return "Suggested to keep this one."
    return f"Suggested to keep #{keeper_id} and reject this one."
