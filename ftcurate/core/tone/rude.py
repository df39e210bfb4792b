"""Rude replies, judged by a small learnt model rather than a word list.

The model is a logistic regression over the sentence embeddings the duplicate checks already compute
(all-MiniLM-L6-v2, 384 numbers per text, cached per text in the project). Its weights ship with the
package (`rude_minilm.npz`, ~2 KB: 384 weights, a bias and the decision threshold) and are rebuilt,
deterministically, by `scripts/train_rude.py` from public data: impolite vs polite Stack Exchange
requests and rude sentences vs their polite rewrites (ParaDetox). The threshold was chosen on held-out
communities and rows for the case where about 1 reply in 20 is rude.

It reads wording as a whole, so sarcasm and confrontation without swear words can score high, and a
polite reply that happens to contain "damn" need not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ftcurate.core.progress import Progress

MODEL_FILE = Path(__file__).with_name("rude_minilm.npz")


@dataclass(frozen=True)
class RudeModel:
    """Weights of the rude-reply classifier: p(rude) = sigmoid(x . w + b); rude when p >= threshold."""

    w: np.ndarray
    b: float
    threshold: float

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> RudeModel:
        """The shipped model. Raises FileNotFoundError when the package data is missing."""
        with np.load(path) as z:
            return cls(z["w"].astype(np.float32), float(z["b"]), float(z["threshold"]))

    def probabilities(self, vecs: np.ndarray) -> np.ndarray:
        """p(rude) per row of `vecs` ((n, 384) unit MiniLM embeddings), float64 in [0, 1]."""
        if len(vecs) == 0:
            return np.zeros(0)
        z = np.asarray(vecs, dtype=np.float32) @ self.w + self.b
        return 1.0 / (1.0 + np.exp(-z.astype(np.float64)))


def rude_probabilities(texts: list[str], project=None, progress: Progress | None = None,
                       model: RudeModel | None = None) -> np.ndarray:
    """p(rude) for each text, embedding with the project's cache (see `ftcurate.core.dedup.embed`).

    Raises:
        ConfigError: the embedding model package is not installed.
    """
    from ftcurate.core.dedup.embed import embed_texts, model_dir

    model_dir()  # a clear ConfigError before any work when the model package is missing
    progress = progress or Progress()
    model = model or RudeModel.load()
    progress.set_status(f"Tone: reading {len(texts):,} answers for rudeness")
    progress.set_total(len(texts))
    vecs, _ = embed_texts(texts, project, progress)
    return model.probabilities(vecs)
