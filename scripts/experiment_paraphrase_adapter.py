"""Experiment (issue #12): MiniLM fine-tuned with a LoRA adapter and verb-swap hard negatives.

Not product code: nothing here changes the check. The question is whether an encoder that tells
near-topic requests apart ("cancel my order" / "change my order") lets the default clustering (centred
vectors + average linkage) find more rewordings on dense support data without merging requests.

Training (CPU, seeded, deterministic algorithms): LoRA (rank 8, alpha 16, on the attention query and
value projections of the top 3 of 6 layers, so the backward pass stops there; texts cut at 24 tokens) on all-MiniLM-L6-v2, supervised contrastive loss over each batch
(every same-label text a positive, all others in-batch negatives, temperature `tau`). A batch holds
* 16 of the 60 BANKING77 training intents x 2 questions (the 17 intents held out by
  scripts/train_paraphrase_projection.py are never read for training);
* 8 ParaDetox training rows x 2 texts (rows >= 1400 of the benchmark's seeded order, as the projection
  script uses);
* 8 templated requests from the DEV generator of benchmarks/bench_paraphrase_dense.py (own seed 101):
  the question, another wording of the same verb + object, and a hard negative that is the question
  with its verb swapped. The test templates (bench_dedup_1m) and Bitext are never used for training.

Evaluation: vectors (mean pooling, unit length) -> centre on a reference mean (the shipped one for
MiniLM; for the adapter the mean of 2,000 training-intent questions it embeds) -> average linkage,
exactly as the check (ann.similar_pairs + linkage.average_linkage, max cluster 1000), on all texts of
a set (no exact/near funnel, as bench_paraphrase_dense.py). Dev: the 17 held-out BANKING77 intents,
ParaDetox dev rewrites, and 10,000 dev templated questions (largest cluster, mixed-verb share, and the
share of clustered pairs of different requests, verb or object, reported only; note the
hard negatives come from the same generator, so this dev figure is optimistic). The threshold is chosen
on dev: best mean F1 of the two pair sets with precision >= 0.95 on both and a mixed-verb share no
higher than the default's. `--test` then runs test A (ParaDetox), test B (Bitext) and the 10,000
bench_dedup_1m templated questions once, at that threshold, against the default in the same process.

    python scripts/experiment_paraphrase_adapter.py [--steps 150] [--cache /tmp/adapter/bench.ftcurate] [--test]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))


def templated_requests(n: int, seed: int) -> tuple[list[str], list[str], np.ndarray]:
    """Dev-template questions, each one's request label (verb + object) and verb id."""
    from bench_paraphrase_dense import OBJECTS, VERBS, dev_templated

    texts, verb = dev_templated(n, seed)
    fixed = [o for o in OBJECTS if "{" not in o]
    labels = []
    for t, v in zip(texts, verb, strict=True):
        words = t.split(f" {VERBS[v]} ", 1)[1].rstrip("?").split()
        obj = next((o for o in fixed if " ".join(words).startswith(o)), None)
        obj = obj or " ".join(words[:2] if words[0] == "booking" else words[:3])
        labels.append(f"{VERBS[v]}|{obj}")
    return texts, labels, verb


class Encoder:
    """MiniLM (optionally with a LoRA adapter) as sentence-transformers runs it: mean pooling, unit."""

    def __init__(self, lora: bool, seed: int = 0):
        import torch
        from transformers import AutoModel, AutoTokenizer

        from ftcurate.core.dedup.embed import model_dir

        torch.manual_seed(seed)
        self.tok = AutoTokenizer.from_pretrained(str(model_dir()))
        self.model = AutoModel.from_pretrained(str(model_dir()), dtype=torch.float32)
        if lora:
            from peft import LoraConfig, get_peft_model

            cfg = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["query", "value"],
                             layers_to_transform=[3, 4, 5])  # top half: no backward through layers 0-2
            self.model = get_peft_model(self.model, cfg)

    def forward(self, texts: list[str], max_len: int):
        import torch

        b = self.tok(texts, padding=True, truncation=True, max_length=max_len, return_tensors="pt")
        hidden = self.model(**b).last_hidden_state
        mask = b["attention_mask"].unsqueeze(-1).float()
        return torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9), dim=1)

    def encode(self, texts: list[str], max_len: int = 64, batch: int = 128) -> np.ndarray:
        import torch

        self.model.eval()
        order = np.argsort([len(t) for t in texts])
        out = np.zeros((len(texts), 384), np.float32)
        with torch.inference_mode():
            for s in range(0, len(texts), batch):
                idx = order[s:s + batch]
                out[idx] = self.forward([texts[k] for k in idx], max_len).numpy()
        return out


