"""Project store: round trip, history/undo, migrations, corrupt and newer files."""

from __future__ import annotations

import sqlite3

import pytest

from ftcurate.core.commands import (
    CompositeCommand,
    SetFlagStateCommand,
    SetLabelCommand,
    SetMessagesCommand,
    SetStatusCommand,
)
from ftcurate.core.errors import ProjectError, UserError
from ftcurate.core.records import Example, pair_to_messages
from ftcurate.core.schema import _V1, APPLICATION_ID, SCHEMA_VERSION
from ftcurate.core.store import Project


def _examples(n=3):
    return [Example(pair_to_messages(f"question {i}", f"answer {i}"), label=f"l{i % 2}",
                    metadata={"k": i}, provenance={"row": i + 2, "conversation": f"c{i}"}) for i in range(n)]


def test_round_trip(tmp_path):
    path = tmp_path / "p.ftcurate"
    with Project.create(path) as p:
        p.add_examples(_examples(), source=dict(name="a.csv", path="/x/a.csv", content_hash="h", size=1,
                                                importer="t", kind="faq", options={}, detection={}))
    with Project.open(path) as p:
        exs = list(p.iter_examples())
        assert [e.input for e in exs] == ["question 0", "question 1", "question 2"]
        assert exs[1].output == "answer 1" and exs[1].label == "l1" and exs[1].metadata == {"k": 1}
        assert exs[2].provenance == {"row": 4, "conversation": "c2"}
        assert exs[0].status == "unreviewed" and exs[0].source_id == p.sources()[0]["id"]
        df = p.examples_frame()
        assert df.height == 3 and df["source"].to_list() == ["a.csv"] * 3
        assert df["output"].to_list() == ["answer 0", "answer 1", "answer 2"]
        assert p.query("PRAGMA journal_mode")[0][0] == "wal"


def test_edits_are_recorded_and_undoable(project):
    project.add_examples(_examples())
    ids = project.example_ids()
    new = pair_to_messages("question 0 (edited)", "better answer")
    project.apply(SetMessagesCommand(ids[0], new))
    project.apply(SetLabelCommand(ids[:2], "billing"))
    project.apply(SetStatusCommand([ids[2]], "approved"))
    assert project.get_example(ids[0]).output == "better answer"
    assert project.examples_frame()["input"][0] == "question 0 (edited)"
    assert [e.label for e in project.get_examples(ids)] == ["billing", "billing", "l0"]

    assert project.undo() is not None  # status
    assert project.get_example(ids[2]).status == "unreviewed"
    project.undo()  # label: per-example previous values come back
    assert [e.label for e in project.get_examples(ids)] == ["l0", "l1", "l0"]
    project.redo()
    assert project.get_example(ids[1]).label == "billing"
    project.undo()
    project.undo()
    assert project.get_example(ids[0]).output == "answer 0"
    assert project.undo() is None
    kinds = [h["kind"] for h in project.history()]
    assert kinds.count("edit") == 3 and kinds.count("undo") == 4 and kinds.count("redo") == 1
    # a new edit drops the redo stack
    project.redo()
    project.apply(SetStatusCommand([ids[0]], "rejected"))
    assert not project.can_redo()


def test_composite_and_revert(project):
    project.add_examples(_examples(2))
    ids = project.example_ids()
    with project.transaction() as conn:
        conn.execute("INSERT INTO flags (example_id, check_name, severity, message, state, created_at)"
                     " VALUES (?, 'pii', 'high', 'm', 'open', 0)", (ids[0],))
    fid = project.flags_frame()["id"][0]
    hid = project.apply(CompositeCommand([SetStatusCommand([ids[1]], "rejected"),
                                          SetFlagStateCommand([fid], "resolved")], text="Keep one"))
    assert project.flags_frame()["state"][0] == "resolved"
    project.revert(hid)
    assert project.flags_frame()["state"][0] == "open"
    assert project.get_example(ids[1]).status == "unreviewed"
    assert project.history()[0]["text"].startswith("Revert:")


def test_invalid_edit_changes_nothing(project):
    project.add_examples(_examples(1))
    eid = project.example_ids()[0]
    with pytest.raises(UserError):
        project.apply(CompositeCommand([SetLabelCommand([eid], "x"), SetStatusCommand([eid], "bogus")]))
    assert project.get_example(eid).label == "l0"
    assert project.history() == []
    with pytest.raises(UserError):
        project.apply(SetMessagesCommand(eid, [{"role": "robot", "content": "x"}]))


def test_settings_cache_splits_runs(project):
    project.set_setting("pii", {"allow_list": ["Acme"]})
    assert project.get_setting("pii") == {"allow_list": ["Acme"]}
    assert project.get_setting("missing", 5) == 5
    project.cache_put("ns", {"a": b"1", "b": b"2"})
    assert project.cache_get("ns", ["a", "c"]) == {"a": b"1"}
    project.save_split("train", [3, 1, 2])
    assert project.get_split("train") == [3, 1, 2]
    with pytest.raises(UserError):
        project.get_split("nope")
    rid = project.add_run({"config": {"model": "m"}})
    project.update_run(rid, status="done", metrics={"loss": 1.5})
    run = project.runs()[0]
    assert run["status"] == "done" and run["metrics"] == {"loss": 1.5} and run["config"] == {"model": "m"}


