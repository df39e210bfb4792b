"""The columnar import path stores exactly what the row-by-row path stores."""

from __future__ import annotations

import csv
import random

import pytest

from ftcurate.core.errors import UserError
from ftcurate.core.importers.base import ImportOptions
from ftcurate.core.importing import import_file
from ftcurate.core.store import Project

COLUMNS = ('messages, input, output, n_turns, label, metadata, "row", line, conversation, status, '
           "content_hash")
TRICKY = ['say "hi"', "back\\slash", "tab\there", "ctrl\x01\x1f", "é中😀", "line\u2028sep", "a/b", "{x}"]


def _log(path, speakers, seed=3, n_conv=60):
    rng = random.Random(seed)
    rows = []
    for c in range(n_conv):
        for i in range(rng.randint(1, 9)):
            spk = speakers[i % 2] if rng.random() > 0.15 else rng.choice(speakers)
            text = f"msg {c}-{i} {rng.choice(TRICKY)}"
            if i % 4 == 0:
                text += "\nsecond line"
            rows.append([f"K{c}", f"2024-01-{1 + c % 28:02d}T00:{i:02d}:00", spk, text,
                         f"topic{c % 4}" if i == 0 else ""])
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["conversation_id", "timestamp", "sender", "message", "intent"])
        w.writerows(rows)


def _stored(tmp_path, name, path, **extra):
    with Project.create(tmp_path / f"{name}.ftcurate") as project:
        rep = import_file(project, path, ImportOptions(extra=extra))
        rows = project.query(f"SELECT {COLUMNS} FROM examples ORDER BY id")
    return rep, rows


@pytest.mark.parametrize("speakers", [("Customer", "Agent"), ("Customer", "Dana", "Agent", "bot")])
def test_columnar_import_stores_the_same_rows(tmp_path, speakers):
    path = tmp_path / "log.csv"
    _log(path, speakers)
    rep, fast = _stored(tmp_path, "fast", path)
    _, exact = _stored(tmp_path, "exact", path, exact=True)
    assert rep.examples == len(fast) > 40
    assert fast == exact


def test_columnar_import_is_all_or_nothing(tmp_path):
    path = tmp_path / "log.csv"
    _log(path, ("Customer", "Agent"))
    lines = path.read_text("utf-8").splitlines(keepends=True)
    lines.insert(len(lines) - 3, 'K999,2024-01-01,Agent,"unterminated\n')
    path.write_text("".join(lines), "utf-8")
    with Project.create(tmp_path / "p.ftcurate") as project:
        with pytest.raises(UserError):
            import_file(project, path)
        assert project.count_examples() == 0
        assert project.sources() == []
