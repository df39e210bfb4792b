"""Answer-overlap score and the plain verdict. Standard library only.

chrF (Popović 2015): character n-gram F-score, n = 1..6, whitespace ignored, recall weighted twice as
much as precision (beta = 2), on a 0-100 scale. Precision and recall are averaged over the n-gram
orders both texts are long enough to have.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any


def _ngrams(text: str, n: int) -> Counter:
    return Counter(text[i:i + n] for i in range(len(text) - n + 1))


def chrf(hypothesis: str, reference: str, max_n: int = 6, beta: float = 2.0) -> float:
    """Sentence chrF of `hypothesis` against `reference`, 0-100."""
    hyp = "".join(hypothesis.split())
    ref = "".join(reference.split())
    if not hyp and not ref:
        return 100.0
    if not hyp or not ref:
        return 0.0
    precisions, recalls = [], []
    for n in range(1, max_n + 1):
        h, r = _ngrams(hyp, n), _ngrams(ref, n)
        if not h or not r:
            break
        match = sum((h & r).values())
        precisions.append(match / sum(h.values()))
        recalls.append(match / sum(r.values()))
    p = sum(precisions) / len(precisions)
    rc = sum(recalls) / len(recalls)
    if p == 0 and rc == 0:
        return 0.0
    b2 = beta * beta
    return 100.0 * (1 + b2) * p * rc / (b2 * p + rc)


def perplexity(loss: float | None) -> float | None:
    if loss is None:
        return None
    return math.exp(min(loss, 50.0))


def verdict(base_loss: float | None, tuned_loss: float | None, base_chrf: float | None = None,
            tuned_chrf: float | None = None, noise: float = 0.01) -> dict[str, Any]:
    """Plain answer to "is the tuned model better?".

    Decided on test-split loss (the most reliable signal for small test sets); a relative change within
    `noise` counts as "about the same", which is reported as not better. chrF is reported alongside.

    Returns:
        {"verdict": "better" | "not better" | "unknown", "loss_change_pct", "chrf_change", "text"}.
    """
    if base_loss is None or tuned_loss is None:
        return {"verdict": "unknown", "loss_change_pct": None, "chrf_change": None,
                "text": "No test split, so there is nothing to compare on. Export with a test split."}
    change = (tuned_loss - base_loss) / base_loss if base_loss else 0.0
    pct = round(100.0 * change, 1)
    ppl_b, ppl_t = perplexity(base_loss), perplexity(tuned_loss)
    loss_txt = f"test loss {base_loss:.3f} -> {tuned_loss:.3f} ({pct:+.1f} %), perplexity {ppl_b:.2f} -> {ppl_t:.2f}"
    chrf_change = None
    chrf_txt = ""
    if base_chrf is not None and tuned_chrf is not None:
        chrf_change = round(tuned_chrf - base_chrf, 1)
        chrf_txt = f"; answers overlap the references {'more' if chrf_change > 0 else 'less' if chrf_change < 0 else 'as much'} (chrF {base_chrf:.1f} -> {tuned_chrf:.1f})"
    if change <= -noise:
        v, head = "better", f"Better: the tuned model predicts the test answers {abs(pct):.1f} % better"
    elif change < noise:
        v, head = "not better", "Not better: the tuned model is about the same as the base model"
    else:
        v, head = "not better", f"Not better: the tuned model is {pct:.1f} % worse on the test answers"
    return {"verdict": v, "loss_change_pct": pct, "chrf_change": chrf_change, "text": f"{head} ({loss_txt}{chrf_txt})."}
