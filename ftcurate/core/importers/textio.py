"""Reading raw files for importers: encoding, format sniffing, CSV rows and streamed JSON records.

Everything here streams: files are read in chunks, so a 100 MB export never sits in memory as text.
`sample_file` looks only at the head of a file (cached per path + mtime) so that every importer's
`detect` can call it cheaply.

Encodings: UTF-8, UTF-8 with BOM, UTF-16 with BOM and cp1252. A file whose head is valid UTF-8 is
read as UTF-8; stray cp1252 bytes later in such a file are decoded as cp1252 instead of failing
(registered as the ``ftcurate-cp1252`` codec error handler).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.progress import Progress

HEAD_BYTES = 256 * 1024
CHUNK = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
TEXT_FORMATS = ("csv", "json", "jsonl", "markdown", "html", "email", "mbox")
BINARY_EXTENSIONS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet", ".pq": "parquet"}
EXTENSION_FORMATS = {
    ".csv": "csv", ".tsv": "csv", ".tab": "csv", ".txt": "csv",
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
    ".eml": "email", ".mbox": "mbox",
}

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode the offending bytes of a mostly-UTF-8 file as cp1252 (latin-1 for its 5 holes)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    return bad.decode("cp1252", errors="replace").replace("\ufffd", "") or bad.decode("latin-1"), exc.end


codecs.register_error("ftcurate-cp1252", _cp1252_fallback)


@dataclass(frozen=True)
class FileSample:
    """The head of a file and what it looks like.

    Attributes:
        path: the file.
        size: bytes on disk.
        fmt: "csv", "json", "jsonl", "markdown", "html", "email", "mbox", "xlsx" or "parquet".
        encoding: Python codec name for text formats ("utf-8", "utf-8-sig", "utf-16", "cp1252"); "" for
            binary formats.
        text: the decoded head (up to HEAD_BYTES), "" for binary formats.
        complete: True when `text` is the whole file.
        delimiter: the sniffed CSV delimiter (CSV only).
    """

    path: Path
    size: int
    fmt: str
    encoding: str
    text: str
    complete: bool
    delimiter: str = ","


def sample_file(path: str | Path) -> FileSample:
    """Return the cached `FileSample` of `path`.

    Raises:
        UserError: the file is missing, empty, or binary where text is expected.
    """
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        raise UserError("no such file", path=path) from None
    return _sample_cached(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=32)
def _sample_cached(path_str: str, mtime_ns: int, size: int) -> FileSample:
    path = Path(path_str)
    ext = path.suffix.lower()
    if ext in BINARY_EXTENSIONS:
        return FileSample(path, size, BINARY_EXTENSIONS[ext], "", "", False)
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise UserError("the file is empty", path=path)
    if head.startswith(b"PK\x03\x04"):
        return FileSample(path, size, "xlsx", "", "", False)
    if head.startswith(b"PAR1"):
        return FileSample(path, size, "parquet", "", "", False)
    encoding = detect_encoding(head)
    if encoding is None:
        raise UserError("this looks like a binary file, not text (expected CSV, JSON, Markdown, HTML, "
                        "email, XLSX or Parquet)", path=path)
    complete = len(head) == size
    text = _decode_head(head, encoding, complete)
    fmt = EXTENSION_FORMATS.get(ext) or _sniff_format(text)
    delimiter = "\t" if ext in (".tsv", ".tab") else sniff_delimiter(text) if fmt == "csv" else ","
    return FileSample(path, size, fmt, encoding, text, complete, delimiter)


def detect_encoding(head: bytes) -> str | None:
    """Codec for a file starting with `head`, or None when it looks binary."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        return None
    control = sum(1 for b in head[:4096] if b < 9 or 13 < b < 32)
    if control > 0.05 * min(len(head), 4096):
        return None
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a multi-byte character cut by the sample boundary
            return "utf-8"
    return "cp1252"


