"""CLI: `ftcurate report P.ftcurate OUT.html` writes the data-health page."""

from __future__ import annotations

from pathlib import Path

from ftcurate.cli import Output, add_common
from ftcurate.core.errors import UserError


def cmd_report(args, out: Output) -> int:
    from ftcurate.core.report import health_data, write_report
    from ftcurate.core.store import Project

    if not Path(args.project).exists():
        raise UserError("no such project file", path=args.project)
    if not args.data and not args.out:
        raise UserError("name the HTML file to write: ftcurate report P.ftcurate OUT.html (or pass --data)")
    with Project.open(args.project) as project:
        if args.data:
            data = health_data(project, out.progress())
            js = data.to_json()
            imb = {k: v for k, v in js["labels"].items() if k != "counts"}
            out.emit({"summary": data.summary, "overall": data.overall, "scores": js["scores"], "flags": data.flags,
                      "label_imbalance": imb},
                     data.summary + "\n" + "\n".join(
                         f"  {k:<17} {'-' if v.score is None else v.score:>3}  {v.how_to_raise}"
                         for k, v in data.scores.items()))
            return 0
        path = write_report(project, args.out, out.progress())
    out.emit({"report": str(path), "bytes": path.stat().st_size}, f"Wrote {path}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("report", help="write a one-page HTML health report (charts and quality scores)")
    p.add_argument("project", help="the .ftcurate project file")
    p.add_argument("out", nargs="?", help="the HTML file to write")
    p.add_argument("--data", action="store_true", help="print the scores and counts instead of writing a page")
    add_common(p)
    p.set_defaults(func=cmd_report)
