"""Turn per-example scores of base / raw-tuned / curated-tuned into the "did curation help?" findings.

Everything here is arithmetic on the scores and the project's curation record: no model, no I/O, so the
same inputs always give the same report.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

TIE = 0.02  # per-example relative loss difference below which two models count as "about the same"
MODELS = ("base", "raw", "curated")
LABELS = {"base": "base model", "raw": "raw-data model", "curated": "curated-data model"}


def chrf(hyp: str, ref: str) -> float:
    """Sentence chrF (sacrebleu, character 6-grams, beta 2), 0-100."""
    from sacrebleu.metrics import CHRF

    return round(CHRF().sentence_score(hyp, [ref]).score, 2)


def mask(text: str) -> str:
    """Enough of a personal detail to recognise it, not to reuse it: 'ma… (19 characters)'."""
    return f"{text[:2]}… ({len(text)} characters)"


def _training_changes(actions: dict[int, dict[str, Any]], raw_ids: list[int], curated_ids: list[int],
                      left_out: dict[str, int]) -> dict[str, Any]:
    raw_set, cur_set = set(raw_ids), set(curated_ids)
    removed = sorted(raw_set - cur_set)
    why = Counter("rejected in review" if actions.get(i, {}).get("status") == "rejected" else "left out by the export"
                  for i in removed)
    edited = sorted(i for i in cur_set & raw_set if actions.get(i, {}).get("edited"))
    redacted = sum(len(actions.get(i, {}).get("redacted", [])) for i in raw_set)
    return {"raw_examples": len(raw_ids), "curated_examples": len(curated_ids), "removed": len(removed),
            "removed_why": dict(sorted(why.items())), "edited": len(edited), "redacted_details": redacted,
            "raw_left_out": left_out, "removed_ids": removed, "edited_ids": edited}


def _related(test_id: int, actions: dict[int, dict[str, Any]], clusters: dict[tuple, set[int]],
             changed: set[int]) -> list[dict[str, Any]]:
    """Training examples that share a flag cluster with the test chat and that curation changed."""
    out, seen = [], set()
    for f in actions.get(test_id, {}).get("flags", []):
        if f.get("cluster") is None:
            continue
        for other in sorted(clusters.get((f["check"], f["cluster"]), set()) - {test_id}):
            if other in changed and (f["check"], other) not in seen:
                seen.add((f["check"], other))
                act = actions.get(other, {})
                what = "rejected in review" if act.get("status") == "rejected" else \
                    "edited" if act.get("edited") else "left out"
                out.append({"check": f["check"], "example": other, "what": what})
    return out


def analyse(scores: dict[str, Any], actions: dict[int, dict[str, Any]], *, test_ids: list[int],
            raw_ids: list[int], curated_ids: list[int], left_out: dict[str, int]) -> dict[str, Any]:
    """The report: totals, per-example outcomes with their curation trail, leaks, conflicts, verdict."""
    rows = scores["examples"]
    changes = _training_changes(actions, raw_ids, curated_ids, left_out)
    changed = set(changes["removed_ids"]) | set(changes["edited_ids"])
    clusters: dict[tuple, set[int]] = defaultdict(set)
    for ex, act in actions.items():
        for f in act["flags"]:
            if f.get("cluster") is not None:
                clusters[(f["check"], f["cluster"])].add(ex)
    secrets = [(d["text"], d["kind"], ex) for ex, act in sorted(actions.items()) for d in act["redacted"]]
    n_tok = sum(max(1, r["n_targets"]) for r in rows)
    totals: dict[str, Any] = {m: {"loss": round(sum(r["loss_sum"][m] for r in rows) / n_tok, 4)} for m in MODELS}
    leaks, conflicts, examples = [], [], []
    outcome_count: Counter = Counter()
    for r in rows:
        tid = r.get("id")
        raw_l, cur_l = r["loss"]["raw"], r["loss"]["curated"]
        rel = (raw_l - cur_l) / raw_l if raw_l else 0.0
        outcome = "curated" if rel > TIE else "raw" if rel < -TIE else "same"
        outcome_count[outcome] += 1
        ex = {"id": tid, "line": r["line"], "prompt": r["prompt"], "reference": r["reference"],
              "loss": r["loss"], "better": outcome, "answer": dict(r["answer"]), "chrf": {},
              "trail": _related(tid, actions, clusters, changed) if tid is not None else [],
              "flags": sorted({f["check"] for f in actions.get(tid, {}).get("flags", [])})}
        for m, ans in r["answer"].items():
            ex["chrf"][m] = chrf(ans, r["reference"])
            low = ans.lower()
            for text, kind, src in secrets:
                if text.lower() in low:
                    leaks.append({"model": m, "test_id": tid, "kind": kind, "source_example": src,
                                  "shown": mask(text)})
                    # the report never repeats the detail itself
                    ex["answer"][m] = re.sub(re.escape(text), f"<{kind} repeated from the raw data>",
                                             ex["answer"][m], flags=re.IGNORECASE)
        rejected = [(o["example"], actions[o["example"]]["raw_answer"]) for o in ex["trail"]
                    if o["check"] == "conflict" and o["what"] == "rejected in review"]
        for m, ans in r["answer"].items():
            for other, wrong in rejected:
                if wrong and chrf(ans, wrong) > ex["chrf"][m] + 5:
                    conflicts.append({"model": m, "test_id": tid, "rejected_example": other,
                                      "chrf_rejected": chrf(ans, wrong), "chrf_reference": ex["chrf"][m]})
                    break
        examples.append(ex)
    generated = [e for e in examples if e["answer"]]
    for m in MODELS:
        vals = [e["chrf"][m] for e in generated if m in e["chrf"]]
        totals[m]["chrf"] = round(sum(vals) / len(vals), 2) if vals else None
        totals[m]["leaks"] = sum(1 for x in leaks if x["model"] == m)
        totals[m]["conflict_answers"] = sum(1 for x in conflicts if x["model"] == m)
    report = {"totals": totals, "outcomes": dict(sorted(outcome_count.items())), "changes": changes,
              "leaks": leaks, "conflicts": conflicts, "examples": examples, "test_examples": len(rows),
              "answered_examples": len(generated), "skipped_test": scores.get("skipped_test", 0)}
    report["verdict"], report["verdict_lines"] = verdict(report)
    return report


def verdict(report: dict[str, Any]) -> tuple[str, list[str]]:
    """("helped" | "no difference" | "hurt", plain sentences for a support lead)."""
    t, ch, oc = report["totals"], report["changes"], report["outcomes"]
    raw_l, cur_l, base_l = t["raw"]["loss"], t["curated"]["loss"], t["base"]["loss"]
    pct = 100.0 * (raw_l - cur_l) / raw_l if raw_l else 0.0
    if pct > 100 * TIE / 2:
        head = "helped"
        first = (f"Curation helped: trained the same way, the model trained on the curated data predicts the "
                 f"held-out answers {pct:.1f} % better than the one trained on the raw data "
                 f"(test loss {raw_l:.3f} → {cur_l:.3f}; the untrained base model: {base_l:.3f}).")
    elif pct < -100 * TIE / 2:
        head = "hurt"
        first = (f"On the test answers the raw-data model scored {-pct:.1f} % better than the curated-data model "
                 f"(test loss {raw_l:.3f} vs {cur_l:.3f}; base {base_l:.3f}). Check what was removed below: it may "
                 "have taken useful examples with it, or the test set may be too small to tell.")
    else:
        head = "no difference"
        first = (f"On test loss the two models are about the same (raw {raw_l:.3f}, curated {cur_l:.3f}, "
                 f"base {base_l:.3f}).")
    lines = [first]
    what = [f"{ch['removed']} example(s) left out ({', '.join(f'{v} {k}' for k, v in ch['removed_why'].items())})"
            if ch["removed"] else "", f"{ch['edited']} edited" if ch["edited"] else "",
            f"{ch['redacted_details']} personal detail(s) redacted" if ch["redacted_details"] else ""]
    lines.append(f"Curation changed the training data: {'; '.join(w for w in what if w) or 'nothing measurable'} "
                 f"({ch['raw_examples']} raw vs {ch['curated_examples']} curated training chats).")
    lines.append(f"Per test chat: the curated-data model was better on {oc.get('curated', 0)}, the raw-data model "
                 f"on {oc.get('raw', 0)}, and they were about the same on {oc.get('same', 0)} "
                 f"(of {report['test_examples']}).")
    if report["answered_examples"]:
        leak_r, leak_c = t["raw"]["leaks"], t["curated"]["leaks"]
        lines.append(f"Personal data: in {report['answered_examples']} answers each, the raw-data model repeated "
                     f"{leak_r} redacted personal detail(s), the curated-data model {leak_c}."
                     if ch["redacted_details"] else "No personal details were redacted, so none could leak.")
        if t["raw"]["conflict_answers"] or t["curated"]["conflict_answers"]:
            lines.append(f"Conflicting answers: the raw-data model gave an answer that was rejected in review "
                         f"{t['raw']['conflict_answers']} time(s), the curated-data model "
                         f"{t['curated']['conflict_answers']} time(s).")
        if t["raw"]["chrf"] is not None:
            lines.append(f"Overlap of the answers with the reference answers (chrF): base {t['base']['chrf']:.1f}, "
                         f"raw {t['raw']['chrf']:.1f}, curated {t['curated']['chrf']:.1f}.")
    if report["test_examples"] < 30:
        lines.append(f"The test split has only {report['test_examples']} chats: treat small differences as noise.")
    return head, lines
