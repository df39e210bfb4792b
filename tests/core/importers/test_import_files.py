"""Raw file handling shared by all importers: encodings, delimiters, quoting, bad files, JSON streams."""

from __future__ import annotations

import json

import pytest
from importer_helpers import fixture, read_file

from ftcurate.core.errors import UserError
from ftcurate.core.importers.base import ImportOptions
from ftcurate.core.importers.faq import FaqTableImporter
from ftcurate.core.importers.jsonstream import iter_json_records
from ftcurate.core.importers.tables import as_text, is_missing, table_head
from ftcurate.core.importers.textio import sample_file, sniff_delimiter

FAQ_ROWS = [("Wie läuft die Rückgabe ab?", "Über das Kundenkonto – kostenlos."),
            ("Was kostet der Versand?", "4,95 € – ab 50 € gratis.")]


def _faq_csv(delimiter: str = ",") -> str:
    lines = [delimiter.join(["question", "answer", "category"])]
    lines += [delimiter.join([q, f'"{a}"', "Allgemein"]) for q, a in FAQ_ROWS]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_encodings_decode_to_the_same_text(tmp_path, encoding):
    path = tmp_path / f"faq_{encoding}.csv"
    path.write_bytes(_faq_csv().encode(encoding))
    det, examples = read_file(path)
    assert det.mapping["question"] == "question"  # a BOM must not stick to the first header
    assert [(e.input, e.output) for e in examples] == FAQ_ROWS
    assert [e.label for e in examples] == ["Allgemein", "Allgemein"]


def test_stray_cp1252_bytes_in_a_utf8_file_do_not_fail(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(_faq_csv().encode("utf-8") + "Ist das gültig?,\"Ja – sicher.\",X\r\n".encode("cp1252"))
    _, examples = read_file(path)
    assert examples[-1].input == "Ist das gültig?" and examples[-1].output == "Ja – sicher."


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path, delimiter):
    path = tmp_path / "faq.txt"
    path.write_text(_faq_csv(delimiter), encoding="utf-8")
    assert sample_file(path).delimiter == delimiter
    _, examples = read_file(path)
    assert [(e.input, e.output) for e in examples] == FAQ_ROWS


def test_sniffer_prefers_the_consistent_delimiter():
    text = "name;price;note\nTent;249,00;light, warm\nMug;9,50;steel\n"
    assert sniff_delimiter(text) == ";"


def test_quoted_multiline_fields_and_spreadsheet_row_numbers():
    _, examples = read_file(fixture("faq.csv"))
    by_q = {e.input: e for e in examples}
    paypal = by_q["Can I pay with PayPal?"]
    assert paypal.output == "Yes.\nWe also accept Visa and Mastercard."
    assert paypal.provenance == {"row": 3}  # header = row 1, first data row = row 2
    assert by_q["What are your opening hours?"].provenance == {"row": 5}


def test_empty_file_is_a_user_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("  \n", encoding="utf-8")
    with pytest.raises(UserError, match="empty") as info:
        read_file(path)
    assert str(path) in str(info.value)


def test_binary_file_is_a_user_error(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(UserError, match="binary"):
        read_file(path)


def test_too_many_fields_names_the_row(tmp_path):
    path = tmp_path / "faq.csv"
    path.write_text('question,answer\n"A?","yes"\n"B?","no",extra\n', encoding="utf-8")
    with pytest.raises(UserError) as info:
        read_file(path)
    assert info.value.row == 3 and "3 fields but the header has 2" in str(info.value)


def test_unterminated_quote_names_the_row(tmp_path):
    path = tmp_path / "faq.csv"
    path.write_text('question,answer\n"A?","yes"\n"B?","no\n', encoding="utf-8")
    with pytest.raises(UserError) as info:
        read_file(path)
    assert info.value.row == 3


def test_bad_json_line_names_the_line(tmp_path):
    path = tmp_path / "faq.jsonl"
    path.write_text('{"q": "A?", "a": "yes"}\n{"q": "B?", "a": "no"}\n{"q": "C?", "a": \n', encoding="utf-8")
    with pytest.raises(UserError) as info:
        read_file(path)
    assert info.value.line == 3 and "line 3" in str(info.value)
    path.write_text('{"q": "A?", "a": \n{"q": "B?", "a": "no"}\n', encoding="utf-8")
    with pytest.raises(UserError) as info:  # nothing to detect from: detection names the line
        FaqTableImporter().detect(path, ImportOptions())
    assert info.value.line == 1


def test_json_array_streams_records_with_lines(tmp_path):
    path = tmp_path / "recs.json"
    recs = [{"q": f"Question {i}?", "a": "x" * (i * 50)} for i in range(1, 40)]
    path.write_text("[\n" + ",\n".join(json.dumps(r) for r in recs) + "\n]\n", encoding="utf-8")
    out = list(iter_json_records(sample_file(path)))
    assert [r for _, r in out] == recs
    assert out[0][0] == {"row": 1, "line": 2} and out[5][0] == {"row": 6, "line": 7}


def test_json_array_broken_in_the_middle_names_the_line(tmp_path):
    path = tmp_path / "recs.json"
    path.write_text('[\n{"q": "A?", "a": "x"},\n{"q": "B?" "a": "y"}\n]\n', encoding="utf-8")
    with pytest.raises(UserError) as info:
        list(iter_json_records(sample_file(path)))
    assert info.value.line == 3


def test_json_object_of_splits(tmp_path):
    path = tmp_path / "splits.json"
    path.write_text(json.dumps({"train": [{"q": "A?"}, {"q": "B?"}], "test": [{"q": "C?"}]}), encoding="utf-8")
    out = list(iter_json_records(sample_file(path)))
    assert [(loc.get("split"), r["q"]) for loc, r in out] == [("train", "A?"), ("train", "B?"), ("test", "C?")]


def test_missing_values_are_never_text():
    for v in (None, "", "  ", "nan", "NaN", "None", "null", "N/A", float("nan"), [], [None, ""]):
        assert is_missing(v) and as_text(v) is None
    assert as_text(19.0) == "19" and as_text(["S", None, "M"]) == "S, M" and as_text(False) == "no"


def test_xlsx_and_parquet_tables(tmp_path):
    import openpyxl
    import polars as pl

    rows = [("question", "answer", "topic"), ("Is it safe?", "Yes, tested.", "safety"),
            ("Does it float?", "No.", "use")]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Help centre export"])  # a title row above the header is common in spreadsheets
    ws.append([])
    for r in rows:
        ws.append(list(r))
    wb.save(tmp_path / "faq.xlsx")
    pl.DataFrame({k: [r[i] for r in rows[1:]] for i, k in enumerate(rows[0])}).write_parquet(
        tmp_path / "faq.parquet")
    head = table_head(tmp_path / "faq.parquet")
    assert head.columns == ("question", "answer", "topic")
    _, from_parquet = read_file(tmp_path / "faq.parquet")
    assert [(e.input, e.output, e.label) for e in from_parquet] == [
        ("Is it safe?", "Yes, tested.", "safety"), ("Does it float?", "No.", "use")]
    assert from_parquet[1].provenance == {"row": 2}
    _, from_xlsx = read_file(tmp_path / "faq.xlsx")
    assert [(e.input, e.output, e.label) for e in from_xlsx] == [(e.input, e.output, e.label) for e in from_parquet]
    assert from_xlsx[0].provenance == {"row": 4}  # the sheet's own row number (title + blank row above)
