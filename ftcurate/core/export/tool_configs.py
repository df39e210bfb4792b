"""Config snippets that let LLaMA-Factory and Axolotl load an export as it is.

- `dataset_info.json` (LLaMA-Factory): one entry per split, named `<name>_train`, `<name>_test`, ...,
  with `file_name` relative to the export folder, `formatting` ("alpaca" or "sharegpt"), `columns`
  and, for chat files, `tags`. Use it with `dataset_dir: OUTDIR`, `dataset: <name>_train`,
  `eval_dataset: <name>_test`.
- `axolotl.yaml`: `datasets:` / `test_datasets:` entries (`type: chat_template` with
  `field_messages` and `message_property_mappings` for chat files, `type: alpaca` for Alpaca, a
  user-defined instruction format for prompt/completion). Paths are relative to the export folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from ftcurate.core.export.formats import Format
from ftcurate.core.formats import sharegpt

CHAT_TAGS = {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant",
             "system_tag": "system"}
SHAREGPT_TAGS = {"role_tag": "from", "content_tag": "value",  # the tags `formats.sharegpt` writes
                 **dict(zip(("user_tag", "assistant_tag", "system_tag"), sharegpt.CHAT_TAGS, strict=True))}


def dataset_name(stem: str) -> str:
    """A LLaMA-Factory / Axolotl friendly dataset name from a project file name."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", stem).strip("_").lower()
    return name or "ftcurate"


def llamafactory_entry(fmt: Format, file_name: str, alpaca_keys: Sequence[str] = ()) -> dict[str, Any]:
    """The `dataset_info.json` entry for one exported file."""
    if fmt.name in ("alpaca", "alpaca-json"):
        cols = {"prompt": "instruction", "query": "input", "response": "output"}
        if "system" in alpaca_keys:
            cols["system"] = "system"
        if "history" in alpaca_keys:
            cols["history"] = "history"
        return {"file_name": file_name, "formatting": "alpaca", "columns": cols}
    if fmt.name == "prompt-completion":
        return {"file_name": file_name, "formatting": "alpaca",
                "columns": {"prompt": "prompt", "response": "completion"}}
    if fmt.name == "sharegpt":
        return {"file_name": file_name, "formatting": "sharegpt", "columns": {"messages": "conversations"},
                "tags": dict(SHAREGPT_TAGS)}
    return {"file_name": file_name, "formatting": "sharegpt", "columns": {"messages": "messages"},
            "tags": dict(CHAT_TAGS)}


def llamafactory_dataset_info(fmt: Format, name: str, files: dict[str, str],
                              alpaca_keys: Sequence[str] = ()) -> str:
    """`dataset_info.json` text for `{split: file_name}`."""
    info = {f"{name}_{split}": llamafactory_entry(fmt, fname, alpaca_keys) for split, fname in files.items()}
    return json.dumps(info, ensure_ascii=False, indent=2) + "\n"


def axolotl_entry(fmt: Format, file_name: str) -> dict[str, Any]:
    """One Axolotl `datasets:` entry (as a dict, rendered by `axolotl_yaml`)."""
    ds_type = "parquet" if fmt.container == "parquet" else "json"
    entry: dict[str, Any] = {"path": file_name, "ds_type": ds_type, "split": "train"}
    if fmt.name in ("alpaca", "alpaca-json"):
        entry["type"] = "alpaca"
    elif fmt.name == "prompt-completion":
        entry["type"] = {"field_instruction": "prompt", "field_output": "completion",
                         "format": "{instruction}", "no_input_format": "{instruction}"}
    elif fmt.name == "sharegpt":
        entry.update({"type": "chat_template", "field_messages": "conversations",
                      "message_property_mappings": {"role": "from", "content": "value"},
                      "roles": {"system": ["system"], "user": ["user"], "assistant": ["assistant"]},
                      "roles_to_train": ["assistant"]})
    else:
        entry.update({"type": "chat_template", "field_messages": "messages",
                      "message_property_mappings": {"role": "role", "content": "content"},
                      "roles_to_train": ["assistant"]})
    return entry


def axolotl_yaml(fmt: Format, files: dict[str, str]) -> str:
    """`axolotl.yaml` text: training file under `datasets:`, test (else validation) under `test_datasets:`."""
    lines = ["# Axolotl dataset config written by ftcurate. Paths are relative to this folder:",
             "# run axolotl from here, or make them absolute. Merge into your training config.",
             "datasets:"]
    lines += _yaml_item(axolotl_entry(fmt, files["train"]))
    evals = [s for s in ("test", "validation") if s in files]
    if evals:
        lines.append("test_datasets:")
        lines += _yaml_item(axolotl_entry(fmt, files[evals[0]]))
    return "\n".join(lines) + "\n"


def _yaml_item(entry: dict[str, Any]) -> list[str]:
    out: list[str] = []
    first = True
    for key, value in entry.items():
        prefix = "  - " if first else "    "
        first = False
        if isinstance(value, dict):
            out.append(f"{prefix}{key}:")
            for k, v in value.items():
                out.append(f"      {k}: {_yaml_scalar(v)}")
        else:
            out.append(f"{prefix}{key}: {_yaml_scalar(value)}")
    return out


def _yaml_scalar(v: Any) -> str:
    # JSON strings and flow lists are valid YAML scalars/sequences; plain words stay unquoted.
    if isinstance(v, str) and re.fullmatch(r"[A-Za-z0-9_.\-/]+", v):
        return v
    return json.dumps(v, ensure_ascii=False)
