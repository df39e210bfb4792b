"""Review decisions: one cluster type, one keeper rule, and every edit a reviewer can make as a command.

The CLI (`ftcurate review`, `ftcurate resolve`), the app's Duplicates, Conflicts and bulk menus all build
their edits here and apply them with `Project.apply`, so the same decision gives the same result
wherever it is taken, and lands in the project's history (undo, audit trail).
"""

from ftcurate.core.review.clusters import (
    CLUSTER_CHECKS,
    Cluster,
    choose_keepers,
    cluster_flags,
    clusters_from_flags,
    find_cluster,
)
from ftcurate.core.review.decisions import (
    edit_turn_command,
    flag_state_command,
    keep_one_command,
    label_command,
    merge_answers_command,
    not_duplicates_command,
    pick_answer_command,
    rejected_by,
    resolve_clusters_command,
    resolve_touching_command,
    status_command,
)

__all__ = [
    "CLUSTER_CHECKS", "Cluster", "choose_keepers", "cluster_flags", "clusters_from_flags", "find_cluster",
    "edit_turn_command", "flag_state_command", "keep_one_command", "label_command", "merge_answers_command",
    "not_duplicates_command", "pick_answer_command", "rejected_by", "resolve_clusters_command",
    "resolve_touching_command", "status_command",
]
