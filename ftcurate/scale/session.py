"""Starting (or joining) a Ray cluster for one `check` run, and splitting work into blocks."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.scale import require_ray

LOCAL_CPUS = 2


@contextmanager
def ray_session(address: str | None = None, num_cpus: int = LOCAL_CPUS) -> Iterator[Any]:
    """Connect to the cluster at `address`, or start a local Ray with `num_cpus` workers; shut down
    on exit what this call started (a Ray already initialised by the caller is left running)."""
    ray = require_ray()
    started = False
    if not ray.is_initialized():
        # workers import ftcurate from the same place as this process
        os.environ.setdefault("RAY_DEDUP_LOGS", "0")
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                  "logging_level": logging.ERROR, "configure_logging": False}
        try:
            if address:
                ray.init(address=address, **kwargs)
            else:
                ray.init(num_cpus=num_cpus, **kwargs)
        except (ConnectionError, ValueError, RuntimeError) as exc:
            where = f"the Ray cluster at {address}" if address else "a local Ray"
            raise UserError(f"could not start {where}: {str(exc).splitlines()[0]}") from None
        started = True
    for name in ("ray", "ray.data"):  # Ray Data logs every execution, and a warning that bars are off
        logging.getLogger(name).setLevel(logging.ERROR)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


def cluster_cpus() -> int:
    import ray

    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def dataset(columns: dict[str, Any], blocks: int | None = None):
    """A Ray Dataset of the given columns (equal-length arrays/lists), split into blocks so every CPU
    of the cluster gets work."""
    import pyarrow as pa
    import ray

    table = pa.table(columns)
    n = table.num_rows
    k = max(1, min(blocks or 4 * cluster_cpus(), n))
    step = -(-n // k) if n else 1
    parts = [table.slice(s, step) for s in range(0, n, step)] or [table]
    return ray.data.from_arrow(parts)


def collect(ds, batch_size: int = 10_000) -> Iterator[Any]:
    """pyarrow batches of a dataset's results, streamed to this process."""
    yield from ds.iter_batches(batch_format="pyarrow", batch_size=batch_size)