def train_data() -> dict:
    """Training texts: BANKING77 training intents, ParaDetox training rows, dev-template requests."""
    from bench_paraphrase_accuracy import DATA, paradetox_rows

    texts, _, intent, held = _banking_texts()
    rows = [[toxic, *neutral] for toxic, neutral in paradetox_rows(DATA)[1400:2900]]
    tt, tl, _ = templated_requests(20_000, seed=101)
    return {"bank": [t for t, h in zip(texts, held, strict=True) if not h], "intent": intent[~held],
            "pdx": rows, "tpl": tt, "tpl_label": tl}


def _banking_texts() -> tuple[list[str], None, np.ndarray, np.ndarray]:
    """BANKING77 texts, intents and held-out mask exactly as bench_paraphrase_dense.banking, no vectors."""
    import polars as pl
    from bench_paraphrase_accuracy import DATA
    from train_paraphrase_projection import DEV_INTENTS

    bank = pl.concat([pl.read_csv(DATA / "banking77" / f) for f in ("train.csv", "test.csv")])
    bank = bank.unique(subset="text", keep="first", maintain_order=True)
    names = sorted(set(bank["category"].to_list()))
    intent = np.array([names.index(c) for c in bank["category"].to_list()])
    held = np.isin(intent, np.random.default_rng(7).choice(len(names), DEV_INTENTS, replace=False))
    return bank["text"].to_list(), None, intent, held


def train(steps: int, tau: float, lr: float, seed: int = 0) -> Encoder:
    import torch
    from bench_paraphrase_dense import VERBS

    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(seed)
    d = train_data()
    enc = Encoder(lora=True, seed=seed)
    by_intent = {c: np.flatnonzero(d["intent"] == c) for c in np.unique(d["intent"])}
    by_label: dict[str, list[int]] = {}
    for k, lab in enumerate(d["tpl_label"]):
        by_label.setdefault(lab, []).append(k)
    multi = sorted(lab for lab, m in by_label.items() if len(m) >= 2)
    opt = torch.optim.AdamW([p for p in enc.model.parameters() if p.requires_grad], lr=lr, weight_decay=0.0)
    enc.model.train()
    t0 = time.perf_counter()
    for step in range(steps):
        texts, labels = [], []
        for c in rng.choice(sorted(by_intent), 16, replace=False):
            texts += [d["bank"][k] for k in rng.choice(by_intent[c], 2, replace=False)]
            labels += [f"b{c}"] * 2
        for r in rng.choice(len(d["pdx"]), 8, replace=False):
            texts += list(rng.choice(d["pdx"][r], 2, replace=False))
            labels += [f"p{r}"] * 2
        for lab in rng.choice(multi, 8, replace=False):
            a, b = rng.choice(by_label[lab], 2, replace=False)
            verb, obj = lab.split("|")
            other = VERBS[int(rng.choice([i for i, v in enumerate(VERBS) if v != verb]))]
            texts += [d["tpl"][a], d["tpl"][b], d["tpl"][a].replace(f" {verb} ", f" {other} ", 1)]
            labels += [lab, lab, f"{other}|{obj}"]
        z = enc.forward(texts, max_len=24)
        y = np.unique(labels, return_inverse=True)[1]
        same = torch.tensor(y[:, None] == y[None, :])
        eye = torch.eye(len(y), dtype=torch.bool)
        logits = (z @ z.T / tau).masked_fill(eye, -1e9)
        log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
        pos = same & ~eye
        loss = (-(log_prob * pos).sum(1) / pos.sum(1).clamp(min=1))[pos.any(1)].mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            print(f"  step {step}: loss {loss.item():.3f} ({time.perf_counter() - t0:.0f} s)", flush=True)
    return enc


def cluster(x: np.ndarray, ref: np.ndarray | None, t: float) -> np.ndarray:
    """The check's clustering: centre on the reference-blended mean, then average linkage at `t`."""
    from ftcurate.core.dedup.ann import similar_pairs
    from ftcurate.core.dedup.linkage import average_linkage, centre

    c = centre(x, ref)
    i, j, _ = similar_pairs(c, t)
    return average_linkage(c, i, j, t, max_size=1000)


