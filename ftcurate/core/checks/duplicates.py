"""Duplicates and conflicts: exact_duplicate, near_duplicate, paraphrase, conflict.

The four checks share one funnel (`ftcurate.core.dedup.engine`): exact copies (normalised hash) ->
near copies (MinHash LSH, character 4-grams) -> paraphrases (sentence embeddings + nearest
neighbours). Each flag carries a `cluster` id shared by the members and `data` with the suggested
keeper (approved first, then most complete, then longest answer); see `ftcurate.core.dedup.flags`.
Kinds: "pair" (question and answer both repeat), "input" (the question repeats with another answer),
"output" (one answer given to different questions), "answer" (conflict: answers disagree).
Rejected examples are left out (they will not be exported), so resolving a cluster clears it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from ftcurate.core.checks.base import Check, CheckContext, CheckResult, CheckSummary, Flag, register_check
from ftcurate.core.dedup import engine
from ftcurate.core.dedup.clusters import keeper_order
from ftcurate.core.dedup.flags import cluster_flags, keeper_note, nested_groups
from ftcurate.core.dedup.minhash import SHINGLES, MinHashConfig
from ftcurate.core.errors import ConfigError
from ftcurate.core.progress import Progress

BACKENDS = ("auto", "datasketch", "banded")
NEAR_DEFAULTS: dict[str, Any] = {
    # Character 4-grams at Jaccard 0.7: on BANKING77 questions (median 10 words) this finds 94 % of
    # one-typo copies, 82 % of one-word insertions, and the pairs it reports read as copies;
    # word 3-grams at 0.8 find 7 % of one-typo copies of such short texts (docs/benchmarks.md).
    "near_threshold": 0.7, "shingle": "char", "ngram": 4, "num_perm": 128, "seed": 1, "lsh_backend": "auto",
}
# paraphrase_threshold: mean cosine of centred MiniLM embeddings two clusters need to merge (average
# linkage, see ftcurate.core.dedup.linkage): the highest threshold keeping recall >= 0.80 on the
# ParaDetox rewrites (dev; precision first), reported on held-out ParaDetox rows and Bitext support
# questions (test) by benchmarks/bench_paraphrase_accuracy.py. max_cluster: no cluster grows beyond
# this many distinct questions. projection: map the centred vectors with the learnt projection
# (`linkage.paraphrase_projection`) first; off by default: it finds more rewordings of dense support
# questions but also merges different requests on one topic ("cancel" / "return" / "refund my order"),
# see docs/benchmarks.md. With it, PROJECTED_THRESHOLD (chosen on dev with the projection) is the
# threshold to use.
PARAPHRASE_DEFAULTS: dict[str, Any] = {"paraphrase_threshold": 0.65, "projection": False, "batch_size": 64,
                                       "nprobe": 8, "max_cluster": 1000}
PROJECTED_THRESHOLD = 0.6


# What the duplicate checks read: texts, status and label (scope, keeper), content hashes (the memo
# fingerprint), and where each example was cut from (conflicts).
DUP_COLUMNS = ("id", "content_hash", "status", "input", "output", "messages", "n_turns", "label", "source_id", "conversation", "row")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _unit(config: dict, key: str, name: str, low: float = 0.0) -> None:
    v = config.get(key)
    if not _is_number(v) or not low < v <= 1.0:
        raise ConfigError(f"{name}: {key} must be a number above {low:g} and at most 1, got {v!r}")


def _validate_near(config: dict, name: str) -> MinHashConfig:
    _unit(config, "near_threshold", name)
    if config.get("shingle") not in SHINGLES:
        raise ConfigError(f"{name}: unknown shingle type {config.get('shingle')!r}; "
                          f"expected one of {', '.join(SHINGLES)}")
    if config.get("lsh_backend") not in BACKENDS:
        raise ConfigError(f"{name}: lsh_backend must be one of {', '.join(BACKENDS)}, "
                          f"got {config.get('lsh_backend')!r}")
    mh = MinHashConfig(shingle=config["shingle"], ngram=config.get("ngram"),
                       num_perm=config.get("num_perm"), seed=config.get("seed"))
    try:
        mh.validate()
    except ConfigError as exc:
        raise ConfigError(f"{name}: {exc.message}") from None
    return mh


def _validate_fields(config: dict, name: str, allowed: tuple[str, ...]) -> None:
    fields = config.get("fields")
    if not isinstance(fields, (list, tuple)) or not fields or any(f not in allowed for f in fields):
        raise ConfigError(f"{name}: fields must be a non-empty list drawn from {', '.join(allowed)}, "
                          f"got {fields!r}")


def _validate_paraphrase(config: dict, name: str, need_model: bool = True) -> None:
    from ftcurate.core.dedup.embed import model_dir, requested_backend

    _unit(config, "paraphrase_threshold", name)
    if not isinstance(config.get("projection", False), bool):
        raise ConfigError(f"{name}: projection must be true or false, got {config.get('projection')!r}")
    for key in ("batch_size", "nprobe", "max_cluster"):
        v = config.get(key)
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ConfigError(f"{name}: {key} must be a positive whole number, got {v!r}")
    if need_model:
        model_dir()  # the embedding model package must be installed (ConfigError says how)
        requested_backend()  # and $FTCURATE_EMBED_BACKEND, when set, must name a backend that can run


def scope(frame: pl.DataFrame, config: dict) -> pl.DataFrame:
    """The rows the duplicate checks look at: all but rejected ones (unless include_rejected)."""
    if config.get("include_rejected") or "status" not in frame.columns:
        return frame
    return frame.filter(pl.col("status").fill_null("") != "rejected")


def _plural(n: int, word: str) -> str:
    return f"{n} other {word}{'' if n == 1 else 's'}"


def _near(frame: pl.DataFrame, config: dict, field: str, progress: Progress,
          rows: np.ndarray | None = None, project=None) -> engine.Components:
    mh = _validate_near(config, "near_duplicate")
    return engine.near_components(frame, field, mh, float(config["near_threshold"]),
                                  config["lsh_backend"], progress, rows, project=project)


def _distinct(labels: np.ndarray) -> np.ndarray:
    """Exact-group labels where a row alone (-1) becomes its own group."""
    return np.where(labels >= 0, labels, np.arange(len(labels)))


@register_check
class ExactDuplicateCheck(Check):
    name = "exact_duplicate"
    columns = DUP_COLUMNS
    title = "Exact duplicates"
    description = ("Examples whose question and answer, question, or answer are identical once case, "
                   "spacing and punctuation are ignored.")
    defaults: dict[str, Any] = {"fields": ["pair", "input"], "include_rejected": False}

    def validate_config(self, config: dict[str, Any]) -> None:
        _validate_fields(config, self.name, ("pair", "input", "output"))

    def run(self, ctx: CheckContext, progress: Progress) -> CheckResult:
        frame = scope(ctx.frame, ctx.config)
        progress.set_status("Exact duplicates")
        prep = engine.prepare(frame)
        rank = keeper_order(frame)
        fields = ctx.config["fields"]
        flags: list[Flag] = []
        counts: dict[str, int] = {}
        plans = [
            ("pair", "high", prep.exact_pair, None,
             lambda e, k, n: f"Exact copy of {_plural(n, 'example')}: same question and answer, "
                             f"ignoring case, spacing and punctuation. {keeper_note(e, k)}"),
            ("input", "low", prep.exact_q, _distinct(prep.exact_pair),
             lambda e, k, n: f"Same question as {_plural(n, 'example')}, with different answers. "
                             f"{keeper_note(e, k)}"),
            ("output", "info", prep.exact_a, _distinct(prep.exact_q),
             lambda e, k, n: f"Same answer as {_plural(n, 'example')} with different questions. "
                             "Often fine (a standard answer); keep them if the questions differ."),
        ]
        for kind, severity, labels, sub, message in plans:
            if kind not in fields:
                continue
            clusters = nested_groups(labels, _distinct(labels) if sub is None else sub,
                                     min_distinct=1 if sub is None else 2)
            clusters = [c for c in clusters if len(c) >= 2]
            counts[kind] = len(clusters)
            for members in clusters:
                flags += cluster_flags(frame, members, rank, check=self.name, kind=kind,
                                       severity=severity, message=message, score=None)
        return CheckResult(flags, CheckSummary.of(flags, clusters_by_kind=counts))


@register_check
class NearDuplicateCheck(Check):
    name = "near_duplicate"
    columns = DUP_COLUMNS
    title = "Near duplicates"
    description = ("Examples that differ only by small edits (typos, a word added or changed), found with "
                   "MinHash LSH on character shingles.")
    defaults: dict[str, Any] = {"fields": ["pair", "input"], **NEAR_DEFAULTS, "include_rejected": False}

    def validate_config(self, config: dict[str, Any]) -> None:
        _validate_fields(config, self.name, ("pair", "input", "output"))
        _validate_near(config, self.name)

    def run(self, ctx: CheckContext, progress: Progress) -> CheckResult:
        frame = scope(ctx.frame, ctx.config)
        cfg = ctx.config
        prep = engine.prepare(frame)
        rank = keeper_order(frame)
        n = frame.height
        qc = _near(frame, cfg, "question", progress, project=ctx.project)
        flags: list[Flag] = []
        counts: dict[str, int] = {}
        q_sizes = np.bincount(qc.labels[qc.labels >= 0], minlength=n)
        pair_label = np.full(n, -1, dtype=np.int64)
        if "pair" in cfg["fields"] or "input" in cfg["fields"]:
            rows = np.flatnonzero((qc.labels >= 0) & (q_sizes[np.maximum(qc.labels, 0)] >= 2))
            ac = _near(frame, cfg, "answer", progress, rows=rows, project=ctx.project)
            # A pair cluster: near-same question (one component) and near-same answer (one component).
            key = pl.DataFrame({"q": qc.labels[rows], "a": ac.labels[rows]})
            first = key.with_row_index("i").group_by(["q", "a"]).agg(pl.col("i").min())
            joined = key.join(first, on=["q", "a"], how="left", maintain_order="left")
            pair_label[rows] = rows[joined["i"].to_numpy()]
            pair_score = np.minimum(qc.score, ac.score)
        if "pair" in cfg["fields"]:
            clusters = nested_groups(pair_label, _distinct(prep.exact_pair))
            counts["pair"] = len(clusters)
            for members in clusters:
                flags += cluster_flags(
                    frame, members, rank, check=self.name, kind="pair", severity="medium",
                    score=pair_score,
                    message=lambda e, k, m: f"Near copy of {_plural(m, 'example')}: almost the same "
                                            f"question and answer. {keeper_note(e, k)}")
        if "input" in cfg["fields"]:
            clusters = [c for c in nested_groups(qc.labels, _distinct(prep.exact_q))
                        if len(np.unique(pair_label[c])) > 1 or pair_label[c[0]] < 0]
            counts["input"] = len(clusters)
            for members in clusters:
                flags += cluster_flags(
                    frame, members, rank, check=self.name, kind="input", severity="low", score=qc.score,
                    message=lambda e, k, m: f"Almost the same question as {_plural(m, 'example')}, "
                                            f"with different answers. {keeper_note(e, k)}")
        if "output" in cfg["fields"]:
            ac_all = _near(frame, cfg, "answer", progress, project=ctx.project)
            clusters = nested_groups(ac_all.labels, qc.labels)
            clusters = [c for c in clusters if len(np.unique(_distinct(prep.exact_a)[c])) > 1]
            counts["output"] = len(clusters)
            for members in clusters:
                flags += cluster_flags(
                    frame, members, rank, check=self.name, kind="output", severity="info",
                    score=ac_all.score,
                    message=lambda e, k, m: f"Almost the same answer as {_plural(m, 'example')} with "
                                            "different questions. Often fine (a standard answer).")
        return CheckResult(flags, CheckSummary.of(flags, clusters_by_kind=counts))


@register_check
class ParaphraseCheck(Check):
    name = "paraphrase"
    columns = DUP_COLUMNS
    title = "Paraphrased questions"
    description = ("Questions that say the same thing in other words (sentence embeddings), which leak "
                   "between train and test just as copies do.")
    defaults: dict[str, Any] = {**PARAPHRASE_DEFAULTS, **NEAR_DEFAULTS, "include_rejected": False}

    def validate_config(self, config: dict[str, Any]) -> None:
        _validate_near(config, self.name)
        _validate_paraphrase(config, self.name)

    def run(self, ctx: CheckContext, progress: Progress) -> CheckResult:
        from ftcurate.core.dedup.embed import backend as embed_backend

        frame = scope(ctx.frame, ctx.config)
        cfg = ctx.config
        rank = keeper_order(frame)
        qc = _near(frame, cfg, "question", progress, project=ctx.project)
        pc, embedded = engine.paraphrase_components(
            frame, qc, float(cfg["paraphrase_threshold"]), ctx.project, progress,
            batch_size=cfg["batch_size"], seed=cfg["seed"], nprobe=cfg["nprobe"],
            max_size=cfg.get("max_cluster", 1000), projected=bool(cfg.get("projection", False)))
        clusters = nested_groups(pc.labels, qc.labels)
        flags: list[Flag] = []
        for members in clusters:
            flags += cluster_flags(
                frame, members, rank, check=self.name, kind="input", severity="medium", score=pc.score,
                message=lambda e, k, m: f"Asks the same thing in other words as {_plural(m, 'example')}. "
                                        "Split apart they would leak between train and test, so export "
                                        "keeps them in one split; reject the extra wordings if they add "
                                        f"nothing. {keeper_note(e, k)}")
        n_reps = int((qc.labels == np.arange(frame.height)).sum())
        return CheckResult(flags, CheckSummary.of(flags, clusters_by_kind={"input": len(clusters)},
                                                  details={"embedded": embedded, "from_cache": n_reps - embedded,
                                                           "embedder": embed_backend()}))


def _short(text: str, limit: int = 70) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


class _AnswerSimilarity:
    """Similarity of answers: embedding cosine, or (answer_similarity="minhash") MinHash Jaccard raised
    to the estimated containment of the shorter answer in the longer, so an answer that only adds
    detail to another ("Yes, within 30 days" / "Yes, within 30 days, with the receipt") agrees."""

    def __init__(self, texts: list[str], norms: list[str], cfg: dict, project, progress: Progress) -> None:
        self.sizes = None
        if cfg["answer_similarity"] == "embedding":
            from ftcurate.core.dedup.embed import embed_texts

            progress.set_status(f"Conflicts: embedding {len(texts):,} answers")
            progress.set_total(len(texts))
            self.vecs, _ = embed_texts(texts, project, progress, batch_size=cfg["batch_size"])
            return
        from ftcurate.core.dedup.minhash import MinHasher

        hasher = MinHasher(_validate_near(cfg, "conflict"))
        self.vecs = hasher.signatures(norms)
        self.sizes = np.maximum(hasher.shingle_hashes(norms)[1], 1).astype(np.float64)

    def matrix(self, ks: list[int]) -> np.ndarray:
        v = self.vecs[ks]
        if self.sizes is None:
            return v @ v.T
        jac = (v[:, None, :] == v[None, :, :]).mean(axis=2)
        a, b = self.sizes[ks][:, None], self.sizes[ks][None, :]
        contain = np.minimum(1.0, jac * (a + b) / ((1.0 + jac) * np.minimum(a, b)))
        return np.maximum(jac, contain)

    def dense_ok(self, k: int) -> bool:
        """Whether a k x k similarity matrix fits the memory budget (`DENSE_BYTES`)."""
        per_pair = 8 if self.sizes is None else 8 + self.vecs.shape[1]
        return k * k * per_pair <= DENSE_BYTES

    def pairs(self, ks: list[int], threshold: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pairs (positions in ks) with similarity >= threshold, in bounded memory: blocks of
        similarities (embeddings: `ann.similar_pairs`, at most 64 neighbours each) or MinHash LSH
        (Jaccard only). For clusters too large for `matrix`."""
        if self.sizes is None:
            from ftcurate.core.dedup.ann import similar_pairs

            return similar_pairs(self.vecs[ks], threshold, seed=seed, max_neighbors=64)
        from ftcurate.core.dedup.lsh import near_pairs

        return near_pairs(self.vecs[ks], threshold, seed)


