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
