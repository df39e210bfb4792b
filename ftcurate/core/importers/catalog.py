"""Product catalogs (CSV/TSV/JSON/JSONL/XLSX/Parquet) -> question/answer pairs via templates.

Two importers share the reading:
- `ShopifyCatalogImporter`: Shopify product exports (Handle, Title, Body (HTML), Vendor, Type, Tags,
  Product Category, Option1..3 Name/Value, Variant Price/SKU...). The rows of one Handle (the product
  row, then variant and image rows) form one product; option values become fields named after the
  option ("Size" -> {sizes}, "Colour" -> {colors}, "Length" -> {length}).
- `CatalogImporter`: generic catalogs, one product per row (rows sharing a consecutive
  handle/parent id/group id are merged the same way).

Each product renders every question template (`ftcurate.core.importers.templates`; the user's via
`options.templates`, else the defaults) whose fields it has. The label is the category's top level
("Camping | Tents" or "Camping > Tents" -> "Camping"); `extra["label_level"]` = N keeps N levels
(-1: the leaf; a shop's root crumb such as "Home" is skipped). Metadata keeps the product name,
handle/SKU, price and the template used.

The file is read twice: the first pass counts the sentences of every product's free text, so that
sentences repeated across many products (shop furniture, policies: `catalog_text.BoilerplateFinder`)
are left out of the answers of the second. A product no template fits answers "What is X?" with an
overview built from its category, brand, options and price; a price column named with its currency
("Price (EUR)") adds the currency to the price.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftcurate.core.errors import ConfigError
from ftcurate.core.importers.base import Detection, Importer, ImportOptions, register_importer
from ftcurate.core.importers.catalog_text import (
    BoilerplateFinder,
    category_path,
    header_currency,
    overview,
    price_column,
)
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
from ftcurate.core.importers.templates import Template, check_fields, parse_template, parse_templates
from ftcurate.core.progress import Progress
from ftcurate.core.records import Example

FIELDS = {
    "name": ("name", "title", "product_name", "product_title", "product", "item_name", "item", "model"),
    "description": ("description", "body_html", "body", "product_description", "long_description",
                    "details", "short_description", "desc", "overview", "summary", "about"),
    "price": ("price", "variant_price", "unit_price", "sale_price", "retail_price", "list_price", "msrp",
              "cost", "amount"),
    "currency": ("currency", "price_currency", "currency_code"),
    "category": ("product_category", "category", "categories", "category_path", "type", "product_type",
                 "department", "collection", "breadcrumb"),
    "brand": ("brand", "vendor", "manufacturer", "maker"),
    "sku": ("sku", "variant_sku", "item_code", "product_code", "article_number", "mpn"),
    "sizes": ("sizes", "size", "available_sizes"),
    "colors": ("colors", "colours", "color", "colour", "available_colors"),
    "material": ("material", "materials", "fabric"),
    "specifications": ("specifications", "specs", "spec", "features", "attributes", "technical_details",
                       "key_features"),
    "availability": ("availability", "in_stock", "stock_status", "stock", "inventory"),
    "weight": ("weight", "item_weight", "shipping_weight"),
    "dimensions": ("dimensions", "measurements"),
    "warranty": ("warranty", "guarantee"),
    "tags": ("tags", "keywords"),
    "url": ("url", "link", "product_url"),
    "group": ("handle", "parent_sku", "parent_id", "group_id", "item_group_id", "product_id"),
}
PRODUCT_LEVEL = ("name", "description", "brand", "category", "material", "specifications", "warranty",
                 "tags", "url", "currency", "dimensions", "weight", "availability")
OPTION_FIELDS = {"size": "sizes", "sizes": "sizes", "color": "colors", "colour": "colors",
                 "colors": "colors", "colours": "colors", "material": "material"}
_CATEGORY_SPLIT = re.compile(r"\s*(?:\||>|»|›)\s*")
_LIST_SPLIT = re.compile(r"\s*[|;,]\s*")
_OPTION = re.compile(r"^option(\d)_(name|value)$")
TEXT_FIELDS = ("description", "specifications", "warranty", "material")  # cleaned, checked for boilerplate
FALLBACK = parse_template("What is {name}? => {overview}")


def detect_catalog_columns(head: TableHead, options: ImportOptions) -> dict[str, str]:
    """Logical field -> column, user mapping first."""
    mapping = {k: resolve_column(head, k, v) for k, v in options.mapping.items()}
    used = set(mapping.values())
    for field, names in FIELDS.items():
        if field not in mapping and (col := find_column(head.columns, names, exclude=used)):
            mapping[field] = col
            used.add(col)
    if "price" not in mapping and (col := price_column(head.columns, used)):
        mapping["price"] = col  # "Price (EUR)", "Preis €": the currency comes from the header
    return mapping


def _option_columns(columns: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name column, value column) pairs of Shopify-style options."""
    found: dict[str, dict[str, str]] = {}
    for c in columns:
        if m := _OPTION.match(norm(c)):
            found.setdefault(m.group(1), {})[m.group(2)] = c
    return [(v["name"], v["value"]) for _, v in sorted(found.items()) if "name" in v and "value" in v]


