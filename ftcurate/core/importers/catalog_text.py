"""Catalog text helpers: price headers with a currency, boilerplate sentences, product overviews.

- `price_column` finds a price column written with its currency ("Price (EUR)", "Preis in €",
  "price_usd") and `header_currency` reads the currency from it.
- `BoilerplateFinder` counts, over every product of a catalog, the sentences of its long text fields
  (description, specifications and any other free-text column). A sentence of 4+ words found in at
  least `min_products` products and in at least `share` of the products that have text is
  boilerplate: shop-page furniture and policies scraped with the product ("Go to your orders and start
  the return ...", "show up to 2 reviews by default"). `remove` drops those sentences from a value.
- `overview` writes a plain sentence about a product from its name, category, brand, price and
  options, for products without a description ("What is X?" still gets an answer).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from ftcurate.core.importers.tables import norm

CURRENCIES = {"eur": "EUR", "euro": "EUR", "euros": "EUR", "usd": "USD", "gbp": "GBP", "chf": "CHF",
              "sek": "SEK", "nok": "NOK", "dkk": "DKK", "pln": "PLN", "czk": "CZK", "jpy": "JPY",
              "cad": "CAD", "aud": "AUD", "nzd": "NZD", "inr": "INR", "cny": "CNY", "brl": "BRL",
              "mxn": "MXN", "zar": "ZAR", "huf": "HUF", "ron": "RON", "try": "TRY"}
SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR", "zł": "PLN", "kr": "SEK"}
_PRICE_WORDS = ("price", "preis", "prix", "precio", "prezzo", "prijs", "pris", "cena", "cost", "amount")
_EXCLUDE_PRICE = ("old", "was", "original", "compare", "list", "rrp", "msrp", "before", "shipping",
                  "delivery", "tax", "vat_amount", "discount", "min", "max", "per")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n+")
_WS = re.compile(r"\s+")
BREADCRUMB_ROOTS = frozenset({"home", "all", "all products", "shop", "products", "store", "catalog",
                              "catalogue", "start", "homepage", "startseite", "accueil", "inicio"})


def header_currency(column: str) -> str | None:
    """The currency a column header names ("Price (EUR)" -> "EUR", "Preis in €" -> "EUR")."""
    for sym, code in SYMBOLS.items():
        if sym in column and (sym != "kr" or re.search(r"\bkr\b", column)):
            return code
    for word in norm(column).split("_"):
        if word in CURRENCIES:
            return CURRENCIES[word]
    return None


def price_column(columns: Iterable[str], exclude: Iterable[str] = ()) -> str | None:
    """A price column not found by exact name: "Price (EUR)", "Sale price €", "price_usd"."""
    skip = set(exclude)
    for col in columns:
        if col in skip:
            continue
        words = norm(col).split("_")
        if any(w in _PRICE_WORDS for w in words) and not any(w in _EXCLUDE_PRICE for w in words):
            return col
    return None


def sentence_key(sentence: str) -> str:
    return _WS.sub(" ", sentence.strip().lower()).strip(" .!?")


def sentences(text: str) -> list[str]:
    return [s for s in (p.strip() for p in _SENTENCE.split(text)) if s]


class BoilerplateFinder:
    """Counts sentences per product, then says which are boilerplate (see the module docstring)."""

    def __init__(self, min_products: int = 3, share: float = 0.1, min_words: int = 4) -> None:
        self.min_products = min_products
        self.share = share
        self.min_words = min_words
        self.counts: Counter[str] = Counter()
        self.products = 0
        self._boiler: frozenset[str] | None = None

    def add_product(self, texts: Iterable[str]) -> None:
        keys = {sentence_key(s) for t in texts for s in sentences(t)}
        keys = {k for k in keys if len(k.split()) >= self.min_words}
        if keys:
            self.products += 1
            self.counts.update(keys)

    @property
    def boilerplate(self) -> frozenset[str]:
        if self._boiler is None:
            need = max(self.min_products, math.ceil(self.share * self.products))
            self._boiler = frozenset(k for k, n in self.counts.items() if n >= need)
        return self._boiler

    def remove(self, text: str) -> tuple[str, int]:
        """`text` without boilerplate sentences, and how many were removed."""
        if not self.boilerplate:
            return text, 0
        kept, removed = [], 0
        for s in sentences(text):
            if sentence_key(s) in self.boilerplate:
                removed += 1
            else:
                kept.append(s)
        return (" ".join(kept) if removed else text), removed


def category_path(value: str, split: re.Pattern[str]) -> list[str]:
    """The parts of a category path without a shop's root crumb ("Home > Kitchen" -> ["Kitchen"])."""
    parts = [p for p in split.split(value) if p]
    if len(parts) > 1 and parts[0].strip().lower() in BREADCRUMB_ROOTS:
        parts = parts[1:]  # one root crumb only: "Home > Home > Lighting" is the Home department
    return parts


def overview(values: dict[str, str]) -> str | None:
    """A short description from the fields a product has, or None when it has nothing but a name."""
    name = values.get("name")
    if not name:
        return None
    cat, brand = values.get("category"), values.get("brand")
    parts = []
    if cat and brand:
        parts.append(f"{name} is made by {brand} and is part of our {cat} range.")
    elif cat:
        parts.append(f"{name} is part of our {cat} range.")
    elif brand:
        parts.append(f"{name} is made by {brand}.")
    for field, text in (("material", "It is made of {}."), ("colors", "It comes in {}."),
                        ("sizes", "Sizes: {}."), ("price", "It costs {}.")):
        if values.get(field):
            parts.append(text.format(values[field]))
    if not parts:
        return None
    if not (cat or brand):
        parts[0] = f"{name}: " + parts[0][0].lower() + parts[0][1:]
    return " ".join(parts)
