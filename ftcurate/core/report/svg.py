"""Small inline-SVG charts for the health report (no JavaScript, no plotting library).

Every function returns one `<svg>` element as a string; text is escaped; colours come from `COLORS`.
"""

from __future__ import annotations

import math
from html import escape

COLORS = {"ok": "#4a7bd0", "under": "#e37400", "over": "#8e44ad", "flagged": "#c5221f", "grid": "#d9dde3",
          "text": "#202124", "muted": "#5f6368", "input": "#7aa6e8", "output": "#2d5aa8"}
FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"'


def _fmt(v: float) -> str:
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:g}" if float(v).is_integer() else f"{v:.2f}"


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def hbar_chart(items: list[tuple[str, float, str]], width: int = 760, bar_h: int = 16,
               median: float | None = None, label_w: int = 220, empty: str = "nothing to show") -> str:
    """Horizontal bars: items = [(label, value, class)] with class in COLORS ("ok", "under", "over")."""
    if not items:
        return f'<svg class="chart" width="{width}" height="30" {FONT}><text x="0" y="20" ' \
               f'fill="{COLORS["muted"]}" font-size="13">{escape(empty)}</text></svg>'
    gap, top = 4, 22
    vmax = max(v for _, v, _ in items) or 1
    plot_w = width - label_w - 70
    height = top + len(items) * (bar_h + gap) + 10
    parts = [f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'role="img" {FONT} font-size="12">']
    for i, (label, value, cls) in enumerate(items):
        y = top + i * (bar_h + gap)
        w = max(1.0, plot_w * value / vmax)
        color = COLORS.get(cls, COLORS["ok"])
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_h - 4}" text-anchor="end" fill="{COLORS["text"]}">'
                     f'{escape(_short(str(label), 34))}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}" rx="2">'
                     f'<title>{escape(str(label))}: {_fmt(value)}{"" if cls == "ok" else f" ({cls})"}</title></rect>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 4}" fill="{COLORS["muted"]}">'
                     f'{_fmt(value)}</text>')
    if median:
        x = label_w + plot_w * median / vmax
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 6}" stroke="{COLORS["text"]}" '
                     f'stroke-dasharray="4 3" stroke-width="1"/>')
        parts.append(f'<text x="{x:.1f}" y="{top - 9}" text-anchor="middle" fill="{COLORS["text"]}">'
                     f'median {_fmt(median)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def scatter_chart(points: list[dict], width: int = 760, height: int = 460, x_label: str = "",
                  y_label: str = "") -> str:
    """Points {"x", "y", "flagged", "tooltip"}; flagged ones drawn last, in red."""
    pad_l, pad_r, pad_t, pad_b = 40, 16, 16, 44
    if not points:
        return f'<svg class="chart" width="{width}" height="30" {FONT}><text x="0" y="20" ' \
               f'fill="{COLORS["muted"]}" font-size="13">no answers to map</text></svg>'
    xs = [p["x"] for p in points]
    ys = [p["y"] for p in points]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)
    pw, ph = width - pad_l - pad_r, height - pad_t - pad_b

    def sx(v: float) -> float:
        return pad_l + pw * (v - x0) / (x1 - x0)

    def sy(v: float) -> float:
        return pad_t + ph * (1 - (v - y0) / (y1 - y0))

    parts = [f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'{FONT} font-size="12">',
             f'<rect x="{pad_l}" y="{pad_t}" width="{pw}" height="{ph}" fill="#fafbfc" stroke="{COLORS["grid"]}"/>']
    if x0 < 0 < x1:
        parts.append(f'<line x1="{sx(0):.1f}" y1="{pad_t}" x2="{sx(0):.1f}" y2="{pad_t + ph}" '
                     f'stroke="{COLORS["grid"]}"/>')
    if y0 < 0 < y1:
        parts.append(f'<line x1="{pad_l}" y1="{sy(0):.1f}" x2="{pad_l + pw}" y2="{sy(0):.1f}" '
                     f'stroke="{COLORS["grid"]}"/>')
    r = 3.0 if len(points) < 1500 else 2.2
    for p in sorted(points, key=lambda p: bool(p.get("flagged"))):
        color = COLORS["flagged"] if p.get("flagged") else COLORS["ok"]
        op = 0.9 if p.get("flagged") else 0.45
        parts.append(f'<circle cx="{sx(p["x"]):.1f}" cy="{sy(p["y"]):.1f}" r="{r}" fill="{color}" '
                     f'fill-opacity="{op}"><title>{escape(str(p.get("tooltip", "")))}</title></circle>')
    parts.append(f'<text x="{pad_l + pw / 2}" y="{height - 10}" text-anchor="middle" fill="{COLORS["muted"]}">'
                 f'{escape(x_label)}</text>')
    parts.append(f'<text x="14" y="{pad_t + ph / 2}" text-anchor="middle" fill="{COLORS["muted"]}" '
                 f'transform="rotate(-90 14 {pad_t + ph / 2})">{escape(y_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _bin_label(lo: float, hi: float) -> str:
    if hi >= 10**8:
        return f"{_fmt(lo)}+"
    return _fmt(lo) if hi - lo == 1 else f"{_fmt(lo)}–{_fmt(hi - 1)}"


def histogram_chart(edges: list[float], series: dict[str, list[int]], width: int = 760, height: int = 260,
                    colors: dict[str, str] | None = None) -> str:
    """Grouped bars per bin (bins drawn as equal-width categories, labelled by their range)."""
    colors = colors or {}
    names = list(series)
    nb = len(edges) - 1
    if nb <= 0 or not names:
        return f'<svg class="chart" width="{width}" height="30" {FONT}></svg>'
    pad_l, pad_b, pad_t = 50, 48, 24
    pw, ph = width - pad_l - 10, height - pad_b - pad_t
    vmax = max(max(v) for v in series.values() if v) or 1
    group_w = pw / nb
    bar_w = max(1.0, (group_w - 4) / len(names))
    parts = [f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'{FONT} font-size="11">']
    for frac in (0.5, 1.0):
        y = pad_t + ph * (1 - frac)
        parts.append(f'<line x1="{pad_l}" y1="{y:.1f}" x2="{pad_l + pw}" y2="{y:.1f}" stroke="{COLORS["grid"]}"/>')
        parts.append(f'<text x="{pad_l - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{COLORS["muted"]}">'
                     f'{_fmt(math.floor(vmax * frac))}</text>')
    for b in range(nb):
        gx = pad_l + b * group_w
        for k, name in enumerate(names):
            v = series[name][b] if b < len(series[name]) else 0
            h = ph * v / vmax
            color = colors.get(name, list(COLORS.values())[k % 3])
            parts.append(f'<rect x="{gx + 2 + k * bar_w:.1f}" y="{pad_t + ph - h:.1f}" width="{bar_w:.1f}" '
                         f'height="{h:.1f}" fill="{color}"><title>{escape(name)}, '
                         f'{_bin_label(edges[b], edges[b + 1])} words: {v:,}</title></rect>')
        parts.append(f'<text x="{gx + group_w / 2:.1f}" y="{pad_t + ph + 14}" text-anchor="middle" '
                     f'fill="{COLORS["muted"]}">{_bin_label(edges[b], edges[b + 1])}</text>')
    lx = pad_l
    for k, name in enumerate(names):
        color = colors.get(name, list(COLORS.values())[k % 3])
        parts.append(f'<rect x="{lx}" y="{height - 16}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{lx + 14}" y="{height - 7}" fill="{COLORS["text"]}">{escape(name)}</text>')
        lx += 24 + 7 * len(name)
    parts.append(f'<text x="{pad_l + pw}" y="{height - 7}" text-anchor="end" fill="{COLORS["muted"]}">words</text>')
    parts.append("</svg>")
    return "".join(parts)
