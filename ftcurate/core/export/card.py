"""The dataset card: `README.md` beside the exported files.

It says what is in the files and how far to trust them: counts per split and label, the checks that
ran and the flags still open on exported examples, the redaction policy and PII state, the source
files with their hashes, the seed and the ftcurate version. Its YAML header lets Hugging Face
`datasets` load the folder with `load_dataset(OUTDIR)`. The card is deterministic: no dates, no
absolute paths, so exporting the same data with the same seed gives the same bytes.

Everything that comes from the project (its name, labels, file names, the system prompt, settings,
error texts) is escaped with `md_text`, so no HTML, link or Markdown in it is rendered; the privacy
lines come from the export-time PII scan (`pii_gate.PiiScan`), never from an earlier check run.
"""

from __future__ import annotations

import json
import re
import shlex
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftcurate import __version__
from ftcurate.core.export.files import HF_DIR, file_digest
from ftcurate.core.export.formats import Format
from ftcurate.core.export.pii_gate import PiiScan
from ftcurate.core.split import CLUSTER_CHECKS, SplitPlan

if TYPE_CHECKING:
    import polars as pl

    from ftcurate.core.store import Project

SPLIT_ORDER = ("train", "validation", "test")
SEVERITY_ORDER = ("high", "medium", "low", "info")


# "_" between two letters or digits can neither open nor close emphasis in CommonMark: left as it is,
# so label and check names such as product_info stay readable in the raw card.
_MD_SPECIAL = re.compile(r"([\\`*{}\[\]()#!|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")


class Raw(str):
    """Card text written by ftcurate itself: not escaped."""


