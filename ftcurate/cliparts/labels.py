"""CLI: `ftcurate labels P` lists labels with counts and merge suggestions; `--merge A=B`,
`--rename A=B` and `--apply-suggestions` change them through the project history (undo with
`ftcurate undo P`)."""

from __future__ import annotations

from ftcurate.cli import Output, add_common
from ftcurate.core.errors import UserError


def _pairs(items: list[str] | None, flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise UserError(f"{flag} expects OLD=NEW, got {item!r}")
        old, new = (x.strip() for x in item.split("=", 1))
        if not old or not new:
            raise UserError(f"{flag} expects OLD=NEW with both names, got {item!r}")
        out[old] = new
    return out


def cmd_labels(args, out: Output) -> int:
    from ftcurate.core.labels import (
        label_counts,
        merge_command,
        project_label_map,
        safe_merges,
        suggest_merges,
    )
    from ftcurate.core.store import Project

    merges, renames = _pairs(args.merge, "--merge"), _pairs(args.rename, "--rename")
    with Project.open(args.project) as project:
        changes = []
        if args.apply_suggestions:
            safe = safe_merges(project)
            if safe:
                changes.append(merge_command(project, safe))
        if merges:
            changes.append(merge_command(project, merges))
        if renames:
            changes.append(merge_command(project, renames, rename=True))
        for cmd in changes:
            hid = project.apply(cmd, actor="cli")
            out.emit({"history_id": hid, "changes": cmd.changes, "examples": len(cmd.touched)},
                     f"{cmd.text}: {len(cmd.touched)} examples relabelled (undo: ftcurate undo {args.project})")
        counts = label_counts(project)
        for label, n in counts:
            out.emit({"label": label, "examples": n}, f"{n:>7}  {label}")
        for s in suggest_merges(counts):
            verb = "merge" if s.kind == "same" else "maybe merge"
            out.emit({"suggestion": s.to_json()},
                     f"suggest ({verb}): " + ", ".join(f"--merge {src!r}={s.target!r}" for src in s.sources)
                     + f"  ({s.reason})")
        lmap = project_label_map(project)
        if lmap:
            out.emit({"label_map": lmap}, "label map (applied to later imports): "
                     + ", ".join(f"{a} -> {b}" for a, b in sorted(lmap.items())))
    return 0


def register(sub) -> None:
    p = sub.add_parser("labels", help="list labels with counts and merge suggestions; merge or rename them")
    p.add_argument("project")
    p.add_argument("--merge", action="append", metavar="OLD=NEW",
                   help="give every example labelled OLD the label NEW (NEW may already exist)")
    p.add_argument("--rename", action="append", metavar="OLD=NEW", help="rename a label to a new name")
    p.add_argument("--apply-suggestions", action="store_true",
                   help="merge labels that differ only in case, punctuation, '&'/'and' or a plural")
    add_common(p)
    p.set_defaults(func=cmd_labels)
