"""`write_report(project, out_path, progress)`: one self-contained HTML page (inline CSS and SVG).

No JavaScript and no external resources: the page opens offline, prints, and can be mailed. The data
the page was drawn from is embedded as JSON (`<script type="application/json" id="health-data">`) for
scripts that want the numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftcurate import __version__
from ftcurate.core.errors import UserError
from ftcurate.core.progress import Progress
from ftcurate.core.report.health import health_data
from ftcurate.core.report.health_types import ClusterRow, HealthData, Score
from ftcurate.core.report.svg import COLORS, hbar_chart, histogram_chart, scatter_chart

if TYPE_CHECKING:
    from ftcurate.core.store import Project

MAX_LABEL_BARS = 60
SCORE_TITLES = {"representative": "Representative", "correct": "Correct", "consistent": "Consistent",
                "diverse": "Diverse", "complete": "Complete", "balanced": "Balanced",
                "privacy_reviewed": "Privacy reviewed"}
CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#202124;margin:0;background:#f4f6f8}
main{max-width:980px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:0 0 8px}
section{background:#fff;border:1px solid #e0e3e7;border-radius:8px;padding:16px 18px;margin:16px 0}
.muted{color:#5f6368;font-size:13px} .scores{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}
.card{border:1px solid #e0e3e7;border-radius:6px;padding:10px 12px}
.card b{font-size:14px} .num{font-size:26px;font-weight:600;float:right}
.bar{height:6px;background:#e8eaed;border-radius:3px;margin:6px 0 8px;clear:both}
.bar i{display:block;height:6px;border-radius:3px}
.card p{margin:4px 0;font-size:12.5px} table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceff1;vertical-align:top}
th{color:#5f6368;font-weight:600} .legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
svg.chart{max-width:100%;height:auto}
"""


def _color(score: int | None) -> str:
    if score is None:
        return "#9aa0a6"
    return "#188038" if score >= 80 else "#e37400" if score >= 50 else "#c5221f"


def _scores_html(scores: dict[str, Score]) -> str:
    cards = []
    for key, s in scores.items():
        score = s.score
        shown = "–" if score is None else str(score)
        width = 0 if score is None else score
        actions = "".join(f"<li>{escape(a)}</li>" for a in s.actions)
        cards.append(f'<div class="card"><span class="num" style="color:{_color(score)}">{shown}</span>'
                     f'<b>{escape(SCORE_TITLES.get(key, key))}</b><div class="bar"><i style="width:{width}%;'
                     f'background:{_color(score)}"></i></div><p class="muted">{escape(s.detail)}</p>'
                     + (f'<p>To raise it:</p><ul style="margin:2px 0 0 18px;padding:0;font-size:12.5px">{actions}'
                        "</ul>" if actions else "") + "</div>")
    return '<div class="scores">' + "".join(cards) + "</div>"


def _labels_html(data: HealthData) -> str:
    imb = data.labels
    under, over = set(imb.under), set(imb.over)
    items = [(lab, n, "under" if lab in under else "over" if lab in over else "ok") for lab, n in imb.counts.items()]
    note = ""
    if len(items) > MAX_LABEL_BARS:
        keep = items[: MAX_LABEL_BARS - 15] + [i for i in items[MAX_LABEL_BARS - 15:] if i[2] != "ok"][-15:]
        note = f'<p class="muted">Showing {len(keep)} of {len(items)} labels (the largest and the ' \
               "under-represented ones).</p>"
        items = keep
    facts = []
    if imb.ratio is not None:
        facts.append(f"largest / smallest: {imb.ratio}×")
    if imb.entropy is not None:
        facts.append(f"evenness (normalised entropy): {imb.entropy} of 1")
    if imb.unlabelled:
        facts.append(f"{imb.unlabelled:,} examples without a label")
    if under:
        facts.append(f"under-represented: {', '.join(sorted(under)[:8])}"
                     + (f" and {len(under) - 8} more" if len(under) > 8 else ""))
    if over:
        facts.append(f"over-represented: {', '.join(sorted(over)[:8])}"
                     + (f" and {len(over) - 8} more" if len(over) > 8 else ""))
    if imb.rule:
        facts.append(imb.rule)
    caps = data.stats.get("suggested_caps") or {}
    if caps:
        facts.append("suggested caps at export: " + ", ".join(f"{k} → {v}" for k, v in list(caps.items())[:8]))
    legend = (f'<p class="legend muted"><span style="background:{COLORS["ok"]}"></span>typical'
              f'<span style="background:{COLORS["under"]}"></span>under-represented'
              f'<span style="background:{COLORS["over"]}"></span>over-represented</p>')
    return (hbar_chart(items, median=imb.median, empty="no labels yet") + legend + note
            + "".join(f'<p class="muted">{escape(f)}</p>' for f in facts))


def _behaviours_html(b: dict[str, Any], label_counts: dict[str, int]) -> str:
    overall = b.get("overall") or {}
    rows = ["<tr><td><b>all answers</b></td>" + "".join(f"<td>{100 * overall.get(k, 0):.1f} %</td>"
            for k in ("refusal", "apology", "escalation")) + "</tr>"]
    per = b.get("per_label") or {}
    ranked = sorted(per.items(), key=lambda kv: -max(kv[1].values()) if kv[1] else 0)[:12]
    for lab, v in ranked:
        rows.append(f"<tr><td>{escape(str(lab))} <span class='muted'>({label_counts.get(lab, 0):,})</span></td>"
                    + "".join(f"<td>{100 * v.get(k, 0):.1f} %</td>" for k in ("refusal", "apology", "escalation"))
                    + "</tr>")
    return ("<table><tr><th>answers</th><th>refuse</th><th>apologise</th><th>hand over to a human</th></tr>"
            + "".join(rows) + "</table><p class='muted'>The model learns these rates: a label where many answers"
            " refuse teaches it to refuse that topic. Labels with the highest rates are listed.</p>")


