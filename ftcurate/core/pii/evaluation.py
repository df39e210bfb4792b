"""Span-level precision / recall / F1 for PII detection, and a CoNLL (BIO) reader.

Matching: a predicted span counts as a true positive when it has the gold span's type and overlaps it
by at least `min_overlap` of their union (0.5 by default: "+44 20 7946 0958" for gold "20 7946 0958"
matches, a first name for a full name does not when the full name is much longer), each gold span
matched at most once. `min_overlap=1.0` gives exact-match scores. Predictions of types that are not
in `types` are ignored (not counted as false positives): a dataset only labels what it labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

Span = tuple[int, int, str]


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


def _overlap(a: Span, b: Span) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def match(gold: Sequence[Span], pred: Sequence[Span], types: Iterable[str],
          min_overlap: float = 0.5, typed: bool = True) -> dict[str, Counts]:
    """Per-type counts for one text. With typed=False the type must not agree (coverage view)."""
    types = set(types)
    gold = [g for g in gold if g[2] in types]
    pred = [p for p in pred if p[2] in types]
    counts = {t: Counts() for t in types}
    pairs = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            if typed and g[2] != p[2]:
                continue
            ov = _overlap(g, p)
            if ov >= min_overlap:
                pairs.append((ov, i, j))
    used_g, used_p = set(), set()
    for _ov, i, j in sorted(pairs, reverse=True):
        if i in used_g or j in used_p:
            continue
        used_g.add(i)
        used_p.add(j)
        counts[gold[i][2]].tp += 1
    for i, g in enumerate(gold):
        if i not in used_g:
            counts[g[2]].fn += 1
    for j, p in enumerate(pred):
        if j not in used_p:
            counts[p[2]].fp += 1
    return counts


def score(gold: Sequence[Sequence[Span]], pred: Sequence[Sequence[Span]], types: Iterable[str],
          min_overlap: float = 0.5, typed: bool = True) -> dict[str, Counts]:
    """Counts per type over a corpus plus "micro" (all types pooled)."""
    types = list(types)
    total = {t: Counts() for t in types}
    for g, p in zip(gold, pred, strict=True):
        for t, c in match(g, p, types, min_overlap, typed).items():
            total[t].add(c)
    micro = Counts()
    for c in total.values():
        micro.add(c)
    total["micro"] = micro
    return total


def read_conll(path: str | Path) -> list[list[tuple[str, str]]]:
    """Sentences of (token, BIO tag) from a tab- or space-separated CoNLL file."""
    sents: list[list[tuple[str, str]]] = []
    cur: list[tuple[str, str]] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.rstrip("\n")
        if not line.strip():
            if cur:
                sents.append(cur)
                cur = []
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        cur.append((parts[0], parts[-1] if len(parts) > 1 else "O"))
    if cur:
        sents.append(cur)
    return sents


def conll_to_texts(sents: list[list[tuple[str, str]]], type_map: dict[str, str]) -> list[tuple[str, list[Span]]]:
    """Join tokens with spaces and turn BIO tags into character spans; tags not in `type_map` drop."""
    out = []
    for sent in sents:
        text, spans, cur = "", [], None
        for tok, tag in sent:
            if text:
                text += " "
            start = len(text)
            text += tok
            kind = tag[2:] if tag[:2] in ("B-", "I-") else None
            if tag.startswith("I-") and cur is not None and cur[2] == kind:
                cur[1] = len(text)
                continue
            if cur is not None:
                spans.append(tuple(cur))
                cur = None
            if kind is not None and kind in type_map:
                cur = [start, len(text), kind]
        if cur is not None:
            spans.append(tuple(cur))
        out.append((text, [(s, e, type_map[k]) for s, e, k in spans]))
    return out