def _decode_head(head: bytes, encoding: str, complete: bool) -> str:
    text = head.decode(encoding, errors="ftcurate-cp1252" if encoding.startswith("utf-8") else "replace")
    if not complete:
        text = text.rstrip("\ufffd")
    return text


def _sniff_format(text: str) -> str:
    stripped = text.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        first = stripped.split("\n", 1)[0].strip()
        try:
            json.loads(first)
            return "jsonl"
        except json.JSONDecodeError:
            return "json"
    if stripped.startswith("From ") and re.search(r"^(Subject|From|Date):", text, re.M):
        return "mbox"
    if re.match(r"(?i)(<!doctype html|<html|<head|<body|<div|<section|<h[1-6]|<dl|<details)", stripped):
        return "html"
    if re.match(r"(?im)^(received|return-path|message-id|mime-version|from|to|subject|date):", stripped) \
            and re.search(r"(?im)^subject:", text):
        return "email"
    if re.match(r"#{1,6} ", stripped):
        return "markdown"
    return "csv"


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter among `DELIMITERS` that splits the sample's records most consistently."""
    best, best_score = ",", -1.0
    for delim in DELIMITERS:
        if delim not in text:
            continue
        counts = []
        try:
            for i, rec in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delim)):
                if i >= 50:
                    break
                if rec:
                    counts.append(len(rec))
        except csv.Error:
            continue
        if len(counts) > 1:
            counts = counts[:-1]  # the last sampled record may be cut
        if not counts or counts[0] < 2:
            continue
        consistency = sum(1 for c in counts if c == counts[0]) / len(counts)
        score = consistency * 10 + min(counts[0], 50) / 50
        if score > best_score:
            best, best_score = delim, score
    return best


class ByteCounter(io.RawIOBase):
    """A raw binary reader that counts bytes read, so text readers can report progress by bytes."""

    def __init__(self, fh: Any) -> None:
        self.fh = fh
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self.fh.readinto(b)
        self.count += n or 0
        return n

    def close(self) -> None:
        self.fh.close()
        super().close()


def open_text(sample: FileSample) -> tuple[io.TextIOWrapper, ByteCounter]:
    """Open the sampled file as text (universal newlines off, for csv); returns (text, byte counter)."""
    counter = ByteCounter(open(sample.path, "rb"))
    errors = "ftcurate-cp1252" if sample.encoding.startswith("utf-8") else "replace"
    text = io.TextIOWrapper(io.BufferedReader(counter, CHUNK), encoding=sample.encoding, errors=errors,
                            newline="")
    return text, counter


def iter_csv(sample: FileSample, progress: Progress | None = None, start_row: int = 2
             ) -> Iterator[tuple[int, list[str]]]:
    """Yield `(row, fields)` for each data record after the header; `row` counts records the way a
    spreadsheet numbers rows (the header is row 1). Quoted fields may span lines.

    Raises:
        UserError: bad quoting (naming the row where the broken record starts).
    """
    text, counter = open_text(sample)
    if progress is not None:
        progress.set_total(sample.size)
    with text:
        reader = csv.reader(text, delimiter=sample.delimiter, strict=True)
        row = 0
        try:
            for row, rec in enumerate(reader, start=1):
                if row >= start_row:
                    yield row, rec
                if progress is not None and row % 5000 == 0:
                    progress.set_progress(counter.count)
                    progress.check_cancelled()
        except csv.Error as exc:
            raise UserError(f"malformed CSV ({exc}); check the quotes in this row", path=sample.path,
                            row=row + 1) from None
    if progress is not None:
        progress.set_progress(sample.size)


def csv_header(sample: FileSample) -> list[str]:
    """The header record of a CSV sample, with blank names replaced by `column_N`."""
    reader = csv.reader(io.StringIO(sample.text, newline=""), delimiter=sample.delimiter)
    header = next(reader, [])
    return [h.strip() or f"column_{i + 1}" for i, h in enumerate(header)]
