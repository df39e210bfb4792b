"""Deterministic writers for the export containers: JSONL, one JSON array, Parquet, and the folder
`datasets.load_from_disk` reads.

Same records in, same bytes out: no timestamps, fixed key order, fixed Parquet settings. Every file
is written beside its final name and renamed into place, so a failed or cancelled export never leaves
a half-written file under the real name.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from ftcurate.core.export.formats import dumps_line

HF_DIR = "hf_dataset"
ARROW_SHARD = "data-00000-of-00001.arrow"


@contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[IO]:
    """Open `path.partial` for writing; rename it to `path` only if the block finishes."""
    tmp = path.with_name(path.name + ".partial")
    kwargs: dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8", "newline": "\n"}
    fh = open(tmp, mode, **kwargs)
    try:
        yield fh
        fh.close()
        os.replace(tmp, path)
    except BaseException:
        fh.close()
        tmp.unlink(missing_ok=True)
        raise


def write_jsonl(path: Path, chunks: Iterable[list[dict[str, Any]]]) -> int:
    """One JSON object per line. Returns the number of records."""
    n = 0
    with atomic_open(path) as fh:
        for recs in chunks:
            fh.write("".join(dumps_line(r) + "\n" for r in recs))
            n += len(recs)
    return n


def write_json_array(path: Path, chunks: Iterable[list[dict[str, Any]]]) -> int:
    """One JSON array, one record per line (readable and diff-friendly). Returns the count."""
    n = 0
    with atomic_open(path) as fh:
        fh.write("[")
        for recs in chunks:
            for r in recs:
                fh.write(("\n  " if n == 0 else ",\n  ") + dumps_line(r))
                n += 1
        fh.write("\n]\n" if n else "]\n")
    return n


def rows_schema():
    """Arrow schema of the Parquet / datasets exports."""
    import pyarrow as pa

    return pa.schema([
        pa.field("id", pa.int64()),
        pa.field("label", pa.string()),
        pa.field("messages", pa.list_(pa.struct([pa.field("role", pa.string()),
                                                  pa.field("content", pa.string())]))),
    ])


def write_parquet(path: Path, chunks: Iterable[list[dict[str, Any]]]) -> int:
    """Parquet with `rows_schema()`, zstd, one row group per chunk. Returns the count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = rows_schema()
    n = 0
    with atomic_open(path, "wb") as fh:
        writer = pq.ParquetWriter(fh, schema, compression="zstd", write_statistics=False)
        try:
            for recs in chunks:
                writer.write_table(pa.Table.from_pylist(recs, schema=schema))
                n += len(recs)
            if n == 0:
                writer.write_table(schema.empty_table())
        finally:
            writer.close()
    return n


def write_hf_folder(outdir: Path, parquet_files: dict[str, Path]) -> Path:
    """Write `outdir/hf_dataset/`, the layout `datasets.load_from_disk` reads (a DatasetDict).

    The layout is written with pyarrow alone (Arrow stream files plus small JSON state files), so it
    works without `datasets` installed and is byte-identical run to run (the fingerprint is the data
    hash). Features are left for `datasets` to infer from the Arrow schema, which keeps the folder
    readable by old and new `datasets` versions.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = outdir / HF_DIR
    root.mkdir(exist_ok=True)
    for split, pq_path in parquet_files.items():
        d = root / split
        d.mkdir(exist_ok=True)
        table = pq.read_table(pq_path)
        with atomic_open(d / ARROW_SHARD, "wb") as fh:
            sink = pa.PythonFile(fh, mode="w")
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
        state = {"_data_files": [{"filename": ARROW_SHARD}], "_fingerprint": file_digest(pq_path)[:16],
                 "_format_columns": None, "_format_kwargs": {}, "_format_type": None,
                 "_output_all_columns": False, "_split": split}
        _write_json(d / "state.json", state)
        _write_json(d / "dataset_info.json", {"citation": "", "description": "", "homepage": "",
                                              "license": ""})
    _write_json(root / "dataset_dict.json", {"splits": list(parquet_files)})
    return root


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _write_json(path: Path, obj: Any) -> None:
    with atomic_open(path) as fh:
        fh.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically with LF line endings."""
    with atomic_open(path) as fh:
        fh.write(text)
