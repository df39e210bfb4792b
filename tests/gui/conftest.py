"""GUI test fixtures: offscreen Qt, isolated QSettings, no dangling worker threads, a small project."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QSettings, QThread, QThreadPool  # noqa: E402

from ftcurate.core.checks.base import Flag  # noqa: E402
from ftcurate.core.checks.runner import store_flags  # noqa: E402
from ftcurate.core.records import Example, pair_to_messages  # noqa: E402
from ftcurate.core.store import Project  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _isolated_qsettings(tmp_path_factory):
    """Window geometry and recent projects go to a temporary folder, not the user's config."""
    folder = tmp_path_factory.mktemp("qsettings")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    yield


@pytest.fixture(autouse=True)
def _no_dangling_threads(monkeypatch, request):
    """Fail a test that leaves a QThread or a thread-pool job running when it ends (napari's rule)."""
    threads: list[QThread] = []
    pools: list[QThreadPool] = []
    original_start = QThread.start
    original_pool_start = QThreadPool.start

    def start(self, *args, **kwargs):
        threads.append(self)
        return original_start(self, *args, **kwargs)

    def pool_start(self, *args, **kwargs):
        pools.append(self)
        return original_pool_start(self, *args, **kwargs)

    monkeypatch.setattr(QThread, "start", start)
    monkeypatch.setattr(QThreadPool, "start", pool_start)
    yield
    running = []
    for t in threads:
        try:
            if t.isRunning():
                running.append(t)
        except RuntimeError:  # the C++ object is gone: it has finished
            pass
    busy = []
    for p in pools:
        try:
            if p.activeThreadCount() > 0:
                busy.append(p)
        except RuntimeError:
            pass
    for t in running:  # clean up so the next test starts from a quiet process
        t.wait(30_000)
    for p in busy:
        p.waitForDone(30_000)
    import multiprocessing

    children = multiprocessing.active_children()
    for c in children:  # a finished task's process may still be tearing down (spaCy, torch): wait
        c.join(30)
    children = [c for c in children if c.is_alive()]
    if children:
        pytest.fail(f"{request.node.name} left {len(children)} worker process(es) running", pytrace=False)
    if running or busy:
        pytest.fail(f"{request.node.name} left {len(running)} QThread(s) and {len(busy)} thread pool(s) "
                    "running; wait for workers before the test ends", pytrace=False)


QUESTIONS = [
    ("Where is my order FH-1001?", "Your order left the warehouse on Monday.", "shipping"),
    ("Can I return my tent?", "Yes, unused items can be returned within 30 days.", "returns"),
    ("My name is Maya Lindqvist, call me on +44 20 7946 0149", "Thanks Maya, we will call you today.", "account"),
    ("How heavy is the Ridgeline 2 tent?", "It weighs 2.1 kg including poles.", "product"),
    ("Do you ship to Canada?", "Yes, we ship to Canada in 5 to 8 days.", "shipping"),
    ("Do you ship to Canada?", "Yes, we ship to Canada in 5 to 8 days.", "shipping"),
    ("Do you ship to Canada?", "No, we only ship within the EU.", "shipping"),
    ("I can't log in to my account.", "Use 'Forgot password' on the sign-in page.", None),
]


@pytest.fixture
def gui_project(tmp_path):
    """A closed project file with 24 examples from two sources, labels, statuses and flags:
    PII spans on example 3 (PERSON, PHONE_NUMBER), a duplicate cluster {5, 6, 13, 14}, a conflict
    cluster {5, 7}, and a tone flag (ignored) on example 1. Returns the path."""
    path = tmp_path / "review.ftcurate"
    with Project.create(path) as p:
        for src, rounds in (("log.csv", 2), ("faq.html", 1)):
            exs = [Example(pair_to_messages(q, a), label=lab) for _ in range(rounds) for q, a, lab in QUESTIONS]
            p.add_examples(exs, source=dict(name=src, path=f"/data/{src}", content_hash=src, size=1,
                                            importer="test", kind="pairs", options={}, detection={}))
        q3 = QUESTIONS[2][0]
        store_flags(p, "pii", [
            Flag(3, "pii", "high", "Person name", kind="PERSON", turn=0, start=q3.index("Maya"),
                 end=q3.index("Maya") + len("Maya Lindqvist")),
            Flag(3, "pii", "high", "Phone number", kind="PHONE_NUMBER", turn=0, start=q3.index("+44"),
                 end=len(q3)),
            Flag(11, "pii", "medium", "Person name", kind="PERSON", turn=0, start=q3.index("Maya"),
                 end=q3.index("Maya") + len("Maya Lindqvist")),
        ])
        store_flags(p, "exact_duplicate", [Flag(i, "exact_duplicate", "medium", "Same as other examples",
                                                kind="exact", cluster=1) for i in (5, 6, 13, 14)])
        store_flags(p, "conflicts", [Flag(i, "conflicts", "high", "Different answers to the same question",
                                          cluster=2) for i in (5, 7)])
        store_flags(p, "tone", [Flag(1, "tone", "low", "Curt", state="ignored")])
    return path


@pytest.fixture
def window(qtbot, gui_project):
    """The main window with `gui_project` open and its first filter result on screen."""
    from ftcurate.gui.app import make_app, settle
    from ftcurate.gui.main_window import MainWindow

    make_app()
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1400, 880)
    w.show()
    w.open_path(gui_project)
    settle(w)
    assert w.controller.project is not None
    yield w
    w.filter_bar.pool.waitForDone(10_000)
    w.controller.close_project()
