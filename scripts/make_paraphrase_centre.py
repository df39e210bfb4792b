"""Build ftcurate/core/dedup/centre_minilm.npy: the mean MiniLM embedding of customer questions.

The paraphrase check centres embeddings on the data's own mean; on small projects that mean is noisy,
so it is blended with this reference (see `ftcurate.core.dedup.linkage.centre`). Computed from 2,000
BANKING77 training questions (seeded sample), which are in neither the paraphrase dev set (ParaDetox)
nor its test set (Bitext). Deterministic.

    python scripts/make_paraphrase_centre.py [--data ../shared/data/banking77/train.csv]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import polars as pl

from ftcurate.core.dedup.embed import encode

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "ftcurate" / "core" / "dedup" / "centre_minilm.npy"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "banking77" / "train.csv")
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    texts = pl.read_csv(args.data)["text"].to_list()
    rng = np.random.default_rng(0)
    pick = sorted(rng.choice(len(texts), size=min(args.n, len(texts)), replace=False))
    vecs = encode([texts[i] for i in pick])
    np.save(OUT, vecs.mean(axis=0, dtype=np.float64).astype(np.float32))
    print(f"wrote {OUT} from {len(pick)} questions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
