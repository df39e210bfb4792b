"""The columnar import path (`core/bulk_insert.py`) stores exactly what the row-by-row path stores.

The same CSV goes into two projects: once through the columnar path (polars columns -> SQLite) and once
with `--option exact=1` (the row-by-row reader, one `Example` per example, `Project.insert_examples`).
The two project files must hold the same rows, byte for byte, apart from the times and the import
options recorded with the source.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from project_dump import dump

from ftcurate.core.bulk_insert import plain_mask
from ftcurate.core.importers.base import ImportOptions
from ftcurate.core.importers.textclean import ImportCleaner
from ftcurate.core.importing import detect_file, import_file
from ftcurate.core.progress import Progress
from ftcurate.core.store import Project

# texts that each exercise one clean-up rule, or one way a quick test could misjudge a text
ODD_TEXTS = [
    "Fish &amp; chips are on the menu",  # entity
    "AT&T and Q&A stay as they are here",  # bare &
    "<p>Your order <b>ships</b> today</p>",  # markup
    "Whatâ€™s the status of my order?",  # mojibake
    "Skip to content",  # furniture, one line (kept in chats)
    "Thanks!\nWas this article helpful? Yes No",  # furniture line in a longer text
    "Read more",
    "N/A",
    "null",
    "   ",
    "  leading and trailing spaces  ",
    "Café crème, s'il vous plaît – merci",  # non-ASCII, no mojibake
    "Emoji \U0001f600 in the middle of a sentence",
    "ſkip to content",  # long s: case-folds to "s" in Python's re
    "tab\tinside a long enough message",
    "Yesno",
    "3 people found this helpful",
    "we use cookies to improve this site",
    "A perfectly ordinary reply, long enough",
    "1 2 3 numbers start this long message",
    "First line of the answer\nRead more\nand the last line",  # furniture line inside a reply
    "null\n\n\n\n\n\n\n\n\n\n",  # a null word padded past the length of any null word
    "Line one\n\nLine three after a blank line",
]


def _support_csv(path: Path, n_conv: int = 150, seed: int = 5) -> None:
    rng = random.Random(seed)
    rows = []
    for c in range(n_conv):
        who = ["Customer", "Agent", "Customer", "Customer", "Agent", "Internal note", "Agent", "Bot",
               "Customer", "Agent"][: rng.randint(2, 10)]
        for i, spk in enumerate(who):
            text = rng.choice(ODD_TEXTS) if rng.random() < 0.4 else f"message {c}-{i} from {spk}, as usual"
            rows.append([f"C{c:04d}", f"2024-01-01T10:{i:02d}:00", spk, text,
                         rng.choice(["billing", "shipping", ""]) if i == 0 else ""])
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["conversation_id", "timestamp", "sender", "message", "intent"])
        w.writerows(rows)


def _comparable(project_path: Path) -> list:
    """The dump with times blanked and the import options (which differ by `exact`) left out."""
    sources, examples, *rest = dump(project_path)
    sources = [r[:7] + r[8:10] for r in sources]  # id..kind, detection, n_examples (no options, time)
    examples = [r[:13] for r in examples]  # everything but created_at, updated_at
    return [sources, examples, *rest]


def _import(tmp_path: Path, name: str, csv_path: Path, **extra) -> Path:
    path = tmp_path / f"{name}.ftcurate"
    with Project.create(path) as project:
        report = import_file(project, csv_path, ImportOptions(**extra))
    _REPORTS[name] = report
    return path


_REPORTS: dict = {}  # the last import report per name, to compare the clean-up's counts


@pytest.mark.parametrize("context", ["last", "full"])
def test_columnar_import_stores_what_the_row_by_row_path_stores(tmp_path, context):
    src = tmp_path / "log.csv"
    _support_csv(src)
    importer, det = detect_file(src, ImportOptions(context=context))
    assert importer.read_batches(src, ImportOptions(context=context), det, Progress()) is not None  # columnar
    fast = _import(tmp_path, "fast", src, context=context)
    exact = _import(tmp_path, "exact", src, context=context, extra={"exact": "1"})
    got, want = _comparable(fast), _comparable(exact)
    assert len(want[1]) > 100
    assert got == want
    fast_rep, exact_rep = _REPORTS["fast"], _REPORTS["exact"]
    assert (fast_rep.examples, fast_rep.dropped, fast_rep.cleaned) == \
        (exact_rep.examples, exact_rep.dropped, exact_rep.cleaned)
    assert sum(fast_rep.cleaned.values()) > 10 and fast_rep.dropped  # the clean-up had work to do


def test_plain_mask_only_passes_texts_the_clean_up_leaves_alone():
    import polars as pl

    cleaner = ImportCleaner("support")
    texts = [*ODD_TEXTS, None, "", "short", "A long and plain customer message here"]
    mask = pl.select(plain_mask(pl.Series("t", texts, pl.String))).to_series().to_list()
    cleaned = cleaner.clean_texts(texts)
    for text, plain, out in zip(texts, mask, cleaned, strict=True):
        if plain:
            assert out == text
    assert mask[-1] is True and mask[ODD_TEXTS.index("A perfectly ordinary reply, long enough")] is True
    assert not any(mask[ODD_TEXTS.index(t)] for t in ("Skip to content", "ſkip to content", "Yesno",
                                                      "3 people found this helpful", "N/A", "Read more",
                                                      "First line of the answer\nRead more\nand the last line",
                                                      "null\n\n\n\n\n\n\n\n\n\n"))
    assert mask[ODD_TEXTS.index("Line one\n\nLine three after a blank line")] is True


def _bitext(shared_data: Path) -> list[dict]:
    import polars as pl

    path = shared_data / "bitext_cs" / "Bitext_Sample_Customer_Support_Training_Dataset.csv"
    if not path.exists():
        pytest.skip("bitext_cs is not in ../shared/data")
    return pl.read_csv(path, infer_schema=False).to_dicts()


def test_plain_mask_agrees_with_the_clean_up_on_real_support_texts(shared_data):
    """Every text of a public support data set that polars calls plain is one `clean_texts` leaves
    alone (instructions are short one-line questions; responses are multi-line with placeholders)."""
    import polars as pl

    texts = [t for r in _bitext(shared_data) for t in (r["instruction"], r["response"])]
    texts += [t + " &amp; more" for t in texts[:500]] + [" " + t for t in texts[:500]]
    mask = pl.select(plain_mask(pl.Series("t", texts, pl.String))).to_series().to_list()
    cleaned = ImportCleaner("support").clean_texts(texts)
    wrong = [t for t, plain, out in zip(texts, mask, cleaned, strict=True) if plain and out != t]
    assert wrong == []
    assert sum(mask) > len(texts) // 4  # the fast decision is taken for many texts, not none


def test_real_support_log_stores_the_same_rows_both_ways(tmp_path, shared_data):
    """A support log built from public data (one ticket per request, customer then agent) imports to the
    same rows through the columnar path and the row-by-row path."""
    rows = _bitext(shared_data)[:3000]
    src = tmp_path / "bitext_log.csv"
    with open(src, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["ticket", "sender", "body", "intent"])
        for i, r in enumerate(rows):
            w.writerow([f"B{i}", "Customer", r["instruction"], r["intent"]])
            w.writerow([f"B{i}", "Agent", r["response"], ""])
    fast = _import(tmp_path, "fast", src)
    exact = _import(tmp_path, "exact", src, extra={"exact": "1"})
    got, want = _comparable(fast), _comparable(exact)
    assert len(want[1]) > 2500
    assert got == want
    assert (_REPORTS["fast"].dropped, _REPORTS["fast"].cleaned) == (_REPORTS["exact"].dropped,
                                                                     _REPORTS["exact"].cleaned)


@pytest.mark.parametrize("n", [1, 31, 32, 33, 70])
def test_multi_row_insert_keeps_order_and_every_row(tmp_path, n):
    """`insert_rows` (32 rows a statement plus the rest) stores exactly the rows one statement each would."""
    from ftcurate.core.bulk_insert import insert_rows

    rows = [(None, f'[{{"role":"user","content":"q{i}"}}]', f"q{i}", "", 1, None if i % 3 else "lab", "{}",
             i + 2, None, f"c{i % 5}", "unreviewed", f"h{i}", 1.0, 1.0) for i in range(n)]
    stored = []
    for name, write in (("multi", lambda c: insert_rows(c, rows)),
                        ("single", lambda c: c.executemany(
                            "INSERT INTO examples (source_id, messages, input, output, n_turns, label, metadata,"
                            ' "row", line, conversation, status, content_hash, created_at, updated_at)'
                            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows))):
        with Project.create(tmp_path / f"{name}.ftcurate") as project:
            with project.transaction() as conn:
                write(conn)
            stored.append(project.query("SELECT * FROM examples ORDER BY id"))
    assert stored[0] == stored[1] and len(stored[0]) == n


def _reference_normalize(text: str) -> str:
    """`cleaning.normalize_text` as first written (one substitution per rule, no pre-checks)."""
    import re

    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u200b\u200c\u200d\u2060\ufeff]", "", text)
    text = re.sub(r"(?<=\S)[ \t\f\v\u00a0\u2007\u202f]+", " ", text)
    text = re.sub(r"[ \t\u00a0]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _reference_signature(text: str) -> str:
    """`cleaning.strip_signature` as first written (the signature regex run on every text)."""
    from ftcurate.core.importers.cleaning import _SIGN_OFF, _SIGNATURE

    text = _SIGNATURE.sub("", text).rstrip()
    if "\n" not in text:
        return text
    m = _SIGN_OFF.search(text)
    if m is None:
        return text
    before = text[:m.start()].rstrip()
    if m.group(0).lstrip()[:1] in "-\u2013\u2014~" and before.rsplit("\n", 1)[-1].lstrip()[:1] in "-*\u2022":
        return text
    return before


def test_fast_whitespace_and_signature_rules_change_what_the_plain_rules_change(shared_data):
    """The pre-checks that let `normalize_text` and `strip_signature` skip work on most texts give
    the same result as running every substitution, on random text and on public support texts."""
    from ftcurate.core.importers import cleaning

    rng = random.Random(4)
    pieces = [" ", "  ", "\t", "\u00a0", "\u2007", "\u202f", "\n", "\n\n\n", " \n", "\r\n", "\r", "^", "-",
              "~", "*", "/", ".", "A", "Rr", "Jo", "Smith", "ab", "\u200b", "Team", ",", " - ", "\f", "\v"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 25))) for _ in range(20000)]
    path = shared_data / "bitext_cs" / "Bitext_Sample_Customer_Support_Training_Dataset.csv"
    if path.exists():
        import polars as pl

        texts += pl.read_csv(path, infer_schema=False)["response"].to_list()
    signed = 0
    for text in texts:
        assert cleaning.normalize_text(text) == _reference_normalize(text), repr(text)
        assert cleaning.strip_signature(text) == _reference_signature(text), repr(text)
        signed += cleaning.strip_signature(text) != text.rstrip()
    assert signed > 100  # the random texts do carry signatures to remove