def _price_text(prices: list[str]) -> str | None:
    if not prices:
        return None
    nums = []
    for p in prices:
        try:
            nums.append(float(re.sub(r"[^\d.\-]", "", p)))
        except ValueError:
            return ", ".join(dict.fromkeys(prices))
    lo, hi = min(nums), max(nums)
    if lo == hi:
        return prices[0]
    fmt = (lambda x: f"{x:.2f}") if any("." in p for p in prices) else (lambda x: f"{x:g}")
    return f"from {fmt(lo)} to {fmt(hi)}"


class _Product:
    """Rows of one product being merged."""

    def __init__(self, loc: dict[str, Any], key: str | None) -> None:
        self.loc = loc
        self.key = key
        self.fields: dict[str, list[str]] = {}
        self.option_names: dict[str, str] = {}
        self.not_text: frozenset[str] = frozenset()  # column copies of name, price, category...

    def add(self, field: str, value: str | None) -> None:
        if value:
            vals = self.fields.setdefault(field, [])
            if value not in vals:
                vals.append(value)

    def values(self, label_level: int, currency: str | None = None,
               boiler: BoilerplateFinder | None = None) -> tuple[dict[str, str], str | None, int]:
        """(field -> text, label, boilerplate sentences removed). `currency` is the price column's
        currency when the file has no currency column; `boiler` strips sentences repeated across
        many products from the long text fields."""
        out: dict[str, str] = {}
        for field, vals in self.fields.items():
            if field == "price":
                out[field] = _price_text(vals) or ""
            elif field in PRODUCT_LEVEL or field.startswith("_col_"):
                out[field] = vals[0]
            else:
                items = [x for v in vals for x in (_LIST_SPLIT.split(v) if field in ("sizes", "colors") else [v])]
                out[field] = ", ".join(dict.fromkeys(x for x in items if x))
        currency = out.get("currency") or currency
        if currency and out.get("price") and currency not in out["price"]:
            out["price"] = f"{out['price']} {currency}"
        removed = 0
        if boiler is not None:
            for field in [f for f in out if self.is_text(f)]:
                out[field], n = boiler.remove(out[field])
                removed += n
        label = None
        if out.get("category"):
            path = category_path(out["category"], _CATEGORY_SPLIT)
            if path:
                label = path[-1] if label_level < 0 else " | ".join(path[:max(1, label_level)])
                out["category"] = path[-1]
        for field in [f for f in out if f.startswith("_col_")]:  # columns by their own names
            out.setdefault(field[5:], out.pop(field))
        out = {k: v for k, v in out.items() if v}
        if not out.get("description") and (text := overview(out)):
            out["overview"] = text
        return out, label, removed

    def long_texts(self) -> list[str]:
        """The free-text values of this product (what boilerplate is looked for in)."""
        return [v for f, vals in self.fields.items() if self.is_text(f) for v in vals[:1] if len(v) > 20]

    def is_text(self, field: str) -> bool:
        return field in TEXT_FIELDS or field.startswith("_col_") and field not in self.not_text


