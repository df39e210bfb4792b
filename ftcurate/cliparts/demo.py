"""CLI: `ftcurate demo OUTDIR` — the main job on the bundled demo shop, headless, with a summary."""

from __future__ import annotations

import shutil
from pathlib import Path

from ftcurate.cli import Output, add_common
from ftcurate.core.errors import UserError
from ftcurate.paths import resource_dir

DEMO_DIR = resource_dir() / "demo"
DEMO_FILES = ("support_log.csv", "faq.html", "catalog.csv")


def demo_files() -> list[Path]:
    files = [DEMO_DIR / f for f in DEMO_FILES]
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise UserError("the demo files are missing from this installation", path=missing[0])
    return files


def cmd_demo(args, out: Output) -> int:
    """Import the demo files, run every check, redact open PII, export train/test, print a summary."""
    from ftcurate.core.checks.runner import run_checks
    from ftcurate.core.export import export_project
    from ftcurate.core.importing import import_file
    from ftcurate.core.pii.redact import redaction_command
    from ftcurate.core.stats import project_stats
    from ftcurate.core.store import Project

    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    proj_path = outdir / "demo.ftcurate"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{proj_path}{suffix}").unlink(missing_ok=True)
    export_dir = outdir / "export"
    if export_dir.exists():
        shutil.rmtree(export_dir)
    with Project.create(proj_path) as project:
        for f in demo_files():
            rep = import_file(project, f, progress=out.progress())
            out.emit({"step": "import", **rep.to_json()},
                     f"import  {f.name:<16} {rep.examples:>4} examples  ({rep.summary})")
        _merge_demo_labels(project, out)
        names, config = _available_checks(out)
        for o in run_checks(project, names, config, progress=out.progress()):
            out.emit({"step": "check", "check": o.name, "ok": o.ok, "flags": o.flags, "error": o.error},
                     f"check   {o.name:<16} {o.flags:>4} flags" + ("" if o.ok else f"  FAILED: {o.error}"))
        # customers' names and contact or payment details go; places and URLs ("we ship to Canada",
        # the shop's own pages) are low severity and stay for a person to judge
        flags = project.flags_frame()
        pii = flags.filter((flags["check"] == "pii") & (flags["state"] == "open")
                           & flags["severity"].is_in(["high", "medium"]))
        if pii.height:
            project.apply(redaction_command(project, pii["id"].to_list(), "placeholder"), actor="demo")
            kinds = ", ".join(sorted(set(pii["kind"].to_list())))
            out.emit({"step": "redact", "flags": pii.height},
                     f"redact  {pii.height} personal-data findings ({kinds}) replaced with typed placeholders")
        report = export_project(project, export_dir, format="openai", test_fraction=0.2, seed=0,
                                progress=out.progress())
        out.emit({"step": "export", **_as_dict(report)}, f"export  {_describe(report)} -> {export_dir}")
        stats = project_stats(project)
    out.emit({"step": "summary", "project": str(proj_path), "stats": stats},
             _summary_text(proj_path, export_dir, stats))
    return 0


def _available_checks(out: Output) -> tuple[list[str], dict]:
    """Every check this installation can run. Without the [embed] part, paraphrases are skipped and
    conflicting answers are compared by wording (MinHash) instead of meaning, with a note saying so."""
    from ftcurate.core.checks.runner import resolve_names
    from ftcurate.core.extras import message, missing_modules

    names = resolve_names(None)
    if not missing_modules("embed"):
        return names, {}
    out.info(f"note: {message('embed', 'sentence embeddings')}; without them the paraphrase check and the "
             "rude-reply model are skipped, and conflicts are compared by wording instead of meaning")
    return [n for n in names if n != "paraphrase"], {"conflict": {"match": "near", "answer_similarity": "minhash"}}


def _merge_demo_labels(project, out: Output) -> None:
    """Apply the demo's label map (resources/demo/label_map.json) and the safe merge suggestions
    (labels that differ only in case, punctuation, '&' or a plural), as undoable edits."""
    import json

    from ftcurate.core.labels import label_counts, merge_command, safe_merges

    wanted = json.loads((DEMO_DIR / "label_map.json").read_text(encoding="utf-8"))
    present = dict(label_counts(project))
    changes = {k: v for k, v in wanted.items() if not k.startswith("_") and k in present}
    for step in (changes, safe_merges(project)):
        if step:
            cmd = merge_command(project, step)
            project.apply(cmd, actor="demo")
            out.emit({"step": "labels", "changes": step, "examples": len(cmd.touched)},
                     f"labels  merged {', '.join(f'{a} -> {b}' for a, b in step.items())}")


def _as_dict(report) -> dict:
    if hasattr(report, "to_json"):
        return report.to_json()
    if hasattr(report, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(report)
    return dict(report)


def _describe(report) -> str:
    d = _as_dict(report)
    counts = d.get("counts") or {k: d[k] for k in ("train", "test", "validation") if k in d}
    return ", ".join(f"{k} {v}" for k, v in counts.items()) if counts else "done"


def _summary_text(proj_path: Path, export_dir: Path, stats: dict) -> str:
    lines = ["", "Summary", f"  project   {proj_path}", f"  examples  {stats.get('examples')}"]
    labels = stats.get("labels") or {}
    if labels:
        top = sorted(labels.items(), key=lambda kv: -kv[1])[:8]
        lines.append("  labels    " + ", ".join(f"{k} {v}" for k, v in top))
    flags = stats.get("flags") or {}
    if flags:
        lines.append("  flags     " + ", ".join(f"{k} {v}" for k, v in sorted(flags.items())))
    lines.append(f"  export    {export_dir} (train.jsonl, test.jsonl, README.md)")
    lines.append(f"  next      ftcurate gui {proj_path}")
    return "\n".join(lines)


def register(sub) -> None:
    p = sub.add_parser("demo", help="run import -> checks -> export on the bundled demo shop")
    p.add_argument("outdir", nargs="?", default="demo-out")
    add_common(p)
    p.set_defaults(func=cmd_demo)
