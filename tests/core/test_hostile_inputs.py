"""Hostile and broken input files: every importer, through the CLI, answers exit 1 with a message that
names the file (and the line or row where there is one), and the project is left exactly as it was.

The corpus is generated here, small and fast: deep nesting, huge integers, lone UTF-16 surrogates,
damaged Parquet pages, a zip-bomb-like workbook, an oversized record, a syntax error early in a big
array, unreadable files.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import zipfile
from pathlib import Path

import pytest
from project_dump import dump

from ftcurate.cli import main
from ftcurate.core.store import Project

DEEP = 100_000  # far beyond Python's recursion limit, still only 200 KB


def _mime(parts: int) -> str:
    head = "From: a@shop.example\nTo: help@shop.example\nSubject: x\nMIME-Version: 1.0\n"
    body = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(parts))
    return head + body + "Content-Type: text/plain\n\nhello\n"


def _parquet_damaged(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"question": f"How do I do thing {i}?", "answer": f"Like this, step {i}." * 5} for i in range(4000)]
    pq.write_table(pa.Table.from_pylist(rows), path, compression="NONE", row_group_size=1000)
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 2000] = os.urandom(2000)  # damage pages inside a later row group, footer intact
    path.write_bytes(bytes(data))


CORPUS = {
    "surrogate.json": '[{"input": "hi \\ud83d", "output": "ok"}]',
    "surrogate.jsonl": '{"input": "q", "output": "a"}\n{"input": "truncated emoji \\ud83d", "output": "ok"}\n',
    "deep.json": "[" * DEEP + "]" * DEEP,
    "deep.jsonl": '{"input": "q", "output": "a"}\n{"input": ' + "[" * DEEP + "]" * DEEP + ', "output": "a"}\n',
    "deep_obj.jsonl": '{"input": "q", "output": "a"}\n' + '{"a": ' * DEEP + "1" + "}" * DEEP + "\n",
    "bigint.jsonl": '{"input": "q", "output": "a"}\n{"input": "q", "output": "a", "n": ' + "9" * 5000 + "}\n",
    "bigint.json": '[{"input": "q", "output": "a", "n": ' + "9" * 5000 + "}]",
    "deep.html": "<html><body><h2>Q?</h2>" + "<div>" * 50_000 + "answer" + "</div>" * 50_000 + "</body></html>",
    "jsonld.html": ('<html><script type="application/ld+json">{"@type": "FAQPage", "mainEntity": '
                    + "[" * DEEP + "]" * DEEP + "}</script></html>"),
    "deep.eml": _mime(3000),
    "deep.mbox": "From a@shop.example Thu Jan  1 00:00:00 2020\n" + _mime(3000),
    "syntax.json": '[\n{"input": "q", "output": }\n' + '{"input": "q", "output": "a"},\n' * 50,
    "badline.jsonl": '{"input": "q", "output": "a"}\n{"input": "q", "output": \n',
}
# garbage under every extension an importer claims (read as "auto" only: each is refused up front)
GARBAGE = {f"garbage.{ext}": None for ext in ("csv", "tsv", "json", "jsonl", "xlsx", "parquet", "md", "html",
                                               "eml", "mbox")}
GARBAGE.update({
    "nul.csv": "question,answer\nHow\x00?,Fine\x00\n",
    "notzip.xlsx": "PK\x03\x04garbage",
    "top_string.json": '"just a string"',
    "numbers.json": "[1, 2, 3]",
    "messages_bad.jsonl": '{"messages": "not a list"}\n{"messages": [1, 2, 3]}\n',
    "encoded_words.eml": ("From: =?utf-8?b?####?= <a@b.com>\nTo: =?x-unknown?q?zz?= <c@d.com>\n"
                          "Subject: =?utf-8?q?=ZZ?=\nDate: not a date 99:99\n"
                          "Content-Type: text/plain; charset=x-unknown-charset\n"
                          "Content-Transfer-Encoding: base64\n\n####!!!notbase64\n"),
})
# where the message must point: a line, a row, or only the file (one HTML document, one e-mail)
WHERE = {"surrogate.json": "line 1", "surrogate.jsonl": "line 2", "deep.json": "line 1", "deep.jsonl": "line 2",
         "deep_obj.jsonl": "line 2", "bigint.jsonl": "line 2", "bigint.json": "line 1",
         "syntax.json": "line 2", "badline.jsonl": "line 2", "deep.mbox": "line 1", "damaged.parquet": "row"}


@pytest.fixture
def proj(tmp_path):
    path = tmp_path / "p.ftcurate"
    seed = tmp_path / "seed.jsonl"
    seed.write_text(json.dumps({"input": "Where is my order?", "output": "On its way."}) + "\n")
    assert main(["new", str(path), "-q"]) == 0
    assert main(["import", str(path), str(seed), "-q"]) == 0
    return path


def _corpus(tmp_path: Path) -> list[Path]:
    d = tmp_path / "hostile"
    d.mkdir()
    files = []
    for name, text in CORPUS.items():
        (d / name).write_text(text, encoding="utf-8")
        files.append(d / name)
    _parquet_damaged(d / "damaged.parquet")
    files.append(d / "damaged.parquet")
    return files


def test_every_hostile_file_gives_exit_1_naming_it_and_changes_nothing(tmp_path, proj, capsys):
    before = dump(proj)
    for f in _corpus(tmp_path):
        for kind in ("auto", "support", "faq", "catalog", "pairs"):
            code = main(["import", str(proj), str(f), "--kind", kind, "-q"])
            err = capsys.readouterr().err
            assert code == 1, (f.name, kind, err)
            assert str(f) in err and "Traceback" not in err, (f.name, kind, err)
            if kind == "auto" and f.name in WHERE:
                assert WHERE[f.name] in err, (f.name, err)
    assert dump(proj) == before
    assert not list(tmp_path.glob("hostile/*-wal"))


def test_garbage_under_every_extension_gives_exit_1(tmp_path, proj, capsys):
    rng = random.Random(7)
    before = dump(proj)
    for name, text in GARBAGE.items():
        f = tmp_path / name
        if text is None:
            f.write_bytes(bytes(rng.randrange(256) for _ in range(4000)))
        else:
            f.write_text(text, encoding="utf-8")
        code = main(["import", str(proj), str(f), "-q"])
        err = capsys.readouterr().err
        assert code == 1 and str(f) in err and "Traceback" not in err, (name, err)
    assert dump(proj) == before


def test_the_project_file_itself_is_refused_as_input(proj, capsys):
    before = dump(proj)
    for f in (proj, Path(f"{proj}-wal")):
        if f.exists():
            assert main(["import", str(proj), str(f), "-q"]) == 1
            assert "the project file itself" in capsys.readouterr().err
    with Project.open(proj) as p:
        from ftcurate.core.errors import UserError
        from ftcurate.core.importing import import_file

        with pytest.raises(UserError, match="the project file itself"):
            import_file(p, proj)
    assert dump(proj) == before


def test_odd_message_ids_in_a_mailbox_are_read_as_text(tmp_path, proj, capsys):
    mbox = tmp_path / "odd.mbox"
    mbox.write_text("From a@b Thu Jan  1 00:00:00 2020\nFrom: c@customer.example\nTo: help@shop.example\n"
                    "Subject: hi\nMessage-ID: <<<>>>\nIn-Reply-To: <<<>>>\nReferences: <<<>>> <<<>>>\n\n"
                    "Where is my parcel?\n\nFrom a@b Thu Jan  1 00:00:00 2020\nFrom: help@shop.example\n"
                    "To: c@customer.example\nSubject: Re: hi\nMessage-ID: <x@shop.example>\nIn-Reply-To: <<<>>>\n\n"
                    "It arrives tomorrow.\n")
    assert main(["import", str(proj), str(mbox), "-q"]) == 0, capsys.readouterr().err


def test_syntax_error_early_in_a_big_array_fails_before_reading_the_rest(tmp_path):
    """The error on line 2 is reported after reading one buffer, not the whole file (bounded memory)."""
    from ftcurate.core.errors import UserError
    from ftcurate.core.importers.jsonstream import iter_json_records
    from ftcurate.core.importers.textio import sample_file
    from ftcurate.core.progress import Progress

    class Seen(Progress):
        most = 0

        def set_progress(self, value):
            self.most = max(self.most, value)

    f = tmp_path / "big.json"
    with f.open("w", encoding="utf-8") as fh:
        fh.write('[\n{"input": "q", "output": }\n')
        row = json.dumps({"input": "question " * 20, "output": "answer " * 20}) + ",\n"
        for _ in range(40_000):  # ~12 MB
            fh.write(row)
        fh.write("{}]\n")
    seen = Seen()
    with pytest.raises(UserError, match="line 2"):
        for _ in iter_json_records(sample_file(f), seen):
            pass
    assert seen.most < f.stat().st_size / 4


def test_oversized_record_is_refused_with_its_line(tmp_path, monkeypatch):
    import ftcurate.core.importers.jsonstream as js
    from ftcurate.core.errors import UserError
    from ftcurate.core.importers.textio import sample_file

    monkeypatch.setattr(js, "MAX_RECORD_CHARS", 1 << 16)
    for name, text in (("big.jsonl", '{"input": "q", "output": "a"}\n{"input": "' + "x" * 200_000 + '"}\n'),
                       ("big.json", '[{"input": "q", "output": "a"},\n{"input": "' + "x" * 400_000 + '"}]')):
        f = tmp_path / name
        f.write_text(text)
        with pytest.raises(UserError, match="line 2.*larger than"):
            list(js.iter_json_records(sample_file(f)))


def _xlsx(path: Path, rows: list[list[str]]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())


def _xlsx_shared_strings(path: Path, rows: list[list[str]]) -> None:
    """A workbook as Excel writes it: cell text in the shared string table (xl/sharedStrings.xml)."""
    from xml.sax.saxutils import escape

    strings: list[str] = []
    cells = []
    for r, row in enumerate(rows, start=1):
        refs = []
        for c, value in enumerate(row):
            strings.append(value)
            refs.append(f'<c r="{chr(65 + c)}{r}" t="s"><v>{len(strings) - 1}</v></c>')
        cells.append(f'<row r="{r}">{"".join(refs)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/></Types>'),
        "_rels/.rels": (f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
                        "</Relationships>"),
        "xl/workbook.xml": (f'<workbook {ns} xmlns:r="{rel}"><sheets>'
                            '<sheet name="FAQ" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": f'<worksheet {ns}><sheetData>{"".join(cells)}</sheetData></worksheet>',
        "xl/sharedStrings.xml": (f'<sst {ns} count="{len(strings)}" uniqueCount="{len(strings)}">'
                                 + "".join(f"<si><t>{escape(v)}</t></si>" for v in strings) + "</sst>"),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)


def test_workbook_with_a_huge_text_table_is_refused_before_it_is_loaded(tmp_path, proj, capsys, monkeypatch):
    import ftcurate.core.importers.tables as tables

    wb = tmp_path / "strings.xlsx"
    _xlsx_shared_strings(wb, [["question", "answer"]] + [[f"How {i}?", "a" * 5000 + str(i)] for i in range(200)])
    assert main(["import", str(proj), str(wb), "--dry-run", "-q"]) == 0  # a real, readable workbook
    capsys.readouterr()
    before = dump(proj)
    monkeypatch.setattr(tables, "MAX_XLSX_STRINGS", 500_000)  # the text table here: ~1 MB
    assert main(["import", str(proj), str(wb), "-q"]) == 1
    err = capsys.readouterr().err
    assert str(wb) in err and "text unpacks to" in err
    assert dump(proj) == before


def test_zip_bomb_workbook_and_giant_cell_are_refused(tmp_path, proj, capsys, monkeypatch):
    import ftcurate.core.importers.tables as tables

    before = dump(proj)
    bomb = tmp_path / "bomb.xlsx"
    _xlsx(bomb, [["question", "answer"]] + [["How?", "a" * 1000 + str(i)] for i in range(3000)])
    assert bomb.stat().st_size < 200_000
    with zipfile.ZipFile(bomb) as zf:
        unpacked = sum(i.file_size for i in zf.infolist())
    monkeypatch.setattr(tables, "MAX_XLSX_UNPACKED", unpacked // 2)  # same check, small sizes
    assert main(["import", str(proj), str(bomb), "-q"]) == 1
    err = capsys.readouterr().err
    assert str(bomb) in err and "unpacks to" in err
    monkeypatch.setattr(tables, "MAX_XLSX_UNPACKED", 1 << 30)
    monkeypatch.setattr(tables, "MAX_CELL_CHARS", 500)
    assert main(["import", str(proj), str(bomb), "-q"]) == 1
    err = capsys.readouterr().err
    assert str(bomb) in err and "row 2" in err and "characters" in err
    assert dump(proj) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_a_user_error(tmp_path, proj, capsys):
    f = tmp_path / "secret.jsonl"
    f.write_text('{"input": "q", "output": "a"}\n')
    f.chmod(0)
    before = dump(proj)
    assert main(["import", str(proj), str(f), "-q"]) == 1
    err = capsys.readouterr().err
    assert str(f) in err and "cannot read" in err
    assert dump(proj) == before


@pytest.fixture
def ro_folder(tmp_path):
    """(folder, freeze): a real folder that `freeze()` makes read-only. For a normal user chmod does it;
    root writes anywhere, so for root it is a tmpfs remounted read-only (skips where mounting fails)."""
    d = tmp_path / "ro"
    d.mkdir()
    mounted = False
    if os.geteuid() == 0:
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "none", str(d)], capture_output=True)
        if r.returncode:
            pytest.skip("running as root and cannot mount a read-only folder")
        mounted = True

    def freeze() -> None:
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(d)], check=True)
        else:
            d.chmod(0o555)

    yield d, freeze
    if mounted:
        subprocess.run(["umount", str(d)], check=True)
    else:
        d.chmod(0o755)


def test_project_in_a_read_only_folder_says_so_and_can_still_be_read(ro_folder, capsys):
    from ftcurate.core.errors import ProjectError

    d, freeze = ro_folder
    path = d / "p.ftcurate"
    seed = d / "a.jsonl"
    seed.write_text('{"input": "Where is my order?", "output": "On its way."}\n')
    assert main(["new", str(path), "-q"]) == 0 and main(["import", str(path), str(seed), "-q"]) == 0
    capsys.readouterr()
    before = path.read_bytes()
    freeze()
    with pytest.raises(ProjectError, match="read-only") as err:
        Project.open(path)
    assert "corrupt" not in str(err.value)
    for argv in (["undo", str(path)], ["import", str(path), str(seed), "--on-duplicate", "replace"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "read-only" in err and "corrupt" not in err and "Traceback" not in err, err
    # commands that only read still work
    assert main(["history", str(path), "-q"]) == 0 and main(["stats", str(path), "-q"]) == 0
    assert main(["examples", str(path), "--json"]) == 0
    assert "Where is my order?" in capsys.readouterr().out
    assert path.read_bytes() == before and sorted(p.name for p in d.iterdir()) == ["a.jsonl", "p.ftcurate"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_project_and_folder_say_so(tmp_path, capsys):
    from ftcurate.core.errors import ProjectError

    d = tmp_path / "ro"
    d.mkdir()
    path = d / "p.ftcurate"
    Project.create(path).close()
    path.chmod(0o444)
    with pytest.raises(ProjectError, match="read-only") as err:
        Project.open(path)
    assert "corrupt" not in str(err.value)
    path.chmod(0o644)
    d.chmod(0o555)
    try:
        with pytest.raises(ProjectError, match="folder is read-only"):
            Project.open(path)
        assert main(["history", str(path)]) == 1
        assert "read-only" in capsys.readouterr().err
    finally:
        d.chmod(0o755)