class _CatalogBase(Importer):
    kind = "catalog"
    extensions = (".csv", ".tsv", ".json", ".jsonl", ".xlsx", ".parquet")

    def _summary(self, head: TableHead, mapping: dict[str, str], options: ImportOptions, what: str) -> str:
        templates = parse_templates(options.templates)
        have = set(mapping) | {norm(c) for c in head.columns} | {"overview"}
        fit = sum(1 for t in templates if set(t.fields) <= have)
        shown = ", ".join(f"{k}={v}" for k, v in mapping.items() if k != "group")
        group = f"; rows grouped by {mapping['group']}" if "group" in mapping else ""
        label = f"; label = top level of {mapping['category']}" if "category" in mapping else ""
        return (f"{what} ({head.sample.fmt}): {shown}{group}{label}; {fit} of {len(templates)} "
                f"{'' if options.templates else 'default '}question templates fit its columns")

    def _plan(self, path: Path, options: ImportOptions, detection: Detection
              ) -> tuple[TableHead, dict[str, str], list[Template], list[tuple[str, str]]]:
        head = table_head(path)
        mapping = {**detection.mapping, **{k: resolve_column(head, k, v) for k, v in options.mapping.items()}}
        if "name" not in mapping:
            raise ConfigError("no product name column; use --map name=COLUMN", path=path)
        templates = parse_templates(options.templates)
        options_cols = _option_columns(head.columns)
        available = set(FIELDS) | {norm(c) for c in head.columns} | set(OPTION_FIELDS.values())
        available |= {_option_field(str(r.get(n))) for r in head.rows for n, _ in options_cols if r.get(n)}
        check_fields(templates, available | {"overview"})
        return head, mapping, templates, options_cols

    def _rendered(self, path: Path, options: ImportOptions, detection: Detection, progress: Progress
                  ) -> Iterator[tuple[_Product, dict[str, str], str | None, list[tuple[Template, tuple[str, str]]]]]:
        """Per product with a name: its values, label and the (template, pair)s it renders. A product
        no template fits gets the overview fallback; one with nothing but a name is counted as dropped."""
        head, mapping, templates, options_cols = self._plan(path, options, detection)
        level = int(options.extra.get("label_level", 1))
        label_key = norm(resolve_column(head, "label", options.label_column)) if options.label_column else None
        currency = header_currency(mapping["price"]) if "price" in mapping and "currency" not in mapping else None
        boiler = self._boiler = BoilerplateFinder()
        for product in self._products(head, mapping, options_cols, None):
            boiler.add_product(product.long_texts())
        for product in self._products(head, mapping, options_cols, progress):
            values, label, removed = product.values(level, currency, boiler)
            if removed:
                self.drop("products whose text lost boilerplate sentences repeated across the catalog")
            if label_key is not None:
                label = values.get(label_key)
            if not values.get("name"):
                if product.fields:
                    self.drop("product without a name")
                continue
            pairs = [(t, pair) for t in templates if (pair := t.render(values)) is not None]
            if not pairs and (pair := FALLBACK.render(values)) is not None:
                pairs = [(FALLBACK, pair)]
            if not pairs:
                self.drop("product with nothing but a name")
            yield product, values, label, pairs

    def read(self, path: Path, options: ImportOptions, detection: Detection,
             progress: Progress) -> Iterator[Example]:
        for product, values, label, pairs in self._rendered(path, options, detection, progress):
            meta_base = {"product": values["name"]}
            for k in ("group", "sku", "price", "brand", "colors"):  # brand/colors: the PII check skips them
                if values.get(k):
                    meta_base[{"group": "handle"}.get(k, k)] = values[k]
            for t, (question, answer) in pairs:
                yield Example(messages=[{"role": "user", "content": question},
                                        {"role": "assistant", "content": answer}],
                              label=label, metadata={**meta_base, "template": t.source},
                              provenance={k: v for k, v in product.loc.items() if k in ("row", "line")})

    def preview(self, path: Path, options: ImportOptions, detection: Detection,
                progress: Progress) -> list[str]:
        """Per template, how many products it applies to (reads the whole file)."""
        used: Counter[str] = Counter()
        products = 0
        templates = self._plan(path, options, detection)[2]
        for _, _, _, pairs in self._rendered(path, options, detection, progress):
            products += 1
            used.update(t.source for t, _ in pairs)
        lines = [f"{used[t.source]:>7} of {products} products  {t.source}" for t in templates]
        if used[FALLBACK.source] and FALLBACK.source not in {t.source for t in templates}:
            lines.append(f"{used[FALLBACK.source]:>7} of {products} products  {FALLBACK.source} "
                         f"(fallback: no template fits them)")
        lines += [f"{n:>7} {why}" for why, n in self.dropped.items()]
        lines += [f"        boilerplate: {b[:90]!r}" for b in sorted(self._boiler.boilerplate)[:10]]
        return lines

    def _products(self, head: TableHead, mapping: dict[str, str], options_cols: list[tuple[str, str]],
                  progress: Progress) -> Iterator[_Product]:
        field_of = {col: field for field, col in mapping.items()}
        not_text = frozenset("_col_" + norm(c) for f, c in mapping.items() if f not in TEXT_FIELDS)
        group_col = mapping.get("group")
        current: _Product | None = None
        for loc, rec in iter_table(head.sample, progress):
            key = as_text(rec.get(group_col)) if group_col else None
            if current is None or key is None or key != current.key:
                if current is not None:
                    yield current
                current = _Product(loc, key)
                current.not_text = not_text
            for col, value in rec.items():
                if is_missing(value):
                    continue
                field = field_of.get(col)
                text = clean_text(as_text(value)) if field in TEXT_FIELDS else as_text(value)
                if field is not None:
                    current.add(field, text)
                current.add("_col_" + norm(col), text)
            for name_col, value_col in options_cols:
                name, value = as_text(rec.get(name_col)), as_text(rec.get(value_col))
                if name:
                    current.option_names[name_col] = name
                opt = current.option_names.get(name_col)
                if value and opt and value.lower() != "default title":
                    current.add(_option_field(opt), value)
        if current is not None:
            yield current


