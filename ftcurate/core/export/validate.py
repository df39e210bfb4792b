"""Validate exported files against what OpenAI fine-tuning, Axolotl and LLaMA-Factory accept.

`validate_path(path)` takes one data file or an export folder. For a folder it also checks that
`dataset_info.json` (LLaMA-Factory) and `axolotl.yaml` point at files that exist and whose columns
are there, that the `hf_dataset/` folder is complete, and that no example of the test or validation
file is an exact copy of a training example. The per-record rules are in
`ftcurate.core.formats` (one module per format; OpenAI's as a JSON Schema in `openai_schema`), and
records are read by the importer's reader (`importers.tables.iter_table`); every example's tokens
are counted with the target model's tokenizer (`validate_tokens`) against its context window.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.formats import check_record, sniff
from ftcurate.core.progress import Progress

DATA_EXTS = (".jsonl", ".json", ".parquet")
SPLIT_NAMES = ("train", "validation", "test")
MAX_ISSUES_PER_FILE = 50
TOOL_TITLES = {"openai": "OpenAI", "axolotl": "Axolotl", "llamafactory": "LLaMA-Factory", "json": "JSON",
               "parquet": "Parquet", "ftcurate": "split", "tokens": "Tokens"}


@dataclass
class Issue:
    """One problem: `file` (name), 1-based `line` (record number for JSON arrays / Parquet) or None."""

    file: str
    line: int | None
    tool: str
    severity: str
    message: str

    def __str__(self) -> str:
        where = self.file + (f", line {self.line}" if self.line else "")
        return f"{where}: [{TOOL_TITLES.get(self.tool, self.tool)} {self.severity}] {self.message}"


@dataclass
class ValidationReport:
    """Issues found (at most `MAX_ISSUES_PER_FILE` kept per file) and totals per tool and severity."""

    issues: list[Issue] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    totals: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not any(sev == "error" for (_, sev) in self.totals)

    def errors(self) -> int:
        return sum(n for (_, sev), n in self.totals.items() if sev == "error")

    def warnings(self) -> int:
        return sum(n for (_, sev), n in self.totals.items() if sev == "warning")

    def add(self, issue: Issue) -> None:
        self.totals[(issue.tool, issue.severity)] += 1
        shown = sum(1 for i in self.issues if i.file == issue.file)
        if shown < MAX_ISSUES_PER_FILE:
            self.issues.append(issue)

    def summary(self) -> str:
        """One line per tool: "OpenAI: ok" / "LLaMA-Factory: 3 errors, 1 warning"."""
        tools = sorted({t for t, _ in self.totals} | {"openai", "axolotl", "llamafactory"} & self._tools(),
                       key=lambda t: list(TOOL_TITLES).index(t) if t in TOOL_TITLES else 99)
        lines = []
        for t in tools:
            e, w = self.totals.get((t, "error"), 0), self.totals.get((t, "warning"), 0)
            state = "ok" if not e and not w else ", ".join(
                x for x in (f"{e} error{'s' * (e != 1)}" if e else "", f"{w} warning{'s' * (w != 1)}" if w else "")
                if x)
            lines.append(f"{TOOL_TITLES.get(t, t)}: {state}")
        return "\n".join(lines)

    def _tools(self) -> set[str]:
        kinds = {f.get("kind") for f in self.files.values()}
        tools = {"axolotl", "llamafactory"} if kinds - {None} else set()
        if any(f.get("kind") == "openai" for f in self.files.values()):
            tools.add("openai")
        return tools

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "errors": self.errors(), "warnings": self.warnings(), "files": self.files,
                "totals": {f"{t}:{s}": n for (t, s), n in sorted(self.totals.items())},
                "issues": [asdict(i) for i in self.issues]}


def iter_records(path: Path, report: ValidationReport | None = None) -> Iterator[tuple[int, Any]]:
    """Yield `(line or record number, record)` read by the importer's reader (`iter_table`, with its
    limits on hostile input); the container is the file extension's (.jsonl, .json array, .parquet).

    With a `report`, unreadable lines become issues and reading goes on with the next line (a JSON
    array or Parquet file stops at the first damage); without one they raise.

    Raises:
        UserError: (no `report`) the file or a record cannot be read.
    """
    from ftcurate.core.importers.jsonstream import BLANK_LINE
    from ftcurate.core.importers.tables import iter_table
    from ftcurate.core.importers.textio import sample_file

    path = Path(path)
    container = {".parquet": "parquet", ".json": "json"}.get(path.suffix, "jsonl")
    tool = "parquet" if container == "parquet" else "json"

    def issue(exc: UserError) -> None:
        if report is None:
            raise exc
        warning = exc.message == BLANK_LINE
        report.add(Issue(path.name, exc.line or exc.row, tool, "warning" if warning else "error", exc.message))

    try:
        sample = sample_file(path)
    except UserError as exc:
        if exc.message != "the file is empty":
            issue(exc)
        return
    if sample.fmt != container:
        sample = replace(sample, fmt=container)
    if container == "json" and not sample.text.lstrip().startswith("["):
        issue(UserError("expected a JSON array of records", path=path))
        return
    try:
        for loc, rec in iter_table(sample, on_error=issue):
            yield loc.get("row", loc.get("line")), rec
    except UserError as exc:
        issue(exc)


def validate_file(path: Path, report: ValidationReport | None = None, hashes: dict[str, int] | None = None,
                  progress: Progress | None = None, counter: Any = None,
                  exact_tokens: bool = True) -> ValidationReport:
    """Check every record of one data file. `hashes`, if given, collects record hash -> line;
    `counter` (a `hygiene.tokens.TokenCounter`), if given, counts every example's tokens."""
    from ftcurate.core.export.validate_tokens import TokenTally
    from ftcurate.core.formats.openai_schema import MIN_TRAIN_EXAMPLES

    report = report if report is not None else ValidationReport()
    path = Path(path)
    tally = TokenTally(counter, path.name, report, exact_tokens) if counter is not None else None
    kinds: Counter = Counter()
    n = 0
    parquet = path.suffix == ".parquet"
    kind = None
    for lineno, rec in iter_records(path, report):
        n += 1
        this = sniff(rec, parquet=parquet)
        if kind is None and this is not None:
            kind = this
        if this is None:
            report.add(Issue(path.name, lineno, "json", "error",
                             "not a record of a known format (messages, conversations, instruction/output, "
                             "prompt/completion)"))
            continue
        if this != kind:
            report.add(Issue(path.name, lineno, "json", "error", f"a {this} record in a {kind} file"))
            continue
        kinds[this] += 1
        if progress is not None and n % 2000 == 0:
            progress.advance(2000)  # no cancel check: the export is already in place by now
        for tool, sev, msg in check_record(rec, this, parquet=parquet):
            report.add(Issue(path.name, lineno, tool, sev, msg))
        if tally is not None:
            tally.add(lineno, rec, this)
        if hashes is not None:
            hashes.setdefault(record_hash(rec), lineno)
    if n == 0:
        report.add(Issue(path.name, None, "json", "error", "no records"))
    elif kind == "openai" and path.stem not in ("validation", "test") and n < MIN_TRAIN_EXAMPLES:
        report.add(Issue(path.name, None, "openai", "error",
                         f"{n} examples; OpenAI fine-tuning needs at least {MIN_TRAIN_EXAMPLES} training examples"))
    report.files[path.name] = {"records": n, "kind": kind, "parquet": parquet}
    if tally is not None:
        report.files[path.name]["tokens"] = tally.finish()
    return report