def _voice_html(voice: dict[str, Any] | None) -> str:
    if not voice:
        return ""
    shares = voice.get("shares") or {}
    bits = [f"learnt from {voice.get('reference_outputs', 0):,} {voice.get('source', '')} answers"
            if voice.get("source") != "default" else "a built-in neutral voice (too few answers to learn one)"]
    if voice.get("formality") is not None:
        bits.append(f"formality {voice['formality']}")
    if voice.get("words_per_sentence") is not None:
        bits.append(f"{voice['words_per_sentence']} words per sentence")
    if voice.get("typical_words") is not None:
        bits.append(f"about {voice['typical_words']} words per answer")
    for k, word in (("greeting", "greet"), ("signoff", "sign off"), ("exclamation", "use '!'"),
                    ("emoji", "use emoji")):
        if k in shares:
            bits.append(f"{100 * shares[k]:.0f} % {word}")
    if voice.get("target"):
        bits.append("your target: " + json.dumps(voice["target"]))
    return f'<p class="muted">House voice: {escape("; ".join(bits))}.</p>'


def _clusters_html(clusters: list[ClusterRow]) -> str:
    if not clusters:
        return '<p class="muted">No open duplicate or conflict clusters (or the duplicate checks have not run).</p>'
    rows = "".join(f"<tr><td>{c.size}</td><td>{escape(str(c.check))} / {escape(str(c.kind or ''))}</td>"
                   f"<td>{escape(', '.join('#' + str(i) for i in c.example_ids[:8]))}"
                   f"{'…' if len(c.example_ids) > 8 else ''}</td><td>{escape(c.preview[:160])}</td></tr>"
                   for c in clusters)
    return ("<table><tr><th>size</th><th>check</th><th>examples (keeper first)</th><th>question</th></tr>"
            + rows + "</table>")


def render_html(data: HealthData) -> str:
    """The report page for `health_data` output."""
    stats = data.stats
    tmap = data.tone_map
    lengths = data.lengths
    flags = sorted(((k, v, "ok") for k, v in data.flags.items()), key=lambda kv: -kv[1])
    when = dt.datetime.fromtimestamp(data.generated_at).strftime("%Y-%m-%d %H:%M")
    n_flagged = sum(1 for p in tmap.points if p.flagged)
    ran = ", ".join(f"{k}{'' if v.ok else ' (failed)'}" for k, v in data.checks_run.items()) or "none yet"
    payload = json.dumps(data.to_json(), default=str).replace("</", "<\\/")
    points = [vars(p) for p in tmap.points]
    name = Path(data.project or "project").name
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Data health: {escape(name)}</title><style>{CSS}</style></head>
<body><main>
<h1>Data health: {escape(name)}</h1>
<p class="muted">{escape(data.summary)}. Generated {when} by ftcurate {__version__}. Checks run: {escape(ran)}.</p>
<section><h2>Quality scores</h2>{_scores_html(data.scores)}</section>
<section><h2>Labels</h2>{_labels_html(data)}</section>
<section><h2>Tone map</h2><p class="muted">Each dot is one answer, placed by its style (formality, politeness,
slang, emoji, length, …); answers that sound alike sit together. Red dots are answers flagged for tone
({n_flagged:,} shown). Hover a dot to read it.</p>
{scatter_chart(points, x_label=tmap.x_label, y_label=tmap.y_label)}
{_voice_html(tmap.house_voice)}</section>
<section><h2>Lengths</h2>{histogram_chart(lengths.edges,
                                           {'questions': lengths.input_bins,
                                            'answers': lengths.output_bins},
                                           colors={'questions': COLORS['input'], 'answers': COLORS['output']})}
<p class="muted">Answers: median {stats['lengths']['output_words']['median']} words, 90 % under
{stats['lengths']['output_words']['p90']}. Questions: median {stats['lengths']['input_words']['median']} words.</p></section>
<section><h2>Open flags per check</h2>{hbar_chart(flags, empty='no open flags')}</section>
<section><h2>Largest duplicate clusters</h2>{_clusters_html(data.clusters)}</section>
<section><h2>Behaviours the data teaches</h2>{_behaviours_html(data.behaviours, data.labels.counts)}</section>
</main>
<script type="application/json" id="health-data">{payload}</script>
</body></html>
"""


def write_report(project: Project, out_path: str | os.PathLike, progress: Progress | None = None) -> Path:
    """Compute the health data and write the HTML page to `out_path` (atomically). Returns the path.

    Raises:
        UserError: the folder of `out_path` does not exist or cannot be written.
    """
    out = Path(out_path)
    if not out.parent.exists():
        raise UserError("the folder for the report does not exist", path=out.parent)
    progress = progress or Progress()
    data = health_data(project, progress)
    progress.set_status("Report: drawing")
    page = render_html(data)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=out.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a report is an ordinary file
        os.replace(tmp, out)
    except OSError as exc:
        raise UserError(f"cannot write the report: {exc.strerror or exc}", path=out) from exc
    progress.finish()
    return out
