"""FAQ tables (CSV/TSV/JSON/JSONL/XLSX/Parquet): one question and its answer per row.

Columns are found by name (question/query/prompt/instruction/utterance..., answer/response/reply/
output...) or, failing that, by content (a column of questions ending in "?" and a column of longer
texts); `--map question=COL --map answer=COL` overrides. When an HTML twin of the answer column exists
(`answer_html`) it is preferred, because rendering the HTML keeps lists; the plain column fills in
rows where the HTML one is empty. HTML answers become clean text (paragraphs, "- " list items, link
text). A category/section/intent column becomes the label.

A file with questions but no answers (an intent data set such as BANKING77: text + category) is
imported as user turns without an assistant answer, flagged `metadata["needs_answer"]`, so experts can
write the answers during review.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftcurate.core.importers.base import Detection, Importer, ImportOptions, register_importer
from ftcurate.core.importers.cleaning import clean_text
from ftcurate.core.importers.tables import (
    TableHead,
    as_text,
    find_column,
    is_missing,
    iter_table,
    norm,
    resolve_column,
    table_head,
)
from ftcurate.core.progress import Progress
from ftcurate.core.records import Example

QUESTION_NAMES = ("question", "questions", "q", "query", "faq", "faq_question", "question_text",
                  "user_question", "customer_question", "prompt", "instruction", "utterance", "ask",
                  "user_input", "customer_message", "input", "request", "user_query", "title_question",
                  "text", "sentence", "message")
ANSWER_NAMES = ("answer", "answers", "a", "response", "reply", "answer_text", "faq_answer", "solution",
                "output", "completion", "resolution", "agent_response", "agent_reply", "target")
LABEL_NAMES = ("intent", "category", "section", "topic", "label", "faq_category", "group", "class",
               "subject", "theme", "tag", "tags", "type")
_QUESTION_START = re.compile(r"(?i)^\s*(how|what|when|where|why|who|which|can|could|do|does|did|is|are|"
                             r"will|would|should|may|i\b|my\b|please|help)")
MAX_META_CHARS = 300


def _questionish(values: list[str]) -> float:
    if not values:
        return 0.0
    hits = sum(1 for v in values if v.rstrip().endswith("?") or _QUESTION_START.match(v))
    return hits / len(values)


def _texts(head: TableHead, col: str) -> list[str]:
    return [v for r in head.rows[:100] if isinstance(v := r.get(col), str) and v.strip()]


def _avg_len(values: list[str]) -> float:
    return sum(map(len, values)) / len(values) if values else 0.0


def detect_faq_columns(head: TableHead, options: ImportOptions) -> tuple[dict[str, str], str | None, float]:
    """Resolve (mapping, label column, score) for a FAQ table; score 0 when there is no question."""
    m = {k: resolve_column(head, k, v) for k, v in options.mapping.items()
         if k in ("question", "answer", "answer_fallback")}
    cols = head.columns
    score = 0.85
    q = m.get("question") or find_column(cols, QUESTION_NAMES)
    a = m.get("answer") or find_column(cols, ANSWER_NAMES, exclude=[q] if q else [])
    if q is None:  # by content: the most question-like text column
        score = 0.6
        best = max(((c, _questionish(_texts(head, c))) for c in cols), key=lambda t: t[1], default=(None, 0))
        if best[1] >= 0.6:
            q = best[0]
    if q is None:
        return {}, None, 0.0
    if a is None:
        longer = [(c, _avg_len(_texts(head, c))) for c in cols if c != q]
        longer = [t for t in longer if t[1] > max(40.0, _avg_len(_texts(head, q)))]
        if longer and "answer" not in options.mapping:
            a = max(longer, key=lambda t: t[1])[0]
            score = min(score, 0.6)
    mapping = {"question": q}
    if a is not None:
        mapping["answer"] = a
        html_twin = find_column(cols, [f"{norm(a)}_html", "html_" + norm(a)])
        if html_twin and "answer" not in m and any("<" in v for v in _texts(head, html_twin)):
            mapping["answer"], mapping["answer_fallback"] = html_twin, a
    if "answer_fallback" in m:
        mapping["answer_fallback"] = m["answer_fallback"]
    label = options.label_column or m.get("label")
    if label:
        label = resolve_column(head, "label", label)
    else:
        label = find_column(cols, LABEL_NAMES, exclude=mapping.values())
    if a is None:
        score = 0.5 if _questionish(_texts(head, q)) >= 0.3 or label else 0.35
    return mapping, label, score


@register_importer
class FaqTableImporter(Importer):
    """Question/answer tables."""

    name = "faq_table"
    kind = "faq"
    extensions = (".csv", ".tsv", ".json", ".jsonl", ".xlsx", ".parquet")

    def detect(self, path: Path, options: ImportOptions) -> Detection | None:
        head = table_head(path)
        if head is None or not head.rows:
            return None
        mapping, label, score = detect_faq_columns(head, options)
        if not score:
            return None
        if options.kind == "faq":
            score = max(score, 0.8)
        parts = [f"question={mapping['question']}"]
        if "answer" in mapping:
            parts.append(f"answer={mapping['answer']}" + (" (HTML rendered to text)" if "answer_fallback"
                                                          in mapping else ""))
        what = "FAQ table" if "answer" in mapping else "questions without answers (answers to be written)"
        summary = f"{what} ({head.sample.fmt}): {', '.join(parts)}" + (f"; label={label}" if label else "")
        return Detection(self.name, self.kind, score, summary, mapping, label)

    def read(self, path: Path, options: ImportOptions, detection: Detection,
             progress: Progress) -> Iterator[Example]:
        head = table_head(path)
        m = {**detection.mapping, **{k: resolve_column(head, k, v) for k, v in options.mapping.items()}}
        q_col, a_col, fallback = m.get("question"), m.get("answer"), m.get("answer_fallback")
        label_col = options.label_column or detection.label_column
        used = {q_col, a_col, fallback, label_col}
        for loc, rec in iter_table(head.sample, progress):
            question = clean_text(as_text(rec.get(q_col)))
            if not question:
                continue
            answer = ""
            if a_col:
                answer = clean_text(as_text(rec.get(a_col)))
                if not answer and fallback:
                    answer = clean_text(as_text(rec.get(fallback)))
                if not answer:
                    continue
            meta = _row_metadata(rec, used)
            if a_col:
                messages = [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
            else:
                messages = [{"role": "user", "content": question}]
                meta["needs_answer"] = True
            label = as_text(rec.get(label_col)) if label_col else None
            yield Example(messages=messages, label=label, metadata=meta,
                          provenance={k: v for k, v in loc.items() if k in ("row", "line")})


def _row_metadata(rec: dict[str, Any], used: set[Any]) -> dict[str, Any]:
    """The row's other short values (source link, language, original category...)."""
    meta: dict[str, Any] = {}
    for k, v in rec.items():
        if k in used or is_missing(v):
            continue
        text = as_text(v)
        if text is not None and len(text) <= MAX_META_CHARS:
            meta[k] = text
    return meta
