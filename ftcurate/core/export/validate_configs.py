"""Folder-level checks: LLaMA-Factory `dataset_info.json`, `axolotl.yaml` and the `hf_dataset/` folder
must agree with the data files beside them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftcurate.core.export.files import HF_DIR
from ftcurate.core.export.rules import record_kind

if TYPE_CHECKING:
    from ftcurate.core.export.validate import ValidationReport

LF_FORMATTINGS = ("alpaca", "sharegpt")


def _first_record(path: Path) -> dict | None:
    from ftcurate.core.export.validate import iter_records

    try:
        for _, rec in iter_records(path):
            return rec if isinstance(rec, dict) else None
    except Exception:  # noqa: BLE001 - the data file's own problems are reported elsewhere
        return None
    return None


def check_configs(folder: Path, files: dict[str, Path], report: ValidationReport) -> None:
    """Add issues for `dataset_info.json`, `axolotl.yaml` and `hf_dataset/` in `folder` if present."""
    info = folder / "dataset_info.json"
    if info.is_file():
        _check_llamafactory(info, report)
    axo = folder / "axolotl.yaml"
    if axo.is_file():
        _check_axolotl(axo, report)
    hf = folder / HF_DIR
    if hf.is_dir():
        _check_hf(hf, files, report)


def _issue(report: ValidationReport, file: str, tool: str, message: str, severity: str = "error") -> None:
    from ftcurate.core.export.validate import Issue

    report.add(Issue(file, None, tool, severity, message))


def _check_llamafactory(info: Path, report: ValidationReport) -> None:
    name = info.name
    try:
        entries = json.loads(info.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _issue(report, name, "llamafactory", f"not valid JSON ({exc})")
        return
    if not isinstance(entries, dict) or not entries:
        _issue(report, name, "llamafactory", "expected an object of dataset entries")
        return
    for key, e in entries.items():
        if not isinstance(e, dict) or not isinstance(e.get("file_name"), str):
            _issue(report, name, "llamafactory", f"entry {key!r} has no file_name")
            continue
        target = info.parent / e["file_name"]
        if not target.is_file():
            _issue(report, name, "llamafactory", f"entry {key!r}: file {e['file_name']} does not exist")
            continue
        fmt = e.get("formatting", "alpaca")
        if fmt not in LF_FORMATTINGS:
            _issue(report, name, "llamafactory", f"entry {key!r}: unknown formatting {fmt!r}")
            continue
        rec = _first_record(target)
        if rec is None:
            continue
        cols = e.get("columns") or ({"prompt": "instruction", "query": "input", "response": "output"}
                                    if fmt == "alpaca" else {"messages": "conversations"})
        needed = ("prompt", "response") if fmt == "alpaca" else ("messages",)
        for logical, column in cols.items():
            if column not in rec and (logical in needed or logical in ("system", "history")):
                _issue(report, name, "llamafactory",
                       f"entry {key!r}: column {column!r} ({logical}) is not in {e['file_name']}")
        if fmt == "sharegpt":
            tags = {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
                    "system_tag": None, **(e.get("tags") or {})}
            msgs = rec.get(cols.get("messages", "conversations"))
            if isinstance(msgs, list) and msgs and isinstance(msgs[0], dict):
                if tags["role_tag"] not in msgs[0] or tags["content_tag"] not in msgs[0]:
                    _issue(report, name, "llamafactory",
                           f"entry {key!r}: messages have no {tags['role_tag']!r}/{tags['content_tag']!r} keys")
                roles = {m.get(tags["role_tag"]) for m in msgs if isinstance(m, dict)}
                known = {tags["user_tag"], tags["assistant_tag"], tags.get("system_tag")}
                if roles - known:
                    _issue(report, name, "llamafactory",
                           f"entry {key!r}: role(s) {sorted(map(str, roles - known))} not in its tags")


def _check_axolotl(path: Path, report: ValidationReport) -> None:
    name = path.name
    try:
        import yaml
    except ImportError:
        _issue(report, name, "axolotl", "PyYAML is not installed; axolotl.yaml was not checked", "warning")
        return
    try:
        cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        _issue(report, name, "axolotl", f"not valid YAML ({exc})")
        return
    if not isinstance(cfg, dict) or not isinstance(cfg.get("datasets"), list):
        _issue(report, name, "axolotl", "no datasets: list")
        return
    for section in ("datasets", "test_datasets"):
        for entry in cfg.get(section) or []:
            _check_axolotl_entry(path.parent, name, section, entry, report)


def _check_axolotl_entry(folder: Path, name: str, section: str, entry: Any, report: ValidationReport) -> None:
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        _issue(report, name, "axolotl", f"a {section} entry has no path")
        return
    target = folder / entry["path"]
    if not target.is_file():
        _issue(report, name, "axolotl", f"{section}: {entry['path']} does not exist")
        return
    rec = _first_record(target)
    kind = record_kind(rec)
    typ = entry.get("type")
    if typ == "chat_template":
        field = entry.get("field_messages", "messages")
        if rec is not None and field not in rec:
            _issue(report, name, "axolotl", f"{section}: field_messages {field!r} is not in {entry['path']}")
        mapping = entry.get("message_property_mappings") or {"role": "role", "content": "content"}
        msgs = (rec or {}).get(field)
        if isinstance(msgs, list) and msgs and isinstance(msgs[0], dict):
            missing = [v for v in mapping.values() if v not in msgs[0]]
            if missing:
                _issue(report, name, "axolotl",
                       f"{section}: messages in {entry['path']} have no {', '.join(map(repr, missing))}")
    elif typ == "alpaca":
        if kind != "alpaca":
            _issue(report, name, "axolotl", f"{section}: type alpaca but {entry['path']} is not Alpaca records")
    elif isinstance(typ, dict):
        for key in ("field_instruction", "field_output"):
            if key in typ and rec is not None and typ[key] not in rec:
                _issue(report, name, "axolotl", f"{section}: {key} {typ[key]!r} is not in {entry['path']}")
    else:
        _issue(report, name, "axolotl", f"{section}: unexpected type {typ!r}", "warning")


def _check_hf(hf: Path, files: dict[str, Path], report: ValidationReport) -> None:
    name = f"{hf.name}/"
    try:
        splits = json.loads((hf / "dataset_dict.json").read_text(encoding="utf-8"))["splits"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        _issue(report, name, "parquet", f"dataset_dict.json missing or invalid ({exc})")
        return
    import pyarrow as pa

    for split in splits:
        d = hf / split
        try:
            state = json.loads((d / "state.json").read_text(encoding="utf-8"))
            rows = 0
            for f in state["_data_files"]:
                with pa.memory_map(str(d / f["filename"])) as src:
                    rows += pa.ipc.open_stream(src).read_all().num_rows
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowInvalid) as exc:
            _issue(report, name, "parquet", f"split {split!r} is incomplete or unreadable ({exc})")
            continue
        expected = report.files.get(files[split].name, {}).get("records") if split in files else None
        if expected is not None and rows != expected:
            _issue(report, name, "parquet", f"split {split!r} has {rows} rows but {files[split].name} has {expected}")
