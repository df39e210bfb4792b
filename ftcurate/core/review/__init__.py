"""Review decisions as commands, and the project's history rules (grouping, undo status).

* `spans`: edits of a turn that carry the offsets of that turn's findings along (`FollowEditCommand`).
* `history`: `apply_merged` (a typing burst is one history entry) and `undo_status`.

Qt-free: the GUI and the CLI build the same commands here and apply them through `Project.apply`.
"""
