"""The "did curation help?" page: one self-contained HTML file (no scripts, no external files).

Every text that comes from the data is escaped. Paths and timings are left out, so the same report
renders to the same bytes.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ftcurate.core.report.curation_analysis import LABELS, MODELS, TIE

_CSS = """
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
.verdict{padding:.8em 1em;border-radius:6px;margin:1em 0}.helped{background:#e6f4ea}.hurt{background:#fdecea}
.same{background:#f1f3f4}table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}th{background:#f6f6f6}
td.n{text-align:right;font-variant-numeric:tabular-nums}.small{color:#666;font-size:.9em}
details{margin:.2em 0}pre{white-space:pre-wrap;margin:.2em 0;font:inherit}
"""
_OUTCOME = {"curated": "curated better", "raw": "raw better", "same": "about the same"}


def _e(v: Any) -> str:
    return escape("" if v is None else str(v))


def _num(v: Any, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def _totals(report: dict[str, Any]) -> list[str]:
    t = report["totals"]
    out = ["<table><tr><th></th>" + "".join(f"<th>{_e(LABELS[m])}</th>" for m in MODELS) + "</tr>"]
    for key, label, digits in (("loss", "test loss (lower is better)", 3), ("chrf", "chrF of answers (higher is better)", 1)):
        out.append(f"<tr><td>{label}</td>" + "".join(f"<td class=n>{_num(t[m][key], digits)}</td>" for m in MODELS)
                   + "</tr>")
    for key, label in (("leaks", "redacted personal details repeated"), ("conflict_answers", "answers rejected in review given")):
        out.append(f"<tr><td>{label}</td>" + "".join(f"<td class=n>{t[m][key]}</td>" for m in MODELS) + "</tr>")
    out.append("</table>")
    return out


def _changes(ch: dict[str, Any]) -> list[str]:
    why = ", ".join(f"{v} {k}" for k, v in ch["removed_why"].items()) or "none"
    raw_out = ", ".join(f"{v} {k}" for k, v in ch["raw_left_out"].items()) or "none"
    return ["<table>",
            f"<tr><td>training chats</td><td class=n>{ch['raw_examples']} raw</td><td class=n>"
            f"{ch['curated_examples']} curated</td></tr>",
            f"<tr><td>left out by curation</td><td colspan=2>{ch['removed']} ({_e(why)})</td></tr>",
            f"<tr><td>edited (redaction or by hand)</td><td colspan=2>{ch['edited']}; {ch['redacted_details']} "
            "personal detail(s) redacted</td></tr>",
            f"<tr><td>kept out of the raw set too</td><td colspan=2>{_e(raw_out)} (so neither model saw a test "
            "answer)</td></tr>", "</table>"]


def _leaks(report: dict[str, Any]) -> list[str]:
    if not report["leaks"]:
        return ["<p>No answer repeated a personal detail that curation redacted.</p>"]
    out = ["<table><tr><th>model</th><th>test chat</th><th>what</th><th>redacted in example</th></tr>"]
    for x in report["leaks"]:
        out.append(f"<tr><td>{_e(LABELS[x['model']])}</td><td>{_e(x['test_id'])}</td><td>{_e(x['kind'])} "
                   f"<span class=small>{_e(x['shown'])}</span></td><td>{_e(x['source_example'])}</td></tr>")
    out.append("</table>")
    return out


def _examples(report: dict[str, Any]) -> list[str]:
    out = ["<table><tr><th>test chat</th><th>question</th><th>loss base / raw / curated</th><th>result</th>"
           "<th>what curation changed nearby</th></tr>"]
    for ex in report["examples"]:
        trail = "; ".join(f"{t['check']}: example {t['example']} {t['what']}" for t in ex["trail"]) or "—"
        answers = ""
        if ex["answer"]:
            answers = "<details><summary>answers</summary>" + f"<p><b>reference</b><pre>{_e(ex['reference'])}</pre></p>" \
                + "".join(f"<p><b>{_e(LABELS[m])}</b> (chrF {_num(ex['chrf'].get(m), 1)})<pre>{_e(ex['answer'].get(m))}"
                          "</pre></p>" for m in MODELS if m in ex["answer"]) + "</details>"
        losses = " / ".join(_num(ex["loss"][m]) for m in MODELS)
        out.append(f"<tr><td>{_e(ex['id'] if ex['id'] is not None else 'line ' + str(ex['line']))}</td>"
                   f"<td>{_e(ex['prompt'][:300])}{answers}</td><td class=n>{losses}</td>"
                   f"<td>{_e(_OUTCOME[ex['better']])}</td><td>{_e(trail)}</td></tr>")
    out.append("</table>")
    return out


def render_curation_html(report: dict[str, Any]) -> str:
    """The whole page as a string."""
    s = report.get("settings") or {}
    cls = {"helped": "helped", "hurt": "hurt"}.get(report["verdict"], "same")
    cfg = s.get("config") or {}
    parts = ["<!doctype html><html lang=en><head><meta charset=utf-8>",
             "<title>Did curation help?</title>", f"<style>{_CSS}</style></head><body>",
             "<h1>Did curation help?</h1>",
             f"<div class='verdict {cls}'>" + "".join(f"<p>{_e(line)}</p>" for line in report["verdict_lines"]) + "</div>",
             "<h2>How this was measured</h2>",
             f"<p>The same base model ({_e(s.get('base_model') or s.get('model'))}) was fine-tuned twice with the same "
             f"settings and seed ({_e(s.get('seed'))}): once on the raw imported examples, as they were before review "
             f"and redaction, and once on the curated export. Both got {_e(s.get('steps'))} training steps "
             f"(preset {_e(s.get('preset'))}: learning rate {_e(cfg.get('lr'))}, LoRA rank {_e(cfg.get('lora_r'))}, "
             f"{_e(cfg.get('token_budget'))} tokens per step). All three models were then scored on the same curated "
             f"test split of {report['test_examples']} chats, and answered the first {report['answered_examples']} "
             "of its questions.</p>",
             "<h2>Scores</h2>", *_totals(report),
             "<h2>What curation changed in the training data</h2>", *_changes(report["changes"]),
             "<h2>Personal data in the answers</h2>", *_leaks(report),
             "<h2>Test chat by test chat</h2>",
             f"<p class=small>“Better” means a test loss at least {100 * TIE:.0f} % lower. The last column lists training "
             "examples flagged together with the test chat (same duplicate or conflict group) that curation rejected "
             "or edited.</p>", *_examples(report),
             "<p class=small>The raw-data model was trained on unredacted data and was deleted after scoring; only the "
             "curated model is meant to be used.</p>", "</body></html>"]
    return "\n".join(parts)
