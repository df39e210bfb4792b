"""CLI: `ftcurate compare-curation P` — did curation help? Raw vs curated data, same model and budget."""

from __future__ import annotations

import argparse
from typing import Any

from ftcurate.cli import Output, add_common


def cmd_compare_curation(args: argparse.Namespace, out: Output) -> int:
    from ftcurate.core.report.curation import compare_curation

    report = compare_curation(args.project, export_dir=args.export, out_dir=args.out, preset=args.preset,
                              seed=args.seed, model=args.model, device=args.device, progress=out.progress())
    summary = {"verdict": report["verdict"], "verdict_lines": report["verdict_lines"], "totals": report["totals"],
               "outcomes": report["outcomes"], "changes": {k: v for k, v in report["changes"].items()
                                                           if not k.endswith("_ids")},
               "leaks": len(report["leaks"]), "report": report["run"]["html"], "seconds": report["run"]["seconds"]}
    out.emit(summary, "\n".join([*report["verdict_lines"], f"Report: {report['run']['html']}"]))
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "compare-curation", help="did curation help? train on the raw and on the curated data and compare",
        description="Fine-tune the same model with the same settings, seed and number of steps on (a) the raw "
                    "imported examples (before review and redaction) and (b) the project's curated export, score "
                    "base, raw-tuned and curated-tuned on the curated test split, and write a plain-language "
                    "report (report.html, report.json).")
    p.add_argument("project", metavar="P.ftcurate")
    p.add_argument("--export", default=None, metavar="DIR", help="the curated export (default: the last one)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="report folder (default: runs/curation-<time> beside the project)")
    p.add_argument("--preset", choices=("demo", "quick"), default="demo",
                   help="demo: 12 short steps, a few minutes on a CPU (default); quick: one pass over the data")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--model", default=None, help="base model (default: the built-in SmolLM2-135M-Instruct)")
    p.add_argument("--device", default=None, help="auto (default), cuda, mps or cpu")
    add_common(p)
    p.set_defaults(func=cmd_compare_curation)
