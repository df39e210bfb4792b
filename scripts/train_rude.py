"""Train the rude-reply classifier shipped as ftcurate/core/tone/rude_minilm.npz (deterministic).

Features: the all-MiniLM-L6-v2 sentence embeddings ftcurate already computes (384 numbers, unit length).
Model: logistic regression (Newton's method, L2 penalty, classes weighted to balance).

Training data (../shared/data, public):
* politeness_stackexchange: requests rated for politeness by five annotators; the bottom quartile of
  the normalised score = impolite (1), the top half = polite (0), the band between is left out.
* paradetox: rude/toxic sentences (1) and their crowd-written polite rewrites (0).

Held out (dev): the Stack Exchange communities whose name sorts last (about a fifth) and every fifth
ParaDetox row. The decision threshold is chosen for what the check meets in practice, rude sentences
among polite answers: dev rude texts (both corpora) against dev polite Stack Exchange requests and the
COVID FAQ's answers (../shared/data/covid_faq, official answers, used nowhere else); the ParaDetox
rewrites, near-copies of rude sentences, teach the model but do not set the threshold. The threshold
is the one with the best F1 when rude texts are 5 % of the data (precision re-weighted to that mix).
The test set of benchmarks/bench_tone_accuracy.py never enters this script.

    python scripts/train_rude.py [--data ../shared/data] [--cache /tmp/rude_cache]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "ftcurate" / "core" / "tone" / "rude_minilm.npz"
PREVALENCE = 0.05


def politeness(data: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(texts, labels, is_dev) from the Stack Exchange politeness corpus."""
    df = pl.read_csv(data / "politeness_stackexchange" / "stack-exchange.annotated.csv", infer_schema=False)
    score = df["Normalized Score"].str.strip_chars().cast(pl.Float64).to_numpy()
    q25, q50 = np.quantile(score, [0.25, 0.5])
    keep = (score <= q25) | (score >= q50)
    comm = df["Community"].to_numpy()
    names = sorted(set(comm.tolist()))
    dev_comms = set(names[int(len(names) * 0.8):])
    texts = df["Request"].to_numpy()[keep].tolist()
    labels = (score[keep] <= q25).astype(np.float64)
    dev = np.array([c in dev_comms for c in comm[keep]])
    return texts, labels, dev


def paradetox(data: Path, limit: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(texts, labels, is_dev): toxic sentences and their first rewrite, the first `limit` rows."""
    texts, labels, dev = [], [], []
    with open(data / "paradetox" / "paradetox.tsv", encoding="utf-8") as fh:
        rows = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        for k, row in enumerate(rows):
            if k >= limit:
                break
            if len(row) < 2 or not row[0].strip() or not row[1].strip():
                continue
            texts += [row[0], row[1]]
            labels += [1.0, 0.0]
            dev += [k % 5 == 0] * 2
    return texts, np.array(labels), np.array(dev)


def faq_answers(data: Path) -> list[str]:
    """Answers of the COVID FAQ (polite, official support prose): dev negatives for the threshold."""
    df = pl.read_csv(data / "covid_faq" / "faq_covidbert.csv", infer_schema=False)
    return [a for a in df["answer"].fill_null("").to_list() if a.strip()]


def threshold_set(p_dev: np.ndarray, y_dev: np.ndarray, paradetox_dev: np.ndarray,
                  p_faq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(scores, labels) the threshold is chosen on: dev rude texts vs dev polite requests + FAQ answers."""
    keep = (y_dev == 1) | ~paradetox_dev
    return np.concatenate([p_dev[keep], p_faq]), np.concatenate([y_dev[keep], np.zeros(len(p_faq))])


def embed(texts: list[str], cache: Path | None, name: str) -> np.ndarray:
    from ftcurate.core.dedup.embed import encode

    path = cache / f"{name}.npy" if cache else None
    if path is not None and path.is_file():
        v = np.load(path)
        if len(v) == len(texts):
            return v
    v = encode(texts)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, v)
    return v


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 25) -> tuple[np.ndarray, float]:
    """Class-balanced, L2-regularised logistic regression by Newton's method (deterministic).

    Each class weighs half of the total; `l2` penalises the weights (not the bias).
    """
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    theta = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(xb @ theta)))
        grad = xb.T @ (weight * (p - y)) + reg * theta
        hess = (xb * (weight * p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return theta[:-1], float(theta[-1])


def pick_threshold(p: np.ndarray, y: np.ndarray, prevalence: float = PREVALENCE) -> tuple[float, dict]:
    """The probability cut with the best F1 when rude replies are `prevalence` of the data."""
    best = (0.5, {"f1": -1.0})
    for t in np.round(np.arange(0.05, 0.991, 0.01), 2):
        tpr = float((p[y == 1] >= t).mean())
        fpr = float((p[y == 0] >= t).mean())
        prec = prevalence * tpr / (prevalence * tpr + (1 - prevalence) * fpr) if tpr + fpr else 0.0
        f1 = 2 * prec * tpr / (prec + tpr) if prec + tpr else 0.0
        if f1 > best[1]["f1"]:
            best = (float(t), {"f1": f1, "precision": prec, "recall": tpr, "fpr": fpr})
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=None, help="folder to keep embeddings between runs")
    ap.add_argument("--paradetox-rows", type=int, default=2500)
    args = ap.parse_args()
    t1, y1, d1 = politeness(args.data)
    t2, y2, d2 = paradetox(args.data, args.paradetox_rows)
    x = np.concatenate([embed(t1, args.cache, "politeness"), embed(t2, args.cache, f"paradetox{args.paradetox_rows}")])
    x = x.astype(np.float64)
    y = np.concatenate([y1, y2])
    dev = np.concatenate([d1, d2])
    w, b = fit(x[~dev], y[~dev])
    p = 1 / (1 + np.exp(-(x[dev] @ w + b)))
    faq = embed(faq_answers(args.data), args.cache, "faq").astype(np.float64)
    p_faq = 1 / (1 + np.exp(-(faq @ w + b)))
    is_pdx = np.concatenate([np.zeros(len(y1), bool), np.ones(len(y2), bool)])[dev]
    t, m = pick_threshold(*threshold_set(p, y[dev], is_pdx, p_faq))
    np.savez(OUT, w=w.astype(np.float32), b=np.float32(b), threshold=np.float32(t))
    print(f"train {int((~dev).sum())} texts, dev {int(dev.sum())}; threshold {t:.2f}: at 5 % rude, "
          f"precision {m['precision']:.3f} recall {m['recall']:.3f} F1 {m['f1']:.3f}")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
