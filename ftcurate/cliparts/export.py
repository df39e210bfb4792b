"""CLI: `ftcurate export P.ftcurate OUTDIR` and `ftcurate validate OUTDIR`."""

from __future__ import annotations

import argparse

from ftcurate.cli import Output, add_common
from ftcurate.core.errors import UserError

FORMAT_CHOICES = ("openai", "alpaca", "alpaca-json", "sharegpt", "prompt-completion", "parquet", "hf")


def _parse_caps(value: str | None):
    """--caps: "suggested", one number for every label, or LABEL=N pairs separated by commas."""
    if value is None:
        return None
    value = value.strip()
    if value == "suggested":
        return value
    if value.isdigit():
        return int(value)
    caps = {}
    for part in value.split(","):
        label, sep, n = part.rpartition("=")
        if not sep or not n.strip().isdigit():
            raise UserError(f"--caps expects 'suggested', a number, or LABEL=N[,LABEL=N...]; got {part!r}")
        caps[label.strip()] = int(n)
    return caps


def cmd_export(args, out: Output) -> int:
    import sys

    from ftcurate.core.export import export_project
    from ftcurate.core.store import Project

    if args.force:  # deprecated: one flag meant two different risks; it still means both
        print("note: --force is deprecated; it means --overwrite --allow-pii (use the one you mean)",
              file=sys.stderr)
    with Project.open(args.project) as project:
        report = export_project(
            project, args.outdir, format=args.format, test_fraction=args.test_fraction,
            val_fraction=args.val_fraction, test_count=args.test_count, val_count=args.val_count, seed=args.seed,
            include=args.include, caps=_parse_caps(args.caps), system_prompt=args.system_prompt,
            overwrite=args.overwrite or args.force, allow_pii=args.allow_pii or args.force,
            progress=out.progress())
    val = report.validation
    counts = ", ".join(f"{n} {s}" for s, n in report.counts.items())
    lines = [f"Exported {sum(report.counts.values())} examples ({counts}) as {report.format} to {report.outdir}",
             f"Files: {', '.join(report.files)}"]
    if report.excluded:
        lines.append("Left out: " + ", ".join(f"{n} {why}" for why, n in report.excluded.items()))
    pii = report.pii
    kinds = ", ".join(f"{k} {n}" for k, n in pii.get("open_high_by_kind", {}).items())
    if report.forced and report.pii_open:
        lines.append(f"WARNING: --allow-pii exported {report.pii_open} open high-severity PII finding(s) "
                     f"({kinds}); the dataset card says so")
    lines.append(f"PII scan: {pii.get('texts', 0)} texts ({pii.get('from_cache', 0)} from the cache), "
                 f"{pii.get('open_high', 0)} open high-severity, {pii.get('open_other', 0)} open lower-severity, "
                 f"{pii.get('ignored', 0)} ignored by a reviewer")
    if report.other_files:
        lines.append(f"Note: the folder also holds files this export did not write: {', '.join(report.other_files)}")
    lines.append("Validation: " + ("ok" if val["ok"] else f"{val['errors']} error(s)")
                 + (f", {val['warnings']} warning(s)" if val["warnings"] else "")
                 + (" (run `ftcurate validate` for details)" if val["errors"] or val["warnings"] else ""))
    out.emit(report.to_json(), "\n".join(lines))
    return 0


def cmd_validate(args, out: Output) -> int:
    from ftcurate.core.export import validate_path

    report = validate_path(args.path, tokens=not args.no_tokens, model=args.model)
    text = [str(i) for i in report.issues]
    hidden = report.errors() + report.warnings() - len(report.issues)
    if hidden > 0:
        text.append(f"... and {hidden} more")
    for name, info in report.files.items():
        tok = info.get("tokens")
        if tok and tok["examples"] and "total" in tok:
            text.append(f"{name}: {tok['examples']} examples, {tok['total']:,} tokens (mean {tok['mean']:g}, max "
                        f"{tok['max']:,}) with the {tok['model']} tokenizer"
                        + ("" if tok["exact"] else " (estimated: tokenizer unavailable)")
                        + f"; {tok['over_context']} over its {tok['context']:,}-token context")
    text.append(report.summary())
    text.append("OK" if report.ok else f"FAILED: {report.errors()} error(s)")
    out.emit(report.to_json(), "\n".join(text))
    return 0 if report.ok else 1


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "export", help="split the project and write train/test files in a fine-tuning format",
        description="Split (grouped by duplicate cluster and conversation, stratified by label, seeded) "
                    "and write OUTDIR/train.* and OUTDIR/test.* with LLaMA-Factory and Axolotl configs "
                    "and a dataset card.")
    p.add_argument("project", help="the .ftcurate project file")
    p.add_argument("outdir", help="output folder (created; must be empty or hold a previous export)")
    p.add_argument("--format", default="openai", choices=FORMAT_CHOICES, help="output format (default openai)")
    p.add_argument("--test-fraction", type=float, default=0.1, metavar="F", help="share for test (default 0.1)")
    p.add_argument("--val-fraction", type=float, default=0.0, metavar="F",
                   help="share for validation (default 0: none)")
    p.add_argument("--test-count", type=int, default=None, metavar="N", help="exact test size (overrides fraction)")
    p.add_argument("--val-count", type=int, default=None, metavar="N", help="exact validation size")
    p.add_argument("--seed", type=int, default=0, help="random seed; same seed + data = same files")
    p.add_argument("--include", default="not-rejected", choices=("not-rejected", "approved"),
                   help="which examples go in (default: all not rejected)")
    p.add_argument("--caps", default=None, metavar="suggested|N|L=N,...",
                   help="per-label caps: the balance check's suggestion, one number, or LABEL=N pairs")
    p.add_argument("--system-prompt", default=None, metavar="TEXT",
                   help="system prompt for examples without one (default: the project's setting)")
    p.add_argument("--overwrite", action="store_true",
                   help="write into a folder that holds other files (they are kept; an earlier export is replaced)")
    p.add_argument("--allow-pii", action="store_true",
                   help="export although the PII scan finds open high-severity personal data (the card says so)")
    p.add_argument("--force", action="store_true", help="deprecated: means --overwrite --allow-pii")
    add_common(p)
    p.set_defaults(func=cmd_export)

    v = subparsers.add_parser(
        "validate", help="check exported files against OpenAI, Axolotl and LLaMA-Factory expectations",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Check an export folder (or one .jsonl/.json/.parquet file). Exit 1 if any error.")
    v.add_argument("path", help="export folder or data file")
    v.add_argument("--model", default=None, metavar="PATH",
                   help="count tokens with this local Hugging Face model folder (default: the bundled SmolLM2)")
    v.add_argument("--no-tokens", action="store_true", help="skip the token counts")
    add_common(v)
    v.set_defaults(func=cmd_validate)
