"""The one cluster type and the one keeper rule.

A cluster is the set of flags that one check (exact/near duplicate, paraphrase, conflict) gave the same
`cluster` id. Its members are the flagged examples; the check suggested a keeper (`data["keeper"]`,
with a reason). When several clusters are resolved together they overlap (an exact copy is also in the
near-duplicate cluster around it), so keepers are chosen in order by `choose_keepers`: an example kept
earlier is kept again, an example rejected earlier is never a keeper, otherwise the suggestion wins,
and when the suggestion was rejected the first member still in play is kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ftcurate.core.errors import UserError

CLUSTER_CHECKS = ("exact_duplicate", "near_duplicate", "paraphrase", "conflict")


@dataclass
class Cluster:
    """One cluster: `key` = (check, cluster id); members in id order; `keeper` the suggested one."""

    check: str
    cluster: int
    example_ids: list[int]
    flag_ids: list[int]
    open: int
    kind: str | None = None
    severity: str | None = None
    state: str = "open"
    score: float | None = None
    data: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    preview: str = ""
    flag_example_ids: list[int] = field(default_factory=list)  # the example of each flag in `flag_ids`

    @property
    def key(self) -> tuple[str, int]:
        return (self.check, self.cluster)

    @property
    def size(self) -> int:
        return len(self.example_ids)

    @property
    def keeper(self) -> int:
        """The check's suggested keeper (the first member when the check suggested none)."""
        k = self.data.get("keeper")
        return int(k) if k is not None and int(k) in self.example_ids else self.example_ids[0]

    @property
    def reason(self) -> str | None:
        return self.data.get("reason")

    def restricted_to(self, example_ids: Iterable[int]) -> Cluster:
        """The same cluster limited to some of its members (and their flags)."""
        keep = set(map(int, example_ids)) & set(self.example_ids)
        pairs = [(f, e) for f, e in zip(self.flag_ids, self.flag_example_ids, strict=True) if e in keep]
        return Cluster(self.check, self.cluster, sorted(keep), [f for f, _ in pairs], self.open, self.kind,
                       self.severity, self.state, self.score, dict(self.data), self.message, self.preview,
                       [e for _, e in pairs])

    def to_json(self) -> dict[str, Any]:
        """The shape `ftcurate clusters --json` prints."""
        return {"cluster": self.cluster, "check": self.check, "kind": self.kind, "severity": self.severity,
                "size": self.size, "keeper": self.keeper, "members": self.example_ids, "state": self.state,
                "reason": self.reason, "question": self.preview, "message": self.message}


def cluster_flags(flags: pl.DataFrame, checks: Iterable[str] | None = None) -> pl.DataFrame:
    """The flags of the cluster checks (or `checks`) that carry a cluster id."""
    wanted = list(checks) if checks is not None else list(CLUSTER_CHECKS)
    return flags.filter(pl.col("check").is_in(wanted) & pl.col("cluster").is_not_null())


def _data(raw: Any) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def clusters_from_flags(flags: pl.DataFrame, checks: Iterable[str] | None = None, state: str | None = None,
                        previews: dict[int, str] | None = None) -> list[Cluster]:
    """Group flags into clusters, largest first (ties: lower cluster id first).

    Args:
        flags: a `Project.flags_frame()` (or a slice of it).
        checks: which checks (default: all cluster checks).
        state: keep only clusters in this state ("open": at least one open flag); None for all.
        previews: example id -> text shown for the cluster (the keeper's question).
    """
    sel = cluster_flags(flags, checks)
    out: list[Cluster] = []
    if sel.is_empty():
        return out
    for (chk, cid), g in sel.group_by(["check", "cluster"], maintain_order=True):
        states = set(g["state"].to_list())
        cstate = "open" if "open" in states else next(iter(states)) if len(states) == 1 else "mixed"
        if state is not None and cstate != state:
            continue
        data = next((d for d in map(_data, g["data"].to_list()) if d), {}) if "data" in g.columns else {}
        members = sorted({int(i) for i in g["example_id"].to_list()})
        c = Cluster(check=chk, cluster=int(cid), example_ids=members, flag_ids=[int(i) for i in g["id"]],
                    open=int((g["state"] == "open").sum()), kind=g["kind"][0], severity=g["severity"][0],
                    state=cstate, score=g["score"][0] if "score" in g.columns else None, data=data,
                    flag_example_ids=[int(i) for i in g["example_id"]])
        keeper_row = g.filter(pl.col("example_id") == c.keeper)
        c.message = (keeper_row if keeper_row.height else g)["message"][0] or ""
        if previews is not None:
            c.preview = previews.get(c.keeper, "")
        out.append(c)
    out.sort(key=lambda c: (-c.size, c.cluster))
    return out


def find_cluster(clusters: Sequence[Cluster], cluster_id: int, project_path: Any = None) -> Cluster:
    """The cluster with this id (`UserError` naming how to list them when there is none)."""
    for c in clusters:
        if c.cluster == int(cluster_id):
            return c
    raise UserError(f"no duplicate cluster {cluster_id} in this project (run `ftcurate "
                    "clusters` to list them)", path=project_path)


def choose_keepers(clusters: Sequence[Cluster], keep_id: int | None = None,
                   already_rejected: Iterable[int] = ()) -> list[int]:
    """The example kept in each cluster, chosen in order by the one keeper rule (module docstring).

    Args:
        keep_id: keep this example in every cluster (it must be a member of each).
        already_rejected: examples rejected before this decision (never chosen when avoidable).

    Raises:
        UserError: `keep_id` is not a member of one of the clusters.
    """
    kept: list[int] = []
    rejected = set(already_rejected)
    for c in clusters:
        if keep_id is not None:
            if int(keep_id) not in c.example_ids:
                raise UserError(f"example {keep_id} is not in this cluster ({c.cluster}); its members are "
                                f"{', '.join(map(str, c.example_ids[:20]))}")
            keep = int(keep_id)
        else:
            earlier = [k for k in kept if k in c.example_ids]
            alive = [m for m in c.example_ids if m not in rejected]
            keep = earlier[0] if earlier else c.keeper if c.keeper not in rejected else \
                (alive[0] if alive else c.keeper)
        kept.append(keep)
        rejected.update(m for m in c.example_ids if m != keep)
        rejected.discard(keep)
    return kept
