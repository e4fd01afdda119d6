"""Renders a Footprint as a text table or JSON. Magnitudes leave pint only here."""

from __future__ import annotations

import json
import math
import textwrap
from typing import Any

from footprint.result import Footprint
from footprint.span import Span

# Display units: the smallest in which the magnitude is below 10,000 (or the largest).
_LADDERS = {
    "energy": ("kWh", "MWh", "GWh", "TWh"),
    "emissions": ("gCO2e", "kgCO2e", "tCO2e"),
}


def number(x: float, sig: int = 6) -> str:
    """A human number: thousands separators, about `sig` significant digits, no float noise."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    if abs(x) >= 1e15 or abs(x) < 1e-4:
        return f"{x:.{sig - 1}e}".replace("e+", "e")
    digits = math.floor(math.log10(abs(x))) + 1
    decimals = max(0, sig - digits)
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def pick_units(span: Span, ladder: str) -> str:
    units = _LADDERS[ladder]
    if span.central.magnitude == 0:
        return units[0]
    for unit in units:
        if abs(span.central.to(unit).magnitude) < 10_000:
            return unit
    return units[-1]


def show(span: Span | None, units: str | None = None, ladder: str | None = None) -> str:
    """'1,863.68 MWh' or '1,863.68 MWh (1,500..2,100)' for a range."""
    if span is None:
        return "-"
    if ladder:
        units = pick_units(span, ladder)
    s = span.to(units) if units is not None else span
    unit_text = f"{s.central.units:~P}"
    text = f"{number(s.central.magnitude)} {unit_text}".rstrip()
    if s.is_range:
        text += f" ({number(s.lo.magnitude)}..{number(s.hi.magnitude)})"
    return text


def days(span: Span) -> str:
    return f"{number(span.central.to('day').magnitude, 3)} days"


def wall_time(span: Span) -> str:
    """'1,300 h (54.2 days)' for a training run, '3.16 s' or '12.5 min' for a short metered one."""
    hours = span.central.to("h").magnitude
    if hours >= 1:
        return f"{show(span, 'h')} ({days(span)})"
    return show(span, "min" if hours >= 1 / 60 else "s")


def rows(fp: Footprint) -> list[tuple[str, str]]:
    """The result rows shared by every report of a Footprint."""
    out = [("GPU-hours", show(fp.gpu_hours, "h"))]
    if fp.duration is not None:
        out.append(("wall time", wall_time(fp.duration)))
    out.append(("energy, GPU", show(fp.energy_gpu, ladder="energy")))
    if fp.energy_cpu is not None or fp.energy_ram is not None:
        out.append(("energy, CPU", show(fp.energy_cpu, ladder="energy")))
        out.append(("energy, RAM", show(fp.energy_ram, ladder="energy")))
    else:
        out.append(("energy, host", show(fp.energy_host, ladder="energy")))
    out.append(("facility overhead", show(fp.energy_overhead, ladder="energy")))
    out.append(("energy, total", show(fp.energy, ladder="energy")))
    out.append(("emissions", show(fp.emissions, ladder="emissions")))
    if fp.cost is not None:
        out.append(("cost", show(fp.cost, "USD")))
    if fp.flops is not None:
        out.append(("compute", show(fp.flops, "FLOP")))
    if fp.implied_mfu is not None:
        mfu = fp.implied_mfu.to("")
        text = f"{float(mfu.central.magnitude):.1%}"
        if mfu.is_range:
            text += f" ({float(mfu.lo.magnitude):.1%}..{float(mfu.hi.magnitude):.1%})"
        out.append(("implied MFU", text))
    return out


def table(fp: Footprint, title: str = "") -> str:
    """The human report: result rows, then every assumption with its origin and source."""
    lines = [title or f"footprint {fp.kind}" + (f": {fp.label}" if fp.label else "")]
    result = rows(fp)
    width = max(len(k) for k, _ in result) + 2
    for key, value in result:
        lines.append(f"  {key:<{width}}{value}")
    lines.append("")
    lines.append("inputs and assumptions (value, origin, source)")
    name_width = max((len(a.name) for a in fp.assumptions), default=0) + 2
    values = [a.value_text() if not isinstance(a.value, Span) else show(a.value) for a in fp.assumptions]
    value_width = max((len(v) for v in values), default=0) + 2
    for a, value in zip(fp.assumptions, values, strict=True):
        lines.append(f"  {a.name:<{name_width}}{value:<{value_width}}{a.origin}")
        if a.source:
            indent = " " * (4 + name_width)
            lines.extend(textwrap.wrap(a.source, width=110, initial_indent=indent, subsequent_indent=indent))
    return "\n".join(lines)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False)
