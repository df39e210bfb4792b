"""Paraphrase rules for dense data (many wordings per request): dev grid, then test, against the default.

Issue #12 asks for pair F1 >= 0.85 with precision >= 0.90 on paraphrase-dense data (Bitext: ~170
wordings per intent) without giant clusters. The default rule (centred MiniLM + average linkage at
0.65) keeps precision but finds few same-intent pairs. This script compares, in one process and on the
same vectors, two graph-based rules that use each question's nearest neighbours:

* **dba** (neighbour smoothing, "database-side augmentation"): each centred vector plus its k nearest
  neighbours with similarity >= floor, weighted by that similarity, renormalised; then the default
  average linkage at threshold t on the smoothed vectors.
* **snn** (community detection): the k-nearest-neighbour graph (edges with centred cosine >= floor),
  each edge weighted by the share of neighbours its two ends have in common; edges below `smin`
  dropped; Louvain communities (networkx, seeded) at resolution `res`.

Rules are applied to the vectors of all texts of a set (no exact/near funnel), the default rule too.

Dev (every setting is chosen here): 17 held-out BANKING77 intents (those the projection script holds
out), all 77 BANKING77 intents (13,083 questions; same intent vs the 2 nearest intents), ParaDetox dev
rewrites (the accuracy benchmark's dev rows), and 10,000 templated questions written for this script
with their own verbs and objects (so not the test templates): largest cluster and the share of clustered
pairs whose verbs differ ("close my account" with "open my account"). Selection rule, per family: the
best mean F1 over the two BANKING77 sets with precision >= 0.90 on both, ParaDetox dev F1 no lower than
the default's minus 0.01, and a mixed-verb share no higher than the default's.

Test (never tuned on; --test): the accuracy benchmark's test A (ParaDetox) and test B (Bitext) pairs,
and its 10,000 templated questions (largest cluster and what it holds).

`--edges` (dev): how well pair features (centred cosine, shared neighbours, reverse rank, content-word
overlap, and a logistic mix trained on the 60 other intents' edges) separate same-intent kNN edges of the
held-out BANKING77 intents, the ceiling of a learnt pair reranker on these features. Needs scipy and
networkx (installed alongside torch).

    python benchmarks/bench_paraphrase_dense.py [--cache /tmp/para/bench.ftcurate] [--test | --edges]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
# From this script's dev grid (docs/benchmarks.md): dba as the selection rule chose it; no snn setting
# met the rule, so test shows the one with the best BANKING77 F1 at precision >= 0.90 on both sets
# (it fails the mixed-verb and ParaDetox conditions on dev), to show what the graph route costs.
CHOSEN = {"dba": {"k": 10, "floor": 0.58, "rounds": 1, "t": 0.85},
          "snn": {"k": 20, "floor": 0.55, "smin": 0.45, "res": 1.0}}
VERBS = ["close", "open", "upgrade", "downgrade", "transfer", "renew", "pause", "resume", "verify", "unlock",
         "block", "report", "delete", "book"]
OBJECTS = ["my bank account", "the membership", "my phone plan", "the booking", "my reservation", "the loan",
           "my insurance policy", "the ticket", "my profile", "the {p}", "booking {o}", "my {p}"]


def dev_templated(n: int, seed: int = 11) -> tuple[list[str], np.ndarray]:
    """Templated dev questions (own vocabulary) and each one's verb id."""
    rng = np.random.default_rng(seed)
    openers = ["hi", "hello there", "", "", "", "good evening", "excuse me", "quick one"]
    asks = ["how can i", "could i", "am i able to", "i would like to", "i have to", "why am i unable to",
            "where can i", "please"]
    tails = ["", "now", "by monday", "while travelling", "with no id", "on the website", "by phone", "once more",
             "after two weeks", "for my son", "urgently", "if it is broken"]
    goods = [f"{a} {b}" for a in ("green", "gold", "plastic", "wooden", "tiny", "large", "classic", "modern",
                                  "solar", "silver")
             for b in ("sofa", "camera", "tablet", "printer", "heater", "drone", "tent", "guitar", "scooter", "speaker")]
    syll = ["ba", "ke", "li", "mo", "nu", "pa", "re", "si", "tu", "va", "we", "xo", "yi", "za", "qu"]
    vocab = rng.permutation(np.array(["".join(p) for p in itertools.product(syll, repeat=4)]))
    pick = [rng.integers(len(x), size=n) for x in (openers, asks, VERBS, OBJECTS, tails)]
    good, ref = rng.integers(len(goods), size=n), rng.integers(10_000_000, 99_999_999, size=n)
    free = np.minimum(rng.zipf(1.3, size=(n, 4)) - 1, len(vocab) - 1)
    texts = []
    for k in range(n):
        obj = OBJECTS[pick[3][k]].format(p=goods[good[k]], o=ref[k])
        words = [openers[pick[0][k]], asks[pick[1][k]], VERBS[pick[2][k]], obj,
                 " ".join(vocab[free[k, : 2 + free[k, 3] % 3]]), tails[pick[4][k]]]
        texts.append(" ".join(w for w in words if w) + "?")
    return texts, pick[2]


