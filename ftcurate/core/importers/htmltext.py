"""HTML to readable text, on the standard library's `html.parser`.

`parse_html` builds a small tolerant element tree (implicitly closing `p`, `li`, `dt`, `dd`, table
cells, as browsers do); `node_text` / `html_to_text` render it as plain text that keeps paragraphs,
list items ("- item", "1. item"), line breaks, table cells ("a | b") and link text, and drops scripts,
styles and markup. Entities are decoded.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
        "track", "wbr"}
SKIP = {"script", "style", "noscript", "template", "head", "svg", "iframe", "button", "select", "option",
        "textarea", "input", "canvas", "object", "title"}
BLOCK = {"p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "h1", "h2", "h3",
         "h4", "h5", "h6", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr",
         "blockquote", "pre", "details", "summary", "figure", "figcaption", "address", "hr", "form",
         "fieldset", "li", "caption", "body", "html"}
PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre", "details", "dl",
             "figure", "address", "section", "article"}
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# an open element of the key's type is closed when one of these starts
_AUTO_CLOSE = {
    "p": BLOCK - {"span"},
    "li": {"li"},
    "dt": {"dt", "dd"},
    "dd": {"dt", "dd"},
    "tr": {"tr"},
    "td": {"td", "th", "tr"},
    "th": {"td", "th", "tr"},
}
_LOOKS_HTML = re.compile(r"<(p|div|br|ul|ol|li|a|span|strong|em|b|i|h[1-6]|table|tr|td|dl|dt|dd|img)\b[^>]*>",
                         re.I)


_BLANK_LINE = re.compile(r"[ \t\r\f\u00a0]*\n[ \t\r\f\u00a0]*\n\s*")


class Node:
    """An element: `tag`, `attrs`, `children` (Nodes and text strings), `parent`, and the 1-based
    source `line` of its start tag."""

    __slots__ = ("tag", "attrs", "children", "parent", "line")

    def __init__(self, tag: str, attrs: dict[str, str] | None = None, parent: Node | None = None,
                 line: int = 0) -> None:
        self.tag = tag
        self.attrs = attrs or {}
        self.children: list[Node | str] = []
        self.parent = parent
        self.line = line

    def iter(self, *tags: str):
        """Depth-first descendants (self included) whose tag is in `tags` (all when empty)."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            if not tags or node.tag in tags:
                yield node
            stack.extend(c for c in reversed(node.children) if isinstance(c, Node))

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    def raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw_text() for c in self.children)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for _ in range(4):  # close implicitly-ended elements (e.g. <li> after <li>)
            top = self.stack[-1].tag
            if top in _AUTO_CLOSE and tag in _AUTO_CLOSE[top] and len(self.stack) > 1:
                self.stack.pop()
            else:
                break
        node = Node(tag, {k: v or "" for k, v in attrs}, self.stack[-1], self.getpos()[0])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.stack[-1], self.getpos()[0])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(html: str) -> Node:
    """Parse `html` into a tree rooted at a "#root" node. Never raises on bad markup."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


class _Renderer:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pending = 0  # newlines requested before the next text
        self.at_start = True
        self.list_stack: list[list[int | None]] = []

    def newline(self, n: int) -> None:
        if not self.at_start:
            self.pending = max(self.pending, n)

    def text(self, s: str, pre: bool = False) -> None:
        if not pre and "\n" in s and _BLANK_LINE.search(s):
            # scraped pages often separate paragraphs by blank lines only; keep those breaks
            for i, part in enumerate(_BLANK_LINE.split(s)):
                if i:
                    self.newline(2)
                self.text(part)
            return
        if not pre:
            s = re.sub(r"[ \t\r\n\f\u00a0]+", " ", s)
            if self.pending or self.at_start or (self.parts and self.parts[-1].endswith((" ", "\n"))):
                s = s.lstrip(" ")
        if not s:
            return
        if self.pending:
            self.parts.append("\n" * self.pending)
            self.pending = 0
        self.parts.append(s)
        self.at_start = False

    def render(self, node: Node | str, pre: bool = False) -> None:
        if isinstance(node, str):
            self.text(node, pre)
            return
        tag = node.tag
        if tag in SKIP or tag.startswith("#") and tag != "#root":
            return
        if tag == "br":
            self.parts.append("\n")
            self.pending = 0
            return
        if tag == "hr":
            self.newline(2)
            return
        if tag in ("ul", "ol"):
            self.newline(2 if not self.list_stack else 1)
            self.list_stack.append([0 if tag == "ol" else None])
            for c in node.children:
                self.render(c, pre)
            self.list_stack.pop()
            self.newline(2 if not self.list_stack else 1)
            return
        if tag == "li":
            self.newline(1)
            indent = "  " * max(0, len(self.list_stack) - 1)
            counter = self.list_stack[-1] if self.list_stack else [None]
            if counter[0] is None:
                marker = "- "
            else:
                counter[0] += 1
                marker = f"{counter[0]}. "
            self.text(indent + marker, pre=True)
            for c in node.children:
                self.render(c, pre)
            self.newline(1)
            return
        if tag in ("td", "th"):
            if self.parts and not self.at_start and not self.pending and not self.parts[-1].endswith("\n"):
                self.text(" | ", pre=True)
            for c in node.children:
                self.render(c, pre)
            return
        if tag in BLOCK:
            self.newline(2 if tag in PARAGRAPH else 1)
        is_pre = pre or tag == "pre"
        for c in node.children:
            self.render(c, is_pre)
        if tag in BLOCK:
            self.newline(2 if tag in PARAGRAPH else 1)

    def result(self) -> str:
        text = "".join(self.parts)
        text = re.sub(r"[ \t]+\n", "\n", text)
        text = re.sub(r"\n{3,}", "\n\n", text)
        return text.strip()


def node_text(*nodes: Node | str) -> str:
    """Readable text of one or more nodes rendered in sequence (see the module docstring)."""
    r = _Renderer()
    for n in nodes:
        r.render(n)
        r.newline(2)
    return r.result()


def html_to_text(html: str) -> str:
    """Readable text of an HTML fragment or page."""
    if '=\\"' in html:  # attributes escaped as in a JSON string: href=\"...\"
        html = html.replace('\\"', '"')
    return node_text(parse_html(html))


def looks_like_html(text: str) -> bool:
    """True when `text` contains common HTML tags (so it should be rendered, not kept as is)."""
    return bool(_LOOKS_HTML.search(text))
