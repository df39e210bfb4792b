"""Validate exported files against what OpenAI fine-tuning, Axolotl and LLaMA-Factory accept.

`validate_path(path)` takes one data file or an export folder. For a folder it also checks that
`dataset_info.json` (LLaMA-Factory) and `axolotl.yaml` point at files that exist and whose columns
are there, that the `hf_dataset/` folder is complete, and that no example of the test or validation
file is an exact copy of a training example. The per-record rules are in
`ftcurate.core.export.rules` (OpenAI's as a JSON Schema in `openai_schema`); every example's tokens
are counted with the target model's tokenizer (`validate_tokens`) against its context window.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.export.rules import check_record, record_kind
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
        if any(f.get("kind") == "chat" and not f.get("parquet") for f in self.files.values()):
            tools.add("openai")
        return tools

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "errors": self.errors(), "warnings": self.warnings(), "files": self.files,
                "totals": {f"{t}:{s}": n for (t, s), n in sorted(self.totals.items())},
                "issues": [asdict(i) for i in self.issues]}


def iter_records(path: Path, report: ValidationReport | None = None) -> Iterator[tuple[int, Any]]:
    """Yield `(line or record number, record)`; unreadable lines become issues (or raise UserError)."""
    for lineno, rec, _ in _iter_raw(path, report):
        yield lineno, rec


def _iter_raw(path: Path, report: ValidationReport | None) -> Iterator[tuple[int, Any, bytes | None]]:
    """`iter_records` plus the raw line of JSONL files (None for other containers)."""
    name = path.name
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(path)
        except Exception as exc:  # noqa: BLE001 - any reader failure is a broken file
            if report is None:
                raise UserError(f"not a readable Parquet file ({exc})", path=path) from None
            report.add(Issue(name, None, "parquet", "error", f"not a readable Parquet file ({exc})"))
            return
        n = 0
        for batch in pf.iter_batches(batch_size=2000):
            for rec in batch.to_pylist():
                n += 1
                yield n, rec, None
        return
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            if report is None:
                raise UserError(f"not valid JSON ({exc})", path=path) from None
            report.add(Issue(name, getattr(exc, "lineno", None), "json", "error", f"not valid JSON ({exc})"))
            return
        if not isinstance(data, list):
            if report is not None:
                report.add(Issue(name, None, "json", "error", "expected a JSON array of records"))
            return
        for n, rec in enumerate(data, start=1):
            yield n, rec, None
        return
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                if report is not None:
                    report.add(Issue(name, lineno, "json", "warning", "blank line"))
                continue
            try:
                yield lineno, json.loads(raw.decode("utf-8")), raw
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                if report is None:
                    raise UserError(f"not valid JSON ({exc})", path=path, line=lineno) from None
                report.add(Issue(name, lineno, "json", "error", f"not valid JSON ({exc.__class__.__name__}: {exc})"))


def validate_file(path: Path, report: ValidationReport | None = None, hashes: dict[str, int] | None = None,
                  progress: Progress | None = None, counter: Any = None,
                  exact_tokens: bool = True) -> ValidationReport:
    """Check every record of one data file. `hashes`, if given, collects record hash -> line;
    `counter` (a `hygiene.tokens.TokenCounter`), if given, counts every example's tokens."""
    from ftcurate.core.export.openai_schema import MIN_TRAIN_EXAMPLES
    from ftcurate.core.export.validate_tokens import TokenTally

    report = report if report is not None else ValidationReport()
    path = Path(path)
    tally = TokenTally(counter, path.name, report, exact_tokens) if counter is not None else None
    kinds: Counter = Counter()
    n = 0
    parquet = path.suffix == ".parquet"
    kind = None
    for lineno, rec, raw in _iter_raw(path, report):
        n += 1
        this = record_kind(rec)
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
            hashes.setdefault(record_hash(rec, raw), lineno)
    if n == 0:
        report.add(Issue(path.name, None, "json", "error", "no records"))
    elif kind == "chat" and not parquet and path.stem not in ("validation", "test") and n < MIN_TRAIN_EXAMPLES:
        report.add(Issue(path.name, None, "openai", "error",
                         f"{n} examples; OpenAI fine-tuning needs at least {MIN_TRAIN_EXAMPLES} training examples"))
    report.files[path.name] = {"records": n, "kind": kind, "parquet": parquet}
    if tally is not None:
        report.files[path.name]["tokens"] = tally.finish()
    return report


def record_hash(rec: dict, raw: bytes | None = None) -> str:
    """Hash of a record's training content: its JSONL line as written (`raw`), or else its JSON
    without the `id` and `label` columns (Parquet)."""
    if raw is None:
        # repr is stable for one reader's output and ~5x cheaper than json.dumps here
        raw = repr([(k, v) for k, v in rec.items() if k not in ("id", "label")]).encode()
    return hashlib.blake2b(raw.strip(), digest_size=12).hexdigest()


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
