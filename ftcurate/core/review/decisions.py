"""Every review decision as a command: build it here, apply it with `Project.apply` (undoable, audited).

Functions take the project's current state (a project, a flags frame or examples) and return a
`Command`; none of them writes. Cluster decisions resolve the cluster's flags in the same edit, and also
settle other clusters that the edit leaves with a single example still in play.

Guard rails for decisions that can hurt data: `rejections(command)` says how many examples an edit
would reject, so a caller can say it ("Keep #12 and reject 40 examples?") and ask before one click
rejects more than `ASK_ABOVE`; `not_duplicates_command` records "not duplicates / both are fine".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

from ftcurate.core.commands import (
    Command,
    CompositeCommand,
    SetFlagStateCommand,
    SetLabelCommand,
    SetMessagesCommand,
    SetStatusCommand,
)
from ftcurate.core.errors import UserError
from ftcurate.core.records import STATUSES, Example
from ftcurate.core.review.clusters import Cluster, choose_keepers, cluster_flags, clusters_from_flags

# One click may reject at most this many examples without asking.
ASK_ABOVE = 10


def status_command(ids: Iterable[int], status: str) -> SetStatusCommand:
    """Approve / reject / send back to review (`status` in approved, rejected, unreviewed)."""
    if status not in STATUSES:
        raise UserError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
    ids = sorted({int(i) for i in ids})
    if not ids:
        raise UserError("no examples given")
    return SetStatusCommand(ids, status, text=f"Mark {len(ids)} example(s) {status}")


def label_command(ids: Iterable[int], label: str | None) -> SetLabelCommand:
    """Give the examples `label` (None or "" clears it)."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        raise UserError("no examples given")
    label = (label or "").strip() or None
    return SetLabelCommand(ids, label, text=f"Label {len(ids)} example(s) {label or '(none)'}")


def edit_turn_command(example: Example, turn: int, text: str) -> SetMessagesCommand:
    """Replace the content of turn `turn` (index into `messages`) of `example`."""
    if not 0 <= turn < len(example.messages):
        raise UserError(f"example {example.id} has turns 0-{len(example.messages) - 1}, not {turn}")
    messages = [dict(m) for m in example.messages]
    messages[turn]["content"] = text
    return SetMessagesCommand(example.id, messages,
                              text=f"Edit the {messages[turn]['role']} turn of example {example.id}")


def flag_state_command(flag_ids: Iterable[int], state: str) -> SetFlagStateCommand:
    """Ignore ("not a problem"), resolve or reopen flags."""
    ids = sorted({int(i) for i in flag_ids})
    if not ids:
        raise UserError("no flags given")
    verb = {"ignored": "Ignore", "resolved": "Resolve", "open": "Reopen"}.get(state)
    if verb is None:
        raise UserError(f"unknown flag state {state!r}; expected ignored, resolved or open")
    return SetFlagStateCommand(ids, state, text=f"{verb} {len(ids)} flag(s)")


def rejected_by(command: Command | None) -> set[int]:
    """Example ids a command rejects (also a recorded inverse, which carries per-row `values`)."""
    if isinstance(command, SetStatusCommand):
        if command.values:
            return {int(k) for k, v in command.values.items() if v == "rejected"}
        return {int(i) for i in command.ids} if command.value == "rejected" else set()
    if isinstance(command, CompositeCommand):
        return set().union(*(rejected_by(c) for c in command.commands)) if command.commands else set()
    return set()


def _statuses(project, ids: Iterable[int]) -> dict[int, str]:
    ids = list({int(i) for i in ids})
    frame = project.examples_frame(["id", "status"])
    return dict(frame.filter(pl.col("id").is_in(ids)).iter_rows())


def _keep_command(cluster: Cluster, keep: int, statuses: dict[int, str]) -> CompositeCommand:
    reject = [m for m in cluster.example_ids if m != keep and statuses.get(m) != "rejected"]
    cmds: list[Command] = [SetStatusCommand(reject, "rejected")] if reject else []
    cmds.append(SetFlagStateCommand(cluster.flag_ids, "resolved"))
    return CompositeCommand(cmds, text=f"Resolve {cluster.check.replace('_', ' ')} cluster {cluster.cluster}: "
                                       f"keep #{keep}, reject {len(reject)} example(s)")


def _with_settled(flags: pl.DataFrame, statuses: dict[int, str], command: CompositeCommand,
                  done: set[int]) -> CompositeCommand:
    """Also resolve open flags of other clusters this edit leaves with one example in play."""
    flags = cluster_flags(flags)
    gone = rejected_by(command) | {i for i, s in statuses.items() if s == "rejected"}
    alive = (flags.filter(~pl.col("example_id").is_in(list(gone)))
             .group_by("cluster").agg(pl.col("example_id").n_unique().alias("k")))
    many = set(alive.filter(pl.col("k") >= 2)["cluster"].to_list())
    settled = flags.filter(~pl.col("cluster").is_in(list(many | done)) & (pl.col("state") == "open"))
    if settled.is_empty():
        return command
    extra = SetFlagStateCommand([int(i) for i in settled["id"].to_list()], "resolved",
                                text=f"Resolve {settled['cluster'].n_unique()} cluster(s) left with one example")
    return CompositeCommand([*command.commands, extra], text=command.text)


