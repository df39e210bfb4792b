"""List duplicate clusters and resolve them: keep one example, reject the rest, as one undoable edit.

Resolving is a `CompositeCommand` of a `SetStatusCommand` (the others -> "rejected") and a
`SetFlagStateCommand` (the cluster's flags -> "resolved"); `project.apply` records it in history and
`project.undo()` restores both statuses and flag states.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import polars as pl

from ftcurate.core.commands import CompositeCommand, SetFlagStateCommand, SetStatusCommand
from ftcurate.core.errors import UserError

DUPLICATE_CHECKS = ("exact_duplicate", "near_duplicate", "paraphrase", "conflict")


def _cluster_flags(project, check: str | None = None) -> pl.DataFrame:
    checks = DUPLICATE_CHECKS if check is None else (check,)
    if check is not None and check not in DUPLICATE_CHECKS:
        raise UserError(f"{check!r} is not a duplicate check; expected one of {', '.join(DUPLICATE_CHECKS)}")
    return project.flags_frame().filter(pl.col("check").is_in(checks) & pl.col("cluster").is_not_null())


def list_clusters(project, check: str | None = None, state: str | None = "open") -> list[dict[str, Any]]:
    """Duplicate clusters with their suggested keeper, largest first.

    Args:
        check: only this duplicate check.
        state: only clusters with at least one flag in this state ("open"); None for all.

    Returns:
        dicts: cluster, check, kind, severity, size, keeper, members (example ids), state ("open" if
        any flag is open, else the common state), question (the keeper's), message (the keeper's flag).
    """
    flags = _cluster_flags(project, check)
    if flags.is_empty():
        return []
    inputs = dict(project.examples_frame(["id", "input"]).filter(
        pl.col("id").is_in(flags["example_id"].unique().implode())).iter_rows())
    out = []
    for (cid, chk), g in flags.group_by(["cluster", "check"], maintain_order=True):
        states = set(g["state"].to_list())
        cluster_state = "open" if "open" in states else states.pop() if len(states) == 1 else "mixed"
        if state is not None and cluster_state != state:
            continue
        data = json.loads(g["data"][0]) if g["data"][0] else {}
        members = sorted(int(i) for i in g["example_id"].to_list())
        keeper = int(data.get("keeper", members[0]))
        keeper_row = g.filter(pl.col("example_id") == keeper)
        out.append({"cluster": int(cid), "check": chk, "kind": g["kind"][0], "severity": g["severity"][0],
                    "size": len(members), "keeper": keeper, "members": members, "state": cluster_state,
                    "reason": data.get("reason"), "question": inputs.get(keeper, ""),
                    "message": (keeper_row if keeper_row.height else g)["message"][0]})
    out.sort(key=lambda c: (-c["size"], c["cluster"]))
    return out


def resolve_cluster_command(project, cluster: int | Sequence[int] | pl.DataFrame | Sequence[dict],
                            keep_id: int | None = None) -> CompositeCommand:
    """The edit that resolves one cluster: keep one example, reject the others, resolve the flags.

    Args:
        project: the open project.
        cluster: a cluster id; or its flag rows (a `flags_frame` slice or dicts with id, example_id,
            cluster, data); or member example ids (their duplicate flags in the clusters they share
            are resolved).
        keep_id: the example to keep; default: the suggested keeper.

    Raises:
        UserError: unknown cluster, or `keep_id` is not a member.
    """
    flags = _flags_for(project, cluster)
    members = sorted({int(i) for i in flags["example_id"].to_list()})
    if keep_id is None:
        data = json.loads(flags["data"][0]) if flags["data"][0] else {}
        keep_id = int(data.get("keeper", members[0]))
    if int(keep_id) not in members:
        raise UserError(f"example {keep_id} is not in this cluster; its members are "
                        f"{', '.join(map(str, members))}")
    command = _command(project, flags, members, int(keep_id))
    return _with_settled(project, command, {int(c) for c in flags["cluster"].unique().to_list()})


def _flags_for(project, cluster) -> pl.DataFrame:
    if isinstance(cluster, pl.DataFrame):
        flags = cluster
    elif isinstance(cluster, int):
        flags = _cluster_flags(project).filter(pl.col("cluster") == cluster)
        if flags.is_empty():
            raise UserError(f"no duplicate cluster {cluster} in this project (run `ftcurate clusters` "
                            "to list them)", path=project.path)
    else:
        items = list(cluster)
        if items and isinstance(items[0], dict):
            flags = pl.DataFrame(items)
        else:
            ids = [int(i) for i in items]
            all_flags = _cluster_flags(project)
            mine = all_flags.filter(pl.col("example_id").is_in(ids))
            # The clusters the given examples share; only their flags on these examples.
            shared = (mine.group_by("cluster").agg(pl.col("example_id").n_unique().alias("k"))
                      .filter(pl.col("k") >= 2)["cluster"])
            flags = mine.filter(pl.col("cluster").is_in(shared.implode()))
            if flags.is_empty():
                raise UserError(f"examples {', '.join(map(str, ids))} share no duplicate cluster",
                                path=project.path)
    if flags.is_empty():
        raise UserError("the cluster has no flags", path=project.path)
    return flags


def _command(project, flags: pl.DataFrame, members: list[int], keep_id: int) -> CompositeCommand:
    statuses = dict(project.examples_frame(["id", "status"]).filter(
        pl.col("id").is_in(members)).iter_rows())
    reject = [m for m in members if m != keep_id and statuses.get(m) != "rejected"]
    flag_ids = [int(i) for i in flags["id"].to_list()]
    cid = flags["cluster"][0]
    commands = []
    if reject:
        commands.append(SetStatusCommand(reject, "rejected"))
    commands.append(SetFlagStateCommand(flag_ids, "resolved"))
    return CompositeCommand(commands, text=f"Resolve duplicate cluster {cid}: keep #{keep_id}, reject "
                                           f"{len(reject)} example(s)")


def resolve_clusters_command(project, cluster_ids: Sequence[int], keep_id: int | None = None,
                             ) -> CompositeCommand:
    """One edit resolving several clusters (e.g. all open ones).

    Clusters overlap (an exact copy is also in the near-duplicate cluster), so choices are made in
    order and stay consistent: an example kept earlier is kept again, and an example rejected earlier
    is never a keeper. `keep_id`, if given, must be a member of every cluster.
    """
    all_flags = _cluster_flags(project)
    kept: list[int] = []
    rejected: set[int] = set()
    commands = []
    for cid in cluster_ids:
        flags = all_flags.filter(pl.col("cluster") == int(cid))
        if flags.is_empty():
            raise UserError(f"no duplicate cluster {cid} in this project", path=project.path)
        members = sorted({int(i) for i in flags["example_id"].to_list()})
        if keep_id is not None:
            if keep_id not in members:
                raise UserError(f"example {keep_id} is not in cluster {cid}")
            keep = keep_id
        else:
            data = json.loads(flags["data"][0]) if flags["data"][0] else {}
            suggested = int(data.get("keeper", members[0]))
            earlier = [k for k in kept if k in members]
            alive = [m for m in members if m not in rejected]
            keep = earlier[0] if earlier else suggested if suggested not in rejected else \
                (alive[0] if alive else suggested)
        kept.append(keep)
        rejected.update(m for m in members if m != keep)
        commands.append(_command(project, flags, members, keep))
    n_rej = len(rejected - set(kept))
    command = CompositeCommand(commands, text=f"Resolve {len(commands)} duplicate cluster(s): reject "
                                              f"{n_rej} example(s)")
    return _with_settled(project, command, {int(c) for c in cluster_ids})


def rejected_by(command) -> set[int]:
    """Example ids a resolve command rejects."""
    if isinstance(command, SetStatusCommand):
        return {int(i) for i in command.ids} if command.value == "rejected" else set()
    if isinstance(command, CompositeCommand):
        return set().union(*(rejected_by(c) for c in command.commands)) if command.commands else set()
    return set()


def _with_settled(project, command: CompositeCommand, done: set[int]) -> CompositeCommand:
    """Also resolve the open flags of other duplicate clusters that this edit leaves with one example
    (e.g. resolving a near-duplicate cluster settles the exact-copy cluster inside it)."""
    flags = _cluster_flags(project)
    gone = rejected_by(command) | {int(i) for i in project.examples_frame(["id", "status"]).filter(
        pl.col("status") == "rejected")["id"].to_list()}
    alive = (flags.filter(~pl.col("example_id").is_in(list(gone)))
             .group_by("cluster").agg(pl.col("example_id").n_unique().alias("k")))
    many = set(alive.filter(pl.col("k") >= 2)["cluster"].to_list())
    settled = flags.filter(~pl.col("cluster").is_in(list(many | done)) & (pl.col("state") == "open"))
    if settled.is_empty():
        return command
    extra = SetFlagStateCommand([int(i) for i in settled["id"].to_list()], "resolved",
                                text=f"Resolve {settled['cluster'].n_unique()} cluster(s) left with one example")
    return CompositeCommand([*command.commands, extra], text=command.text)
