"""CLI: `ftcurate review P ACTION ...` — every edit the app's review screens make, for scripts.

Each action builds its command in `ftcurate.core.review`, applies it as one edit (recorded in the
history: `ftcurate history P` shows it, `ftcurate undo P` takes it back) and prints what changed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ftcurate.cli import Output, add_common
from ftcurate.core.errors import UserError

DEFAULT_MAX_REJECT = 50


def _ids(values: list[str]) -> list[int]:
    """Example or flag ids from `3 5 9-12 14,15`."""
    out: list[int] = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if not part:
                continue
            try:
                if "-" in part[1:]:
                    lo, hi = part.split("-", 1)
                    a, b = int(lo), int(hi)
                    if b < a or b - a > 1_000_000:
                        raise ValueError
                    out.extend(range(a, b + 1))
                else:
                    out.append(int(part))
            except ValueError:
                raise UserError(f"{part!r} is not an id or a range of ids (like 12 or 12-20)") from None
    if not out:
        raise UserError("give at least one id")
    return out


def _text(args) -> str:
    if args.text is not None and args.file is not None:
        raise UserError("give --text or --file, not both")
    if args.file == "-":
        return sys.stdin.read()
    if args.file is not None:
        path = Path(args.file)
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read the text ({exc.__class__.__name__})", path=path) from None
    if args.text is None:
        raise UserError("give the new text with --text TEXT or --file FILE (- for standard input)")
    return args.text


def _check_examples(project, ids: list[int]) -> None:
    known = set(project.example_ids())
    missing = [i for i in ids if i not in known]
    if missing:
        raise UserError(f"no example {', '.join(map(str, missing[:10]))} in this project", path=project.path)


def _build(project, args):
    """(command, summary dict) for the chosen action."""
    from ftcurate.core import review
    from ftcurate.core.dedup.resolve import project_clusters

    action = args.action
    if action in ("approve", "reject", "unreview"):
        ids = _ids(args.ids)
        _check_examples(project, ids)
        status = {"approve": "approved", "reject": "rejected", "unreview": "unreviewed"}[action]
        return review.status_command(ids, status), {"examples": ids, "status": status}
    if action == "label":
        ids = _ids(args.ids)
        _check_examples(project, ids)
        if args.clear == (args.to is not None):
            raise UserError("give the new label with --to LABEL, or --clear")
        return review.label_command(ids, None if args.clear else args.to), {"examples": ids, "label": args.to}
    if action == "edit":
        _check_examples(project, [args.id])
        example = project.get_example(args.id)
        turn = args.turn
        if turn is None:  # the answer: the last assistant turn
            turn = max((i for i, m in enumerate(example.messages) if m.get("role") == "assistant"), default=-1)
            if turn < 0:
                raise UserError(f"example {args.id} has no assistant turn; name one with --turn")
        return review.edit_turn_command(example, turn, _text(args)), {"example": args.id, "turn": turn}
    if action in ("ignore-flag", "resolve-flag", "reopen-flag"):
        ids = _ids(args.ids)
        known = set(project.flags_frame()["id"].to_list())
        missing = [i for i in ids if i not in known]
        if missing:
            raise UserError(f"no flag {', '.join(map(str, missing[:10]))} in this project (see `ftcurate flags`)")
        state = {"ignore-flag": "ignored", "resolve-flag": "resolved", "reopen-flag": "open"}[action]
        return review.flag_state_command(ids, state), {"flags": ids, "state": state}
    clusters = project_clusters(project, state=None)
    cluster = review.find_cluster(clusters, args.cluster, project.path)
    if action == "keep":
        cmd = review.keep_one_command(project, cluster, args.keep, args.max_reject)
        return cmd, {"cluster": cluster.cluster, "rejected": sorted(review.rejected_by(cmd))}
    if action == "not-duplicates":
        return review.not_duplicates_command(cluster), {"cluster": cluster.cluster, "flags": cluster.flag_ids}
    if action == "pick-answer":
        ids = _ids(args.ids)
        cmd = review.pick_answer_command(cluster, ids)
        return cmd, {"cluster": cluster.cluster, "kept": ids, "rejected": sorted(review.rejected_by(cmd))}
    if action == "merge-answers":
        keeper = project.get_example(args.keeper if args.keeper is not None else cluster.keeper)
        cmd = review.merge_answers_command(cluster, keeper, _text(args))
        return cmd, {"cluster": cluster.cluster, "keeper": keeper.id, "rejected": sorted(review.rejected_by(cmd))}
    raise UserError(f"unknown review action {action!r}")  # argparse keeps this unreachable


def cmd_review(args, out: Output) -> int:
    from ftcurate.core.store import Project

    with Project.open(args.project) as project, project.transaction():  # read-decide-write under one lock
        if args.action == "revert":
            history_id = project.revert(args.history_id)
            out.emit({"action": "revert", "history_id": history_id, "reverted": args.history_id},
                     f"Reverted history entry {args.history_id} (as entry {history_id}).")
            return 0
        command, summary = _build(project, args)
        history_id = project.apply(command)
    out.emit({"action": args.action, "history_id": history_id, "text": command.text, **summary},
             f"{command.text}. Undo with `ftcurate undo {args.project}`.")
    return 0


def register(sub) -> None:
    p = sub.add_parser("review", help="approve, reject, relabel, edit, revert, ignore flags, resolve clusters")
    p.add_argument("project")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, help_text: str):
        a = actions.add_parser(name, help=help_text)
        add_common(a)
        a.set_defaults(func=cmd_review)
        return a

    for name, what in (("approve", "approve examples"), ("reject", "reject examples (left out of export)"),
                       ("unreview", "send examples back to review")):
        action(name, what).add_argument("ids", nargs="+", metavar="ID", help="ids or ranges: 3 5 9-12")
    a = action("label", "set or clear the label of examples")
    a.add_argument("ids", nargs="+", metavar="ID")
    a.add_argument("--to", metavar="LABEL")
    a.add_argument("--clear", action="store_true")
    a = action("edit", "replace the text of one turn (default: the answer)")
    a.add_argument("id", type=int, metavar="ID")
    a.add_argument("--turn", type=int, help="index into the example's messages (0 = first)")
    a.add_argument("--text")
    a.add_argument("--file", help="read the new text from a file (- for standard input)")
    a = action("revert", "undo one past edit, whatever came after it, as a new edit")
    a.add_argument("history_id", type=int, metavar="HISTORY_ID", help="an id from `ftcurate history`")
    for name, what in (("ignore-flag", "mark flags as not a problem"), ("resolve-flag", "mark flags resolved"),
                       ("reopen-flag", "open flags again")):
        action(name, what).add_argument("ids", nargs="+", metavar="FLAG_ID")
    a = action("keep", "keep one example of a duplicate cluster and reject the others")
    a.add_argument("cluster", type=int, metavar="CLUSTER", help="an id from `ftcurate clusters`")
    a.add_argument("--keep", type=int, metavar="ID", help="default: the suggested keeper")
    a.add_argument("--max-reject", type=int, default=DEFAULT_MAX_REJECT, metavar="N",
                   help=f"refuse to reject more than N examples at once (default {DEFAULT_MAX_REJECT})")
    a = action("not-duplicates", "the cluster's examples are fine as they are: ignore its flags")
    a.add_argument("cluster", type=int, metavar="CLUSTER")
    a = action("pick-answer", "conflicts: keep the examples with the right answer, reject the others")
    a.add_argument("cluster", type=int, metavar="CLUSTER")
    a.add_argument("ids", nargs="+", metavar="ID", help="the examples whose answer is right")
    a = action("merge-answers", "conflicts: write one agreed answer into one example, reject the others")
    a.add_argument("cluster", type=int, metavar="CLUSTER")
    a.add_argument("--keeper", type=int, metavar="ID", help="default: the suggested keeper")
    a.add_argument("--text")
    a.add_argument("--file")
