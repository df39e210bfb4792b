"""Clusters of duplicates: connected components of duplicate pairs, and the suggested keeper.

Components are found with vectorised union-find (hook the larger root onto the smaller, then pointer
jumping), so a million nodes and edges take well under a second. A component is labelled with its
smallest node index, which makes labels deterministic and independent of edge order.
"""

from __future__ import annotations

import numpy as np
import polars as pl

STATUS_RANK = {"approved": 0, "unreviewed": 1, "rejected": 2}


def connected_components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Label nodes 0..n-1 by connected component over the undirected edges (i[k], j[k]).

    Returns:
        int64 array of length n: each node's label is the smallest node index in its component.
    """
    parent = np.arange(n, dtype=np.int64)
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    if n == 0 or len(i) == 0:
        return parent
    while True:
        pi, pj = parent[i], parent[j]
        differ = pi != pj
        if not differ.any():
            return parent
        lo = np.minimum(pi[differ], pj[differ])
        hi = np.maximum(pi[differ], pj[differ])
        # Both ends are roots (parent is flattened below), so this only ever re-points roots downward.
        np.minimum.at(parent, hi, lo)
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand


def groups(labels: np.ndarray, min_size: int = 2) -> list[np.ndarray]:
    """Positions of each label with at least `min_size` members (label -1 = no group), ordered by label."""
    labels = np.asarray(labels)
    pos = np.flatnonzero(labels >= 0)
    if len(pos) == 0:
        return []
    order = pos[np.argsort(labels[pos], kind="stable")]
    lab = labels[order]
    cuts = np.flatnonzero(np.diff(lab)) + 1
    return [g for g in np.split(order, cuts) if len(g) >= min_size]


def singletons_to_minus_one(labels: np.ndarray) -> np.ndarray:
    """Copy of `labels` with labels that occur once replaced by -1."""
    labels = np.asarray(labels, dtype=np.int64).copy()
    valid = labels >= 0
    counts = np.bincount(labels[valid], minlength=int(labels.max(initial=0)) + 1)
    labels[valid & (counts[np.where(valid, labels, 0)] < 2)] = -1
    return labels


def keeper_order(frame: pl.DataFrame) -> np.ndarray:
    """Rank every row as a keeper candidate: lower rank = better keeper.

    Preference: approved before unreviewed before rejected; then the most complete example (non-empty
    question, non-empty answer, a label); then the longest answer; then the oldest (smallest id).
    Returns the rank of each row (int64, 0 = best in the whole frame).
    """
    n = frame.height
    status = frame["status"].fill_null("unreviewed").to_list() if "status" in frame.columns else []
    status_rank = np.array([STATUS_RANK.get(s, 1) for s in status], dtype=np.int64) if status else \
        np.ones(n, dtype=np.int64)
    complete = np.zeros(n, dtype=np.int64)
    for col in ("input", "output", "label"):
        if col in frame.columns:
            complete += (frame[col].fill_null("").str.strip_chars().str.len_chars() > 0).to_numpy()
    out_len = frame["output"].fill_null("").str.len_chars().to_numpy().astype(np.int64) \
        if "output" in frame.columns else np.zeros(n, dtype=np.int64)
    ids = frame["id"].to_numpy().astype(np.int64) if "id" in frame.columns else np.arange(n)
    order = np.lexsort((ids, -out_len, -complete, status_rank))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return rank


def keeper_reason(frame: pl.DataFrame, keeper: int, members: np.ndarray,
                  out_len: np.ndarray | None = None) -> str:
    """Plain-words reason the keeper was suggested (for flag messages and the CLI).

    out_len: the answer length of every row of `frame`, when the caller has it (per-cluster callers
    pass it: reading the column again for each of thousands of clusters dominated the check).
    """
    status = frame["status"][keeper] if "status" in frame.columns else None
    if status == "approved":
        return "it is approved"
    if out_len is None:
        out_len = frame["output"].fill_null("").str.len_chars().to_numpy()
    if len(np.unique(out_len[np.asarray(members, dtype=np.int64)])) > 1:
        return "it has the most complete, longest answer"
    return "it is the oldest"
