"""What `ftcurate package` produces for the bundled SmolLM2-135M-Instruct, against the fp32 merged model.

Makes a LoRA adapter with random (non-zero) weights on every linear layer (no training needed to
measure the file format), merges it, and in the same process:
- saves the merged model as fp32 (the baseline) and as fp16 (what `train --merge` writes now) and
  prints both folder sizes and their ratio;
- writes the GGUF file in f16 and q8_0 with `package_run`, loads each back with transformers
  (`gguf_file=`) and prints its size, ratio to the fp32 folder, write seconds, and the next-token logit
  differences to the fp32 merged model on a few chat prompts (max |diff|, cosine, same argmax).

    python benchmarks/bench_package.py [--prompts N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

PROMPTS = ["Where is my order FH-76510? It was due on Monday.", "How do I return a tent I bought last week?",
           "Can I change the delivery address of my order?", "Is the Trailhead 2 tent waterproof?",
           "My card was charged twice, what should I do?", "Do you ship to Canada?"]


def folder_mb(p: Path) -> float:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=int, default=6)
    args = ap.parse_args()
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ftcurate.core.trainer.card import set_adapter_base
    from ftcurate.core.trainer.modelcache import resolve_model
    from ftcurate.core.trainer.package import merged_model, package_run

    torch.manual_seed(0)
    work = Path(tempfile.mkdtemp(prefix="bench-package-"))
    model_dir = resolve_model(None)
    tok = AutoTokenizer.from_pretrained(str(model_dir))
    lora = get_peft_model(AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32),
                          LoraConfig(r=8, lora_alpha=16, target_modules="all-linear", init_lora_weights=False))
    adapter = work / "run-bench" / "adapter"
    lora.save_pretrained(str(adapter))
    set_adapter_base(adapter, "HuggingFaceTB/SmolLM2-135M-Instruct")
    del lora
    merged, _ = merged_model(adapter, "default")
    merged.save_pretrained(str(work / "fp32"))
    base_mb = folder_mb(work / "fp32")
    merged.half().save_pretrained(str(work / "fp16"))
    merged.float()
    print(f"merged HF folder: fp32 {base_mb:.0f} MB (baseline), fp16 {folder_mb(work / 'fp16'):.0f} MB "
          f"({folder_mb(work / 'fp16') / base_mb:.2f}x)")
    prompts = [tok.apply_chat_template([{"role": "user", "content": p}], add_generation_prompt=True, tokenize=False)
               for p in PROMPTS[: args.prompts]]
    ids = [tok(p)["input_ids"] for p in prompts]
    with torch.no_grad():
        ref = [merged(torch.tensor([i])).logits[0, -1] for i in ids]
    print("| format | size MB | vs fp32 folder | write s | max abs logit diff | min cosine | same argmax |")
    print("|---|---|---|---|---|---|---|")
    for qtype in ("f16", "q8_0"):
        t = time.perf_counter()
        res = package_run(adapter.parent, work / qtype, qtype=qtype, ollama=True, model="default")
        secs = time.perf_counter() - t
        gguf = Path(res["gguf"])
        back = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32).eval()
        diffs, coss, same = [], [], 0
        with torch.no_grad():
            for i, r in zip(ids, ref, strict=True):
                b = back(torch.tensor([i])).logits[0, -1]
                diffs.append(float((r - b).abs().max()))
                coss.append(float(torch.nn.functional.cosine_similarity(r, b, dim=0)))
                same += int(r.argmax() == b.argmax())
        mb = gguf.stat().st_size / 1e6
        print(f"| GGUF {qtype} | {mb:.0f} | {mb / base_mb:.2f}x | {secs:.1f} | {max(diffs):.3f} | {min(coss):.5f} | "
              f"{same}/{len(ids)} |")


if __name__ == "__main__":
    main()
