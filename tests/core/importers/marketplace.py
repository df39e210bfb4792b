"""A synthetic marketplace catalog like the ones scraped from web shops (a plain helper module).

28 columns, most descriptions empty, a price column named "Price (EUR)", breadcrumb categories, and
scraped columns full of page furniture repeated on every product ("Go to your orders and start the
return Select the ship method Ship it!", "show up to 2 reviews by default"). Some cells hold the
words "nan"/"None"/"null", some names carry HTML entities or mojibake. Deterministic (seeded).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

COLUMNS = ["product_id", "Product Name", "Brand", "Category", "Price (EUR)", "Old Price (EUR)", "Description",
           "Specifications", "Reviews Widget", "Rating", "Review Count", "Seller", "Seller Rating",
           "Shipping Info", "Returns Policy", "Stock", "EAN", "SKU", "Color", "Size", "Material",
           "Weight (kg)", "Dimensions", "Image URL", "Product URL", "Tags", "Warranty", "Last Updated"]
FURNITURE_SPEC = "Go to your orders and start the return Select the ship method Ship it!"
FURNITURE_REVIEWS = "show up to 2 reviews by default"
KINDS = [("Kitchen > Cookware", "pan", ["steel", "cast iron", "aluminium"]),
         ("Kitchen > Knives", "knife", ["steel", "ceramic"]),
         ("Garden > Tools", "trowel", ["steel", "ash wood"]),
         ("Home > Lighting", "lamp", ["brass", "glass"]),
         ("Sports > Yoga", "mat", ["rubber", "cork"]),
         ("Toys > Puzzles", "puzzle", ["cardboard", "wood"])]
BRANDS = ["Nordwik", "Casa Vela", "Brightmoor", "Kestrel & Co", "Ôrla"]
ADJ = ["Classic", "Pro", "Compact", "Deluxe", "Everyday", "Travel", "Studio", "Heritage"]


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("cp1252", errors="replace")


def make_catalog(path: Path, n: int = 1000, seed: int = 3) -> Path:
    """Write a catalog of `n` products to `path` (CSV) and return it."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i in range(n):
            cat, noun, materials = KINDS[i % len(KINDS)]
            brand = BRANDS[rng.randrange(len(BRANDS))]
            name = f"{ADJ[rng.randrange(len(ADJ))]} {noun.title()} {100 + i}"
            if i % 37 == 0:
                name = f"{brand} &amp; Friends {noun} {i}"
            if i % 41 == 0:
                name = _mojibake(f"Café {noun} {i}")
            price = f"{rng.uniform(4, 300):.2f}" if i % 9 else rng.choice(["", "nan"])
            desc = ""
            if i % 5 == 0:
                desc = (f"A {noun} for everyday use, made of {materials[i % len(materials)]}. "
                        f"{'Dishwasher safe. ' if 'Kitchen' in cat else ''}Ships in recycled packaging.")
            spec = FURNITURE_SPEC
            if i % 4 == 0:
                spec = f"Material: {materials[0]}. Weight: {rng.uniform(0.1, 3):.1f} kg. {FURNITURE_SPEC}"
            row = [f"P{i:05d}", name, brand if i % 11 else "None", f"Home > {cat}" if i % 13 else "", price,
                   "", desc, spec, FURNITURE_REVIEWS, f"{rng.uniform(1, 5):.1f}", str(rng.randrange(300)),
                   "MarketSeller GmbH", "4.8", "Free shipping on orders over 50 EUR", "30-day returns. "
                   "Go to your orders and start the return.", rng.choice(["in stock", "2 left", "null"]),
                   str(4000000000000 + i), f"SKU-{i:05d}", rng.choice(["", "black", "red", "nan"]),
                   "", rng.choice(["", materials[0]]), f"{rng.uniform(0.1, 3):.2f}", "",
                   f"https://img.example/{i}.jpg", f"https://shop.example/p/{i}", "", "", "2026-01-02"]
            w.writerow(row)
    return path
