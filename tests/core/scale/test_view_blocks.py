"""Reading the examples frame in blocks gives the same frame as reading it at once."""

from __future__ import annotations

import polars as pl

from ftcurate.core import view
from ftcurate.core.records import Example, pair_to_messages
from ftcurate.core.store import Project


def test_block_reads_equal_one_read(tmp_path, monkeypatch):
    with Project.create(tmp_path / "p.ftcurate") as project:
        assert project.examples_frame().height == 0
        project.add_examples([Example(messages=pair_to_messages(f"q{i} é", f"a{i}"), label=f"l{i % 3}")
                              for i in range(10)])
        whole = project.examples_frame()
        monkeypatch.setattr(view, "READ_BLOCK", 3)
        blocks = project.examples_frame()
        assert blocks.equals(whole) and blocks.height == 10
        assert blocks.schema == pl.Schema(view.COLUMNS)
        assert project.examples_frame(["id", "label"])["label"].to_list() == [f"l{i % 3}" for i in range(10)]


def test_reading_reports_rows_read_against_the_row_count(tmp_path, monkeypatch):
    """Opening a large project in the app shows a percentage: the total is the row count and each
    block read advances it."""
    from ftcurate.core.progress import Progress

    class Recorder(Progress):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[tuple[int, int | None]] = []

        def _changed(self) -> None:
            self.seen.append((self.done, self.total))

    with Project.create(tmp_path / "p.ftcurate") as project:
        project.add_examples([Example(messages=pair_to_messages(f"q{i}", f"a{i}")) for i in range(10)])
        monkeypatch.setattr(view, "READ_BLOCK", 4)
        rec = Recorder()
        assert project.examples_frame(["id", "input"], rec).height == 10
    assert rec.seen == [(0, 10), (4, 10), (8, 10), (10, 10)]
