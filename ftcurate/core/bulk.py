"""Bulk edits over a selection of examples, built as core commands (one undo step each).

Qt-free so the GUI's bulk menu and scripts build exactly the same commands.
"""

from __future__ import annotations

import json

import polars as pl

from ftcurate.core.commands import CompositeCommand, SetFlagStateCommand, SetStatusCommand

PII_CHECK = "pii"


def open_pii_flags(flags: pl.DataFrame, example_ids: list[int], entity: str | None = None) -> list[int]:
    """Ids of the open PII flags of `example_ids` (of one entity type, or all)."""
    sel = flags.filter((pl.col("check") == PII_CHECK) & (pl.col("state") == "open")
                       & pl.col("example_id").is_in(list(map(int, example_ids))))
    if entity is not None:
        sel = sel.filter(pl.col("kind") == entity)
    return sel.get_column("id").to_list()


def pii_entity_counts(flags: pl.DataFrame, example_ids: list[int]) -> dict[str, int]:
    """Open PII flags per entity type among `example_ids`, most frequent first."""
    sel = flags.filter((pl.col("check") == PII_CHECK) & (pl.col("state") == "open")
                       & pl.col("example_id").is_in(list(map(int, example_ids))))
    vc = sel.get_column("kind").fill_null("PII").value_counts(sort=True)
    return {k: int(n) for k, n in vc.iter_rows()}


def resolve_clusters_command(flags: pl.DataFrame, example_ids: list[int]) -> CompositeCommand | None:
    """Keep one example per duplicate/conflict cluster touching the selection, reject the others.

    For every cluster (a check's flags sharing a `cluster` id) with an open flag on a selected example,
    the check's suggested keeper is kept (else the selected member with the lowest id), every other member is marked rejected, and all of
    the cluster's flags are marked resolved. Returns None when no selected example is in a cluster.
    """
    ids = set(map(int, example_ids))
    clustered = flags.filter(pl.col("cluster").is_not_null())
    touched = (clustered.filter(pl.col("example_id").is_in(list(ids)) & (pl.col("state") == "open"))
               .select("check", "cluster").unique())
    if touched.height == 0:
        return None
    members = clustered.join(touched, on=["check", "cluster"], how="semi")
    reject: set[int] = set()
    keep: set[int] = set()
    for (_check, _cluster), group in members.group_by(["check", "cluster"]):
        group_ids = set(group.get_column("example_id").to_list())
        keeper = _suggested_keeper(group, group_ids - reject) or min(group_ids & ids)
        keep.add(keeper)
        reject.update(group_ids - {keeper})
    reject -= keep
    commands = []
    if reject:
        commands.append(SetStatusCommand(sorted(reject), "rejected"))
    commands.append(SetFlagStateCommand(members.get_column("id").to_list(), "resolved"))
    text = (f"Resolve {touched.height} cluster(s): keep {len(keep)}, reject {len(reject)}")
    return CompositeCommand(commands, text=text)


def _suggested_keeper(group: pl.DataFrame, allowed: set[int]) -> int | None:
    """The keeper the duplicate checks suggested for this cluster (`data["keeper"]`), if allowed."""
    if "data" not in group.columns:
        return None
    for raw in group.get_column("data").drop_nulls().to_list():
        try:
            keeper = json.loads(raw).get("keeper")
        except (ValueError, AttributeError):
            continue
        if keeper is not None and int(keeper) in allowed:
            return int(keeper)
    return None
