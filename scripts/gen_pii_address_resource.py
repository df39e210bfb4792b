"""Build ftcurate/core/pii/address_resource.json from OpenCage's address-formatting test cases.

Input: ../shared/data/address_formats/countries/*.yaml (OpenCageData/address-formatting,
testcases/countries, MIT licence, (c) 2020 OpenCage GmbH): 462 labelled addresses of 251 countries,
each with its components (road, house_number, postcode, city, country, ...) and the address as that
country writes it. What this script takes from them are facts, not text to copy:

  * street-type words: words that recur across different road names ("Street", "Rue", "Avenida",
    "ulica") and word endings shared by one-word road names ("-straße", "-katu", "-gatan"), merged with
    a short hand list of the same kind (the test cases hold only ~370 roads);
  * postcode shapes per country ("00140" -> \\d{5}, "SW1A 1AA" -> [A-Z]{2}\\d[A-Z] \\d[A-Z]{2}), and
    whether the postcode comes before or after the town;
  * country names as the addresses write them (English and local: "Germany", "Deutschland");
  * whether the house number comes before the road ("301 Hamilton Avenue") or after ("Pietarinkatu 15").

    python scripts/gen_pii_address_resource.py [--data DIR] [--out FILE]

`build_resource(files)` is also used by benchmarks/bench_pii_accuracy.py to build the resource from
the development half of the countries only, so the test half's addresses are unseen.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "address_formats" / "countries"
DEFAULT_OUT = ROOT / "ftcurate" / "core" / "pii" / "address_resource.json"
LICENCE = ("Derived from OpenCageData/address-formatting testcases (MIT licence, (c) 2020 OpenCage GmbH) "
           "by scripts/gen_pii_address_resource.py; facts only (word lists, postcode shapes, country names).")

# Hand list of the same kind of facts, for layouts the test cases have too few roads to show.
BASE_STREET_WORDS = [
    "street", "st", "avenue", "ave", "av", "road", "rd", "boulevard", "blvd", "lane", "ln", "drive", "dr",
    "court", "ct", "place", "pl", "way", "terrace", "parkway", "pkwy", "circle", "highway", "hwy",
    "square", "sq", "crescent", "close", "gardens", "row", "mews", "grove", "alley", "trail", "plaza",
    "walk", "rise", "parade", "esplanade", "pike", "loop", "route", "rue", "chemin", "allée", "impasse",
    "quai", "via", "viale", "piazza", "corso", "calle", "avenida", "carrera", "camino", "paseo", "rua",
    "travessa", "estrada", "praça", "ulica", "ul", "aleja", "strada", "straße", "strasse", "str", "weg",
    "gasse", "platz", "allee", "straat", "laan", "gata", "gatan", "vej", "gade", "vei", "gate", "tie",
    "katu", "utca", "út", "cesta", "ulitsa", "prospekt", "jalan", "jl", "soi", "duong", "calea",
]
BASE_SUFFIXES = ["straße", "strasse", "str.", "weg", "gasse", "platz", "allee", "ring", "damm", "straat",
                 "laan", "plein", "gracht", "gatan", "vägen", "gata", "väg", "vej", "gade", "veien",
                 "vegen", "gate", "katu", "tie", "kuja", "polku", "utca", "ulica", "cesta"]
# Type words that open a street's name ("Rue de Rivoli", "Calle Mayor") rather than close it.
BASE_PREFIX_WORDS = ["rue", "avenue", "boulevard", "chemin", "allée", "impasse", "quai", "route", "via",
                     "viale", "piazza", "corso", "calle", "avenida", "carrera", "camino", "paseo", "rua",
                     "travessa", "estrada", "praça", "ulica", "ul", "aleja", "strada", "jalan", "jl", "soi",
                     "calea", "avinguda", "ulitsa", "prospekt", "place", "plaza", "av"]
UNIT_WORDS = ["apt", "apartment", "suite", "ste", "unit", "flat", "floor", "fl", "level", "lvl", "room",
              "rm", "bldg", "building", "block", "blk", "piso", "puerta", "depto", "departamento", "dpto",
              "etage", "étage", "wohnung", "whg", "app", "appt", "bte", "lgh", "kv", "office", "no"]
CONNECTORS = {"de", "du", "des", "la", "le", "les", "del", "da", "do", "dos", "das", "di", "della", "of",
              "the", "and", "von", "van", "der", "den", "y", "e", "al", "el", "l'", "d'"}
# Words that recur in road names of several countries but name a place or a person, not a street type.
NOT_TYPE_WORDS = {"main", "west", "east", "north", "south", "victoria", "navarre", "san", "santa", "saint",
                  "jean", "ii", "new", "old", "great", "little", "upper", "lower", "king", "queen"}
ROAD_KEYS = ("road", "pedestrian", "footway", "path", "street", "residential")


def _load(files: list[Path]) -> list[dict]:
    import yaml

    docs = []
    for f in sorted(files):
        for d in yaml.safe_load_all(f.read_text(encoding="utf-8")):
            if d and isinstance(d.get("components"), dict):
                d["_file"] = f.stem
                docs.append(d)
    return docs


def postcode_shape(code: str) -> str:
    """'SW1A 1AA' -> '[A-Z]{2}\\d[A-Z] \\d[A-Z]{2}'; runs of one class are counted."""
    out, prev, n = [], None, 0

    def flush() -> None:
        if prev is not None:
            out.append(prev + (f"{{{n}}}" if n > 1 else ""))

    for ch in code.strip().upper():
        cls = r"\d" if ch.isdigit() else "[A-Z]" if "A" <= ch <= "Z" else re.escape(ch)
        if cls == prev:
            n += 1
        else:
            flush()
            prev, n = cls, 1
    flush()
    return "".join(out)


def build_resource(files: list[Path]) -> dict:
    """The resource dict from these country files (see the module docstring)."""
    docs = _load(files)
    word_roads: dict[str, set[str]] = defaultdict(set)
    word_countries: dict[str, set[str]] = defaultdict(set)
    first_words: Counter = Counter()
    last_words: Counter = Counter()
    one_word_roads: list[str] = []
    shapes: dict[str, set[str]] = defaultdict(set)
    pc_first: Counter = Counter()
    num_first: Counter = Counter()
    countries: set[str] = set()
    for d in docs:
        c = {k: str(v).strip() for k, v in d["components"].items() if v is not None}
        cc = (c.get("country_code") or d["_file"]).upper()
        exp = str(d.get("expected") or "")
        road = next((c[k] for k in ROAD_KEYS if c.get(k)), "")
        words = [w.strip(".,").casefold() for w in road.split()]
        for i, w in enumerate(words):
            # the type word opens ("Rue ...", "Avenida ...") or closes ("... Street") the road's name
            if (i == 0 or i == len(words) - 1) and len(words) > 1 and w.isalpha() and len(w) >= 2 \
                    and w not in CONNECTORS:
                word_roads[w].add(road.casefold())
                word_countries[w].add(cc)
                if i == 0:
                    first_words[w] += 1
                else:
                    last_words[w] += 1
        if len(words) == 1 and words[0].isalpha():
            one_word_roads.append(words[0])
        pc = c.get("postcode", "")
        if pc and re.search(r"\d", pc) and len(pc) <= 10:
            shapes[cc].add(postcode_shape(pc))
            city = c.get("city") or c.get("town") or c.get("village") or ""
            if city and pc in exp and city in exp:
                pc_first["before" if exp.index(pc) < exp.index(city) else "after"] += 1
        hn = c.get("house_number", "")
        if hn and road and f"{hn} {road}" in exp:
            num_first["before"] += 1
        elif hn and road and f"{road} {hn}" in exp:
            num_first["after"] += 1
        if c.get("country") and not c["country"].isdigit():
            countries.add(c["country"])
    # A word that names the street type recurs across different roads; a proper name rarely does.
    derived = sorted(w for w, roads in word_roads.items() if len(roads) >= 2 and len(word_countries[w]) >= 2
                     and w not in NOT_TYPE_WORDS)
    endings: Counter = Counter()
    for w in set(one_word_roads):
        for k in range(4, 7):
            if len(w) > k + 2:
                endings[w[-k:]] += 1
    derived_suffixes = sorted(e for e, n in endings.items() if n >= 2)
    return {
        "licence": LICENCE,
        "countries_used": sorted({d["_file"].upper() for d in docs}),
        "street_words": sorted(set(BASE_STREET_WORDS) | set(derived)),
        "street_prefix_words": sorted(set(BASE_PREFIX_WORDS) | {w for w in derived if first_words[w] >= 2 and first_words[w] > last_words[w]}),
        "street_suffixes": sorted(set(BASE_SUFFIXES) | set(derived_suffixes)),
        "unit_words": sorted(UNIT_WORDS),
        "postcode_shapes": {cc: sorted(s) for cc, s in sorted(shapes.items())},
        "country_names": sorted(countries),
        "layout_counts": {"number_before_road": num_first["before"], "number_after_road": num_first["after"],
                          "postcode_before_town": pc_first["before"], "postcode_after_town": pc_first["after"]},
    }


def country_files(data: Path) -> list[Path]:
    return sorted(data.glob("*.yaml"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    files = country_files(args.data)
    if not files:
        raise SystemExit(f"no *.yaml country files in {args.data}")
    res = build_resource(files)
    args.out.write_text(json.dumps(res, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(res['street_words'])} street words, {len(res['street_suffixes'])} suffixes, "
          f"{len(res['postcode_shapes'])} countries with postcode shapes, {len(res['country_names'])} country names")


if __name__ == "__main__":
    main()
