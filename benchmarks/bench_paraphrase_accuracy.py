"""Paraphrase check accuracy on labelled pairs: dev (threshold chosen here) and test (never tuned on).

Pair membership: two questions are predicted paraphrases when the duplicate funnel (exact -> near ->
paraphrase, the check's defaults) puts them in one cluster. Each set is clustered as one pool, so
dense sets are judged as dense (many wordings of few requests), not as isolated pairs.

* dev  - ParaDetox (../shared/data/paradetox): 700 sentences (seeded sample; --groups) with 2-3 crowd-written
  rewrites each. Positive: two rewrites of one sentence. Negative: each rewrite with its most similar
  rewrite of another sentence (MiniLM cosine: the hardest negatives). The default threshold was
  chosen here: the highest threshold whose dev recall stays >= 0.80 (precision first).
* test A - ParaDetox, as many *other* sentences: positive = the toxic original and its first rewrite
  (meaning kept, wording changed), negative = hardest other-sentence pairs as above.
* test B - Bitext customer-support questions (../shared/data/bitext_cs, 4,514 questions, 27 intents
  in 10 categories: ~170 wordings per request, paraphrase-dense). Positive: two questions of one intent;
  negative: two questions of different intents in the same category ("cancel order" vs "change
  order"). One intent holds wordings that add reasons or details, so recall there is a lower bound.
* templated - synthetic support questions from templates (benchmarks/bench_dedup_1m.py): largest
  cluster, to show that different templated questions no longer chain into a giant cluster.

The opt-in learnt projection (`projection: true`, scripts/train_paraphrase_projection.py, threshold
chosen there on held-out BANKING77 intents and the ParaDetox dev rows) and the old rule (cosine >= 0.85
+ connected components) run in the same process.

`--backends torch,onnx-int8,onnx-fp32` runs the new rule once per embedding backend (same pairs, same
threshold; the hard negatives come from the first backend's vectors) and prints, against the first,
how many evaluated pairs and how many texts' paraphrase flags (in a cluster of two or more) differ.

    python benchmarks/bench_paraphrase_accuracy.py [--groups 700] [--bitext N] [--templated 5000] [--sweep]
                                                   [--backends torch,onnx-int8]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def paradetox_rows(data: Path = DATA, seed: int = 0) -> list[tuple[str, list[str]]]:
    """Every ParaDetox row with >= 2 rewrites, in a seeded order (scripts/train_paraphrase_projection.py
    trains only on rows after the ones this benchmark uses)."""
    rows = []
    with open(data / "paradetox" / "paradetox.tsv", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for row in reader:
            neutral = list(dict.fromkeys(t for t in row[1:4] if t and t.strip()))
            if len(neutral) >= 2:
                rows.append((row[0], neutral))
    order = np.random.default_rng(seed).permutation(len(rows))
    return [rows[k] for k in order]


def paradetox_groups(n: int, seed: int = 0) -> list[tuple[str, list[str]]]:
    return paradetox_rows(DATA, seed)[: 2 * n]


def hard_negatives(x: np.ndarray, group: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """Each text (every other one) with its most similar text of another group."""
    out = []
    for a in range(0, len(x), 2):
        s = x @ x[a]
        s[group == group[a]] = -2
        out.append((a, int(s.argmax())))
    return out[:limit]


def labels_of(texts: list[str], project, cfg: dict, rule: str = "new") -> np.ndarray:
    """Cluster label per text with the check's funnel.

    rule: "new" (the check's defaults: centred MiniLM + average linkage), "projected" (the opt-in
    learnt projection, `projection: true`, at its dev-chosen threshold) or "old" (cosine >= 0.85 +
    connected components).
    """
    from ftcurate.core.dedup import engine
    from ftcurate.core.dedup.minhash import MinHashConfig

    frame = pl.DataFrame({"id": list(range(1, len(texts) + 1)), "input": texts, "output": [""] * len(texts)})
    mh = MinHashConfig(shingle=cfg["shingle"], ngram=cfg["ngram"], num_perm=cfg["num_perm"], seed=cfg["seed"])
    near = engine.near_components(frame, "question", mh, cfg["near_threshold"], cfg["lsh_backend"])
    if rule == "new":
        return engine.paraphrase_components(frame, near, cfg["paraphrase_threshold"], project,
                                            seed=cfg["seed"], max_size=cfg["max_cluster"])[0].labels
    if rule == "projected":
        from ftcurate.core.checks.duplicates import PROJECTED_THRESHOLD

        return engine.paraphrase_components(frame, near, PROJECTED_THRESHOLD, project, seed=cfg["seed"],
                                            max_size=cfg["max_cluster"], projected=True)[0].labels
    from ftcurate.core.dedup.ann import similar_pairs
    from ftcurate.core.dedup.clusters import connected_components
    from ftcurate.core.dedup.embed import embed_texts

    reps = np.flatnonzero(near.labels == np.arange(len(texts)))
    vecs, _ = embed_texts([texts[r] for r in reps], project)
    i, j, _ = similar_pairs(vecs, 0.85, seed=cfg["seed"])
    comp = connected_components(len(reps), i, j)
    index = np.full(len(texts), -1)
    index[reps] = np.arange(len(reps))
    return reps[comp[index[near.labels]]]


def score(labels: np.ndarray, pairs: np.ndarray, y: np.ndarray) -> dict:
    pred = labels[pairs[:, 0]] == labels[pairs[:, 1]]
    tp = int((pred & (y == 1)).sum())
    p = tp / max(1, int(pred.sum()))
    r = tp / max(1, int(y.sum()))
    sizes = np.bincount(np.unique(labels, return_inverse=True)[1])
    return {"P": p, "R": r, "F1": 2 * p * r / (p + r) if p + r else 0.0, "pairs": len(y),
            "clusters": int((sizes >= 2).sum()), "largest": int(sizes.max()),
            "median": float(np.median(sizes[sizes >= 2])) if (sizes >= 2).any() else 0.0}


def show(name: str, r: dict) -> None:
    print(f"  {name:<34} P {r['P']:.3f}  R {r['R']:.3f}  F1 {r['F1']:.3f}  ({r['pairs']} pairs; "
          f"{r['clusters']} clusters, median size {r['median']:g}, largest {r['largest']})")


def build_sets(project, n_groups: int, n_bitext: int | None) -> dict:
    from ftcurate.core.dedup.embed import embed_texts

    groups = paradetox_groups(n_groups)
    sets = {}
    for name, part, use_toxic in (("dev: ParaDetox rewrites", groups[:n_groups], False),
                                  ("test A: ParaDetox toxic->rewrite", groups[n_groups:], True)):
        texts, gid = [], []
        for k, (toxic, neutral) in enumerate(part):
            chosen = [toxic, neutral[0]] if use_toxic else neutral
            texts += chosen
            gid += [k] * len(chosen)
        gid = np.array(gid)
        pos = [(a, b) for a in range(len(texts)) for b in range(a + 1, len(texts)) if gid[a] == gid[b]]
        x, _ = embed_texts(texts, project)
        neg = hard_negatives(x, gid, len(pos))
        sets[name] = (texts, np.array(pos + neg), np.r_[np.ones(len(pos)), np.zeros(len(neg))])
    b = pl.read_csv(DATA / "bitext_cs" / "Bitext_Sample_Customer_Support_Training_Dataset.csv", infer_schema=False)
    if n_bitext:
        b = b.sample(n=min(n_bitext, b.height), seed=0)
    texts = b["instruction"].to_list()
    intent = np.unique(b["intent"].to_numpy(), return_inverse=True)[1]
    cat = np.unique(b["category"].to_numpy(), return_inverse=True)[1]
    rng = np.random.default_rng(1)
    pos, neg = [], []
    while len(pos) < 1000 or len(neg) < 1000:
        a, c = (int(v) for v in rng.integers(len(texts), size=2))
        if a != c and intent[a] == intent[c] and len(pos) < 1000:
            pos.append((a, c))
        elif intent[a] != intent[c] and cat[a] == cat[c] and len(neg) < 1000:
            neg.append((a, c))
    sets["test B: Bitext questions (dense)"] = (texts, np.array(pos + neg), np.r_[np.ones(1000), np.zeros(1000)])
    return sets


def compare_backends(args) -> int:
    """The new rule per embedding backend on the same sets, and how many flags differ from the first."""
    import os

    from ftcurate.core.checks.duplicates import ParaphraseCheck
    from ftcurate.core.dedup import embed, engine
    from ftcurate.core.store import Project

    names = [b.strip() for b in args.backends.split(",") if b.strip()]
    cfg = dict(ParaphraseCheck.defaults)
    if args.threshold is not None:
        cfg["paraphrase_threshold"] = args.threshold
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.create(Path(tmp) / "cache.ftcurate")
        os.environ[embed.BACKEND_ENV] = names[0]
        sets = build_sets(project, args.groups, args.bitext)
        if args.templated:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from bench_dedup_1m import make_questions

            sets["templated questions"] = (make_questions(args.templated, seed=3)[0], None, None)
        print(f"threshold {cfg['paraphrase_threshold']}; backends {', '.join(names)}")
        for name, (texts, pairs, y) in sets.items():
            print(f"{name}: {len(texts)} texts")
            base = None
            for b in names:
                os.environ[embed.BACKEND_ENV] = b
                engine.clear_memo()
                t0 = time.perf_counter()
                lab = labels_of(texts, project, cfg)
                took = time.perf_counter() - t0
                flagged = np.bincount(lab)[lab] >= 2
                line = f"{b} ({took:.0f} s incl. embedding)"
                if pairs is None:
                    sizes = np.bincount(np.unique(lab, return_inverse=True)[1])
                    print(f"  {line:<34} {int((sizes >= 2).sum())} clusters, largest {int(sizes.max())}", end="")
                else:
                    show(line, score(lab, pairs, y))
                if base is None:
                    base = (lab, flagged)
                    print() if pairs is None else None
                    continue
                same = lambda lb, pr: lb[pr[:, 0]] == lb[pr[:, 1]]  # noqa: E731
                diff = "" if pairs is None else f"{int((same(lab, pairs) != same(base[0], pairs)).sum())} pairs, "
                print(f"{'' if pairs is None else '   '} vs {names[0]}: {diff}"
                      f"{int((flagged != base[1]).sum())} texts' paraphrase flags differ")
        os.environ.pop(embed.BACKEND_ENV, None)
        project.close()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--templated", type=int, default=5000, help="synthetic templated questions (0: skip)")
    ap.add_argument("--groups", type=int, default=700, help="ParaDetox sentences in dev and in test A")
    ap.add_argument("--bitext", type=int, default=None, help="Bitext questions (default: all 4,514)")
    ap.add_argument("--sweep", action="store_true", help="dev figures for thresholds 0.4-0.8")
    ap.add_argument("--threshold", type=float, default=None, help="override the default threshold")
    ap.add_argument("--backends", default=None, help="comma-separated embedding backends to compare")
    ap.add_argument("--cache", type=Path, default=None,
                    help="project file keeping embeddings between runs (default: a temporary one)")
    args = ap.parse_args()
    if args.backends:
        return compare_backends(args)
    if not (DATA / "paradetox" / "paradetox.tsv").is_file():
        print(f"skipped: {DATA} not found")
        return 0
    from ftcurate.core.checks.duplicates import ParaphraseCheck
    from ftcurate.core.dedup import engine
    from ftcurate.core.store import Project

    cfg = dict(ParaphraseCheck.defaults)
    if args.threshold is not None:
        cfg["paraphrase_threshold"] = args.threshold
    with tempfile.TemporaryDirectory() as tmp:
        if args.cache is not None and args.cache.exists():
            project = Project.open(args.cache)
        else:  # an embedding cache across the sets
            project = Project.create(args.cache or Path(tmp) / "cache.ftcurate")
        t0 = time.perf_counter()
        sets = build_sets(project, args.groups, args.bitext)
        print(f"sets embedded in {time.perf_counter() - t0:.0f} s; threshold {cfg['paraphrase_threshold']}")
        for name, (texts, pairs, y) in sets.items():
            print(f"{name}: {len(texts)} texts")
            show("new: centred + average linkage", score(labels_of(texts, project, cfg), pairs, y))
            show("projection (opt-in), at 0.6", score(labels_of(texts, project, cfg, "projected"), pairs, y))
            show("old: cosine >= 0.85 + components", score(labels_of(texts, project, cfg, "old"), pairs, y))
            if args.sweep and name.startswith("dev"):
                for t in (0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8):
                    engine.clear_memo()
                    show(f"  threshold {t}", score(labels_of(texts, project, {**cfg, "paraphrase_threshold": t}),
                                                   pairs, y))
        if args.templated:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from bench_dedup_1m import make_questions

            texts, _ = make_questions(args.templated, seed=3)
            t0 = time.perf_counter()
            new = labels_of(texts, project, cfg)
            t_new = time.perf_counter() - t0
            projected = labels_of(texts, project, cfg, "projected")
            old = labels_of(texts, project, cfg, "old")
            for name, lab in (("new", new), ("projection", projected), ("old", old)):
                sizes = np.bincount(np.unique(lab, return_inverse=True)[1])
                print(f"templated questions ({len(texts)}), {name}: {int((sizes >= 2).sum())} clusters, largest "
                      f"{int(sizes.max())} ({100 * sizes.max() / len(texts):.1f} % of all)")
                big = np.unique(lab)[np.argsort(-sizes)[:2]]
                for b in big:  # what the two largest clusters hold: one request, or several?
                    members = np.flatnonzero(lab == b)
                    print(f"    {len(members)}: " + " | ".join(texts[m][:60] for m in members[:: max(1, len(members) // 4)][:4]))
            print(f"  new funnel incl. embedding: {t_new:.1f} s")
        project.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
