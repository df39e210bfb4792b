"""`export_project`: split a project and write it in one format, with tool configs and a dataset card.

Order of work: check the output folder, choose and split the examples (`ftcurate.core.split`), scan
everything the export writes for personal data (`pii_gate`) and stop on open high-severity findings
unless PII is allowed, write the whole set into a new sibling folder, swap it in at once (`swap`),
store the split id lists in the project, then validate the folder. A failure, cancellation or kill
before the swap leaves the output folder and the project as they were.
"""

from __future__ import annotations

import json
import shutil
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
from ftcurate.core.export.formats import (
    FORMATS,
    Format,
    alpaca_keys,
    get_format,
    make_records,
    with_system_prompt,
)
from ftcurate.core.export.pii_gate import refusal_message, scan_export
from ftcurate.core.export.swap import carry_over, new_folder, recover, swap_in
from ftcurate.core.export.threads import KEEPS_ALL_CUTS, LEFT_OUT_REASON, thread_cuts, with_weights
from ftcurate.core.export.tool_configs import axolotl_yaml, dataset_name, llamafactory_dataset_info
from ftcurate.core.progress import Progress
from ftcurate.core.split import SPLITS, SplitPlan, plan_split

if TYPE_CHECKING:
    import polars as pl

    from ftcurate.core.store import Project

STAGING = ".ftcurate-staging"  # used inside the output folder by earlier versions; never carried over
CHUNK = 5000
# Left in export folders by earlier versions (training wrote its runs there): kept, never a reason to refuse.
LEGACY_KEPT = ("runs",)


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
    overwrite: bool = False
    allow_pii: bool = False
    pii: dict[str, Any] = field(default_factory=dict)
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


def export_names() -> set[str]:
    """Every name any export writes: an earlier export's files belong to its set and are replaced."""
    exts = {f.ext for f in FORMATS.values()}
    return ({f"{s}.{e}" for s in SPLITS for e in exts} | {"dataset_info.json", "axolotl.yaml", "README.md", HF_DIR,
                                                          STAGING})


def check_outdir(outdir: Path, overwrite: bool) -> list[str]:
    """Names in `outdir` that no export writes (kept beside the new files). Refused unless `overwrite`,
    except folders earlier versions left there (`LEGACY_KEPT`)."""
    if outdir.exists() and not outdir.is_dir():
        raise UserError("exists and is not a folder", path=outdir)
    if not outdir.exists():
        return []
    try:
        here = Path.cwd().resolve()
    except OSError:
        here = None
    if here is not None and (here == outdir.resolve() or outdir.resolve() in here.parents):
        raise UserError("this is the folder you are working in (or holds it): an export swaps in a whole new "
                        "folder at once, so run the command from outside it (for example after `cd ..`)",
                        path=outdir)
    ours = export_names()
    try:
        others = sorted(p.name for p in outdir.iterdir() if p.name not in ours)
    except OSError as exc:
        raise UserError(f"cannot read the output folder ({exc.strerror or exc})", path=outdir) from None
    foreign = [n for n in others if n not in LEGACY_KEPT]
    if foreign and not overwrite:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise UserError(f"the output folder is not empty: it holds {shown}, which this export would not "
                        "write; choose an empty folder, or use --overwrite to write the export into it (those "
                        "files are kept; an earlier export's files are replaced)", path=outdir)
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


def _name_text(name: str) -> str:
    """A file name as scanned: its stem too, since an extension glued to a value hides it from the
    recognizers ("ana@example.com.csv" is not a valid e-mail address)."""
    stem = Path(name).stem
    return f"{stem} {name}" if stem and stem != name else name


def export_extras(project: Project, frame: pl.DataFrame, ids: set[int],
                  system_prompt: str | None) -> dict[str, str]:
    """Texts besides the turns that the export writes: {where, in plain words: text}."""
    import polars as pl

    extras: dict[str, str] = {}
    if system_prompt:
        extras["the system prompt"] = system_prompt
    name = Path(str(getattr(project, "path", "project"))).name
    extras["the project file name"] = _name_text(name)
    labelled = (frame.filter(pl.col("id").is_in(list(ids)) & pl.col("label").is_not_null())
                .group_by("label").agg(pl.col("id").min()).sort("id"))
    for label, first in labelled.iter_rows():
        extras[f"the label of example {first}"] = str(label)
    for s in project.sources():
        extras[f"the name of source file {s['id']}"] = _name_text(str(s.get("name") or ""))
    settings = project.get_setting("pii", {}) or {}
    policy = settings.get("redaction") or settings.get("operator") or settings.get("mode") if isinstance(
        settings, dict) else None
    if policy:
        extras["the redaction policy setting"] = str(policy)
    return {k: v for k, v in extras.items() if v.strip()}


def _rows(frame: pl.DataFrame, ids: list[int], system_prompt: str | None,
          weights: dict[int, set[int]] | None = None) -> Iterator[list]:
    """Yield chunks of (id, label, messages) in `ids` order, system prompt applied, and `weight: 0` on
    the assistant turns `weights` names (see `threads`)."""
    import polars as pl

    order = pl.DataFrame({"id": ids}, schema={"id": pl.Int64})
    sub = order.join(frame.select("id", "label", "messages"), on="id", how="left", maintain_order="left")
    for start in range(0, sub.height, CHUNK):
        part = sub.slice(start, CHUNK)
        out = []
        for i, lab, m in part.iter_rows():
            stored = json.loads(m)
            msgs = with_system_prompt(stored, system_prompt)
            out.append((i, lab, with_weights(msgs, len(stored), weights.get(i)) if weights else msgs))
        yield out


