"""Sentence-embedding speed and agreement: the bundled MiniLM on torch vs ONNX Runtime (fp32, int8).

All candidates run the same model in one process on the same real support questions (Bitext and
banking77, shuffled together), each warmed up first and timed `--repeat` times in interleaved rounds
(best run kept: the machine is shared). Printed per candidate: texts/s, the ratio to the current torch path
(sentence-transformers `encode`, batch 64, float32), and the cosine between each text's vector and
torch's (mean and minimum). Candidates that keep the model:

* torch with a bfloat16 copy of the model under `torch.inference_mode`;
* ONNX fp32 and ONNX int8 (dynamic quantisation, per-channel weights), batch sizes 16-128;
* ONNX int8 without sorting texts by length (to show what padding costs);
* `max_seq_length` is reported as token-length percentiles: a trim below 256 changes nothing for
  texts shorter than the trim, and sorting by length already keeps batches near their texts' length.

    python benchmarks/bench_embed_backends.py [--n 2000] [--repeat 2] [--threads 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def questions(n: int) -> list[str]:
    import polars as pl

    b = pl.read_csv(DATA / "bitext_cs" / "Bitext_Sample_Customer_Support_Training_Dataset.csv", infer_schema=False)
    k = pl.read_csv(DATA / "banking77" / "train.csv", infer_schema=False)
    texts = list(dict.fromkeys(b["instruction"].to_list() + k["text"].to_list()))
    order = np.random.default_rng(0).permutation(len(texts))
    return [texts[i] for i in order[:n]]


def timed_rounds(cands: list, texts: list[str], repeat: int) -> list[tuple[float, np.ndarray]]:
    """(best texts/s, vectors) per candidate; rounds interleave the candidates, so a burst of load from
    other jobs hits all of them rather than one."""
    for _, fn in cands:
        fn(texts[:64])  # warm-up: first-call allocations and graph set-up
    best = [float("inf")] * len(cands)
    outs: list = [None] * len(cands)
    for _ in range(repeat):
        for k, (_, fn) in enumerate(cands):
            t0 = time.perf_counter()
            outs[k] = fn(texts)
            best[k] = min(best[k], time.perf_counter() - t0)
    return [(len(texts) / b, np.asarray(o, dtype=np.float32)) for b, o in zip(best, outs, strict=True)]


_BF16 = []


def torch_bf16(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """A bfloat16 copy of the sentence-transformers model (this CPU's AVX-512 BF16 / AMX where present)."""
    import copy

    import torch

    from ftcurate.core.dedup.embed import load_model

    if not _BF16:
        _BF16.append(copy.deepcopy(load_model()).to(torch.bfloat16))
    with torch.inference_mode():
        v = _BF16[0].encode(texts, batch_size=batch_size, convert_to_tensor=True, normalize_embeddings=True,
                            show_progress_bar=False)
    return torch.nn.functional.normalize(v.float(), dim=1).numpy()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="questions embedded per candidate")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2, help="torch threads and ONNX intra-op threads")
    args = ap.parse_args()
    if not (DATA / "bitext_cs").is_dir():
        print(f"skipped: {DATA} not found")
        return 0
    import torch

    from ftcurate.core.dedup import embed, onnx_embed

    torch.set_num_threads(args.threads)
    folder = embed.model_dir()
    t0 = time.perf_counter()
    onnx_embed.ensure_exported(folder)
    t1 = time.perf_counter()
    onnx_embed.model_file(folder, "int8")
    print(f"ONNX export {t1 - t0:.1f} s, int8 quantisation {time.perf_counter() - t1:.1f} s (both cached: "
          "0 s when already made)")
    texts = questions(args.n)
    enc = embed.load_model().tokenizer(texts)["input_ids"]
    lens = np.array([len(e) for e in enc])
    print(f"{len(texts)} questions (Bitext + banking77); tokens p50 {np.percentile(lens, 50):.0f}, p99 "
          f"{np.percentile(lens, 99):.0f}, max {lens.max()} (max_seq_length 256)")
    ort = {k: onnx_embed.OnnxEncoder(folder, onnx_embed.model_file(folder, k), threads=args.threads)
           for k in onnx_embed.KINDS}

    def unsorted(batch: list[str], bs: int = 64) -> np.ndarray:
        return np.concatenate([ort["int8"].encode(batch[s:s + bs], batch_size=bs)
                               for s in range(0, len(batch), bs)])

    cands = [("torch fp32, batch 64 (current)", lambda t: embed.encode(t, 64, backend_name="torch")),
             ("torch bf16 weights, batch 64", torch_bf16),
             ("ONNX fp32, batch 64", lambda t: ort["fp32"].encode(t, 64))]
    cands += [(f"ONNX int8, batch {b}", lambda t, b=b: ort["int8"].encode(t, b)) for b in (16, 32, 64, 128)]
    cands += [("ONNX int8, batch 64, not length-sorted", unsorted)]
    results = timed_rounds(cands, texts, args.repeat)
    base_rate, ref = results[0]
    print(f"| candidate | texts/s ({args.threads} threads) | vs torch | cosine to torch: mean | min |")
    print("|---|---|---|---|---|")
    for (name, _), (rate, vecs) in zip(cands, results, strict=True):
        cos = (vecs * ref).sum(axis=1)
        print(f"| {name} | {rate:.0f} | {rate / base_rate:.2f}x | {cos.mean():.4f} | {cos.min():.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