# Largest similarity matrix one conflict cluster may build (64 MB); larger clusters are compared
# block-wise through nearest neighbours, so memory stays bounded whatever the clusters look like.
DENSE_BYTES = 64 << 20


def _answer_groups(similarity: _AnswerSimilarity, ks: list[int], compatible_fn, t: float,
                   seed: int) -> tuple[np.ndarray, float]:
    """Agreement groups of the answers `ks` and the disagreement score (1 - best cross-group similarity).

    Two answers agree when their similarity is >= t and their facts are compatible; groups are the
    connected components of agreement. Small clusters use the full matrix; large ones only the pairs
    above t (bounded memory), where the disagreement is then 1 - the best incompatible pair, or at
    least 1 - t when no pair crosses groups.
    """
    from ftcurate.core.dedup.clusters import connected_components

    k = len(ks)
    if similarity.dense_ok(k):
        sim = similarity.matrix(ks)
        ii, jj = np.nonzero((sim >= t) & compatible_fn(np.arange(k)[:, None], np.arange(k)[None, :]))
        groups = connected_components(k, ii, jj)
        cross = groups[:, None] != groups[None, :]
        return groups, (1.0 - float(sim[cross].max()) if cross.any() else 0.0)
    i, j, v = similarity.pairs(ks, t, seed)
    ok = compatible_fn(i, j)
    groups = connected_components(k, i[ok], j[ok])
    cross = groups[i] != groups[j]
    return groups, (1.0 - float(v[cross].max()) if cross.any() else 1.0 - t)