def dev_sets(project) -> dict:
    """Dev pair sets (texts, pairs, gold; pairs fixed with MiniLM vectors as the dense script does)
    and the dev templated questions (texts, verb ids)."""
    from bench_paraphrase_accuracy import hard_negatives, paradetox_groups
    from bench_paraphrase_dense import dev_templated, intent_pairs

    from ftcurate.core.dedup.embed import embed_texts

    texts, _, intent, held = _banking_texts()
    ht = [t for t, h in zip(texts, held, strict=True) if h]
    hx = embed_texts(ht, project)[0]
    sets = {"BANKING77 17 held-out": (ht, *intent_pairs(hx, intent[held], 1000, 1))}
    rows = paradetox_groups(350)[:350]
    pt = [t for _, rewrites in rows for t in rewrites]
    gid = np.repeat(np.arange(len(rows)), [len(r) for _, r in rows])
    pos = [(a, b) for a in range(len(pt)) for b in range(a + 1, len(pt)) if gid[a] == gid[b]]
    pairs = np.array(pos + hard_negatives(embed_texts(pt, project)[0], gid, len(pos)))
    sets["ParaDetox dev"] = (pt, pairs, np.r_[np.ones(len(pos)), np.zeros(len(pairs) - len(pos))])
    return sets, dev_templated(10_000)


def figures(ref, t, sets_x, sets, tpl_x, verb) -> dict:
    from bench_paraphrase_dense import pair_figures, verb_figures

    res = {s: pair_figures(cluster(sx, ref, t), sets[s][1], sets[s][2]) for s, sx in sets_x.items()}
    if tpl_x is not None:
        lab = cluster(tpl_x, ref, t)
        res["tpl"] = verb_figures(lab, verb)
        # and pairs of different requests (verb or object differs: "pause the loan" / "pause my profile")
        request = np.unique(templated_requests(len(verb), 11)[1], return_inverse=True)[1]
        inv = np.unique(lab, return_inverse=True)[1]
        sizes = np.bincount(inv).astype(float)
        same = np.bincount(inv * (request.max() + 1) + request).astype(float)
        res["tpl"]["other"] = 1 - (same * (same - 1)).sum() / max(1.0, (sizes * (sizes - 1)).sum())
    return res


def line(name: str, res: dict) -> str:
    parts = [f"{s[:14]} P {v['P']:.3f} R {v['R']:.3f} F1 {v['F1']:.3f} L {v['L']}" for s, v in res.items() if s != "tpl"]
    if "tpl" in res:
        parts.append(f"templated L {res['tpl']['L']} mixed {res['tpl']['mixed']:.3f} "
                     f"other-request {res['tpl']['other']:.3f}")
    return f"{name:<18} " + " | ".join(parts)


def main() -> int:
    import torch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=None, help="project file with cached MiniLM vectors")
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--tau", type=float, default=0.05)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", type=Path, default=Path("/tmp/adapter"), help="where the adapter is kept")
    ap.add_argument("--test", action="store_true", help="after dev selection, run the test sets once")
    args = ap.parse_args()
    torch.set_num_threads(2)
    from ftcurate.core.dedup.embed import embed_texts
    from ftcurate.core.dedup.linkage import reference_centre
    from ftcurate.core.store import Project

    with tempfile.TemporaryDirectory() as tmp:
        path = args.cache or Path(tmp) / "cache.ftcurate"
        project = Project.open(path) if path.exists() else Project.create(path)
        weights = args.out / f"lora-s{args.steps}-t{args.tau}-lr{args.lr}.pt"
        t0 = time.perf_counter()
        if weights.is_file():
            enc = Encoder(lora=True)
            enc.model.load_state_dict(torch.load(weights), strict=False)
        else:
            enc = train(args.steps, args.tau, args.lr)
            args.out.mkdir(parents=True, exist_ok=True)
            torch.save({k: v for k, v in enc.model.state_dict().items() if "lora_" in k}, weights)
        lora = {k: v.half().numpy() for k, v in enc.model.state_dict().items() if "lora_" in k}
        np.savez(args.out / "adapter-f16.npz", **lora)
        print(f"adapter: {sum(v.size for v in lora.values()):,} parameters, "
              f"{(args.out / 'adapter-f16.npz').stat().st_size / 1024:.0f} KB as float16; "
              f"trained/loaded in {time.perf_counter() - t0:.0f} s", flush=True)
        enc.model = enc.model.merge_and_unload()  # a plain BertModel: the same cost per text as MiniLM
        base_ref = reference_centre()
        texts, _, _, held = _banking_texts()
        ref_texts = [texts[k] for k in np.random.default_rng(3).permutation(np.flatnonzero(~held))[:2000]]
        ada_ref = enc.encode(ref_texts).mean(axis=0)
        chosen = args.out / f"chosen-{weights.stem}.json"
        if args.test and chosen.is_file():  # dev already chose the threshold for these weights
            run_test(project, enc, ada_ref, base_ref, json.loads(chosen.read_text())["threshold"])
            project.close()
            return 0
        sets, (tt, verb) = dev_sets(project)
        t1 = time.perf_counter()
        ada = {s: enc.encode(v[0]) for s, v in sets.items()}
        ada_tpl = enc.encode(tt)
        print(f"dev embedded with the adapter in {time.perf_counter() - t1:.0f} s "
              f"({(sum(len(v[0]) for v in sets.values()) + len(tt)) / (time.perf_counter() - t1):.0f} texts/s)")
        base = {s: embed_texts(v[0], project)[0] for s, v in sets.items()}
        base_tpl = embed_texts(tt, project)[0]
        ref = figures(base_ref, 0.65, base, sets, base_tpl, verb)
        print(line("default 0.65", ref))
        print(line("default 0.55", figures(base_ref, 0.55, base, sets, base_tpl, verb)))
        best = None
        for t in THRESHOLDS:
            r = figures(ada_ref, t, ada, sets, ada_tpl, verb)
            print(line(f"adapter {t:.2f}", r), flush=True)
            f1 = np.mean([r[s]["F1"] for s in sets])
            if all(r[s]["P"] >= 0.95 for s in sets) and r["tpl"]["mixed"] <= ref["tpl"]["mixed"] + 1e-9 \
                    and (best is None or f1 > best[1]):
                best = (t, f1)
        base_f1 = np.mean([ref[s]["F1"] for s in sets])
        if best is None:
            print("no adapter threshold meets the dev rule")
            project.close()
            return 0
        print(f"chosen on dev: threshold {best[0]}, mean dev F1 {best[1]:.3f} "
              f"({best[1] / base_f1:.2f}x the default's {base_f1:.3f})")
        chosen.write_text(json.dumps({"threshold": best[0], "steps": args.steps}))
        if args.test:
            run_test(project, enc, ada_ref, base_ref, best[0])
        project.close()
    return 0


