"""How long the window freezes: the longest event-loop stall per scenario (StallWatchdog, 10 ms timer).

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui_stalls.py [--n 100000] [--dir DIR]
        [--only checks,open,duplicates,health,train_load]

Scenarios (each run in the real MainWindow, with the event loop running while the work goes on):
* checks: run every check on the first 64 examples of the bundled demo (a fresh project), in a worker
  process as the app does; checks_thread: the same on a thread of the GUI process (the baseline);
* train_load: what training does first: import torch and transformers and load the default model
  (SmolLM2-135M from its bundled GGUF, converted once), in a worker process; train_load_thread: the
  same on a thread (how the Train screen still runs training);
* open: open an N-example project with flags (the synthetic project of bench_gui_table.py), until
  its first example is shown;
* duplicates: show the Duplicates screen of that project;
* health: show the Health screen of that project, until its data is drawn (every part).
Prints, per scenario: wall seconds, longest stall (ms), stalls over 100 ms, and the same for an
idle baseline of 2 s (the floor of this machine under its current load).

`--busy-pool` runs open, duplicates and health while a thread of the same process keeps polars'
shared thread pool busy (sorting and grouping 400,000 strings in a loop, pool threads at nice 19 so
they do not take the CPU from the GUI thread): how the app behaves when a filter, sort or load on
another thread holds the pool. A polars query on the GUI thread then waits for the pool; the table,
the detail pane and the panels must not run one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))


def run_until(pred, timeout: float = 600.0) -> bool:
    """Run the Qt event loop (not a busy wait) until `pred()` is true or `timeout` passes."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.monotonic() + timeout
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: (pred() or time.monotonic() > deadline) and loop.quit())
    timer.start()
    loop.exec()
    timer.stop()
    return pred()


def measure(name: str, start, done, timeout: float = 900.0) -> dict:
    from ftcurate.gui.watchdog import StallWatchdog

    wd = StallWatchdog(interval_ms=10).start()
    t = time.perf_counter()
    start()
    ok = run_until(done, timeout)
    wall = time.perf_counter() - t
    wd.stop()
    t0 = wd.started_at
    stalls = ", ".join(f"{late:.0f} ms at {at - t0:.1f} s" for at, late in wd.stalls[:8])
    row = {"scenario": name, "wall_s": wall, "longest_ms": wd.longest_ms, "over_100": len(wd.stalls), "ok": ok}
    print(f"{name:<12} {wall:8.1f} s   longest stall {wd.longest_ms:7.0f} ms   stalls >100 ms: "
          f"{len(wd.stalls):4d}{'' if ok else '   (timed out)'}", flush=True)
    if stalls and os.environ.get("BENCH_VERBOSE"):
        print("    stalls:", stalls, flush=True)
    return row


class BusyPool:
    """Keeps polars' thread pool busy from a background thread (see `--busy-pool`)."""

    def __init__(self) -> None:
        import threading

        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import numpy as np
        import polars as pl

        rng = np.random.default_rng(0)
        n = 400_000
        frame = pl.DataFrame({"a": rng.integers(0, 1 << 40, n).astype(str), "b": rng.random(n)})
        while not self.stop.is_set():
            frame.sort("a")
            frame.group_by("a").agg(pl.col("b").sum())

    def __enter__(self) -> BusyPool:
        self.thread.start()
        time.sleep(1.0)
        for tid in os.listdir("/proc/self/task"):  # polars-0, polars-1, ... (Linux)
            with open(f"/proc/self/task/{tid}/comm") as fh:
                if fh.read().startswith("polars-"):
                    os.setpriority(os.PRIO_PROCESS, int(tid), 19)
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def idle(window) -> bool:
    return not any(t.is_running() for t in window.controller.tasks)


