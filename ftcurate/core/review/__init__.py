"""Review decisions: one cluster type, one keeper rule, every edit a reviewer can make as a command,
and the project's history rules.

* `clusters`: the one `Cluster` type and the keeper rule (`choose_keepers`).
* `decisions`: every review decision as a command (status, label, edit, flags, keep one, resolve all,
  pick or merge answers, "not duplicates"), with the guard rails for edits that reject many examples.
* `spans`: edits of a turn that carry the offsets of that turn's findings along (`FollowEditCommand`).
* `history`: `apply_merged` (a typing burst is one history entry) and `undo_status`.

Qt-free: the CLI (`ftcurate review`, `ftcurate resolve`) and the app's Duplicates, Conflicts and bulk
menus build the same commands here and apply them with `Project.apply`, so a decision gives the same
result wherever it is taken and lands in the project's history (undo, audit trail).
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
    ASK_ABOVE,
    edit_turn_command,
    flag_state_command,
    keep_one_command,
    label_command,
    merge_answers_command,
    needs_confirmation,
    not_duplicates_command,
    pick_answer_command,
    rejected_by,
    rejections,
    resolve_clusters_command,
    resolve_touching_command,
    status_command,
)

__all__ = [
    "ASK_ABOVE", "CLUSTER_CHECKS", "Cluster", "choose_keepers", "cluster_flags", "clusters_from_flags",
    "find_cluster", "edit_turn_command", "flag_state_command", "keep_one_command", "label_command",
    "merge_answers_command", "needs_confirmation", "not_duplicates_command", "pick_answer_command",
    "rejected_by", "rejections", "resolve_clusters_command", "resolve_touching_command", "status_command",
]
