"""The duplicate finder: exact -> near (MinHash LSH) -> paraphrase (embeddings, ANN, average linkage).

Each stage builds on the one before, as a funnel: exact duplicates are collapsed to one representative
text before MinHash; each near-duplicate component is embedded once. Every stage returns per-row
component labels (the smallest row position in the component), so clusters nest: an exact group lies
inside one near component, which lies inside one paraphrase component.

Results are memoised per process, keyed by a fingerprint of the frame's ids and content plus the
settings, so the four duplicate checks of one `ftcurate check` run share the work.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from ftcurate.core.dedup.clusters import connected_components
from ftcurate.core.dedup.lsh import near_pairs
from ftcurate.core.dedup.minhash import MinHashConfig, MinHasher
from ftcurate.core.dedup.normalize import exact_groups, normalize_series, pair_keys, question_answer_texts
from ftcurate.core.progress import Progress

_MEMO: OrderedDict = OrderedDict()
_MEMO_SIZE = 12
# A number stated as a fact ("5-7 days", "9am", "$1,000"): not part of an identifier ("A12", "#1234",
# "FH-76510"), and short; long digit runs are order numbers, phones and ids, which differ between
# otherwise identical answers without the answers disagreeing.
_NUMBER = re.compile(r"(?<![A-Za-z#\d.,])(?<![A-Za-z]-)\d+(?:[.,]\d+)*")
_MAX_FACT_DIGITS = 4


def fingerprint(frame: pl.DataFrame) -> str:
    """Hash of the rows' ids and content: equal fingerprints mean the checks see the same data."""
    cols = [c for c in ("id", "content_hash", "status", "input", "output") if c in frame.columns]
    h = hashlib.blake2b(digest_size=16)
    h.update(str((frame.height, cols)).encode())
    if frame.height:
        h.update(frame.select(cols).hash_rows(seed=7).to_numpy().tobytes())
    return h.hexdigest()


def _memo(key: tuple, compute):
    if key in _MEMO:
        _MEMO.move_to_end(key)
        return _MEMO[key]
    value = compute()
    _MEMO[key] = value
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)
    return value


def clear_memo() -> None:
    """Forget memoised results (tests; after the project changed outside this process)."""
    _MEMO.clear()


@dataclass
class Prepared:
    """Question/answer texts of a frame, normalised, with exact-duplicate groups (see `exact_groups`)."""

    questions: pl.Series
    answers: pl.Series
    q_norm: pl.Series
    a_norm: pl.Series
    exact_q: np.ndarray
    exact_a: np.ndarray
    exact_pair: np.ndarray


@dataclass
class Components:
    """Per-row component labels over some kind of duplicate edge.

    labels: smallest row position of the row's component (a row alone has its own position; rows with
        an empty text have -1). score: per row, the best similarity to another member (1.0 for exact
        copies, 0 when alone).
    """

    labels: np.ndarray
    score: np.ndarray


def prepare(frame: pl.DataFrame) -> Prepared:
    """Texts and exact groups of a frame (memoised)."""
    def compute() -> Prepared:
        q, a = question_answer_texts(frame)
        qn, an = normalize_series(q), normalize_series(a)
        return Prepared(q, a, qn, an, exact_groups(qn), exact_groups(an), exact_groups(pair_keys(qn, an)))
    return _memo((fingerprint(frame), "prepare"), compute)