def run_test(project, enc, ada_ref, base_ref, t: float) -> None:
    """Test A, test B and the bench_dedup_1m templated questions, once, against the default."""
    from bench_dedup_1m import VERBS, make_questions
    from bench_paraphrase_accuracy import build_sets
    from bench_paraphrase_dense import pair_figures

    from ftcurate.core.dedup.embed import embed_texts

    sets = build_sets(project, 350, None)
    for s, (texts, pairs, gold) in list(sets.items())[1:]:
        r0 = pair_figures(cluster(embed_texts(texts, project)[0], base_ref, 0.65), pairs, gold)
        r1 = pair_figures(cluster(enc.encode(texts), ada_ref, t), pairs, gold)
        for name, r in (("default 0.65", r0), (f"adapter {t}", r1)):
            print(f"{s[:34]:<34} {name:<13} P {r['P']:.3f} R {r['R']:.3f} F1 {r['F1']:.3f} "
                  f"({r['F1'] / r0['F1']:.2f}x default) largest {r['L']}", flush=True)
    texts, _ = make_questions(10_000, seed=3)
    words = [f" {q.lower()} " for q in texts]
    verb = np.array([next((i for i, v in enumerate(VERBS) if f" {v} " in w), len(VERBS)) for w in words])
    for name, lab in (("default 0.65", cluster(embed_texts(texts, project)[0], base_ref, 0.65)),
                      (f"adapter {t}", cluster(enc.encode(texts), ada_ref, t))):
        sizes = np.bincount(np.unique(lab, return_inverse=True)[1])
        inv = np.unique(lab, return_inverse=True)[1]
        same = np.bincount(inv * (len(VERBS) + 1) + verb).astype(float)
        mixed = 1 - (same * (same - 1)).sum() / max(1.0, (sizes * (sizes - 1.0)).sum())
        print(f"templated 10,000 {name:<13} clusters {int((sizes >= 2).sum())}, texts in one {int(sizes[sizes >= 2].sum())}, "
              f"largest {sizes.max()}, mixed-verb pairs {mixed:.1%}", flush=True)
        for b in np.unique(lab)[np.argsort(-sizes)[:3]]:
            big = np.flatnonzero(lab == b)
            print(f"    {len(big)} (verbs: {', '.join(sorted({VERBS[v] if v < len(VERBS) else '?' for v in verb[big]}))}): "
                  + " | ".join(texts[m][:44] for m in big[:: max(1, len(big) // 3)][:3]), flush=True)

if __name__ == "__main__":
    raise SystemExit(main())
