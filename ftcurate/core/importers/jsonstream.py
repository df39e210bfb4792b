"""Streamed JSON and JSON Lines records with their location in the file.

`iter_json_records` yields `(loc, record)` pairs where `loc` is the provenance of the record:
- JSON Lines: `{"line": n}` (1-based line of the record).
- a JSON array: `{"row": i, "line": n}` (1-based record number, and the line where it starts).
- a JSON object that holds lists of records (`{"train": [...], "test": [...]}`, `{"faqs": [...]}`) or
  records keyed by id (`{"c1": {...}, "c2": {...}}`): as for an array, plus `"split"`/`"key"`.
- a JSON object that is itself one record (for example one conversation): `{"row": 1}`.

Arrays are decoded element by element from a sliding buffer, so memory stays bounded by the largest
record, not the file, and a record over `MAX_RECORD_CHARS` is refused. Malformed JSON raises
`UserError` naming the line as soon as the bad record is read (not after reading the whole file), as do
hostile values: nesting deeper than Python follows, numbers over 4,300 digits, lone UTF-16 surrogates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.importers.textio import CHUNK, FileSample, open_text
from ftcurate.core.progress import Progress

WHOLE_OBJECT_LIMIT = 50 * 1024 * 1024
MAX_RECORD_CHARS = 32 * 1024 * 1024
"""The largest single record (JSON value in an array, or JSON Lines line) read, in characters."""
BLANK_LINE = "blank line"
"""The message of the error `iter_json_records` passes to `on_error` for a blank JSON Lines line."""
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_WS = re.compile(r"[ \t\r\n]*")
_TURN_SPEAKER_KEYS = ("role", "speaker", "from", "author", "sender", "participant", "user", "party")
_TURN_TEXT_KEYS = ("content", "text", "value", "message", "body", "utterance")


def looks_like_turns(value: Any) -> bool:
    """True if `value` is a list of chat turns: dicts with a speaker and a text key, or
    `[speaker, text]` pairs."""
    if not isinstance(value, list) or not value:
        return False
    first = value[0]
    if isinstance(first, dict):
        keys = {k.lower() for k in first}
        return any(k in keys for k in _TURN_SPEAKER_KEYS) and any(k in keys for k in _TURN_TEXT_KEYS)
    return (isinstance(first, list | tuple) and len(first) == 2
            and all(isinstance(x, str) for x in first))


def _too_big(path: Any, line: int) -> UserError:
    return UserError(f"a record larger than {MAX_RECORD_CHARS >> 20} MB starts here; split the file or "
                     "shorten the record", path=path, line=line)


def _hostile(exc: BaseException, path: Any, line: int) -> UserError:
    """The readable error for a value the decoder could not take (called with RecursionError/ValueError)."""
    if isinstance(exc, RecursionError):
        return UserError("not valid data: nested too deeply (thousands of [ or { inside one another)",
                         path=path, line=line)
    if "integer string conversion" in str(exc):
        return UserError("not valid data: a number with more than 4,300 digits", path=path, line=line)
    return UserError(f"not valid data: {exc}", path=path, line=line)


def _lone_surrogate(obj: Any) -> bool:
    """True if a string in `obj` holds half of a UTF-16 pair (which cannot be stored as UTF-8)."""
    stack = [obj]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def decode_checked(text: str, path: Any, line: int, decode=json.loads) -> Any:
    """`json.loads(text)` with hostile values turned into `UserError` at `line` (see module doc)."""
    try:
        obj = decode(text)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        raise _hostile(exc, path, line) from None
    if _SURROGATE_ESCAPE.search(text) and _lone_surrogate(obj):
        raise UserError("the text holds a broken character (half of an emoji or other UTF-16 pair, "
                        "e.g. \\ud83d); fix or remove it", path=path, line=line)
    return obj


class _Reader:
    """A text buffer over a file with a line counter, for decoding one JSON value at a time."""

    def __init__(self, sample: FileSample, progress: Progress | None) -> None:
        self.sample = sample
        self.fh, self.counter = open_text(sample)
        self.buf = ""
        self.pos = 0
        self.line = 1  # line number at self.pos
        self.eof = False
        self.decoder = json.JSONDecoder()
        self.progress = progress
        self.chunk = CHUNK

    def close(self) -> None:
        self.fh.close()

    def _fill(self) -> None:
        data = self.fh.read(self.chunk)
        if not data:
            self.eof = True
            return
        self.buf = self.buf[self.pos:] + data
        self.pos = 0
        if self.progress is not None:
            self.progress.set_progress(self.counter.count)
            self.progress.check_cancelled()

    def _advance(self, end: int) -> None:
        self.line += self.buf.count("\n", self.pos, end)
        self.pos = end

    def peek(self) -> str:
        while True:
            self._advance(_WS.match(self.buf, self.pos).end())
            if self.pos < len(self.buf) or self.eof:
                return self.buf[self.pos:self.pos + 1]
            self._fill()

    def expect(self, chars: str) -> str:
        ch = self.peek()
        if not ch or ch not in chars:
            found = repr(ch) if ch else "the end of the file"
            self.fail(f"expected {' or '.join(repr(c) for c in chars)} but found {found}")
        self._advance(self.pos + 1)
        return ch

    def value(self, limit: int | None = -1) -> Any:
        """Decode the next value; `limit` caps its size in characters (-1: `MAX_RECORD_CHARS`,
        None: no cap, for a whole-file object already bounded by `WHOLE_OBJECT_LIMIT`)."""
        limit = MAX_RECORD_CHARS if limit == -1 else limit
        self.peek()
        while True:
            try:
                obj, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                # a value cut by the end of the buffer needs more text; any other error is final, and
                # is reported at once rather than after reading the rest of a large file
                cut = exc.msg.startswith("Unterminated string") or exc.pos >= len(self.buf) - 64
                if self.eof or not cut:
                    line = self.line + self.buf.count("\n", self.pos, exc.pos)
                    raise UserError(f"not valid JSON: {exc.msg}", path=self.sample.path, line=line) from None
                self._more(limit)
                continue
            except (RecursionError, ValueError) as exc:
                raise _hostile(exc, self.sample.path, self.line) from None
            if end >= len(self.buf) and not self.eof:  # a number may continue in the next chunk
                self._more(limit)
                continue
            if limit is not None and end - self.pos > limit:
                raise _too_big(self.sample.path, self.line)
            if _SURROGATE_ESCAPE.search(self.buf, self.pos, end) and _lone_surrogate(obj):
                raise UserError("the text holds a broken character (half of an emoji or other UTF-16 pair, "
                                "e.g. \\ud83d); fix or remove it", path=self.sample.path, line=self.line)
            self._advance(end)
            return obj

    def _more(self, limit: int | None) -> None:
        if limit is not None and len(self.buf) - self.pos > limit:
            raise _too_big(self.sample.path, self.line)
        self.chunk = min(self.chunk * 2, 1 << 26)
        self._fill()

    def fail(self, message: str) -> None:
        raise UserError(f"not valid JSON: {message}", path=self.sample.path, line=self.line)

    def array(self, loc_extra: dict[str, Any]) -> Iterator[tuple[dict[str, Any], Any]]:
        """Stream the elements of the array whose '[' is next."""
        self.expect("[")
        if self.peek() == "]":
            self._advance(self.pos + 1)
            return
        i = 0
        while True:
            i += 1
            self.peek()
            loc = {"row": i, "line": self.line, **loc_extra}
            yield loc, self.value()
            if self.expect(",]") == "]":
                return


def iter_json_records(sample: FileSample, progress: Progress | None = None,
                      on_error: Callable[[UserError], None] | None = None
                      ) -> Iterator[tuple[dict[str, Any], Any]]:
    """Yield `(loc, record)` from a JSON or JSON Lines file (see the module docstring).

    `on_error`, if given, receives the error of each malformed JSON Lines line (and a `BLANK_LINE`
    error for each blank line) instead of it being raised or skipped, and reading goes on with the
    next line (the validator reports every bad line); a line over `MAX_RECORD_CHARS` still raises.

    Raises:
        UserError: malformed JSON (with the line), or a file that is neither an array nor an object.
    """
    if progress is not None:
        progress.set_total(sample.size)
    if sample.fmt == "jsonl":
        yield from _iter_jsonl(sample, progress, on_error)
    else:
        yield from _iter_json(sample, progress)
    if progress is not None:
        progress.set_progress(sample.size)


def _iter_jsonl(sample: FileSample, progress: Progress | None,
                on_error: Callable[[UserError], None] | None = None) -> Iterator[tuple[dict[str, Any], Any]]:
    fh, counter = open_text(sample)
    with fh:
        lineno = 0
        while line := fh.readline(MAX_RECORD_CHARS + 1):
            lineno += 1
            if len(line) > MAX_RECORD_CHARS:
                raise _too_big(sample.path, lineno)
            if progress is not None and lineno % 5000 == 0:
                progress.set_progress(counter.count)
                progress.check_cancelled()
            if not line.strip():
                if on_error is not None:
                    on_error(UserError(BLANK_LINE, path=sample.path, line=lineno))
                continue
            try:
                rec = decode_checked(line, sample.path, lineno)
            except json.JSONDecodeError as exc:
                err = UserError(f"not valid JSON: {exc.msg} (column {exc.colno})", path=sample.path, line=lineno)
                if on_error is None:
                    raise err from None
                on_error(err)
                continue
            except UserError as err:
                if on_error is None:
                    raise
                on_error(err)
                continue
            yield {"line": lineno}, rec


def _iter_json(sample: FileSample, progress: Progress | None) -> Iterator[tuple[dict[str, Any], Any]]:
    reader = _Reader(sample, progress)
    try:
        first = reader.peek()
        if first == "[":
            yield from reader.array({})
        elif first == "{":
            if sample.size <= WHOLE_OBJECT_LIMIT:
                yield from _object_records(reader.value(limit=None))
            else:
                yield from _stream_object(reader)
        else:
            reader.fail("expected a list ([...]) or an object ({...}) at the start of the file")
            return
        if reader.peek():
            reader.fail("unexpected text after the end of the JSON data")
    finally:
        reader.close()


def _object_records(obj: dict[str, Any]) -> Iterator[tuple[dict[str, Any], Any]]:
    lists = {k: v for k, v in obj.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
    if any(looks_like_turns(v) for v in obj.values()) or (not lists and not _dict_of_records(obj)):
        yield {"row": 1}, obj
        return
    if lists:
        for key, items in lists.items():
            for i, item in enumerate(items, start=1):
                yield {"row": i, "split": key} if len(lists) > 1 else {"row": i}, item
        return
    for i, (key, item) in enumerate(obj.items(), start=1):
        yield {"row": i, "key": key}, item


def _dict_of_records(obj: dict[str, Any]) -> bool:
    return len(obj) >= 2 and all(isinstance(v, dict) for v in obj.values())


def _stream_object(reader: _Reader) -> Iterator[tuple[dict[str, Any], Any]]:
    """A big top-level object: stream each array of records; other values are skipped."""
    reader.expect("{")
    if reader.peek() == "}":
        reader._advance(reader.pos + 1)
        return
    while True:
        key = reader.value()
        reader.expect(":")
        if reader.peek() == "[":
            yield from reader.array({"split": key})
        else:
            value = reader.value()
            if isinstance(value, dict):
                yield {"row": 0, "key": key, "line": reader.line}, value
        if reader.expect(",}") == "}":
            return


def head_records(sample: FileSample, limit: int = 200) -> list[tuple[dict[str, Any], Any]]:
    """Up to `limit` records from the sampled head of a JSON/JSONL file (cheap, for detection).
    Records after a malformed one are not sampled (reading the file reports its line).

    Raises:
        UserError: the very first record is malformed.
    """
    out: list[tuple[dict[str, Any], Any]] = []
    if sample.fmt == "jsonl":
        lines = sample.text.split("\n")
        if not sample.complete:
            lines = lines[:-1]
        for lineno, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                out.append(({"line": lineno}, decode_checked(line, sample.path, lineno)))
            except json.JSONDecodeError as exc:
                if out:  # detect from the good records; reading reports this line
                    break
                raise UserError(f"not valid JSON: {exc.msg} (column {exc.colno})", path=sample.path,
                                line=lineno) from None
            if len(out) >= limit:
                break
        return out
    if sample.complete or sample.size <= WHOLE_OBJECT_LIMIT and not sample.text.lstrip().startswith("["):
        it = _iter_json(sample, None)
    else:
        it = _iter_head_array(sample)
    try:
        for item in it:
            out.append(item)
            if len(out) >= limit:
                break
    except UserError:
        if not out:
            raise
    return out


def _iter_head_array(sample: FileSample) -> Iterator[tuple[dict[str, Any], Any]]:
    """Records of a big array file, decoded from the sampled head only (stops at the cut)."""
    reader = _Reader(sample, None)
    reader.close()
    reader.buf, reader.eof = sample.text, True
    try:
        yield from reader.array({})
    except UserError:
        return  # the sample ends inside a record