def demo_project(folder: Path, n: int = 64) -> Path:
    from ftcurate.cliparts.demo import demo_files
    from ftcurate.core.importing import import_file
    from ftcurate.core.store import Project

    path = folder / "demo64.ftcurate"
    path.unlink(missing_ok=True)
    with Project.create(path) as p:
        for f in demo_files():
            import_file(p, f)
        keep = p.example_ids()[:n]
        with p.transaction() as conn:
            conn.execute(f"DELETE FROM examples WHERE id NOT IN ({','.join(map(str, keep))})")
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--only", default="idle,checks,open,duplicates,health",
                    help="scenarios; also checks_thread, train_load, train_load_thread (one per run)")
    ap.add_argument("--busy-pool", action="store_true",
                    help="open, duplicates and health with polars' thread pool kept busy by another thread")
    args = ap.parse_args()
    only = set(args.only.split(","))
    folder = Path(args.dir or tempfile.mkdtemp(prefix="ftc_stalls_"))
    folder.mkdir(parents=True, exist_ok=True)

    from ftcurate.gui.app import make_app, settle
    from ftcurate.gui.main_window import MainWindow

    make_app()
    w = MainWindow(persist_settings=False)
    w.resize(1400, 880)
    w.show()
    print(f"bench_gui_stalls: N={args.n:,}, folder {folder}", flush=True)
    if "idle" in only:
        end = time.monotonic() + 2
        measure("idle", lambda: None, lambda: time.monotonic() > end)
    # each "_thread" baseline is the same work on a thread of the GUI process (how the app ran it
    # before); run each scenario in its own invocation (--only) so imports and caches are fresh
    from ftcurate.gui import proc_jobs

    if only & {"checks", "checks_thread"}:
        path = demo_project(folder)
        w.open_path(path)
        run_until(lambda: w.detail.current_id() is not None, 60)  # opened and its first example drawn
        settle(w, 60)
        if "checks_thread" in only:
            measure("checks_thread", lambda: w.controller.run_task(
                "Run checks", lambda p: proc_jobs.run_checks(p, str(path), None), writes=True), lambda: idle(w))
        else:
            measure("checks", lambda: w.run_checks(), lambda: idle(w))
        settle(w, 60)
    if "train_load_thread" in only:
        measure("train_load_thread", lambda: w.controller.run_task(
            "Load model", lambda p: proc_jobs.load_model(p, None)), lambda: idle(w))
    elif "train_load" in only:
        measure("train_load", lambda: w.controller.run_process(
            "Load model", "ftcurate.gui.proc_jobs:load_model", (None,)), lambda: idle(w))
    big = folder / f"synthetic_{args.n}.ftcurate"
    if only & {"open", "duplicates", "health"}:
        if not big.exists():  # built by another process, so this one opens it as the app would
            import subprocess

            code = ("import sys; from pathlib import Path; from bench_gui_table import make_project; "
                    "print(f'making: {make_project(Path(sys.argv[1]), int(sys.argv[2])):.0f} s')")
            subprocess.run([sys.executable, "-c", code, str(big), str(args.n)], check=True,
                           cwd=Path(__file__).parent)
    busy = BusyPool() if args.busy_pool and only & {"open", "duplicates", "health"} else contextlib.nullcontext()
    tag = " (busy pool)" if args.busy_pool else ""
    with busy:
        if "open" in only:
            measure("open" + tag, lambda: w.open_path(big),  # until the first example shows in the detail pane
                    lambda: w.controller.project is not None and idle(w) and w.model.rowCount() > 0
                    and w.detail.current_id() is not None)
            settle(w, 60)
        elif only & {"duplicates", "health"}:
            w.open_path(big)
            run_until(lambda: w.controller.project is not None and idle(w) and w.detail.current_id() is not None)
            settle(w, 60)
        if "duplicates" in only:
            measure("duplicates" + tag, lambda: w.show_panel("duplicates"), lambda: idle(w))
        if "health" in only:
            def health_done():
                host = w.panels["health"]
                return (host.panel is not None and idle(w) and bool(getattr(host.panel, "data", None))
                        and getattr(host.panel, "drawn", True))

            measure("health" + tag, lambda: w.show_panel("health"), health_done)
    w.controller.close_project()
    w.close()


if __name__ == "__main__":
    main()
