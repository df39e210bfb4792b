"""What keeps the window from freezing at 100k examples, as behaviour (the stall figures themselves
are in benchmarks/bench_gui_stalls.py, never timed here): worker results are read off the GUI
thread, workers yield the CPU to the window, the views are derived on the loading thread, the
example is drawn once per move, and the filter counts examples."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from ftcurate.core.filtering import facets, flag_summary


def test_a_large_worker_result_arrives_whole_and_is_unpickled_off_the_gui_thread(window):
    h = window.controller.run_process("big", "tests.gui.worker_targets:big_result", (8_000_000,), quiet=True)
    assert h.wait(60_000) and h.state == "done"
    assert len(h.result.blob) == 8_000_000
    assert h.result.unpickled_on not in (None, threading.main_thread().ident)


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="no process priorities on this platform")
def test_workers_run_at_a_lower_cpu_priority_than_the_window(window):
    h = window.controller.run_process("nice", "tests.gui.worker_targets:niceness", quiet=True)
    assert h.wait(60_000) and h.state == "done"
    assert h.result == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)


def test_opening_derives_the_views_on_the_loading_thread(window):
    c = window.controller
    # filled by the open task: the window did not compute them (nothing read them lazily yet either)
    assert c._review is not None and c._summary is not None and c._facets is not None
    assert c._summary.equals(flag_summary(c.review_flags()))
    assert c.facets() == facets(c.frame(), c.review_flags())


def test_facets_follow_edits(window):
    from ftcurate.core.commands import SetStatusCommand

    c = window.controller
    before = dict(c.facets()["statuses"])  # cached now
    was = [c.project.get_example(i).status for i in (1, 2)]
    c.apply(SetStatusCommand([1, 2], "approved"))
    c.flush()
    after = dict(c.facets()["statuses"])
    assert after.get("approved", 0) == before.get("approved", 0) + sum(s != "approved" for s in was)
    assert sum(after.values()) == c.frame().height


def test_flag_filter_and_status_bar_count_examples_not_flags(window):
    """Example 3 has two PII findings and example 11 one: "2" examples, not 3 flags."""
    box = window.filter_bar.check
    texts = [box.itemText(i) for i in range(box.count())]
    assert "pii  (2)" in texts
    assert "with open flags" in window.counts_label.text()
    assert f"{window.controller.flag_summary().height:,} with open flags" in window.counts_label.text()


def test_moving_to_an_example_draws_it_once(window, monkeypatch):
    shown = []
    original = window.detail.show_example
    monkeypatch.setattr(window.detail, "show_example", lambda eid: (shown.append(eid), original(eid)))
    window.select_row(4)
    assert shown == [window.model.example_id(4)]
    shown.clear()
    window.select_row(4)  # the same row again still refreshes the pane (e.g. after an undo)
    assert shown == [window.model.example_id(4)]


def test_opening_a_project_reports_a_percentage(qtbot, gui_project):
    from ftcurate.gui.controller import ProjectController

    c = ProjectController()
    seen = []
    h = c.open_project_async(gui_project)
    h.progressed.connect(lambda done, total, _status: seen.append((done, total)))
    qtbot.waitUntil(lambda: not h.is_running(), timeout=30_000)
    assert h.state == "done" and c.project is not None
    assert seen and seen[-1] == (24, 24)
    c.close_project()


def test_a_freshly_opened_project_selects_its_first_example_after_the_table_is_drawn(qtbot, gui_project):
    from ftcurate.gui.app import make_app
    from ftcurate.gui.main_window import MainWindow

    make_app()
    w = MainWindow(persist_settings=False)
    qtbot.addWidget(w)
    w.show()
    results = []
    w.filter_bar.resultReady.connect(lambda *_: results.append((w.model.rowCount(), w.current_row())))
    w.open_path(gui_project)
    qtbot.waitUntil(lambda: bool(results))
    assert results[0][0] == 24 and results[0][1] == -1  # rows on screen, nothing selected yet
    qtbot.waitUntil(lambda: w.current_row() == 0)
    assert w.detail.current_id() == w.model.example_id(0)
    w.filter_bar.pool.waitForDone(10_000)
    w.controller.close_project()


def test_the_table_and_the_detail_pane_run_no_polars_query_on_the_gui_thread(window, monkeypatch):
    """A polars query (select, gather by index, filter, unique, any lazy collect) waits for polars'
    shared thread pool; while a filter or load on another thread keeps the pool busy, one on the GUI
    thread froze the window for up to 300 ms. Showing rows and an example must not run any."""
    import polars as pl
    from polars.lazyframe.frame import LazyFrame

    main = threading.main_thread().ident
    seen: list[str] = []

    def spy(cls, name):
        original = getattr(cls, name)

        def wrapper(*args, **kwargs):
            if threading.get_ident() == main:
                seen.append(f"{cls.__name__}.{name}")
            return original(*args, **kwargs)

        monkeypatch.setattr(cls, name, wrapper)

    c, model = window.controller, window.model
    frame, summary, positions = c.frame(), c.flag_summary(), window.model.positions()[::-1].copy()
    c.facets()  # counted by the loading thread after an open (tested above)
    for cls, name in ((pl.DataFrame, "__getitem__"), (pl.DataFrame, "select"), (pl.DataFrame, "filter"),
                      (pl.DataFrame, "gather"), (pl.Series, "unique"), (pl.Series, "__getitem__"),
                      (LazyFrame, "collect"), (LazyFrame, "_collect_eager")):
        spy(cls, name)
    model.set_view(frame, positions, summary)  # a filter result arrives
    cells = [model.index(r, col).data() for r in range(model.rowCount()) for col in range(model.columnCount())]
    assert cells[0] == model.example_id(0) == frame.get_column("id").to_list()[positions[0]]
    badges = {model.example_id(r): model.index(r, 5).data() for r in range(model.rowCount())}
    assert badges[3] == "pii"  # the flag chips still come from the summary
    window.detail.show_example(3)  # the detail pane: labels box, flags list, spans
    assert window.detail.flag_list.topLevelItemCount() == 2
    assert [r["example_id"] for r in c.example_flags(5).iter_rows(named=True)] and seen == []
    flags = c.flags()
    for eid in frame.get_column("id").to_list() + [10_000]:
        assert c.example_flags(eid).equals(flags.filter(pl.col("example_id") == eid))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a nice value per thread is Linux's")
def test_background_threads_of_the_window_yield_the_cpu_to_the_gui_thread(window, qtbot):
    from ftcurate.gui.proc_reader import THREAD_NICE

    h = window.controller.run_task("nice", lambda p: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()),
                                   quiet=True)
    qtbot.waitUntil(lambda: h.state == "done", timeout=30_000)
    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert h.result == min(19, gui + THREAD_NICE) and gui == os.getpriority(os.PRIO_PROCESS, os.getpid())