def md_text(v: Any) -> str:
    """`v` as inert Markdown text: HTML, links, emphasis and table pipes shown literally, one line."""
    if isinstance(v, Raw):
        return str(v)
    s = " ".join(str(v).split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def _fence(text: str) -> str:
    """A code fence longer than any backtick run in `text`, so the text cannot close it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _cell(v: Any) -> str:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return md_text(v)


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]
    return out + [""]


def _front_matter(fmt: Format, data_files: dict[str, str]) -> list[str]:
    lines = ["---", "configs:", "- config_name: default", "  data_files:"]
    for split, name in data_files.items():
        lines += [f"  - split: {split}", f"    path: {name}"]
    return lines + ["tags:", "- ftcurate", f"- {fmt.name}", "---", ""]


def _check_runs(project: Project) -> dict[str, dict[str, Any]]:
    try:
        from ftcurate.core.checks.runner import check_runs

        return check_runs(project)
    except Exception:  # noqa: BLE001 - an older project without check_runs still gets a card
        return {}


def dataset_card(project: Project, frame: pl.DataFrame, flags: pl.DataFrame, plan: SplitPlan, fmt: Format,
                 folder: Path, data_files: dict[str, str], *, seed: int, include: str,
                 test_fraction: float, val_fraction: float, test_count: int | None, val_count: int | None,
                 caps: dict | None, allow_pii: bool, scan: PiiScan, system_prompt: str | None) -> str:
    """Markdown text of the card (files already written in `folder`, for their hashes)."""
    import polars as pl

    name = Path(str(getattr(project, "path", "project"))).name
    splits = [s for s in SPLIT_ORDER if s in data_files]
    total = sum(len(plan.splits[s]) for s in splits)
    L: list[str] = _front_matter(fmt, data_files)
    L += [f"# Fine-tuning dataset from {md_text(name)}", "",
          f"Exported by ftcurate {__version__} in **{fmt.title}** format: {total} examples "
          f"({', '.join(f'{len(plan.splits[s])} {s}' for s in splits)}).", ""]
    blockers = scan.blockers()
    if allow_pii and blockers:
        L += [f"> **Warning: exported with --allow-pii while the PII scan found {len(blockers)} open "
              f"high-severity finding(s) in {len(scan.examples_of(blockers))} place(s).** "
              "These files may contain personal data. See *Privacy* below.", ""]

    L += ["## Files", ""]
    rows = [[n, s, len(plan.splits[s]), file_digest(folder / n)] for s, n in data_files.items()]
    L += _table(["file", "split", "examples", "sha256"], rows)
    L += ["- `dataset_info.json`: LLaMA-Factory dataset entries (`dataset_dir` = this folder).",
          "- `axolotl.yaml`: Axolotl `datasets:` / `test_datasets:` entries (paths relative to this folder)."]
    if fmt.name == "hf":
        L += [f"- `{HF_DIR}/`: `datasets.load_from_disk(\"{HF_DIR}\")` gives a DatasetDict."]
    if fmt.container == "parquet":
        loader = "parquet"
    else:
        loader = "json"
    files_arg = ", ".join(f'"{s}": "{n}"' for s, n in data_files.items())
    L += ["", "Load with Hugging Face `datasets`:", "", "```python", "from datasets import load_dataset",
          f"ds = load_dataset(\"{loader}\", data_files={{{files_arg}}})", "```", ""]

    L += ["## Split", ""]
    sizes = (f"test {test_count if test_count is not None else f'{test_fraction:g} of the examples'}"
             + (f", validation {val_count if val_count is not None else f'{val_fraction:g}'}"
                if "validation" in splits else ""))
    L += [f"- Seed: `{seed}`; sizes: {sizes}; stratified by label.",
          f"- Included: {'approved examples only' if include == 'approved' else 'every example not rejected'}.",
          f"- Grouped: {plan.n_grouped} examples in duplicate, paraphrase, conflict or conversation groups "
          f"({plan.n_groups} groups in all) were kept inside one split each, so no copy or paraphrase of a "
          f"test example is in train (clusters from {', '.join(CLUSTER_CHECKS)} flags that are open or "
          "resolved, examples cut from one conversation, and identical examples)."]
    if plan.excluded:
        L += ["- Left out: " + ", ".join(f"{n} {why}" for why, n in plan.excluded.items()) + "."]
    if caps:
        capped = ", ".join(f"{'(unlabelled)' if k is None else md_text(k)}: {v}"
                           for k, v in sorted(caps.items(), key=lambda kv: str(kv[0])))
        L += [f"- Label caps: {capped}."]
    if system_prompt:
        L += [f"- System prompt added to examples without one: {md_text(json.dumps(system_prompt, ensure_ascii=False))}"]
    L += [""]

    counts = plan.label_counts()
    labels = sorted({lab for s in splits for lab in counts[s]}, key=lambda x: (x is None, str(x)))
    L += ["## Examples per label", ""]
    rows = [["(unlabelled)" if lab is None else lab, *[counts[s].get(lab, 0) for s in splits],
             sum(counts[s].get(lab, 0) for s in splits)] for lab in labels]
    rows.append([Raw("**total**"), *[len(plan.splits[s]) for s in splits], total])
    L += _table(["label", *splits, "total"], rows)

    exported = [i for s in splits for i in plan.splits[s]]
    ex_flags = flags.filter(pl.col("example_id").is_in(exported)) if flags.height else flags
    L += _checks_section(project, ex_flags, scan)
    L += _privacy_section(project, ex_flags, allow_pii, scan)
    L += _sources_section(project, frame, exported)
    L += _training_notes(fmt)
    command = _command(name, fmt, seed, include, test_fraction, val_fraction, test_count, val_count, caps,
                       system_prompt, allow_pii and bool(blockers))
    fence = _fence(command)
    L += ["## Reproduce", "",
          f"Same project data + `--seed {seed}` + the same options give byte-identical files:", "", fence + "sh",
          command, fence, ""]
    return "\n".join(L)


def _command(name: str, fmt: Format, seed: int, include: str, test_fraction: float, val_fraction: float,
             test_count: int | None, val_count: int | None, caps: dict | None, system_prompt: str | None,
             allow_pii: bool) -> str:
    parts = ["ftcurate", "export", name, "OUTDIR", "--format", fmt.name, "--seed", str(seed), "--include",
             include.replace("_", "-")]
    parts += ["--test-count", str(test_count)] if test_count is not None else ["--test-fraction", f"{test_fraction:g}"]
    if val_count is not None:
        parts += ["--val-count", str(val_count)]
    elif val_fraction:
        parts += ["--val-fraction", f"{val_fraction:g}"]
    if caps:
        parts += ["--caps", ",".join(f"{'' if k is None else k}={v}"
                                     for k, v in sorted(caps.items(), key=lambda kv: str(kv[0])))]
    parts += ["--system-prompt", system_prompt] if system_prompt else ["--system-prompt", ""]
    if allow_pii:
        parts.append("--allow-pii")
    return " ".join(shlex.quote(p) for p in parts)


def _checks_section(project: Project, ex_flags: pl.DataFrame, scan: PiiScan) -> list[str]:
    runs = _check_runs(project)
    open_flags = ex_flags.filter(ex_flags.get_column("state") == "open") if ex_flags.height else ex_flags
    per: dict[str, Counter] = {}
    for check, sev in (open_flags.select("check", "severity").iter_rows() if open_flags.height else []):
        if check != "pii":  # PII comes from the export-time scan below
            per.setdefault(check, Counter())[sev] += 1
    per["pii"] = Counter(f.severity for f in scan.open())
    runs = {**runs, "pii": {"ok": True, "at_export": True}}
    L = ["## Quality checks", ""]
    names = sorted(set(runs) | set(per))
    if not names:
        return L + ["No quality checks were run on this project before export.", ""]
    rows = []
    for n in names:
        run = runs.get(n)
        state = ("not run" if run is None else Raw("scanned at export") if run.get("at_export")
                 else "ran" if run.get("ok") else f"failed: {run.get('error')}")
        c = per.get(n, Counter())
        open_txt = ", ".join(f"{c[s]} {s}" for s in SEVERITY_ORDER if c.get(s)) or "none"
        rows.append([n, state, open_txt])
    L += ["Flags still open on the exported examples (resolved and ignored flags are not counted):", ""]
    return L + _table(["check", "last run", "open flags"], rows)


def _privacy_section(project: Project, ex_flags: pl.DataFrame, allow_pii: bool, scan: PiiScan) -> list[str]:
    L = ["## Privacy", ""]
    settings = project.get_setting("pii", {}) or {}
    settings = settings if isinstance(settings, dict) else {}
    policy = settings.get("redaction") or settings.get("operator") or settings.get("mode")
    shown = md_text(policy) if policy else "typed placeholders such as &lt;PERSON&gt; where a reviewer redacted"
    L += [f"- Redaction policy: {shown}, applied per finding in review (every redaction is in the project history)."]
    if settings.get("allow_list"):
        L += [f"- Allow-list: {len(settings['allow_list'])} term(s) never treated as personal data."]
    if settings.get("recognizers") or settings.get("custom_recognizers") or settings.get("custom"):
        rec = settings.get("recognizers") or settings.get("custom_recognizers") or settings.get("custom")
        L += [f"- Custom recognizers: {len(rec)}."]
    L += [f"- PII scan at export, of exactly what these files contain (every turn, the system prompt, labels, "
          f"the project and source file names): {scan.texts} distinct texts"
          f"{f', model {md_text(scan.model)}' if scan.model else ''}."]
    opened, ignored = scan.open(), scan.ignored()
    if not opened and not ignored:
        L += ["- PII scan result: no findings in the exported text."]
    else:
        blockers = scan.blockers()
        L += [f"- PII scan result: {len(blockers)} open high-severity, {len(opened) - len(blockers)} open lower-"
              f"severity, {len(ignored)} judged not personal data by a reviewer (ignored)."]
        if opened:
            L += ["- Open findings by type: " + ", ".join(f"{k} {n}"
                                                          for k, n in scan.by_kind(opened).items()) + "."]
    pii = ex_flags.filter(ex_flags.get_column("check") == "pii") if ex_flags.height else ex_flags
    redacted = pii.filter(pii.get_column("state") == "resolved").height if pii.height else 0
    if redacted:
        L += [f"- Redacted in review on these examples: {redacted} finding(s)."]
    blockers = scan.blockers()
    if allow_pii and blockers:
        places = scan.examples_of(blockers)
        L += [f"- **--allow-pii** overrode the safety stop: {len(blockers)} high-severity finding(s) open ("
              + ", ".join(f"{k} {n}" for k, n in scan.by_kind(blockers).items()) + "), in "
              + ", ".join(places[:20]) + (" ..." if len(places) > 20 else "") + "."]
    return L + [""]


def _training_notes(fmt: Format) -> list[str]:
    notes = {
        "openai": "Earlier assistant turns that another exported example already ends with (conversations "
                  "imported with `--context full`) carry `\"weight\": 0`, so every answer is trained once.",
        "sharegpt": "Turns use `from`: `system` / `user` / `assistant` and `value`: TRL converts them to "
                    "`role`/`content` as they are, and `dataset_info.json` / `axolotl.yaml` name these role "
                    "tags for LLaMA-Factory and Axolotl. Only the longest cut of each conversation is kept, "
                    "so no answer is trained twice.",
        "alpaca": "TRL's `SFTTrainer` does not read Alpaca records by itself: pass a `formatting_func` that "
                  "joins instruction, input and output (LLaMA-Factory and Axolotl read them as they are).",
        "prompt-completion": "The prompt ends with the line `Assistant:` (earlier turns as a `User:` / "
                             "`Assistant:` transcript) and the completion starts with a space, TRL's "
                             "prompt-completion convention; only the completion is trained.",
        "parquet": "Columns `id`, `label`, `messages`; only the longest cut of each conversation is kept.",
    }
    key = {"alpaca-json": "alpaca", "hf": "parquet"}.get(fmt.name, fmt.name)
    if fmt.name in ("alpaca", "alpaca-json"):
        notes["alpaca"] += " Only the longest cut of each conversation is kept, so no answer is trained twice."
    return ["## Training notes", "", notes[key], ""]


def _sources_section(project: Project, frame: pl.DataFrame, exported: list[int]) -> list[str]:
    import polars as pl

    used = Counter(frame.filter(pl.col("id").is_in(exported)).get_column("source_id").to_list())
    rows = []
    for s in project.sources():
        rows.append([s["name"], s.get("kind", ""), s.get("n_examples", ""), used.get(s["id"], 0),
                     s.get("content_hash", "")])
    L = ["## Sources", ""]
    if not rows:
        return L + ["No source files recorded (examples were added directly).", ""]
    return L + _table(["file", "kind", "examples imported", "examples exported", "BLAKE2b-128 hash"], rows)
