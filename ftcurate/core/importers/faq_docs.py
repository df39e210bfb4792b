"""FAQ pages: Markdown and HTML documents.

Markdown: questions are headings (the heading level where most headings are questions) or lines
that are entirely bold (`**How do I ...?**`), or "Q:"/"A:" lines; the answer is the text up to the next
question or section heading, with Markdown markup removed (link text kept, lists as "- item").

HTML: schema.org `FAQPage` JSON-LD when the page has it (the page's own structured answer list);
otherwise every `<dt>/<dd>` pair, `<details><summary>` block, question heading (`<h2>`-`<h6>` ending
in "?") followed by its paragraphs, and `.question`/`.answer` class pairs. Answers become clean text.

The label is the section heading above a question (the page's only `<h1>`/`#` title is not a label).
Provenance: the 1-based `line` of the question. Pages are read whole (they are small).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.importers.base import Detection, Importer, ImportOptions, register_importer
from ftcurate.core.importers.cleaning import markdown_to_text, normalize_text
from ftcurate.core.importers.htmltext import HEADINGS, Node, html_to_text, node_text, parse_html
from ftcurate.core.importers.textio import sample_file
from ftcurate.core.progress import Progress
from ftcurate.core.records import Example

_QUESTION = re.compile(r"(?i)^\s*(?:\d+[.)]\s*)?(how|what|when|where|why|who|which|can|could|do|does|did|is|are|"
                       r"will|would|should|may|am|have|has)\b")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)(.+?)(?:\*\*|__)\s*:?\s*$")
_MD_Q = re.compile(r"^\s*(?:\*\*)?Q(?:uestion)?\s*[:.)](?:\*\*)?\s*(.+)$", re.I)
_MD_A = re.compile(r"^\s*(?:\*\*)?A(?:nswer)?\s*[:.)](?:\*\*)?\s*(.*)$", re.I)


def is_question(text: str) -> bool:
    text = text.strip()
    return text.endswith("?") or bool(_QUESTION.match(text) and len(text) < 200)


# -- Markdown ------------------------------------------------------------------------------------

def parse_markdown_faq(text: str) -> list[tuple[str, str, str | None, int]]:
    """`(question, answer, section, line)` items of a Markdown FAQ."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kinds: list[tuple[str, int, str] | None] = []  # ("h", level, text) / ("b", 0, text) / ("q"...) / ("a"...)
    fenced = False
    for line in lines:
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            kinds.append(None)
            continue
        if fenced:
            kinds.append(None)
        elif m := _MD_HEADING.match(line):
            kinds.append(("h", len(m.group(1)), m.group(2)))
        elif m := _MD_Q.match(line):
            kinds.append(("q", 0, m.group(1)))
        elif m := _MD_A.match(line):
            kinds.append(("a", 0, m.group(1)))
        elif m := _MD_BOLD_LINE.match(line):
            kinds.append(("b", 0, m.group(1)))
        else:
            kinds.append(None)
    heads = [k for k in kinds if k and k[0] == "h"]
    by_level: dict[int, list[bool]] = {}
    for _, level, t in heads:
        by_level.setdefault(level, []).append(is_question(markdown_to_text(t)))
    n_q = sum(1 for k in kinds if k and k[0] == "q")
    n_bold = sum(1 for k in kinds if k and k[0] == "b" and is_question(k[2]))
    q_level, q_count = None, 0
    for level, flags in by_level.items():
        if sum(flags) > q_count:
            q_level, q_count = level, sum(flags)
    mode = max((("q", n_q), ("b", n_bold), ("h", q_count)), key=lambda t: t[1])
    if mode[1] == 0:
        return []
    all_questions = q_level is not None and sum(by_level[q_level]) >= 0.8 * len(by_level[q_level])
    single_h1 = sum(1 for h in heads if h[1] == 1) == 1

    def starts_question(k: tuple[str, int, str] | None) -> bool:
        if k is None:
            return False
        if mode[0] == "h":
            return k[0] == "h" and k[1] == q_level and (all_questions or is_question(markdown_to_text(k[2])))
        if mode[0] == "b":
            return k[0] == "b" and is_question(k[2])
        return k[0] == "q"

    items: list[tuple[str, str, str | None, int]] = []
    section: str | None = None
    current: list[Any] | None = None
    for i, (line, k) in enumerate(zip(lines, kinds, strict=True)):
        if starts_question(k):
            if current:
                items.append(_md_item(current))
            current = [k[2], [], section, i + 1]
            continue
        if k and k[0] == "h" and (mode[0] != "h" or k[1] <= q_level):
            if current:
                items.append(_md_item(current))
                current = None
            if not (single_h1 and k[1] == 1):
                section = markdown_to_text(k[2])
            continue
        if current is not None:
            current[1].append(_MD_A.match(line).group(1) if k and k[0] == "a" else line)
    if current:
        items.append(_md_item(current))
    return [it for it in items if it[0] and it[1]]