def export_project(project: Project, outdir: str | Path, *, format: str = "openai", test_fraction: float = 0.1,
                   val_fraction: float = 0.0, test_count: int | None = None, val_count: int | None = None,
                   seed: int = 0, include: str = "not_rejected", caps: Any = None,
                   system_prompt: str | None = None, overwrite: bool = False, allow_pii: bool = False,
                   force: bool = False, progress: Progress | None = None) -> ExportReport:
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
        overwrite: write into a folder that holds files no export writes (they are kept).
        allow_pii: export although the scan finds open high-severity PII (the card records it).
        force: deprecated; means both `overwrite` and `allow_pii` (kept for existing callers).

    Raises:
        UserError: bad options, nothing to export, open high-severity PII in what would be written
            (without allow_pii), an output folder with other files (without overwrite).
        ConfigError: invalid PII settings.
        Cancelled: `progress` was cancelled; nothing was written.
    """
    progress = progress or Progress()
    try:
        return _export(project, Path(outdir), get_format(format), test_fraction=test_fraction,
                       val_fraction=val_fraction, test_count=test_count, val_count=val_count, seed=seed,
                       include=include.replace("-", "_"), caps=caps, system_prompt=system_prompt,
                       overwrite=overwrite or force, allow_pii=allow_pii or force, progress=progress)
    finally:
        progress.finish()


def _export(project: Project, outdir: Path, fmt: Format, *, test_fraction: float, val_fraction: float,
            test_count: int | None, val_count: int | None, seed: int, include: str, caps: Any,
            system_prompt: str | None, overwrite: bool, allow_pii: bool, progress: Progress) -> ExportReport:
    splits_wanted = requested_splits(test_fraction, val_fraction, test_count, val_count)
    recover(outdir)
    others = check_outdir(outdir, overwrite)

    progress.set_status("Choosing and splitting examples")
    frame = project.examples_frame(["id", "source_id", "label", "status", "messages", "conversation", "output",
                                    "content_hash", "metadata"])
    flags = project.flags_frame()
    cap_map = resolve_caps(project, frame, caps, include)
    plan = plan_split(frame, flags, seed=seed, test_fraction=test_fraction, val_fraction=val_fraction,
                      test_count=test_count, val_count=val_count, include=include, caps=cap_map)
    shorter, weights = thread_cuts(frame, plan.splits)
    if fmt.name in KEEPS_ALL_CUTS:
        weights = weights if fmt.name == "openai" else {}
    elif shorter:  # one example per thread: the longest cut holds every answer
        plan.splits = {s: [i for i in ids if i not in shorter] for s, ids in plan.splits.items()}
        plan.excluded[LEFT_OUT_REASON] = len(shorter)
        weights = {}
    exported = {i for ids in plan.splits.values() for i in ids}
    if system_prompt is None:
        system_prompt = project.get_setting("system_prompt") or None
    system_prompt = system_prompt or None
    progress.set_status("Scanning what will be written for personal data")
    scan = scan_export(project, frame, exported, export_extras(project, frame, exported, system_prompt), progress)
    blockers = scan.blockers()
    if blockers and not allow_pii:
        raise UserError(refusal_message(scan, Path(str(getattr(project, "path", "PROJECT"))).name))
    progress.check_cancelled()

    staging = new_folder(outdir)
    try:
        files = _write_all(project, frame, flags, plan, fmt, staging, splits_wanted, system_prompt, weights, progress,
                           dict(seed=seed, include=include, test_fraction=test_fraction, val_fraction=val_fraction,
                                test_count=test_count, val_count=val_count, caps=cap_map, allow_pii=allow_pii,
                                scan=scan))
        progress.check_cancelled()
        carry_over(outdir, staging, others)
        swap_in(staging, outdir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    params = {"seed": seed, "include": include, "format": fmt.name, "test_fraction": test_fraction,
              "val_fraction": val_fraction, "test_count": test_count, "val_count": val_count,
              "caps": {("" if k is None else str(k)): v for k, v in (cap_map or {}).items()},
              "outdir": str(Path(outdir).resolve())}  # the Train screen starts from the last export
    with project.transaction():  # the three id lists land together, like the files they describe
        for split in SPLITS:
            project.save_split(split, plan.splits.get(split, []), params)

    from ftcurate.core.export.validate import validate_path

    progress.set_status("Checking the files for OpenAI, Axolotl and LLaMA-Factory")
    progress.set_total(len(exported))
    validation = validate_path(outdir, {s: outdir / f"{s}.{fmt.ext}" for s in splits_wanted}, progress,
                               tokens="limit")
    return ExportReport(
        outdir=str(outdir), format=fmt.name, files=files, seed=seed, include=include,
        counts={s: len(plan.splits[s]) for s in splits_wanted},
        label_counts={s: {("" if k is None else str(k)): v for k, v in c.items()}
                      for s, c in plan.label_counts().items() if s in splits_wanted},
        excluded=plan.excluded, groups=plan.n_groups, grouped_examples=plan.n_grouped,
        forced=bool(allow_pii and blockers), pii_open=len(blockers), overwrite=overwrite, allow_pii=allow_pii,
        pii=scan.to_json(), system_prompt=system_prompt, validation=validation.to_json(),
        other_files=others)


def _write_all(project: Project, frame: pl.DataFrame, flags: pl.DataFrame, plan: SplitPlan, fmt: Format,
               staging: Path, splits: list[str], system_prompt: str | None, weights: dict[int, set[int]],
               progress: Progress,
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
        for rows in _rows(frame, plan.splits[split], system_prompt, weights):
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