def test_migrates_v1_file_forward(tmp_path):
    path = tmp_path / "old.ftcurate"
    conn = sqlite3.connect(path)
    conn.executescript(_V1)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO examples (messages, input, output, n_turns, content_hash, created_at, updated_at)"
                 """ VALUES ('[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]',"""
                 " 'q', 'a', 2, 'h', 0, 0)")
    conn.commit()
    conn.close()
    with Project.open(path) as p:
        assert p.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
        assert p.query("SELECT count(*) FROM check_runs")[0][0] == 0
        assert p.get_example(1).output == "a"


def _snapshot(path):
    return path.read_bytes()


def test_newer_version_is_refused_unchanged(tmp_path):
    path = tmp_path / "new.ftcurate"
    Project.create(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = _snapshot(path)
    with pytest.raises(ProjectError, match="newer ftcurate"):
        Project.open(path)
    assert _snapshot(path) == before


@pytest.mark.parametrize("content", [b"", b"hello, this is not a database" * 10,
                                     b"SQLite format 3\x00" + b"\xff" * 4000])
def test_corrupt_or_foreign_file_is_refused_unchanged(tmp_path, content):
    path = tmp_path / "bad.ftcurate"
    path.write_bytes(content)
    with pytest.raises(ProjectError) as err:
        Project.open(path)
    assert str(path) in str(err.value)
    assert path.read_bytes() == content
    assert not (tmp_path / "bad.ftcurate-wal").exists()


def test_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(ProjectError, match="another application"):
        Project.open(path)
    assert path.read_bytes() == before


def test_truncated_project_is_refused(tmp_path):
    path = tmp_path / "t.ftcurate"
    with Project.create(path) as p:
        p.add_examples(_examples(500))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ProjectError, match="corrupt"):
        Project.open(path)


def test_create_refuses_existing(tmp_path):
    path = tmp_path / "x.ftcurate"
    path.write_text("keep me")
    with pytest.raises(ProjectError, match="already exists"):
        Project.create(path)
    assert path.read_text() == "keep me"


def test_rerun_keeps_flag_ids_and_states_and_undo_survives_vanished_flags(project):
    from ftcurate.core.checks.base import Flag
    from ftcurate.core.checks.runner import store_flags

    project.add_examples(_examples(3))
    a, b, c = project.example_ids()
    store_flags(project, "demo", [Flag(a, "demo", "low", "m1", kind="k"), Flag(b, "demo", "low", "m2", kind="k")])
    ids = dict(zip(project.flags_frame()["example_id"], project.flags_frame()["id"], strict=True))
    project.apply(CompositeCommand([SetStatusCommand([c], "rejected"),
                                    SetFlagStateCommand([ids[a], ids[b]], "ignored")], text="resolve"))
    # re-run: a is found again (same id, state kept, message updated), b vanished, c is new
    store_flags(project, "demo", [Flag(a, "demo", "high", "m1 again", kind="k"), Flag(c, "demo", "low", "m3")])
    df = project.flags_frame()
    row_a = df.filter(df["example_id"] == a).row(0, named=True)
    assert row_a["id"] == ids[a] and row_a["state"] == "ignored" and row_a["message"] == "m1 again"
    assert set(df["example_id"]) == {a, c}
    project.undo()  # the vanished flag b is skipped, the status and flag a are restored
    assert project.get_example(c).status == "unreviewed"
    assert project.flags_frame().filter(df["example_id"] == a)["state"][0] == "open"


def test_large_file_corruption_surfaces_as_project_error(tmp_path, monkeypatch):
    """Files too large for a full check on open still report damage as a ProjectError when read."""
    import ftcurate.core.store as store

    path = tmp_path / "big.ftcurate"
    with Project.create(path) as p:
        p.add_examples(_examples(2000))
    data = bytearray(path.read_bytes())
    page = 4096
    for off in range(page * 3, len(data) - page, page):  # scribble over every data page's header
        data[off:off + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    monkeypatch.setattr(store, "QUICK_CHECK_MAX_BYTES", 0)
    with pytest.raises(ProjectError, match="corrupt"):
        with Project.open(path) as p:
            p.examples_frame()


def _future(path):
    Project.create(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()


def _truncated(path):
    with Project.create(path) as p:
        p.add_examples(_examples(500))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("make", [_future, _truncated])
def test_refused_file_gets_no_journal_files_beside_it(tmp_path, make):
    path = tmp_path / "r.ftcurate"
    make(path)
    before = path.read_bytes()
    for read_only in (False, True):
        with pytest.raises(ProjectError):
            Project.open(path, read_only=read_only)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.ftcurate"]
    assert path.read_bytes() == before


def test_open_never_touches_the_file_outside_sqlite(tmp_path, monkeypatch):
    """A second handle opened while a connection is open must go through SQLite (POSIX locks)."""
    import builtins

    path = tmp_path / "p.ftcurate"
    Project.create(path).close()
    real_open = builtins.open

    def guarded(file, *a, **k):
        assert str(file) != str(path), "the project file was opened outside SQLite"
        return real_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", guarded)
    with Project.open(path) as p, Project.open(path, read_only=True) as ro:
        assert p.count_examples() == ro.count_examples() == 0