def _exact_components(exact: np.ndarray, norm: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(labels, nonempty) where a row alone keeps its own position and empty rows are -1."""
    n = len(exact)
    nonempty = (norm.str.len_chars() > 0).to_numpy()
    labels = np.where(exact >= 0, exact, np.arange(n))
    return np.where(nonempty, labels, -1), nonempty


PairFinder = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]


def near_components(frame: pl.DataFrame, field: str, mh: MinHashConfig, threshold: float,
                    backend: str = "auto", progress: Progress | None = None,
                    rows: np.ndarray | None = None, pair_finder: PairFinder | None = None,
                    fresh: bool = False, project=None) -> Components:
    """Components over exact + near-duplicate (MinHash LSH) edges of the questions or answers.

    Args:
        field: "question" or "answer".
        rows: restrict to these row positions (other rows are left alone, label = own position).
        pair_finder: finds the near pairs among the exact groups' representatives: called with their
            row positions, returns (i, j, estimated Jaccard) as indices into that array. Default: MinHash
            signatures here and `near_pairs` (the Ray engine passes a distributed one; the result must
            be the same, so it shares the memo entry).
        fresh: compute even when this result is memoised (and replace it).
        project: the open project: signatures and the last run's pairs are kept in its check cache,
            so a re-check joins only the LSH buckets that changed (`lsh_incremental`; same pairs).
    """
    progress = progress or Progress()
    key = (fingerprint(frame), "near", field, mh, threshold, backend,
           None if rows is None else hashlib.blake2b(rows.tobytes(), digest_size=12).hexdigest())
    if fresh:
        _MEMO.pop(key, None)

    def local_pairs(norm: pl.Series, reps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        progress.set_status(f"Near duplicates: MinHash of {len(reps):,} {field}s")
        progress.set_total(2 * len(reps))
        if project is not None and backend in ("auto", "banded") and len(reps) >= 2:
            from ftcurate.core.dedup.near_cache import cached_near_pairs

            found = cached_near_pairs(project, norm.gather(reps), mh, threshold, f"{field}:{rows is None}",
                                      progress)
            if found is not None:
                return found
        sig = MinHasher(mh).signatures(norm.gather(reps).to_list(), progress=progress)
        progress.advance(len(reps))
        return near_pairs(sig, threshold, mh.seed, progress, backend)

    def compute() -> Components:
        prep = prepare(frame)
        norm, exact = (prep.q_norm, prep.exact_q) if field == "question" else (prep.a_norm, prep.exact_a)
        base, _ = _exact_components(exact, norm)
        n = len(base)
        sel = np.arange(n) if rows is None else np.unique(rows)
        sel = sel[base[sel] >= 0]
        # One representative per exact group (its first selected row) goes through MinHash.
        groups, first = np.unique(base[sel], return_index=True)
        reps = sel[first]
        i, j, est = pair_finder(reps) if pair_finder is not None else local_pairs(norm, reps)
        rep_comp = connected_components(len(reps), i, j)
        rep_score = np.zeros(len(reps))
        np.maximum.at(rep_score, i, est)
        np.maximum.at(rep_score, j, est)
        group_of = np.searchsorted(groups, base[sel])  # each selected row's representative
        # Label = smallest selected row position in the component.
        comp_min = np.full(len(reps), n, dtype=np.int64)
        np.minimum.at(comp_min, rep_comp[group_of], sel)
        labels = base.copy()
        labels[sel] = comp_min[rep_comp[group_of]]
        score = np.zeros(n)
        copies = np.bincount(base[sel], minlength=n)[base[sel]] > 1  # an exact copy scores 1.0
        score[sel] = np.maximum(copies.astype(np.float64), rep_score[group_of])
        return Components(labels, score)
    return _memo(key, compute)


def paraphrase_components(frame: pl.DataFrame, near: Components, threshold: float, project=None,
                          progress: Progress | None = None, batch_size: int = 64, seed: int = 0,
                          nprobe: int = 8, max_size: int = 1000,
                          projected: bool = False) -> tuple[Components, int]:
    """Clusters over exact + near + paraphrased questions (`ftcurate.core.dedup.linkage`).

    One question per near component is embedded (raw MiniLM vectors, cached in `project`); the
    vectors are centred (and, with `projected`, mapped by the shipped projection,
    `linkage.paraphrase_projection`), pairs with similarity >= threshold are found with
    `ann.similar_pairs`, and near components merge by average linkage: two clusters join only when
    their mean similarity is >= threshold, never beyond `max_size` questions, so clusters do not
    chain. Returns (components, texts embedded).
    """
    from ftcurate.core.dedup.ann import similar_pairs
    from ftcurate.core.dedup.embed import embed_texts, ready_backend
    from ftcurate.core.dedup.linkage import (
        average_linkage,
        best_similarity,
        centre,
        paraphrase_projection,
        reference_centre,
    )

    progress = progress or Progress()
    key = (fingerprint(frame), "para", ready_backend(progress), threshold, seed, nprobe, max_size, projected,
           hashlib.blake2b(near.labels.tobytes(), digest_size=12).hexdigest())
    cached = _MEMO.get(key)
    if cached is not None:
        return cached, 0
    projection = paraphrase_projection() if projected else None  # a missing file fails before any work
    prep = prepare(frame)
    n = len(near.labels)
    reps = np.flatnonzero(near.labels == np.arange(n))
    texts = prep.questions.gather(reps).to_list()
    progress.set_status(f"Paraphrases: embedding {len(reps):,} questions")
    progress.set_total(len(reps))
    vecs, n_new = embed_texts(texts, project, progress, batch_size=batch_size)
    progress.set_status("Paraphrases: nearest neighbours")
    progress.set_total(len(reps))
    vecs = centre(vecs, reference_centre(), projection=projection)
    i, j, sim = similar_pairs(vecs, threshold, seed=seed, nprobe=nprobe, progress=progress)
    progress.set_status("Paraphrases: clustering")
    rep_comp = average_linkage(vecs, i, j, threshold, max_size=max_size, progress=progress)
    rep_score = best_similarity(vecs, rep_comp, i, j, sim)
    index_of = np.full(n, -1, dtype=np.int64)
    index_of[reps] = np.arange(len(reps))
    labels = near.labels.copy()
    score = near.score.copy()
    mapped = labels >= 0
    via = index_of[labels[mapped]]
    labels[mapped] = reps[rep_comp[via]]
    score[mapped] = np.maximum(score[mapped], rep_score[via])
    result = Components(labels, score)
    _memo(key, lambda: result)
    return result, n_new


def numbers_in(text: str) -> frozenset[str]:
    """The numbers a text states ("5-7 days", "$1,000" -> {"5", "7", "1000"})."""
    found = (m.replace(",", "") for m in _NUMBER.findall(text or ""))
    return frozenset(m for m in found if len(m.replace(".", "")) <= _MAX_FACT_DIGITS)


_YES = frozenset({"yes", "yeah", "yep", "sure", "absolutely", "certainly", "definitely", "correct"})
_NO = frozenset({"no", "nope", "unfortunately", "sorry"})


def polarity(normalized_answer: str) -> int:
    """+1 for an answer that opens with yes, -1 with no, 0 otherwise (normalised text)."""
    first = normalized_answer.split(" ", 1)[0] if normalized_answer else ""
    return 1 if first in _YES else -1 if first in _NO else 0
