"""`export_project`: split a project and write it in one format, with tool configs and a dataset card.

Order of work: choose and split the examples (`ftcurate.core.split`), stop if high-severity PII is
still open on them, check the output folder, write everything into a staging folder inside it, move
the finished files into place, store the split id lists in the project, then validate the folder.
A failure or cancellation before the move leaves the output folder and the project as they were.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftcurate.core.errors import UserError
from ftcurate.core.export.files import (
    HF_DIR,
    write_hf_folder,
    write_json_array,
    write_jsonl,
    write_parquet,
    write_text,
)
from ftcurate.core.export.formats import Format, alpaca_keys, get_format, make_records, with_system_prompt
from ftcurate.core.export.tool_configs import axolotl_yaml, dataset_name, llamafactory_dataset_info
from ftcurate.core.progress import Progress
from ftcurate.core.split import SPLITS, SplitPlan, plan_split

if TYPE_CHECKING:
    import polars as pl

    from ftcurate.core.store import Project

STAGING = ".ftcurate-staging"
CHUNK = 5000
PII_LISTED = 10


@dataclass
class ExportReport:
    """What an export wrote. `counts`/`label_counts` per split; `validation` is the validator's JSON."""

    outdir: str
    format: str
    files: list[str]
    counts: dict[str, int]
    label_counts: dict[str, dict[str, int]]
    seed: int
    include: str
    excluded: dict[str, int] = field(default_factory=dict)
    groups: int = 0
    grouped_examples: int = 0
    forced: bool = False
    pii_open: int = 0
    system_prompt: str | None = None
    validation: dict[str, Any] = field(default_factory=dict)
    other_files: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def requested_splits(test_fraction: float, val_fraction: float, test_count: int | None,
                     val_count: int | None) -> list[str]:
    """Splits this export writes, in file order (train always)."""
    out = ["train"]
    if (val_count if val_count is not None else val_fraction):
        out.append("validation")
    if (test_count if test_count is not None else test_fraction):
        out.append("test")
    return out


def planned_names(fmt: Format, splits: list[str]) -> list[str]:
    names = [f"{s}.{fmt.ext}" for s in splits] + ["dataset_info.json", "axolotl.yaml", "README.md"]
    return names + ([HF_DIR] if fmt.name == "hf" else [])


def check_outdir(outdir: Path, names: list[str], force: bool) -> list[str]:
    """Refuse a folder holding files this export would not write (unless `force`). Returns them."""
    if outdir.exists() and not outdir.is_dir():
        raise UserError("exists and is not a folder", path=outdir)
    if not outdir.exists():
        return []
    others = sorted(p.name for p in outdir.iterdir() if p.name not in names and p.name != STAGING)
    if others and not force:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        raise UserError(f"the output folder is not empty: it holds {shown}, which this export would not "
                        "write; choose an empty folder, or use --force to write beside them", path=outdir)
    return others


def resolve_caps(project: Project, frame: pl.DataFrame, caps: Any, include: str) -> dict | None:
    """Turn the `caps` option into {label: max}: None, a mapping, an int (every label), or "suggested"."""
    if caps is None or caps == {}:
        return None
    if isinstance(caps, Mapping):
        return {(None if k in ("", None) else k): int(v) for k, v in caps.items() if v is not None}
    if isinstance(caps, int) and not isinstance(caps, bool):
        if caps < 1:
            raise UserError(f"a label cap must be at least 1, not {caps}")
        labels = frame.get_column("label").unique().to_list()
        return dict.fromkeys(labels, caps)
    if caps != "suggested":
        raise UserError(f"unknown caps option {caps!r}; use 'suggested', a number, or label=number pairs")
    try:
        from ftcurate.core.checks.imbalance import suggested_caps
    except ImportError:
        raise UserError("suggested caps come from the label balance check, which is not available in this "
                        "installation; give caps per label instead") from None
    config: dict[str, Any] = {}
    try:
        from ftcurate.core.checks.runner import check_config

        config = check_config(project, "label_imbalance")
    except Exception:  # noqa: BLE001 - the check may be registered under another name; defaults then
        config = dict((project.get_setting("checks", {}) or {}).get("label_imbalance", {}))
    import polars as pl

    keep = pl.col("status") == "approved" if include.replace("-", "_") == "approved" else pl.col("status") != "rejected"
    # caps apply per label, whatever grouping the balance check itself reports on
    got = suggested_caps(frame.filter(keep), {**config, "by": "label"}) or {}
    if not isinstance(got, Mapping):
        got = dict(got)
    return {k: int(v) for k, v in got.items() if v is not None} or None


