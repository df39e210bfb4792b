"""One tabular view over CSV, TSV, JSON, JSON Lines, XLSX and Parquet files.

`table_head(path)` returns the columns and the first records (cheap, cached: for detection);
`iter_table(sample)` streams every record as `(loc, {column: value})` where `loc` is its provenance:
- CSV/TSV: `{"row": n}`: the spreadsheet row number, the header being row 1 (first data row = 2).
- XLSX: `{"row": n}`: the sheet's own row number.
- Parquet: `{"row": n}`: 1-based record number (there is no header row).
- JSON/JSONL: see `ftcurate.core.importers.jsonstream`.

Values: CSV cells are strings (empty cells are None); other formats keep their types. Use `as_text`
to render any value as text and `is_missing` to test for blank/None/NaN.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.importers.jsonstream import head_records, iter_json_records
from ftcurate.core.importers.textio import FileSample, csv_header, iter_csv, sample_file
from ftcurate.core.progress import Progress

TABLE_FORMATS = ("csv", "json", "jsonl", "xlsx", "parquet")
HEAD_ROWS = 200
_MISSING_WORDS = {"nan", "none", "null", "n/a", "#n/a"}


@dataclass(frozen=True)
class TableHead:
    """Columns and the first records of a table (records are shared: do not mutate)."""

    sample: FileSample
    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]


def norm(name: str) -> str:
    """Normalise a column name for matching: "Body (HTML)" -> "body_html"."""
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def find_column(columns: Iterable[str], names: Iterable[str], exclude: Iterable[str] = ()) -> str | None:
    """The first column whose normalised name equals one of `names` (in the order of `names`)."""
    by_norm: dict[str, str] = {}
    skip = set(exclude)
    for c in columns:
        if c not in skip:
            by_norm.setdefault(norm(c), c)
    for n in names:
        if n in by_norm:
            return by_norm[n]
    return None


def is_missing(value: Any) -> bool:
    """True for None, NaN, blank strings and the words nan/none/null/n/a."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        s = value.strip()
        return not s or s.lower() in _MISSING_WORDS
    if isinstance(value, list | tuple | dict):
        return not value or all(is_missing(v) for v in (value.values() if isinstance(value, dict) else value))
    return False


def as_text(value: Any) -> str | None:
    """Render a cell as readable text, or None when it is missing (see `is_missing`)."""
    if is_missing(value):
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        parts = [f"{k}: {t}" for k, v in value.items() if (t := as_text(v)) is not None]
        return "; ".join(parts) or None
    if isinstance(value, list | tuple):
        parts = [t for v in value if (t := as_text(v)) is not None]
        return ", ".join(parts) or None
    return str(value)


def table_head(path: str | Path) -> TableHead | None:
    """Columns and first records of `path` if it is a table format, else None.

    Raises:
        UserError: the file is empty, binary, or its head is malformed.
    """
    sample = sample_file(path)
    if sample.fmt not in TABLE_FORMATS:
        return None
    return _head_cached(sample)


@lru_cache(maxsize=16)
def _head_cached(sample: FileSample) -> TableHead | None:
    rows: list[dict[str, Any]] = []
    if sample.fmt == "csv":
        columns = csv_header(sample)
        reader = csv.reader(io.StringIO(sample.text, newline=""), delimiter=sample.delimiter)
        recs = list(reader)[1:HEAD_ROWS + 2]
        if not sample.complete and recs:
            recs = recs[:-1]
        rows = [_csv_record(columns, rec) for rec in recs if rec]
    elif sample.fmt in ("json", "jsonl"):
        records = [r for _, r in head_records(sample, HEAD_ROWS)]
        if not records or not all(isinstance(r, dict) for r in records):
            return None
        columns = _union_keys(records)
        rows = records
    elif sample.fmt == "xlsx":
        columns, rows = _xlsx_head(sample)
    else:
        columns, rows = _parquet_head(sample)
    return TableHead(sample, tuple(columns), tuple(rows))