def _md_item(cur: list[Any]) -> tuple[str, str, str | None, int]:
    return markdown_to_text(cur[0]), markdown_to_text("\n".join(cur[1])), cur[2], cur[3]


# -- HTML ----------------------------------------------------------------------------------------

def _jsonld_faq(root: Node) -> list[tuple[str, str, str | None, int]]:
    items = []
    for script in root.iter("script"):
        if "ld+json" not in script.attrs.get("type", ""):
            continue
        try:
            data = json.loads(script.raw_text())
        except json.JSONDecodeError:
            continue
        for obj in _walk_json(data):
            types = obj.get("@type")
            types = types if isinstance(types, list) else [types]
            if "FAQPage" not in types:
                continue
            entities = obj.get("mainEntity") or []
            for q in entities if isinstance(entities, list) else [entities]:
                if not isinstance(q, dict):
                    continue
                ans = q.get("acceptedAnswer") or q.get("suggestedAnswer") or {}
                ans = ans[0] if isinstance(ans, list) and ans else ans
                text = ans.get("text") if isinstance(ans, dict) else None
                if isinstance(q.get("name"), str) and isinstance(text, str):
                    items.append((normalize_text(html_to_text(q["name"])), normalize_text(html_to_text(text)),
                                  None, script.line))
    return items


def _walk_json(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, dict):
        yield data
        for v in data.values():
            yield from _walk_json(v)
    elif isinstance(data, list):
        for v in data:
            yield from _walk_json(v)


def _classes(node: Node) -> str:
    return node.attrs.get("class", "").lower()


def _structural_faq(root: Node) -> list[tuple[Node, list[Node | str], int]]:
    """(question node, answer nodes, question level) for dl, details, question headings, class pairs."""
    found: list[tuple[Node, list[Node | str], int]] = []
    for dl in root.iter("dl"):
        q, ans = None, []
        for child in dl.elements():
            if child.tag == "dt":
                if q is not None and ans:
                    found.append((q, ans, 7))
                q, ans = child, []
            elif child.tag == "dd" and q is not None:
                ans.append(child)
        if q is not None and ans:
            found.append((q, ans, 7))
    for det in root.iter("details"):
        summary = next((c for c in det.elements() if c.tag == "summary"), None)
        if summary is not None:
            found.append((summary, [c for c in det.children if c is not summary], 7))
    for parent in root.iter():
        kids = parent.elements()
        for i, node in enumerate(kids):
            if node.tag in HEADINGS and is_question(node_text(node)) and not _inside(node, ("summary", "dt")):
                level = int(node.tag[1])
                ans = []
                for sib in kids[i + 1:]:
                    if sib.tag in HEADINGS and int(sib.tag[1]) <= level or _has_heading(sib, level):
                        break
                    ans.append(sib)
                if ans:
                    found.append((node, ans, level))
            elif "question" in _classes(node) and i + 1 < len(kids) and "answer" in _classes(kids[i + 1]):
                found.append((node, [kids[i + 1]], 7))
    return found