def pii_blockers(flags: pl.DataFrame, ids: set[int]) -> pl.DataFrame:
    """Open high-severity PII flags on the exported examples."""
    import polars as pl

    if flags.height == 0:
        return flags
    return flags.filter((pl.col("check") == "pii") & (pl.col("severity") == "high") & (pl.col("state") == "open")
                        & pl.col("example_id").is_in(list(ids)))


def pii_message(blockers: pl.DataFrame) -> str:
    per_example: dict[int, list[str]] = {}
    for ex_id, kind in blockers.select("example_id", "kind").iter_rows():
        kinds = per_example.setdefault(ex_id, [])
        if (kind or "PII") not in kinds:
            kinds.append(kind or "PII")
    listed = "; ".join(f"example {i}: {', '.join(k)}" for i, k in list(sorted(per_example.items()))[:PII_LISTED])
    more = f"; and {len(per_example) - PII_LISTED} more examples" if len(per_example) > PII_LISTED else ""
    types = Counter(k for ks in per_example.values() for k in ks)
    return (f"export stopped: {blockers.height} high-severity PII finding(s) are still open on "
            f"{len(per_example)} exported example(s) ({', '.join(f'{t} x{n}' for t, n in types.most_common())}): "
            f"{listed}{more}. Redact them, mark false alarms as ignored, or use --force to export anyway")


def _rows(frame: pl.DataFrame, ids: list[int], system_prompt: str | None) -> Iterator[list]:
    """Yield chunks of (id, label, messages) in `ids` order, system prompt applied."""
    import polars as pl

    order = pl.DataFrame({"id": ids}, schema={"id": pl.Int64})
    sub = order.join(frame.select("id", "label", "messages"), on="id", how="left", maintain_order="left")
    for start in range(0, sub.height, CHUNK):
        part = sub.slice(start, CHUNK)
        yield [(i, lab, with_system_prompt(json.loads(m), system_prompt)) for i, lab, m in part.iter_rows()]


def export_project(project: Project, outdir: str | Path, *, format: str = "openai", test_fraction: float = 0.1,
                   val_fraction: float = 0.0, test_count: int | None = None, val_count: int | None = None,
                   seed: int = 0, include: str = "not_rejected", caps: Any = None,
                   system_prompt: str | None = None, force: bool = False,
                   progress: Progress | None = None) -> ExportReport:
    """Split `project` and write `outdir/{train,validation,test}.<ext>` plus configs and a card.

    Args:
        format: one of `ftcurate.core.export.formats.FORMATS` (openai, alpaca, alpaca-json, sharegpt,
            prompt-completion, parquet, hf).
        test_fraction / val_fraction, or test_count / val_count: split sizes (0 = no such split).
        seed: the same seed and data give byte-identical files.
        include: "not_rejected" (default) or "approved".
        caps: None, {label: max}, an int for every label, or "suggested" (from the balance check).
        system_prompt: prepended to examples without one; None uses the project setting
            "system_prompt"; "" means none.
        force: export despite open high-severity PII, and write into a folder holding other files.

    Raises:
        UserError: bad options, nothing to export, open high-severity PII (without force), an
            output folder with other files (without force).
        Cancelled: `progress` was cancelled; nothing was written.
    """
    progress = progress or Progress()
    try:
        return _export(project, Path(outdir), get_format(format), test_fraction=test_fraction,
                       val_fraction=val_fraction, test_count=test_count, val_count=val_count, seed=seed,
                       include=include.replace("-", "_"), caps=caps, system_prompt=system_prompt, force=force,
                       progress=progress)
    finally:
        progress.finish()


