"""Faster paraphrase embeddings? A static model distilled from the bundled MiniLM vs MiniLM itself.

The static model follows model2vec's recipe, written here with numpy: every vocabulary token is run
through MiniLM alone ([CLS] token [SEP], mean-pooled), and a text's vector is the mean of its tokens'
vectors weighted by a Zipf-style weight (log of the token's vocabulary rank; WordPiece ids are roughly
frequency-ordered), then normalised. No download: the bundled model folder only. Measured: texts/s on
the same questions and paraphrase P/R/F1 with the check's clustering on the dev and test A sets of
bench_paraphrase_accuracy.py (without the exact/near stages and the reference centre) and on Bitext
(test B: precision on same-category, other-intent pairs is where word order matters).

    python benchmarks/bench_paraphrase_embedders.py [--groups 350] [--threads 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np


def distill(batch: int = 512) -> tuple[object, np.ndarray]:
    """(tokenizer, token vectors (vocab, 384) float32) from the bundled MiniLM."""
    import torch

    from ftcurate.core.dedup.embed import load_model

    st = load_model()
    tok = st.tokenizer
    bert = st[0].auto_model
    vocab = tok.vocab_size
    out = np.zeros((vocab, bert.config.hidden_size), dtype=np.float32)
    cls, sep = tok.cls_token_id, tok.sep_token_id
    with torch.inference_mode():
        for s in range(0, vocab, batch):
            ids = torch.arange(s, min(vocab, s + batch))
            inp = torch.stack([torch.full_like(ids, cls), ids, torch.full_like(ids, sep)], dim=1)
            hidden = bert(input_ids=inp, attention_mask=torch.ones_like(inp)).last_hidden_state
            out[s:s + len(ids)] = hidden.mean(dim=1).numpy()
    weights = np.log1p(np.arange(vocab, dtype=np.float32)) + 1.0
    return tok, out * weights[:, None]


def static_encode(tok, table: np.ndarray, texts: list[str]) -> np.ndarray:
    enc = tok(texts, add_special_tokens=False)["input_ids"]
    out = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
    for k, ids in enumerate(enc):
        if ids:
            out[k] = table[ids].mean(axis=0)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-9)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--groups", type=int, default=350)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import polars as pl
    from bench_paraphrase_accuracy import DATA, hard_negatives, paradetox_groups, score

    from ftcurate.core.checks.duplicates import PARAPHRASE_DEFAULTS
    from ftcurate.core.dedup.ann import similar_pairs
    from ftcurate.core.dedup.embed import encode, load_model
    from ftcurate.core.dedup.linkage import average_linkage, centre

    load_model()
    t0 = time.perf_counter()
    tok, table = distill()
    print(f"distilled {len(table):,} token vectors in {time.perf_counter() - t0:.0f} s")
    groups = paradetox_groups(args.groups)
    b = pl.read_csv(DATA / "bitext_cs" / "Bitext_Sample_Customer_Support_Training_Dataset.csv", infer_schema=False)
    for name, part, use_toxic in (("dev", groups[:args.groups], False), ("test A", groups[args.groups:], True),
                                  ("test B (Bitext)", None, False)):
        texts, gid = [], []
        for k, (toxic, neutral) in enumerate(part or []):
            chosen = [toxic, neutral[0]] if use_toxic else neutral
            texts += chosen
            gid += [k] * len(chosen)
        if part is None:
            texts = b["instruction"].to_list()
            gid = list(np.unique(b["intent"].to_numpy(), return_inverse=True)[1])
            cat = np.unique(b["category"].to_numpy(), return_inverse=True)[1]
        gid = np.array(gid)
        t0 = time.perf_counter()
        mini = encode(texts)
        t_mini = time.perf_counter() - t0
        t0 = time.perf_counter()
        stat = static_encode(tok, table, texts)
        t_stat = time.perf_counter() - t0
        if part is None:  # as in bench_paraphrase_accuracy: same intent vs same category, other intent
            rng = np.random.default_rng(1)
            pos, neg = [], []
            while len(pos) < 1000 or len(neg) < 1000:
                a, c = (int(v) for v in rng.integers(len(texts), size=2))
                if a != c and gid[a] == gid[c] and len(pos) < 1000:
                    pos.append((a, c))
                elif gid[a] != gid[c] and cat[a] == cat[c] and len(neg) < 1000:
                    neg.append((a, c))
        else:
            pos = [(a, c) for a in range(len(texts)) for c in range(a + 1, len(texts)) if gid[a] == gid[c]]
            neg = hard_negatives(mini, gid, len(pos))
        pairs, y = np.array(pos + neg), np.r_[np.ones(len(pos)), np.zeros(len(neg))]
        print(f"{name}: {len(texts)} texts; MiniLM {len(texts) / t_mini:.0f} texts/s, static "
              f"{len(texts) / t_stat:.0f} texts/s ({t_mini / t_stat:.0f}x)")
        for label, vecs in (("MiniLM", mini), ("static", stat)):
            for t in (PARAPHRASE_DEFAULTS["paraphrase_threshold"], 0.75, 0.85):
                xc = centre(vecs)
                i, j, _ = similar_pairs(xc, t)
                r = score(average_linkage(xc, i, j, t), pairs, y)
                print(f"  {label:<7} threshold {t}: P {r['P']:.3f} R {r['R']:.3f} F1 {r['F1']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