def _inside(node: Node, tags: tuple[str, ...]) -> bool:
    p = node.parent
    while p is not None:
        if p.tag in tags:
            return True
        p = p.parent
    return False


def _has_heading(node: Node, level: int) -> bool:
    return any(int(h.tag[1]) <= level for h in node.iter(*HEADINGS) if h is not node)


def parse_html_faq(html: str) -> list[tuple[str, str, str | None, int]]:
    """`(question, answer, section, line)` items of an HTML FAQ page."""
    root = parse_html(html)
    items = _jsonld_faq(root)
    if items:
        return items
    order: dict[int, int] = {}
    headings: list[tuple[int, int, str]] = []  # (order, level, text)
    for i, node in enumerate(root.iter()):
        order[id(node)] = i
        if node.tag in HEADINGS:
            headings.append((i, int(node.tag[1]), node_text(node)))
    single_h1 = sum(1 for h in headings if h[1] == 1) == 1
    out, seen = [], set()
    for qnode, ans, level in sorted(_structural_faq(root), key=lambda t: order[id(t[0])]):
        question, answer = node_text(qnode), node_text(*ans)
        if not question or not answer or (question, answer) in seen:
            continue
        seen.add((question, answer))
        pos = order[id(qnode)]
        section = None
        for h_pos, h_level, h_text in reversed(headings):
            if h_pos < pos and h_level < level and not (single_h1 and h_level == 1):
                section = h_text
                break
        out.append((question, answer, section, qnode.line))
    return out


class _DocumentFaqImporter(Importer):
    kind = "faq"
    fmt = ""
    title = ""

    def parse(self, text: str) -> list[tuple[str, str, str | None, int]]:
        raise NotImplementedError

    def _items(self, path: Path) -> list[tuple[str, str, str | None, int]]:
        sample = sample_file(path)
        text = sample.text if sample.complete else path.read_text(
            encoding=sample.encoding, errors="ftcurate-cp1252" if sample.encoding.startswith("utf-8") else "replace")
        return self.parse(text)

    def detect(self, path: Path, options: ImportOptions) -> Detection | None:
        sample = sample_file(path)
        if sample.fmt != self.fmt:
            return None
        items = self._items(path)
        if not items:
            if options.kind == "faq":
                raise UserError(f"no questions found in this {self.title} page (expected question headings, "
                                "bold question lines or Q:/A: lines)", path=path)
            return None
        sections = sorted({s for _, _, s, _ in items if s})
        summary = (f"FAQ {self.title} page: {len(items)} questions"
                   + (f"; label = section ({', '.join(sections[:4])}{', ...' if len(sections) > 4 else ''})"
                      if sections else ""))
        return Detection(self.name, self.kind, 0.9, summary, {}, None)

    def read(self, path: Path, options: ImportOptions, detection: Detection,
             progress: Progress) -> Iterator[Example]:
        items = self._items(path)
        progress.set_total(len(items))
        for n, (question, answer, section, line) in enumerate(items, start=1):
            yield Example(messages=[{"role": "user", "content": question},
                                    {"role": "assistant", "content": answer}],
                          label=section, provenance={"line": line} if line else {})
            progress.set_progress(n)


@register_importer
class MarkdownFaqImporter(_DocumentFaqImporter):
    """FAQ pages written in Markdown."""

    name = "faq_markdown"
    extensions = (".md", ".markdown")
    fmt = "markdown"
    title = "Markdown"

    def parse(self, text: str) -> list[tuple[str, str, str | None, int]]:
        return parse_markdown_faq(text)


@register_importer
class HtmlFaqImporter(_DocumentFaqImporter):
    """FAQ web pages (HTML)."""

    name = "faq_html"
    extensions = (".html", ".htm")
    fmt = "html"
    title = "HTML"

    def parse(self, text: str) -> list[tuple[str, str, str | None, int]]:
        return parse_html_faq(text)