def _union_keys(records: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for r in records:
        for k in r:
            seen.setdefault(k, None)
    return list(seen)


def _csv_record(columns: list[str], rec: list[str]) -> dict[str, Any]:
    return {c: (rec[i] if i < len(rec) and rec[i] != "" else None) for i, c in enumerate(columns)}


def iter_table(sample: FileSample, progress: Progress | None = None,
               on_error: Callable[[UserError], None] | None = None
               ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Stream every record of a table as `(loc, record)`.

    `on_error`, if given, receives each malformed JSON Lines line and each JSON record that is not an
    object, and reading goes on (see `iter_json_records`); other problems still raise.

    Raises:
        UserError: a malformed record (naming its row/line), e.g. more fields than the header.
    """
    if sample.fmt == "csv":
        columns = csv_header(sample)
        width = len(columns)
        for row, rec in iter_csv(sample, progress):
            if not rec:
                continue
            if len(rec) > width:
                if any(x.strip() for x in rec[width:]):
                    raise UserError(f"this row has {len(rec)} fields but the header has {width} "
                                    f"(a missing quote or an extra delimiter {sample.delimiter!r}?)",
                                    path=sample.path, row=row)
            yield {"row": row}, _csv_record(columns, rec)
    elif sample.fmt in ("json", "jsonl"):
        for loc, rec in iter_json_records(sample, progress, on_error):
            if not isinstance(rec, dict):
                err = UserError("expected a JSON object for each record", path=sample.path,
                                line=loc.get("line"), row=loc.get("row"))
                if on_error is None:
                    raise err
                on_error(err)
                continue
            yield loc, rec
    elif sample.fmt == "xlsx":
        yield from _iter_xlsx(sample, progress)
    elif sample.fmt == "parquet":
        yield from _iter_parquet(sample, progress)
    else:
        raise UserError(f"not a table ({sample.fmt})", path=sample.path)


MAX_XLSX_UNPACKED = 1 << 30
"""The most an Excel workbook may unpack to (all its parts); a bigger one is refused before reading."""
MAX_XLSX_STRINGS = 256 << 20
"""The most the workbook's shared text table may unpack to (openpyxl holds it in memory whole)."""
MAX_CELL_CHARS = 1 << 20
"""The longest text one cell may hold (1 M characters); no support answer is longer."""


def _check_xlsx_size(path: Path) -> None:
    """Refuse a workbook whose parts unpack to more than `MAX_XLSX_UNPACKED` (a "zip bomb")."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UserError(f"cannot open as an Excel workbook ({exc})", path=path) from None
    unpacked = sum(i.file_size for i in infos)
    strings = sum(i.file_size for i in infos if i.filename.lower().endswith("sharedstrings.xml"))
    if strings > MAX_XLSX_STRINGS:
        raise UserError(f"the workbook's text unpacks to {strings / 2**20:.0f} MB (the limit is "
                        f"{MAX_XLSX_STRINGS / 2**20:.0f} MB): split it into smaller workbooks or save it as CSV",
                        path=path)
    if unpacked > MAX_XLSX_UNPACKED:
        raise UserError(f"the workbook unpacks to {unpacked / 1e9:.1f} GB (the limit is "
                        f"{MAX_XLSX_UNPACKED / 1e9:.1f} GB): split it into smaller workbooks or save it as "
                        "CSV", path=path)


def _open_sheet(sample: FileSample):
    import openpyxl

    _check_xlsx_size(Path(sample.path))
    try:
        wb = openpyxl.load_workbook(sample.path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise UserError(f"cannot open as an Excel workbook ({exc})", path=sample.path) from None
    for ws in wb.worksheets:
        if ws.max_row and ws.max_row > 0:
            return wb, ws
    return wb, wb.worksheets[0]


def _xlsx_rows(ws, path: Any = None) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for row_no, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if values and any(v is not None and v != "" for v in values):
            for v in values:
                if isinstance(v, str) and len(v) > MAX_CELL_CHARS:
                    raise UserError(f"a cell holds {len(v):,} characters (the limit is {MAX_CELL_CHARS:,})",
                                    path=path, row=row_no)
            yield row_no, values


def _xlsx_header_row(it: Iterator[tuple[int, tuple[Any, ...]]]) -> tuple[int, tuple[Any, ...]] | None:
    """The header: the first row with two or more filled cells (title rows above it are skipped)."""
    first = None
    for n, (row_no, values) in enumerate(it):
        first = first or (row_no, values)
        if sum(1 for v in values if v is not None and v != "") >= 2 or n >= 9:
            return row_no, values
    return first


def _xlsx_header(values: tuple[Any, ...]) -> list[str]:
    names = [str(v).strip() if v is not None else "" for v in values]
    while names and not names[-1]:
        names.pop()
    return [n or f"column_{i + 1}" for i, n in enumerate(names)]


def _xlsx_record(columns: list[str], values: tuple[Any, ...]) -> dict[str, Any]:
    return {c: (values[i] if i < len(values) and values[i] != "" else None) for i, c in enumerate(columns)}


def _xlsx_head(sample: FileSample) -> tuple[list[str], list[dict[str, Any]]]:
    wb, ws = _open_sheet(sample)
    try:
        it = _xlsx_rows(ws, sample.path)
        first = _xlsx_header_row(it)
        if first is None:
            raise UserError("the workbook has no data", path=sample.path)
        columns = _xlsx_header(first[1])
        rows = []
        for _, values in it:
            rows.append(_xlsx_record(columns, values))
            if len(rows) >= HEAD_ROWS:
                break
        return columns, rows
    finally:
        wb.close()


def _iter_xlsx(sample: FileSample, progress: Progress | None) -> Iterator[tuple[dict[str, Any], dict]]:
    wb, ws = _open_sheet(sample)
    try:
        if progress is not None:
            progress.set_total(ws.max_row or None)
        it = _xlsx_rows(ws, sample.path)
        first = _xlsx_header_row(it)
        if first is None:
            return
        columns = _xlsx_header(first[1])
        for row_no, values in it:
            if progress is not None and row_no % 2000 == 0:
                progress.set_progress(row_no)
                progress.check_cancelled()
            yield {"row": row_no}, _xlsx_record(columns, values)
    finally:
        wb.close()


def _parquet_file(sample: FileSample):
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(sample.path)
    except Exception as exc:  # pyarrow.ArrowInvalid and friends
        raise UserError(f"cannot open as a Parquet file ({exc})", path=sample.path) from None


def _parquet_head(sample: FileSample) -> tuple[list[str], list[dict[str, Any]]]:
    pf = _parquet_file(sample)
    rows: list[dict[str, Any]] = []
    try:
        for batch in pf.iter_batches(batch_size=HEAD_ROWS):
            rows = batch.to_pylist()
            break
    except Exception as exc:  # noqa: BLE001 - see _iter_parquet
        raise UserError(f"damaged Parquet data ({exc})", path=sample.path, row=1) from None
    return list(pf.schema_arrow.names), rows


def _iter_parquet(sample: FileSample, progress: Progress | None) -> Iterator[tuple[dict[str, Any], dict]]:
    pf = _parquet_file(sample)
    total = pf.metadata.num_rows
    if progress is not None:
        progress.set_total(sample.size)
    n = 0
    batches = pf.iter_batches(batch_size=10_000)
    while True:
        try:  # a damaged page surfaces while its batch is decoded
            batch = next(batches, None)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises OSError, ArrowInvalid and friends
            raise UserError(f"damaged Parquet data after row {n} ({exc})", path=sample.path, row=n + 1) from None
        if batch is None:
            break
        for rec in batch.to_pylist():
            n += 1
            yield {"row": n}, rec
        if progress is not None:
            progress.set_progress(int(sample.size * n / max(total, 1)))
            progress.check_cancelled()


def resolve_column(head: TableHead, field: str, column: str) -> str:
    """Check that a user-mapped `column` exists (case/spacing-insensitive); return its real name.

    Raises:
        UserError: no such column (listing the columns there are).
    """
    if column in head.columns:
        return column
    found = find_column(head.columns, [norm(column)])
    if found is None:
        raise UserError(f"--map {field}={column}: no column {column!r}; columns are: "
                        f"{', '.join(head.columns)}", path=head.sample.path)
    return found


def require_column(head: TableHead, field: str, column: str | None, hint: str) -> str:
    """Raise a clear error when a required logical field has no column."""
    if column is None:
        raise UserError(f"no {field} column found ({hint}); columns are: {', '.join(head.columns)}; "
                        f"use --map {field}=COLUMN", path=head.sample.path, row=1)
    return column