def _option_field(option_name: str) -> str:
    n = norm(option_name)
    return OPTION_FIELDS.get(n, n)


@register_importer
class ShopifyCatalogImporter(_CatalogBase):
    """Shopify product exports."""

    name = "shopify_catalog"

    def detect(self, path: Path, options: ImportOptions) -> Detection | None:
        head = table_head(path)
        if head is None or not head.rows:
            return None
        if not (find_column(head.columns, ["handle"]) and find_column(head.columns, ["title"])
                and (find_column(head.columns, ["body_html", "variant_price", "option1_name"]))):
            return None
        mapping = detect_catalog_columns(head, options)
        if mapping.get("group") is None:
            return None
        summary = self._summary(head, mapping, options, "Shopify product export")
        return Detection(self.name, self.kind, 0.96, summary, mapping, mapping.get("category"))


@register_importer
class CatalogImporter(_CatalogBase):
    """Generic product catalogs."""

    name = "catalog"

    def detect(self, path: Path, options: ImportOptions) -> Detection | None:
        head = table_head(path)
        if head is None or not head.rows:
            return None
        mapping = detect_catalog_columns(head, options)
        if "name" not in mapping:
            return None
        product_fields = [f for f in ("description", "price", "brand", "sku", "sizes", "colors",
                                      "specifications", "material") if f in mapping]
        if not product_fields and "category" not in mapping:
            return None
        names = [v for r in head.rows[:50] if isinstance(v := r.get(mapping["name"]), str) and v.strip()]
        questions = sum(1 for v in names if v.rstrip().endswith("?")) / max(1, len(names))
        score = 0.8 if "price" in mapping or len(product_fields) >= 2 else 0.6
        if questions > 0.3:
            score = 0.3
        if options.kind == "catalog":
            score = max(score, 0.8)
        summary = self._summary(head, mapping, options, "product catalog")
        return Detection(self.name, self.kind, score, summary, mapping, mapping.get("category"))