def record_hash(rec: dict) -> str:
    """Hash of a record's training content: the record as read, without the `id` and `label` columns
    (so a JSONL line and a Parquet row of the same example hash alike only within one container)."""
    # repr is stable for one reader's output and ~5x cheaper than json.dumps here
    raw = repr([(k, v) for k, v in rec.items() if k not in ("id", "label")]).encode()
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


def split_files(folder: Path) -> dict[str, Path]:
    """{split: data file} for train/validation/test files in `folder` (first known extension wins)."""
    out = {}
    for split in SPLIT_NAMES:
        for ext in DATA_EXTS:
            p = folder / f"{split}{ext}"
            if p.is_file():
                out[split] = p
                break
    return out


def validate_path(path: str | Path, files: dict[str, Path] | None = None,
                  progress: Progress | None = None, *, tokens: bool | str = True,
                  model: str | None = None) -> ValidationReport:
    """Validate one data file or an export folder (see module docstring).

    `files` ({split: path}) names the data files of a folder; default: `split_files(folder)`.
    `progress` gets one step per record (totals are not known in advance).
    `tokens`: count every example's tokens with `model`'s tokenizer (default: the bundled SmolLM2;
    or a local Hugging Face model folder) and flag examples over its context window; "limit": only
    check the window (tokenise just the chats that could exceed it: fast, no totals); False: skip.

    Raises:
        UserError: the path does not exist, a folder holds no train/validation/test file, or `model`
            is not a folder with a tokenizer.
    """
    path = Path(path)
    if not path.exists():
        raise UserError("no such file or folder", path=path)
    counter = None
    if tokens:
        from ftcurate.core.hygiene.tokens import token_counter

        counter = token_counter(model)
    report = ValidationReport()
    if path.is_file():
        return validate_file(path, report, progress=progress, counter=counter, exact_tokens=tokens is True)
    files = files or split_files(path)
    if not files:
        raise UserError("no train/validation/test .jsonl, .json or .parquet file in this folder", path=path)
    hashes: dict[str, dict[str, int]] = {}
    for split, p in files.items():
        hashes[split] = {}
        validate_file(p, report, hashes[split], progress, counter, tokens is True)
    train = hashes.get("train", {})
    for split in ("validation", "test"):
        for h, line in hashes.get(split, {}).items():
            if h in train:
                report.add(Issue(files[split].name, line, "ftcurate", "error",
                                 f"exact copy of {files['train'].name} line {train[h]} (train/test leak)"))
    from ftcurate.core.export.validate_configs import check_configs

    check_configs(path, files, report)
    return report
