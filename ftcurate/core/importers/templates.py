"""Question templates that turn a product into question/answer pairs.

A template is `"QUESTION => ANSWER"` with `{field}` placeholders, e.g.
`"How much is {name}? => {name} costs {price}."`. A template with only a question gets the answer of
the first rule in `ANSWER_RULES` whose keywords it contains ("how much" -> "{name} costs {price}."),
or, when it names one field besides `{name}`, that field's value. Fields are the catalog's logical
fields (name, description, price, category, brand, sku, sizes, colors, material, specifications,
availability, weight, dimensions, warranty, tags, url; `overview`, a sentence built from category,
brand, material, options and price, is filled only for products without a description) and any column, by its normalised name
("Variant SKU" -> `{variant_sku}`). A template whose fields are missing for a product is skipped for
that product: nothing is ever rendered as "None" or "nan".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ftcurate.core.errors import ConfigError
from ftcurate.core.importers.tables import norm

PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
DEFAULT_TEMPLATES = (
    "What is {name}? => {description}",
    "What is {name}? => {overview}",
    "How much is {name}? => {name} costs {price}.",
    "What sizes does {name} come in? => {name} comes in these sizes: {sizes}.",
    "What colours does {name} come in? => {name} is available in {colors}.",
    "Who makes {name}? => {name} is made by {brand}.",
    "What is {name} made of? => {name} is made of {material}.",
    "What are the specifications of {name}? => {specifications}",
    "What warranty does {name} have? => {name} comes with this warranty: {warranty}.",
)
ANSWER_RULES = (
    (r"how much|price|cost", "{name} costs {price}."),
    (r"\bsizes?\b|what size", "{name} comes in these sizes: {sizes}."),
    (r"colou?rs?", "{name} is available in {colors}."),
    (r"made of|material|fabric", "{name} is made of {material}."),
    (r"who makes|brand|manufactur", "{name} is made by {brand}."),
    (r"spec|feature|technical", "{specifications}"),
    (r"warrant", "{name} comes with this warranty: {warranty}."),
    (r"in stock|availab", "{name}: {availability}."),
    (r"weigh", "{name} weighs {weight}."),
    (r"dimension|how big|measure", "{name} measures {dimensions}."),
    (r"\bsku\b|product code|item code", "The product code of {name} is {sku}."),
    (r"categor|what kind|what type", "{name} is in our {category} range."),
    (r"what is|what's|tell me about|describe|what does", "{description}"),
)


@dataclass(frozen=True)
class Template:
    """A parsed template: `question` and `answer` patterns and the fields they use."""

    source: str
    question: str
    answer: str
    fields: tuple[str, ...]

    def render(self, product: dict[str, str]) -> tuple[str, str] | None:
        """(question, answer) for `product` (normalised field -> text), or None if a field is missing."""
        if any(not product.get(f) for f in self.fields):
            return None
        sub = lambda m: product[norm(m.group(1))]  # noqa: E731
        return PLACEHOLDER.sub(sub, self.question).strip(), PLACEHOLDER.sub(sub, self.answer).strip()


def parse_template(text: str) -> Template:
    """Parse one template (see the module docstring).

    Raises:
        ConfigError: no placeholder, or a question-only template whose answer cannot be inferred.
    """
    source = text.strip()
    if "=>" in source:
        question, answer = (part.strip() for part in source.split("=>", 1))
    else:
        question, answer = source, _infer_answer(source)
    if not question or not answer:
        raise ConfigError(f"template {source!r} needs a question and an answer (QUESTION => ANSWER)")
    fields = tuple(dict.fromkeys(norm(f) for f in PLACEHOLDER.findall(question + answer)))
    if not fields:
        raise ConfigError(f"template {source!r} has no {{field}} placeholder such as {{name}}")
    return Template(source, question, answer, fields)


def _infer_answer(question: str) -> str:
    low = PLACEHOLDER.sub(" ", question.lower())
    for pattern, answer in ANSWER_RULES:
        if re.search(pattern, low):
            return answer
    others = [f for f in PLACEHOLDER.findall(question) if norm(f) != "name"]
    if len(others) == 1:
        return "{" + others[0] + "}"
    raise ConfigError(f"cannot tell which field answers the template {question!r}; write it as "
                      f"'{question} => ANSWER' with {{field}} placeholders")


def parse_templates(texts: list[str] | tuple[str, ...] | None) -> list[Template]:
    """Parse user templates (blank lines and "#" comments ignored), or the defaults when None/empty."""
    lines = [t for t in (texts or ()) if t.strip() and not t.strip().startswith("#")]
    return [parse_template(t) for t in (lines or DEFAULT_TEMPLATES)]


def check_fields(templates: list[Template], available: set[str]) -> None:
    """Raise ConfigError for a placeholder no column or logical field provides (a typo, usually)."""
    for t in templates:
        unknown = [f for f in t.fields if f not in available]
        if unknown:
            raise ConfigError(f"template {t.source!r} uses {{{unknown[0]}}}, which this catalog does not "
                              f"have; fields are: {', '.join(sorted(available))}")


def load_templates(path: str | Path) -> list[str]:
    """Templates from a file: a JSON list (of strings or {"question", "answer"} objects) or text with
    one template per line ("#" comments allowed).

    Raises:
        ConfigError: unreadable file or no templates in it.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"cannot read the template file ({exc.strerror})", path=p) from None
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"not valid JSON: {exc.msg}", path=p, line=exc.lineno) from None
        out = [f"{d['question']} => {d['answer']}" if isinstance(d, dict) else str(d)
               for d in (data if isinstance(data, list) else [])]
    else:
        out = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    if not out:
        raise ConfigError("the template file has no templates", path=p)
    return out