def _record_keys(frame: pl.DataFrame) -> list[tuple]:
    """Per row, the source record it was cut from: (source, conversation), else (source, row), else id."""
    cols = {c: frame[c].to_list() if c in frame.columns else [None] * frame.height
            for c in ("source_id", "conversation", "row")}
    return [(s, "c", c) if c is not None else (s, "r", r) if r is not None else ("id", i)
            for i, s, c, r in zip(frame["id"].to_list(), cols["source_id"], cols["conversation"], cols["row"],
                                  strict=True)]


@register_check
class ConflictCheck(Check):
    name = "conflict"
    columns = DUP_COLUMNS
    title = "Conflicting answers"
    description = ("The same or nearly the same question answered in ways that disagree: the model would "
                   "learn both answers.")
    defaults: dict[str, Any] = {"match": "paraphrase", "answer_similarity": "embedding",
                                "answer_threshold": 0.7, **PARAPHRASE_DEFAULTS, **NEAR_DEFAULTS,
                                "include_rejected": False}

    def validate_config(self, config: dict[str, Any]) -> None:
        if config.get("match") not in ("exact", "near", "paraphrase"):
            raise ConfigError(f"conflict: match must be exact, near or paraphrase, got {config.get('match')!r}")
        if config.get("answer_similarity") not in ("embedding", "minhash"):
            raise ConfigError("conflict: answer_similarity must be embedding or minhash, got "
                              f"{config.get('answer_similarity')!r}")
        _unit(config, "answer_threshold", self.name)
        _validate_near(config, self.name)
        _validate_paraphrase(config, self.name, need_model=config["match"] == "paraphrase"
                             or config["answer_similarity"] == "embedding")

    def run(self, ctx: CheckContext, progress: Progress) -> CheckResult:
        frame = scope(ctx.frame, ctx.config)
        cfg = ctx.config
        prep = engine.prepare(frame)
        rank = keeper_order(frame)
        if cfg["match"] == "exact":
            labels = np.where((prep.q_norm.str.len_chars() > 0).to_numpy(), _distinct(prep.exact_q), -1)
        else:
            labels = _near(frame, cfg, "question", progress, project=ctx.project).labels
            if cfg["match"] == "paraphrase":
                labels = engine.paraphrase_components(
                    frame, engine.Components(labels, np.zeros(len(labels))),
                    float(cfg["paraphrase_threshold"]), ctx.project, progress,
                    batch_size=cfg["batch_size"], seed=cfg["seed"], nprobe=cfg["nprobe"],
                    max_size=cfg.get("max_cluster", 1000),
                    projected=bool(cfg.get("projection", False)))[0].labels
        answer_of = _distinct(prep.exact_a)
        answer_of = np.where((prep.a_norm.str.len_chars() > 0).to_numpy(), answer_of, -1)
        candidates = nested_groups(np.where(answer_of >= 0, labels, -1), answer_of)
        if not candidates:
            return CheckResult([], CheckSummary())
        reps = np.unique(np.concatenate([answer_of[c] for c in candidates]))
        answers = prep.answers.gather(reps).to_list()
        similarity = _AnswerSimilarity(answers, prep.a_norm.gather(reps).to_list(), cfg, ctx.project, progress)
        index = {int(r): k for k, r in enumerate(reps)}
        number_sets: dict[frozenset, int] = {frozenset(): 0}  # id 0 = states no number
        number_id = np.array([number_sets.setdefault(engine.numbers_in(a), len(number_sets))
                              for a in answers], dtype=np.int64)
        polarity = np.array([engine.polarity(a) for a in prep.a_norm.gather(reps).to_list()], dtype=np.int64)
        t = float(cfg["answer_threshold"])
        ids = frame["id"]
        record = _record_keys(frame)
        flags: list[Flag] = []
        n_clusters = 0
        for members in candidates:
            progress.check_cancelled()
            if len({record[m] for m in members}) < 2:
                # all cut from one source record (a product's templates, one conversation): they
                # answer different questions by construction, however alike the questions read
                continue
            ks = sorted({index[int(answer_of[m])] for m in members})
            # Similar wording is not agreement when the facts differ: other numbers, or yes vs no.
            num, pol = number_id[ks], polarity[ks]

            def compatible(a, b, num=num, pol=pol):
                return ((num[a] == num[b]) | (num[a] == 0) | (num[b] == 0)) & (pol[a] * pol[b] >= 0)

            groups, disagreement = _answer_groups(similarity, ks, compatible, t, int(cfg["seed"]))
            if len(np.unique(groups)) < 2:
                continue
            n_clusters += 1
            group_no = {g: k for k, g in enumerate(np.unique(groups))}
            where = {k: p for p, k in enumerate(ks)}
            group_of = {int(m): group_no[groups[where[index[int(answer_of[m])]]]] for m in members}
            entries = [{"example_id": int(ids[m]), "output": prep.answers[m], "group": group_of[m]}
                       for m in sorted(group_of, key=lambda p: (group_of[p], int(ids[p])))]
            shown = [next(e for e in entries if e["group"] == g) for g in range(len(group_no))]
            n_ans = len(group_no)
            text = (f"Same question, {n_ans} different answers across {len(members)} examples, e.g. "
                    f"\u201c{_short(shown[0]['output'])}\u201d vs \u201c{_short(shown[1]['output'])}\u201d. "
                    "The model would learn both; keep the right one.")
            flags += cluster_flags(
                frame, members, rank, check=self.name, kind="answer", severity="high",
                score=np.full(frame.height, disagreement),
                message=lambda e, k, m, text=text: f"{text} {keeper_note(e, k)}",
                data={"question": prep.questions[int(members[0])], "answers": entries[:20],
                      "answer_groups": n_ans})
        return CheckResult(flags, CheckSummary.of(flags, clusters_by_kind={"answer": n_clusters}))