def _export(project: Project, outdir: Path, fmt: Format, *, test_fraction: float, val_fraction: float,
            test_count: int | None, val_count: int | None, seed: int, include: str, caps: Any,
            system_prompt: str | None, force: bool, progress: Progress) -> ExportReport:
    splits_wanted = requested_splits(test_fraction, val_fraction, test_count, val_count)
    names = planned_names(fmt, splits_wanted)
    others = check_outdir(outdir, names, force)

    progress.set_status("Choosing and splitting examples")
    frame = project.examples_frame(["id", "source_id", "label", "status", "messages", "conversation", "output",
                                    "content_hash"])
    flags = project.flags_frame()
    cap_map = resolve_caps(project, frame, caps, include)
    plan = plan_split(frame, flags, seed=seed, test_fraction=test_fraction, val_fraction=val_fraction,
                      test_count=test_count, val_count=val_count, include=include, caps=cap_map)
    exported = {i for ids in plan.splits.values() for i in ids}
    blockers = pii_blockers(flags, exported)
    if blockers.height and not force:
        raise UserError(pii_message(blockers))
    if system_prompt is None:
        system_prompt = project.get_setting("system_prompt") or None
    system_prompt = system_prompt or None
    progress.check_cancelled()

    outdir.mkdir(parents=True, exist_ok=True)
    staging = outdir / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        files = _write_all(project, frame, flags, plan, fmt, staging, splits_wanted, system_prompt, progress,
                           dict(seed=seed, include=include, test_fraction=test_fraction, val_fraction=val_fraction,
                                test_count=test_count, val_count=val_count, caps=cap_map, forced=force,
                                blockers=blockers))
        progress.check_cancelled()
        for name in names:
            dest = outdir / name
            if dest.is_dir():
                shutil.rmtree(dest)
            (staging / name).replace(dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    params = {"seed": seed, "include": include, "format": fmt.name, "test_fraction": test_fraction,
              "val_fraction": val_fraction, "test_count": test_count, "val_count": val_count,
              "caps": {("" if k is None else str(k)): v for k, v in (cap_map or {}).items()},
              "outdir": str(Path(outdir).resolve())}  # the Train screen starts from the last export
    for split in SPLITS:
        project.save_split(split, plan.splits.get(split, []), params)

    from ftcurate.core.export.validate import validate_path

    progress.set_status("Checking the files for OpenAI, Axolotl and LLaMA-Factory")
    progress.set_total(len(exported))
    validation = validate_path(outdir, {s: outdir / f"{s}.{fmt.ext}" for s in splits_wanted}, progress)
    return ExportReport(
        outdir=str(outdir), format=fmt.name, files=files, seed=seed, include=include,
        counts={s: len(plan.splits[s]) for s in splits_wanted},
        label_counts={s: {("" if k is None else str(k)): v for k, v in c.items()}
                      for s, c in plan.label_counts().items() if s in splits_wanted},
        excluded=plan.excluded, groups=plan.n_groups, grouped_examples=plan.n_grouped, forced=force,
        pii_open=blockers.height, system_prompt=system_prompt, validation=validation.to_json(),
        other_files=others)


def _write_all(project: Project, frame: pl.DataFrame, flags: pl.DataFrame, plan: SplitPlan, fmt: Format,
               staging: Path, splits: list[str], system_prompt: str | None, progress: Progress,
               options: dict[str, Any]) -> list[str]:
    writer = {"jsonl": write_jsonl, "json": write_json_array, "parquet": write_parquet}[fmt.container]
    keys: tuple[str, ...] = ()
    if fmt.name in ("alpaca", "alpaca-json"):
        progress.set_status("Scanning conversations")
        found: set[str] = set()
        for split in splits:
            for chunk in _rows(frame, plan.splits[split], system_prompt):
                found.update(alpaca_keys(chunk))
        keys = tuple(k for k in ("system", "history") if k in found)
    progress.set_total(sum(len(plan.splits[s]) for s in splits))
    data_files: dict[str, str] = {}

    def chunks(split: str) -> Iterator[list[dict]]:
        for rows in _rows(frame, plan.splits[split], system_prompt):
            progress.check_cancelled()
            yield make_records(fmt, rows, keys)
            progress.advance(len(rows))

    for split in splits:
        progress.set_status(f"Writing {split}")
        name = f"{split}.{fmt.ext}"
        writer(staging / name, chunks(split))
        data_files[split] = name
    if fmt.name == "hf":
        progress.set_status("Writing the datasets folder")
        write_hf_folder(staging, {s: staging / n for s, n in data_files.items()})
    stem = dataset_name(Path(str(getattr(project, "path", "ftcurate"))).stem)
    write_text(staging / "dataset_info.json", llamafactory_dataset_info(fmt, stem, data_files, keys))
    write_text(staging / "axolotl.yaml", axolotl_yaml(fmt, data_files))
    from ftcurate.core.export.card import dataset_card

    write_text(staging / "README.md", dataset_card(project, frame, flags, plan, fmt, staging, data_files,
                                                  system_prompt=system_prompt, **options))
    return [*data_files.values(), "dataset_info.json", "axolotl.yaml", "README.md"] + (
        [HF_DIR + "/"] if fmt.name == "hf" else [])
