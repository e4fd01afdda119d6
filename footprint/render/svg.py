"""Small inline SVG charts (step lines and bars) for pages when matplotlib is not installed: no dependency, no script."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from footprint.core.numbers import number

PALETTE = ("#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb", "#000000")
W, H = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 34, 46


def _ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `top`: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if top <= 0:
        return [0.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def _frame(title: str, x_label: str, y_label: str, x_max: float, y_max: float, x_ticks: bool = True
           ) -> tuple[list[str], float, float]:
    y_ticks = _ticks(y_max)
    y_top = max(y_ticks[-1], y_max) or 1.0
    x_top = (_ticks(x_max, 6)[-1] if x_ticks else x_max) or 1.0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}" '
           f'font-family="sans-serif" font-size="12">',
           f'<text x="{W / 2}" y="18" text-anchor="middle" font-size="13">{escape(title)}</text>',
           f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" height="{H - TOP - BOTTOM}" fill="none" stroke="#444"/>']
    for t in y_ticks:
        y = _y(t, y_top)
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{number(t, 3)}</text>')
    for t in _ticks(x_top, 6) if x_ticks else []:
        x = _x(t, x_top)
        out.append(f'<text x="{x:.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{number(t, 3)}</text>')
    out.append(f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 8}" text-anchor="middle">{escape(x_label)}</text>')
    out.append(f'<text transform="translate(16 {(TOP + H - BOTTOM) / 2}) rotate(-90)" text-anchor="middle">{escape(y_label)}</text>')
    return out, x_top, y_top


def _x(v: float, top: float) -> float:
    return LEFT + (W - LEFT - RIGHT) * v / top


def _y(v: float, top: float) -> float:
    return H - BOTTOM - (H - TOP - BOTTOM) * v / top


def step_chart(title: str, x_label: str, y_label: str, lines: Sequence[tuple[str, Sequence[float], Sequence[float]]],
               reference: tuple[str, float] | None = None, bands: Sequence[tuple[str, float, float]] = ()) -> str:
    """Step lines (label, xs, ys), an optional horizontal reference line and shaded bands (label, x0, x1)."""
    x_max = max((max(xs) for _, xs, _ in lines if xs), default=1.0)
    y_max = max([max(ys) for _, _, ys in lines if ys] + [reference[1] * 1.05 if reference else 0.0], default=1.0)
    out, x_top, y_top = _frame(title, x_label, y_label, x_max, y_max)
    band_colour = {"gap": "#999999", "estimated": "#ee9944"}
    for label, x0, x1 in bands:
        out.append(f'<rect x="{_x(x0, x_top):.1f}" y="{TOP}" width="{max(1.0, _x(x1, x_top) - _x(x0, x_top)):.1f}" '
                   f'height="{H - TOP - BOTTOM}" fill="{band_colour.get(label, "#999")}" opacity="0.3"><title>{escape(label)}</title></rect>')
    legend = []
    for i, (label, xs, ys) in enumerate(lines):
        colour = PALETTE[i % len(PALETTE)]
        points = []
        previous_x = 0.0
        for x, y in zip(xs, ys, strict=True):
            points.append(f"{_x(previous_x, x_top):.1f},{_y(y, y_top):.1f} {_x(x, x_top):.1f},{_y(y, y_top):.1f}")
            previous_x = x
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{" ".join(points)}"/>')
        legend.append((label, colour, ""))
    if reference:
        y = _y(reference[1], y_top)
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#cc3311" stroke-dasharray="6 4"/>')
        legend.append((reference[0], "#cc3311", ' stroke-dasharray="6 4"'))
    for label in sorted({b[0] for b in bands}):
        legend.append((label, band_colour.get(label, "#999"), " band"))
    out.extend(_legend(legend))
    out.append("</svg>")
    return "\n".join(out)


def _legend(items: list[tuple[str, str, str]]) -> list[str]:
    out = []
    x = LEFT + 8
    for label, colour, style in items[:12]:
        if style == " band":
            out.append(f'<rect x="{x}" y="{TOP + 6}" width="16" height="10" fill="{colour}" opacity="0.3"/>')
        else:
            out.append(f'<line x1="{x}" x2="{x + 16}" y1="{TOP + 11}" y2="{TOP + 11}" stroke="{colour}" stroke-width="2"{style}/>')
        out.append(f'<text x="{x + 20}" y="{TOP + 15}">{escape(label)}</text>')
        x += 28 + 7 * len(label)
    return out


def bar_chart(title: str, y_label: str, bars: Sequence[tuple[str, float, float, float]],
              colours: Sequence[str] | None = None) -> str:
    """Bars (label, value, low, high) with low..high whiskers where they differ from the value."""
    y_max = max((max(v, hi) for _, v, _, hi in bars), default=1.0) * 1.1
    out, _, y_top = _frame(title, "", y_label, 1.0, y_max, x_ticks=False)
    slot = (W - LEFT - RIGHT) / max(1, len(bars))
    for i, (label, value, low, high) in enumerate(bars):
        x = LEFT + slot * i + slot * 0.2
        y = _y(value, y_top)
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.6:.1f}" height="{H - BOTTOM - y:.1f}" '
                   f'fill="{(colours or PALETTE)[i % len(colours or PALETTE)]}"><title>{escape(label)}: {number(value)}</title></rect>')
        middle = x + slot * 0.3
        if high > low:
            out.append(f'<line x1="{middle:.1f}" x2="{middle:.1f}" y1="{_y(low, y_top):.1f}" y2="{_y(high, y_top):.1f}" stroke="#222" stroke-width="1.5"/>')
        out.append(f'<text x="{middle:.1f}" y="{min(y, _y(high, y_top)) - 4:.1f}" text-anchor="middle">{number(value)}</text>')
        out.append(f'<text x="{middle:.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)
