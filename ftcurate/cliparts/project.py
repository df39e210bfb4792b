"""CLI: new, import, examples, check, flags, stats, history, undo, redo, gui."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ftcurate.cli import Output, add_common
from ftcurate.core.errors import UserError


def _open(path: str, write: bool = True):
    """Open the project; a command that only reads (`write=False`) still works on a read-only one."""
    from ftcurate.core.errors import ProjectError
    from ftcurate.core.store import Project

    try:
        return Project.open(path)
    except ProjectError as exc:
        if write or "read-only" not in exc.message:
            raise
        return Project.open(path, read_only=True)


def cmd_new(args, out: Output) -> int:
    from ftcurate.core.store import Project

    Project.create(args.project).close()
    out.emit({"project": args.project, "created": True}, f"Created {args.project}")
    return 0


def _parse_map(items: list[str]) -> dict[str, str]:
    mapping = {}
    for item in items or []:
        if "=" not in item:
            raise UserError(f"--map expects FIELD=COLUMN, got {item!r}")
        k, v = item.split("=", 1)
        mapping[k.strip()] = v.strip()
    return mapping


def _read_templates(path: str | None) -> list[str] | None:
    if not path:
        return None
    if not Path(path).is_file():
        raise UserError("no such template file", path=path)
    from ftcurate.core.importers.templates import load_templates

    return load_templates(path)


def _parse_options(items: list[str]) -> dict:
    """`--option KEY=VALUE`: VALUE is read as JSON when it parses (numbers, true, lists), else text."""
    extra = {}
    for item in items or []:
        if "=" not in item:
            raise UserError(f"--option expects KEY=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        try:
            extra[k.strip()] = json.loads(v)
        except json.JSONDecodeError:
            extra[k.strip()] = v.strip()
    return extra


def cmd_import(args, out: Output) -> int:
    from ftcurate.core.importers.base import ImportOptions
    from ftcurate.core.importing import detect_file, import_file, refuse_project_file

    opts = ImportOptions(kind=args.kind, mapping=_parse_map(args.map), label_column=args.label_column,
                         templates=_read_templates(args.template), context=args.context,
                         extra=_parse_options(args.option))
    for f in args.files:
        if not Path(f).exists():
            raise UserError("no such file", path=f)
        refuse_project_file(args.project, f)
    with _open(args.project) as project:
        if args.dry_run:
            for f in args.files:
                importer, det = detect_file(f, opts)
                details = importer.preview(Path(f), opts, det, out.progress())
                out.emit({"file": f, "importer": det.importer, "kind": det.kind, "summary": det.summary,
                          "mapping": det.mapping, "label_column": det.label_column, "details": details},
                         "\n".join([f"{f}: {det.summary}", *details]))
            return 0
        for f in args.files:  # detect every file first: a file no importer reads fails before any work
            detect_file(f, opts)
        reports = []
        # all files in one transaction: if file 2 fails, file 1 does not land either
        with project.transaction():
            for f in args.files:
                try:
                    reports.append(import_file(project, f, opts, out.progress(), on_duplicate=args.on_duplicate))
                except UserError as exc:
                    if len(args.files) > 1:
                        exc.message += f" (none of the {len(args.files)} files was imported)"
                    raise
        for f, rep in zip(args.files, reports, strict=True):
            text = (f"{f}: {rep.summary}" if rep.skipped else
                    f"{f}: imported {rep.examples} examples as {rep.kind} ({rep.summary})")
            out.emit(rep.to_json(), text)
    return 0


def cmd_examples(args, out: Output) -> int:
    with _open(args.project, write=False) as project:
        names = {s["id"]: s["name"] for s in project.sources()}
        n = 0
        for ex in project.iter_examples():
            if args.status and ex.status != args.status:
                continue
            obj = {"id": ex.id, "messages": ex.messages, "label": ex.label, "status": ex.status,
                   "source": names.get(ex.source_id), "provenance": ex.provenance}
            if out.json:
                out.emit(obj)
            else:
                inp, outp = ex.input.replace("\n", " "), ex.output.replace("\n", " ")
                out.emit(obj, f"#{ex.id} [{ex.status}] {ex.label or '-'} | {inp[:60]} -> {outp[:60]}")
            n += 1
            if args.limit and n >= args.limit:
                break
    return 0


def cmd_check(args, out: Output) -> int:
    from ftcurate.core.checks.runner import run_checks

    names = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else None

    def show(o) -> None:  # each check as it ends, so a later crash cannot hide earlier results
        obj = {"check": o.name, "ok": o.ok, "flags": o.flags, "seconds": round(o.seconds, 3),
               "error": o.error}
        text = (f"{o.name:<18} {o.flags:>7} flags  ({o.seconds:.1f} s)" if o.ok
                else f"{o.name:<18} FAILED: {o.error}")
        out.emit(obj, text)

    with _open(args.project) as project:
        if getattr(args, "engine", "local") == "ray":
            from ftcurate.scale import require_ray

            require_ray()  # one line naming the extra to install, exit 1
            from ftcurate.scale.runner import run_checks_ray

            outcomes, report = run_checks_ray(project, names, progress=out.progress(), address=args.address)
            out.emit({"engine": "ray", "cpus": report.cpus, "texts": report.texts}, report.line())
            for o in outcomes:
                show(o)
        else:
            outcomes = run_checks(project, names, progress=out.progress(), on_outcome=show)
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        sys.stderr.write(f"error: check {o.name} failed ({o.error}); the other checks ran and their flags "
                         "are saved; its flags from its last good run are unchanged\n")
    return 1 if failed else 0


def cmd_flags(args, out: Output) -> int:
    import polars as pl

    with _open(args.project, write=False) as project:
        df = project.flags_frame()
    if args.check:
        df = df.filter(pl.col("check").is_in(args.check.split(",")))
    if args.state:
        df = df.filter(pl.col("state") == args.state)
    for row in df.iter_rows(named=True):
        obj = {"id": row["id"], "example_id": row["example_id"], "check": row["check"], "turn": row["turn"],
               "start": row["start"], "end": row["end"], "kind": row["kind"], "severity": row["severity"],
               "message": row["message"], "cluster": row["cluster"], "state": row["state"],
               "score": row["score"], "data": json.loads(row["data"]) if row["data"] else None}
        out.emit(obj, f"#{row['example_id']:<7} {row['check']:<16} {row['severity']:<6} "
                      f"{row['kind'] or '':<14} {row['message']}")
    return 0


def cmd_stats(args, out: Output) -> int:
    from ftcurate.core.stats import project_stats

    with _open(args.project, write=False) as project:
        stats = project_stats(project)
    out.emit(stats, json.dumps(stats, indent=2, ensure_ascii=False, default=str))
    return 0


def cmd_history(args, out: Output) -> int:
    import datetime as dt

    with _open(args.project, write=False) as project:
        for h in project.history(limit=args.limit):
            when = dt.datetime.fromtimestamp(h["at"]).isoformat(timespec="seconds")
            out.emit(h, f"{h['id']:>5}  {when}  {h['actor']:<6} {h['kind']:<5} {h['state']:<8} {h['text']}")
    return 0


def cmd_undo(args, out: Output) -> int:
    with _open(args.project) as project:
        hid = project.redo() if args.command == "redo" else project.undo()
    verb = "redid" if args.command == "redo" else "undid"
    out.emit({"history_id": hid}, f"{verb} history entry {hid}" if hid else f"nothing to {args.command}")
    return 0


def cmd_compact(args, out: Output) -> int:
    from ftcurate.core.compact import compact

    with _open(args.project) as project:
        res = compact(project, drop_cache=not args.keep_cache)
    mb = 1024 * 1024
    what = (f"check cache dropped ({res.cache_entries:,} entries; the next check computes everything again)"
            if not args.keep_cache else "check cache kept")
    out.emit({"before_bytes": res.before, "after_bytes": res.after, "cache_entries": res.cache_entries},
             f"{Path(args.project).name}: {res.before / mb:,.1f} MB -> {res.after / mb:,.1f} MB; {what}")
    return 0


def cmd_gui(args, out: Output) -> int:
    from ftcurate.gui.app import run_app

    return run_app(args.project, screenshot=args.screenshot)


def register(sub) -> None:
    p = sub.add_parser("new", help="create an empty project file")
    p.add_argument("project")
    add_common(p)
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("import", help="import support logs, FAQs, catalogs or fine-tuning files")
    p.add_argument("project")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--kind", default="auto", choices=["auto", "support", "faq", "catalog", "pairs"])
    p.add_argument("--map", action="append", metavar="FIELD=COLUMN", help="override a detected column")
    p.add_argument("--label-column", metavar="COL")
    p.add_argument("--template", metavar="FILE", help="catalog question templates, one per line")
    p.add_argument("--context", default="last", choices=["last", "full"],
                   help="support logs: only the last customer message, or the whole conversation so far")
    p.add_argument("--on-duplicate", default="skip", choices=["skip", "replace"],
                   help="when the same file content was imported before")
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="importer option, e.g. label_level=2, agent_domains=[\"shop.example\"], exact=true")
    p.add_argument("--dry-run", action="store_true", help="only say what would be picked")
    add_common(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("examples", help="list examples")
    p.add_argument("project")
    p.add_argument("--status", choices=["unreviewed", "approved", "rejected"])
    p.add_argument("--limit", type=int)
    add_common(p)
    p.set_defaults(func=cmd_examples)

    p = sub.add_parser("check", help="run quality checks (all, or --only NAME,...)")
    p.add_argument("project")
    p.add_argument("--only", metavar="NAME,...")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="ray: run the heavy steps on Ray (needs the 'scale' extra; see docs/guide/scale.md)")
    p.add_argument("--address", metavar="ADDR", help="with --engine ray: an existing Ray cluster "
                   "(default: start a local Ray with 2 CPUs)")
    add_common(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("flags", help="list flags found by checks")
    p.add_argument("project")
    p.add_argument("--check", metavar="NAME,...")
    p.add_argument("--state", choices=["open", "resolved", "ignored"])
    add_common(p)
    p.set_defaults(func=cmd_flags)

    p = sub.add_parser("stats", help="counts per label, status and check")
    p.add_argument("project")
    add_common(p)
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("history", help="the audit trail of edits, newest first")
    p.add_argument("project")
    p.add_argument("--limit", type=int, default=50)
    add_common(p)
    p.set_defaults(func=cmd_history)

    for name in ("undo", "redo"):
        p = sub.add_parser(name, help=f"{name} the last edit")
        p.add_argument("project")
        add_common(p)
        p.set_defaults(func=cmd_undo)

    p = sub.add_parser("compact", help="shrink the project file: drop the check cache, give free space back")
    p.add_argument("project")
    p.add_argument("--keep-cache", action="store_true", help="only give free space back; re-checks stay fast")
    add_common(p)
    p.set_defaults(func=cmd_compact)

    p = sub.add_parser("gui", help="open the desktop app")
    p.add_argument("project", nargs="?")
    p.add_argument("--screenshot", metavar="FILE", help="render the main window to a PNG and exit")
    add_common(p)
    p.set_defaults(func=cmd_gui)
