"""Per-example results cached by content hash, so a re-check only computes the examples that changed.

A check whose result for one example depends only on that example's messages (and the check's
settings) stores one value per distinct `content_hash` in the project cache, under a namespace that
names the check, a version and a digest of the settings that shape the value. On the next run every
example whose content hash is cached is skipped; only new or edited examples are computed, in
batches of rows, so the parsed form of the whole project is never held at once.

The cached value must be what a fresh computation gives (a pure function of the messages and the
settings): then an incremental re-check and a check of a copy with an empty cache store the same flags.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import polars as pl

from ftcurate.core.progress import Progress
from ftcurate.core.records import text_hash

if TYPE_CHECKING:
    from ftcurate.core.store import Project

BATCH = 20_000


def row_keys(frame: pl.DataFrame) -> list[str]:
    """The cache key of each row: its `content_hash`, else (a bare frame in a unit test) a hash of
    its messages or input/output."""
    if "content_hash" in frame.columns and frame["content_hash"].null_count() == 0:
        return frame["content_hash"].to_list()
    if "messages" in frame.columns:
        return [text_hash(m or "") for m in frame["messages"].to_list()]
    ins = frame["input"].fill_null("").to_list() if "input" in frame.columns else [""] * frame.height
    outs = frame["output"].fill_null("").to_list() if "output" in frame.columns else [""] * frame.height
    return [text_hash(json.dumps([i, o])) for i, o in zip(ins, outs, strict=True)]


def per_example(project: Project | None, namespace: str, frame: pl.DataFrame,
                compute: Callable[[pl.DataFrame], list[bytes]], progress: Progress | None = None,
                ) -> tuple[list[str], dict[str, bytes], int]:
    """The cached value of every row of `frame`, computing only rows whose key is not cached.

    Args:
        project: the open project (None: nothing is cached, every row is computed).
        namespace: cache namespace (include a version and `records.settings_digest`).
        frame: the rows; `compute` receives slices of it (at most `BATCH` rows, one row per key).
        compute: values for the rows of a frame, in row order.
        progress: advanced by one per computed row; cancellation is honoured between batches.

    Returns:
        (keys, values, computed): the key of each row, the value of each distinct key, and how many
        rows had to be computed.
    """
    progress = progress or Progress()
    keys = row_keys(frame)
    first: dict[str, int] = {}
    for r, k in enumerate(keys):
        first.setdefault(k, r)
    values = project.cache_get(namespace, list(first)) if project is not None and first else {}
    todo = [r for k, r in first.items() if k not in values]
    for s in range(0, len(todo), BATCH):
        progress.check_cancelled()
        rows = todo[s:s + BATCH]
        part = frame.select(pl.all().gather(rows))
        fresh = dict(zip((keys[r] for r in rows), compute(part), strict=True))
        values.update(fresh)
        if project is not None:
            project.cache_put(namespace, fresh)
        progress.advance(len(rows))
    return keys, values, len(todo)