def resolve_clusters_command(project, clusters: Sequence[Cluster], keep_id: int | None = None,
                             max_reject: int | None = None) -> CompositeCommand:
    """Keep one example per cluster (the keeper rule, or `keep_id`), reject the rest, resolve the flags.

    Args:
        clusters: the clusters to resolve, in the order choices are made.
        keep_id: keep this example in every cluster.
        max_reject: refuse (UserError saying how many) when the edit would reject more examples than
            this: a guard for one click on a big cluster.
    """
    if not clusters:
        raise UserError("no clusters to resolve")
    flags = project.flags_frame()
    members = {m for c in clusters for m in c.example_ids}
    statuses = _statuses(project, members | set(cluster_flags(flags)["example_id"].to_list()))
    keepers = choose_keepers(clusters, keep_id, (i for i, s in statuses.items() if s == "rejected"))
    parts = [_keep_command(c, k, statuses) for c, k in zip(clusters, keepers, strict=True)]
    rejected = set().union(*(rejected_by(p) for p in parts)) - set(keepers)
    if max_reject is not None and len(rejected) > max_reject:
        raise UserError(f"this would reject {len(rejected)} examples at once (the limit is {max_reject}); "
                        "look at the cluster first, or raise the limit")
    if len(parts) == 1:
        command = parts[0]
    else:
        command = CompositeCommand([c for p in parts for c in p.commands],
                                   text=f"Resolve {len(parts)} clusters: reject {len(rejected)} example(s)")
    return _with_settled(flags, statuses, command, {c.cluster for c in clusters})


def keep_one_command(project, cluster: Cluster, keep_id: int | None = None,
                     max_reject: int | None = None) -> CompositeCommand:
    """Resolve one cluster: keep `keep_id` (default: the suggested keeper), reject the others."""
    return resolve_clusters_command(project, [cluster], keep_id, max_reject)


def resolve_touching_command(project, example_ids: Iterable[int]) -> CompositeCommand | None:
    """Resolve every open cluster with a flag on one of `example_ids` (the bulk menu's action).

    None when no selected example is in an open cluster.
    """
    ids = {int(i) for i in example_ids}
    flags = project.flags_frame()
    touched = cluster_flags(flags).filter(pl.col("example_id").is_in(list(ids)) & (pl.col("state") == "open"))
    keys = set(touched.select("check", "cluster").unique().iter_rows())
    clusters = [c for c in clusters_from_flags(flags) if c.key in keys]
    return resolve_clusters_command(project, clusters) if clusters else None


def not_duplicates_command(cluster: Cluster | Sequence[int], n_examples: int | None = None,
                           kind: str | None = None) -> SetFlagStateCommand:
    """"These are not copies / both answers are fine": the cluster's flags become ignored.

    One undoable edit; no example changes, and the checks keep the decision on their next run (a flag
    found again keeps the state a person gave it).

    Args:
        cluster: the cluster, or its flag ids.
        n_examples: how many examples the cluster has (for the history text; from the cluster if given).
        kind: "duplicates" or "conflict" (from the cluster's check if given).
    """
    if isinstance(cluster, Cluster):
        flag_ids, n_examples = cluster.flag_ids, cluster.size
        kind = kind or ("conflict" if cluster.check == "conflict" else "duplicates")
    else:
        flag_ids = list(cluster)
    what = "both answers are fine" if kind in ("conflict", "conflicts") else "not duplicates"
    return SetFlagStateCommand(sorted({int(i) for i in flag_ids}), "ignored",
                               text=f"Mark {n_examples if n_examples is not None else len(flag_ids)} examples {what}")


def with_answer(messages: list[dict], answer: str) -> list[dict]:
    """`messages` with the last assistant turn's content replaced (appended when there is none)."""
    out = [dict(m) for m in messages]
    for m in reversed(out):
        if m.get("role") == "assistant":
            m["content"] = answer
            return out
    out.append({"role": "assistant", "content": answer})
    return out


def pick_answer_command(cluster: Cluster, keep_ids: Sequence[int]) -> CompositeCommand:
    """Conflicts: keep the examples giving the chosen answer, reject the others, resolve the flags."""
    keep = {int(i) for i in keep_ids}
    if not keep or not keep <= set(cluster.example_ids):
        raise UserError(f"pick members of cluster {cluster.cluster}: {', '.join(map(str, cluster.example_ids))}")
    others = [m for m in cluster.example_ids if m not in keep]
    cmds: list[Command] = [SetStatusCommand(others, "rejected")] if others else []
    cmds.append(SetFlagStateCommand(cluster.flag_ids, "resolved"))
    return CompositeCommand(cmds, text=f"Pick the answer of example {min(keep)} ({len(others)} rejected)")


def merge_answers_command(cluster: Cluster, keeper: Example, answer: str) -> CompositeCommand:
    """Conflicts: one agreed answer written into `keeper`, the other members rejected, flags resolved."""
    if keeper.id not in cluster.example_ids:
        raise UserError(f"example {keeper.id} is not in cluster {cluster.cluster}")
    if not answer.strip():
        raise UserError("the merged answer is empty")
    cmds: list[Command] = [SetMessagesCommand(keeper.id, with_answer(keeper.messages, answer.strip()),
                                              text=f"Merged answer for example {keeper.id}")]
    others = [m for m in cluster.example_ids if m != keeper.id]
    if others:
        cmds.append(SetStatusCommand(others, "rejected"))
    cmds.append(SetFlagStateCommand(cluster.flag_ids, "resolved"))
    return CompositeCommand(cmds, text=f"Merge {cluster.size} answers into example {keeper.id}")


def rejections(command: Command | None) -> int:
    """How many examples `command` marks rejected (0 for None)."""
    return len(rejected_by(command))


def needs_confirmation(command: Command | None, limit: int = ASK_ABOVE) -> bool:
    """True when `command` would reject more than `limit` examples at once."""
    return rejections(command) > limit