def neighbours(c: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's k nearest other rows (exact, in blocks) and their cosines, best first."""
    nn = np.empty((len(c), k), np.int64)
    sim = np.empty((len(c), k), np.float32)
    for s in range(0, len(c), 2048):
        block = c[s:s + 2048] @ c.T
        block[np.arange(len(block)), np.arange(s, s + len(block))] = -2.0
        top = np.argpartition(-block, k, axis=1)[:, :k]
        val = np.take_along_axis(block, top, axis=1)
        order = np.argsort(-val, axis=1)
        nn[s:s + 2048], sim[s:s + 2048] = np.take_along_axis(top, order, axis=1), np.take_along_axis(val, order, axis=1)
    return nn, sim


def rule_default(x: np.ndarray, t: float = 0.65) -> np.ndarray:
    from ftcurate.core.dedup.ann import similar_pairs
    from ftcurate.core.dedup.linkage import average_linkage, centre, reference_centre

    c = centre(x, reference_centre())
    i, j, _ = similar_pairs(c, t)
    return average_linkage(c, i, j, t, max_size=1000)


def rule_dba(x: np.ndarray, k: int, floor: float, rounds: int, t: float) -> np.ndarray:
    from ftcurate.core.dedup.ann import similar_pairs
    from ftcurate.core.dedup.linkage import average_linkage, centre, reference_centre

    c = centre(x, reference_centre())
    nn, sim = neighbours(c, k)
    w = np.where(sim >= floor, sim, 0.0).astype(np.float32)
    z = c
    for _ in range(rounds):
        z = z + np.einsum("nk,nkd->nd", w, z[nn])
        z /= np.linalg.norm(z, axis=1, keepdims=True)
    i, j, _ = similar_pairs(z, t)
    return average_linkage(z, i, j, t, max_size=1000)


def rule_snn(x: np.ndarray, k: int, floor: float, smin: float, res: float) -> np.ndarray:
    import networkx as nx
    import scipy.sparse as sp

    from ftcurate.core.dedup.linkage import centre, reference_centre

    c = centre(x, reference_centre())
    n = len(c)
    nn, sim = neighbours(c, k)
    member = sp.csr_matrix((np.ones(n * (k + 1)), (np.repeat(np.arange(n), k + 1), np.c_[np.arange(n), nn].ravel())),
                           shape=(n, n))
    a, b = np.repeat(np.arange(n), k)[sim.ravel() >= floor], nn.ravel()[sim.ravel() >= floor]
    shared = np.asarray(member[a].multiply(member[b]).sum(axis=1)).ravel() / (k + 1)
    keep = shared >= smin
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(zip(a[keep].tolist(), b[keep].tolist(), shared[keep].tolist(), strict=True))
    labels = np.arange(n)
    for community in nx.community.louvain_communities(g, weight="weight", resolution=res, seed=0):
        members = np.array(sorted(community))
        labels[members] = members[0]
    return labels


RULES = {"default": rule_default, "dba": rule_dba, "snn": rule_snn}


def pair_figures(labels: np.ndarray, pairs: np.ndarray, gold: np.ndarray) -> dict:
    pred = labels[pairs[:, 0]] == labels[pairs[:, 1]]
    tp = float((pred & (gold == 1)).sum())
    p, r = tp / max(1, pred.sum()), tp / gold.sum()
    return {"P": p, "R": r, "F1": 2 * p * r / (p + r) if p + r else 0.0,
            "L": int(np.bincount(np.unique(labels, return_inverse=True)[1]).max())}


def verb_figures(labels: np.ndarray, verb: np.ndarray) -> dict:
    """Largest cluster and the share of clustered pairs whose verbs differ."""
    _, inv = np.unique(labels, return_inverse=True)
    together = np.bincount(inv)
    same = np.bincount(inv * len(VERBS) + verb, minlength=len(together) * len(VERBS))
    pairs = (together * (together - 1) / 2).sum()
    same_verb = (same * (same - 1) / 2).sum()
    return {"L": int(together.max()), "mixed": float((pairs - same_verb) / max(1.0, pairs))}


def intent_pairs(x: np.ndarray, y: np.ndarray, n: int = 2000, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Same-intent pairs vs pairs with one of each intent's 2 nearest intents (centroid cosine)."""
    from train_paraphrase_projection import nearest_intents

    near = nearest_intents(x, y)
    rng = np.random.default_rng(seed)
    pos, neg = [], []
    while len(pos) < n or len(neg) < n:
        a, b = (int(v) for v in rng.integers(len(y), size=2))
        if a != b and y[a] == y[b] and len(pos) < n:
            pos.append((a, b))
        elif y[a] != y[b] and (y[b] in near[y[a]] or y[a] in near[y[b]]) and len(neg) < n:
            neg.append((a, b))
    return np.array(pos + neg), np.r_[np.ones(n), np.zeros(n)]


def banking(project) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """BANKING77 questions (deduplicated), raw vectors, intent ids, and the mask of the 17 intents the
    projection script holds out (its seeded choice)."""
    import polars as pl
    from bench_paraphrase_accuracy import DATA
    from train_paraphrase_projection import DEV_INTENTS

    from ftcurate.core.dedup.embed import embed_texts

    bank = pl.concat([pl.read_csv(DATA / "banking77" / f) for f in ("train.csv", "test.csv")])
    bank = bank.unique(subset="text", keep="first", maintain_order=True)
    texts = bank["text"].to_list()
    names = sorted(set(bank["category"].to_list()))
    intent = np.array([names.index(c) for c in bank["category"].to_list()])
    held = np.isin(intent, np.random.default_rng(7).choice(len(names), DEV_INTENTS, replace=False))
    return texts, embed_texts(texts, project)[0], intent, held


def dev_sets(project) -> tuple[dict, tuple]:
    from bench_paraphrase_accuracy import hard_negatives, paradetox_groups

    from ftcurate.core.dedup.embed import embed_texts

    _, bx, intent, held = banking(project)
    sets = {"BANKING77 17 held-out intents": (bx[held], *intent_pairs(bx[held], intent[held], 1000, 1)),
            "BANKING77 all 77 intents": (bx, *intent_pairs(bx, intent))}
    # The accuracy benchmark's dev set: two rewrites of one sentence vs the hardest other-sentence pairs.
    rows = paradetox_groups(350)[:350]
    texts = [t for _, rewrites in rows for t in rewrites]
    gid = np.repeat(np.arange(len(rows)), [len(r) for _, r in rows])
    px, _ = embed_texts(texts, project)
    pos = [(a, b) for a in range(len(texts)) for b in range(a + 1, len(texts)) if gid[a] == gid[b]]
    pairs = np.array(pos + hard_negatives(px, gid, len(pos)))
    sets["ParaDetox dev rewrites"] = (px, pairs, np.r_[np.ones(len(pos)), np.zeros(len(pairs) - len(pos))])
    tt, verb = dev_templated(10_000)
    return sets, (embed_texts(tt, project)[0], verb)


def grid() -> list[tuple[str, dict]]:
    out = [("default", {"t": t}) for t in (0.55, 0.6, 0.65)]
    out += [("dba", {"k": k, "floor": 0.58, "rounds": r, "t": t})
            for k, r, t in itertools.product((10, 20), (1, 2), (0.75, 0.8, 0.85))]
    out += [("snn", {"k": 20, "floor": 0.55, "smin": s, "res": res}) for s, res in itertools.product((0.3, 0.45), (1.0, 2.0))]
    return out


def run_dev(project) -> None:
    sets, (tx, verb) = dev_sets(project)
    rows = []
    for name, kw in grid():
        res = {s: pair_figures(RULES[name](x, **kw), p, g) for s, (x, p, g) in sets.items()}
        res["tpl"] = verb_figures(RULES[name](tx, **kw), verb)
        rows.append((name, kw, res))
        print(f"{name} {kw}: " + " | ".join(f"{s.split()[0][:4]}{s.split()[1][:3]} P {v['P']:.3f} R {v['R']:.3f} "
                                             f"F1 {v['F1']:.3f} L {v['L']}" for s, v in res.items() if s != "tpl")
              + f" | dev templated L {res['tpl']['L']} mixed {res['tpl']['mixed']:.3f}", flush=True)
    ref = next(r for n, kw, r in rows if n == "default" and kw["t"] == 0.65)
    bank = [s for s in sets if s.startswith("BANKING77")]
    for family in RULES:
        ok = [(np.mean([r[s]["F1"] for s in bank]), kw, r) for n, kw, r in rows if n == family
              and all(r[s]["P"] >= 0.90 for s in bank) and r["tpl"]["mixed"] <= ref["tpl"]["mixed"] + 1e-9
              and r["ParaDetox dev rewrites"]["F1"] >= ref["ParaDetox dev rewrites"]["F1"] - 0.01]
        if not ok:
            print(f"{family}: no setting meets the selection rule")
            continue
        f1, kw, r = max(ok, key=lambda o: o[0])
        base = np.mean([ref[s]["F1"] for s in bank])
        print(f"{family}: chosen {kw}: mean BANKING77 F1 {f1:.3f} ({f1 / base:.2f}x the default's {base:.3f})")


def run_test(project) -> None:
    from bench_dedup_1m import make_questions
    from bench_paraphrase_accuracy import build_sets

    from ftcurate.core.dedup.embed import embed_texts

    sets = build_sets(project, 350, None)
    rules = [("default", {"t": 0.65}), ("dba", CHOSEN["dba"]), ("snn", CHOSEN["snn"])]
    for s, (texts, pairs, gold) in list(sets.items())[1:]:
        x, _ = embed_texts(texts, project)
        base = None
        for name, kw in rules:
            r = pair_figures(RULES[name](x, **kw), pairs, gold)
            base = base or r
            print(f"{s[:36]:<36} {name:<8} P {r['P']:.3f} R {r['R']:.3f} F1 {r['F1']:.3f} "
                  f"({r['F1'] / base['F1']:.2f}x default) largest {r['L']}", flush=True)
    texts, _ = make_questions(10_000, seed=3)
    x, _ = embed_texts(texts, project)
    for name, kw in rules:
        lab = RULES[name](x, **kw)
        sizes = np.bincount(np.unique(lab, return_inverse=True)[1])
        big = np.flatnonzero(lab == np.unique(lab)[sizes.argmax()])
        print(f"templated 10,000 {name:<8} clusters {int((sizes >= 2).sum())}, largest {sizes.max()}: "
              + " | ".join(texts[m][:48] for m in big[:: max(1, len(big) // 4)][:4]), flush=True)


def auc(score: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties averaged)."""
    from scipy.stats import rankdata

    r = rankdata(score)
    pos = int(y.sum())
    return float((r[y == 1].sum() - pos * (pos + 1) / 2) / (pos * (len(y) - pos)))


def run_edges(project) -> None:
    """How well pair features tell same-intent kNN edges apart (BANKING77; a reranker's ceiling)."""
    import re

    import scipy.sparse as sp

    from ftcurate.core.dedup.linkage import centre, reference_centre

    texts, x, y, held = banking(project)
    k = 20
    c = centre(x, reference_centre())
    sums = np.stack([c[y == g].sum(axis=0) for g in np.unique(y)])
    sizes = np.bincount(y).astype(float)
    within = ((sums * sums).sum(axis=1) - sizes).sum() / (sizes * (sizes - 1)).sum()
    total = c.sum(axis=0)
    across = (total @ total - (sums * sums).sum()) / (len(c) ** 2 - (sizes ** 2).sum())
    print(f"mean centred cosine: two questions of one intent {within:.3f}, of two intents {across:.3f}")
    nn, sim = neighbours(c, k)
    a, b, cos = np.repeat(np.arange(len(c)), k), nn.ravel(), sim.ravel()
    a, b, cos = a[cos >= 0.5], b[cos >= 0.5], cos[cos >= 0.5]
    n = len(c)
    member = sp.csr_matrix((np.ones(n * (k + 1)), (np.repeat(np.arange(n), k + 1), np.c_[np.arange(n), nn].ravel())),
                           shape=(n, n))
    shared = np.asarray(member[a].multiply(member[b]).sum(axis=1)).ravel() / (k + 1)
    back = np.where(nn[b] == a[:, None], np.arange(k)[None, :], k).min(axis=1) / k  # a's rank in b's list
    stop = set("i me my you your it is are was am do does did a an the to of in on for and or can how what "
               "when where why this that have has not no get from at by".split())
    words = [{w[:5] for w in re.findall(r"[a-z]+", t.lower()) if w not in stop} for t in texts]
    jac = np.array([len(words[p] & words[q]) / max(1, len(words[p] | words[q])) for p, q in zip(a, b, strict=True)])
    feats = np.c_[cos, shared, -back, jac]
    same = (y[a] == y[b]).astype(float)
    dev = held[a] | held[b]
    z = (feats - feats[~dev].mean(axis=0)) / feats[~dev].std(axis=0)
    w = np.zeros(z.shape[1] + 1)
    zt = np.c_[z[~dev], np.ones(int((~dev).sum()))]
    for _ in range(500):  # logistic regression by gradient descent, on edges of the 60 training intents
        w -= 0.5 * zt.T @ (1 / (1 + np.exp(-zt @ w)) - same[~dev]) / len(zt)
    print(f"{len(a):,} kNN edges (k {k}, cosine >= 0.5), {same.mean():.1%} same-intent; AUC on edges touching "
          f"the {len(np.unique(y[held]))} held-out intents ({int(dev.sum()):,}):")
    for name, f in zip(("centred cosine", "shared neighbours", "reverse rank", "content-word overlap"), feats.T,
                       strict=True):
        print(f"  {name:<22} {auc(f[dev], same[dev]):.3f}")
    print(f"  logistic, all four     {auc(np.c_[z[dev], np.ones(int(dev.sum()))] @ w, same[dev]):.3f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=None, help="project file keeping embeddings between runs")
    ap.add_argument("--test", action="store_true", help="test figures of the dev-chosen settings (no grid)")
    ap.add_argument("--edges", action="store_true", help="dev: pair features on BANKING77 kNN edges (AUC)")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent / "scripts"))
    from bench_paraphrase_accuracy import DATA

    if not (DATA / "banking77" / "train.csv").is_file():
        print(f"skipped: {DATA} not found")
        return 0
    from ftcurate.core.store import Project

    with tempfile.TemporaryDirectory() as tmp:
        path = args.cache or Path(tmp) / "cache.ftcurate"
        project = Project.open(path) if path.exists() else Project.create(path)
        (run_test if args.test else run_edges if args.edges else run_dev)(project)
        project.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
