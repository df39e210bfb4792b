"""Duplicate clusters for the command line: list them, and build the edit that resolves them.

The cluster type, the keeper rule and the commands live in `ftcurate.core.review`; this module keeps
the shapes `ftcurate clusters` / `ftcurate resolve` use (dicts, cluster ids).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from ftcurate.core.commands import CompositeCommand
from ftcurate.core.errors import UserError
from ftcurate.core.review import (
    CLUSTER_CHECKS,
    Cluster,
    clusters_from_flags,
    find_cluster,
    rejected_by,
)
from ftcurate.core.review import (
    resolve_clusters_command as _resolve,
)

DUPLICATE_CHECKS = CLUSTER_CHECKS
__all__ = ["DUPLICATE_CHECKS", "list_clusters", "project_clusters", "rejected_by", "resolve_cluster_command",
           "resolve_clusters_command"]


def project_clusters(project, check: str | None = None, state: str | None = "open",
                     with_previews: bool = False) -> list[Cluster]:
    """The project's clusters (of one check, in one state), largest first."""
    if check is not None and check not in CLUSTER_CHECKS:
        raise UserError(f"{check!r} is not a duplicate check; expected one of {', '.join(CLUSTER_CHECKS)}")
    flags = project.flags_frame()
    clusters = clusters_from_flags(flags, None if check is None else [check], state)
    if with_previews and clusters:
        keepers = [c.keeper for c in clusters]
        previews = dict(project.examples_frame(["id", "input"]).filter(pl.col("id").is_in(keepers)).iter_rows())
        for c in clusters:
            c.preview = previews.get(c.keeper) or ""
    return clusters


def list_clusters(project, check: str | None = None, state: str | None = "open") -> list[dict[str, Any]]:
    """Clusters as dicts: cluster, check, kind, severity, size, keeper, members, state, reason, question,
    message — largest first."""
    return [c.to_json() for c in project_clusters(project, check, state, with_previews=True)]


def resolve_cluster_command(project, cluster: int | Sequence[int], keep_id: int | None = None,
                            ) -> CompositeCommand:
    """Resolve one cluster (by id; or the clusters that the given example ids share)."""
    clusters = project_clusters(project, state=None)
    if isinstance(cluster, int):
        chosen = [find_cluster(clusters, cluster, project.path)]
    else:
        ids = {int(i) for i in cluster}
        chosen = [c for c in clusters if len(ids & set(c.example_ids)) >= 2]
        if not chosen:
            raise UserError(f"examples {', '.join(map(str, sorted(ids)))} share no duplicate cluster",
                            path=project.path)
        chosen = [c.restricted_to(ids) for c in chosen]
    return _resolve(project, chosen, keep_id)


def resolve_clusters_command(project, cluster_ids: Sequence[int], keep_id: int | None = None,
                             max_reject: int | None = None) -> CompositeCommand:
    """One edit resolving several clusters by id, keepers chosen by the one rule."""
    clusters = project_clusters(project, state=None)
    return _resolve(project, [find_cluster(clusters, cid, project.path) for cid in cluster_ids], keep_id,
                    max_reject)
