"""Renders a Footprint as a text table or JSON. Magnitudes leave pint only here and in footprint.render."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from footprint.core import fmt, numbers
from footprint.core.result import Footprint
from footprint.core.span import Span
from footprint.render.table import grid

ASSUMPTIONS_TITLE = "inputs and assumptions (value, origin, source)"


def number(x: float, sig: int = numbers.SIG) -> str:
    """A human number: thousands separators, about `sig` significant digits, no float noise."""
    return numbers.number(x, sig)


def show(span: Span | None, units: str | None = None, ladder: str | None = None) -> str:
    """'1,864 MWh' or '1,864 MWh (1,500..2,100)'; in `units`, else in the unit picked by magnitude."""
    return fmt.span(span, units, ladder=ladder)


def wall_time(span: Span, metered: bool = False) -> str:
    return fmt.wall_time(span, metered)


def co2_only(fp: Footprint) -> bool:
    """Whether the grid factor behind `fp` counts CO2 only (not CO2e): then its figures are printed as CO2."""
    region = fp.assumption("region")
    if region is None or fp.assumption("intensity") is None or fp.assumption("intensity").origin == "user":
        return False
    from footprint.errors import FootprintError
    from footprint.plugins.grid import lookup

    try:
        return lookup(str(region.value)).basis.startswith("CO2 only")
    except FootprintError:
        return False


def accelerators(fp: Footprint) -> str:
    """'2,048 GPUs' or '256 accelerators': TPUs and other non-GPU accelerators are not called GPUs."""
    word = "GPU" if _is_gpu(fp.profile) else "accelerator"
    n = fp.gpus or 0
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _is_gpu(profile_id: str | None) -> bool:
    if not profile_id:
        return True
    from footprint.errors import FootprintError

    try:
        from footprint.plugins.catalog import get_profile

        profile = get_profile(profile_id)
    except (FootprintError, ImportError):
        return True
    return profile.vendor.lower() in ("nvidia", "amd", "intel") or "gpu" in profile.name.lower()


def _host_parts(fp: Footprint, key: str) -> list[dict[str, Any]]:
    parts = fp.details.get(key, [])
    return parts if isinstance(parts, list) else []


def _method_word(methods: list[str], estimated: float = 0.0) -> str:
    """'measured', 'modelled' or 'measured + modelled' from the channels' methods."""
    words = {"modelled" if m.startswith("modelled") else "measured" for m in methods}
    word = " + ".join(sorted(words)) if words else "measured"
    return word + (", part estimated" if estimated > 0 else "")


def _average(parts: list[dict[str, Any]]) -> str:
    total = sum(float(p["average_power"]["magnitude"]) for p in parts if p.get("average_power"))
    from footprint.core.units import Q

    return f"average {fmt.span(Q(total, 'W'))}"


def rows(fp: Footprint) -> list[tuple[str, str, str]]:
    """The result rows shared by every report of a Footprint: (what, value, how it was obtained)."""
    measured = fp.kind == "measurement"
    basis = co2_only(fp)
    word = "GPU" if _is_gpu(fp.profile) else "accelerator"
    energies: list[tuple[str, Span | None, str]] = []
    if measured:
        gpus = _host_parts(fp, "gpus")
        estimated = sum(float(g["estimated_energy"]["magnitude"]) for g in gpus if g.get("estimated_energy"))
        gpu_note = _method_word([g.get("method", "") for g in gpus], estimated) if gpus else ""
        unread = sum(1 for g in gpus if g.get("measured") is False)
        if unread:  # a GPU never read is a gap, never a measured 0
            gpu_note = "NOT MEASURED" if unread == len(gpus) else f"{gpu_note}; {unread} of {len(gpus)} GPUs not measured"
        energies.append(("energy, GPU", fp.energy_gpu, gpu_note))
    else:
        energies.append((f"energy, {word}", fp.energy_gpu, ""))
    if fp.energy_cpu is not None or fp.energy_ram is not None:
        for key, value in (("cpu", fp.energy_cpu), ("ram", fp.energy_ram)):
            parts = _host_parts(fp, key)
            note = f"{_method_word([p.get('method', '') for p in parts])}, {_average(parts)}" if parts else ""
            energies.append((f"energy, {key.upper()}", value, note))
    else:
        energies.append(("energy, host", fp.energy_host, ""))
    pue = fp.assumption("pue")
    pue_text = f"PUE {pue.value_text() if not isinstance(pue.value, Span) else fmt.span(pue.value)}" if pue else ""
    energies.append(("facility overhead", fp.energy_overhead, f"estimated: {pue_text}" if measured and pue else ""))
    energies.append(("energy, total", fp.energy, ""))
    energy_text = fmt.column([v for _, v, _ in energies], "energy")

    # a tiny run's "0.002241 GPU-hours" reads better as "GPU time 8.068 s"
    gpu_time = fmt.span(fp.gpu_hours, ladder="time")
    label = f"{word}-hours" if gpu_time.split(" (")[0].endswith(" h") else f"{word} time"
    out: list[tuple[str, str, str]] = [(label, gpu_time, "measured" if measured else "")]
    if fp.duration is not None:
        out.append(("wall time", fmt.wall_time(fp.duration, metered=measured), "measured" if measured else ""))
    out.extend((label, text, note) for (label, _, note), text in zip(energies, energy_text, strict=True))
    intensity = fp.assumption("intensity")
    emissions_note = ""
    if measured and intensity is not None and isinstance(intensity.value, Span):
        emissions_note = f"estimated: energy x {fmt.span(intensity.value, co2_only=basis)}"
    out.append(("emissions", fmt.span(fp.emissions, ladder="emissions", co2_only=basis), emissions_note))
    if fp.cost is not None:
        out.append(("cost", fmt.span(fp.cost, "USD"), ""))
    if fp.flops is not None:
        out.append(("compute", fmt.span(fp.flops, "FLOP"), ""))
    if fp.implied_mfu is not None:
        out.append(("implied MFU", fmt.percent(fp.implied_mfu), ""))
    return out


def assumption_value(fp: Footprint, a: Any) -> str:
    if not isinstance(a.value, Span):
        return str(a.value)
    return fmt.span(a.value, co2_only=co2_only(fp) and a.name == "intensity")


def title(fp: Footprint) -> str:
    """'footprint estimate: h800-sxm x 2,048 GPUs (label)'."""
    what = fp.profile or ""
    if fp.gpus:
        what += f" x {accelerators(fp)}"
    text = f"footprint {fp.kind}" + (f": {what.strip()}" if what.strip() else "")
    return text + (f" ({fp.label})" if fp.label else "")


def result_lines(fp: Footprint) -> list[str]:
    """The result rows as aligned lines (with the 'how' column only where some row has one)."""
    result = rows(fp)
    if any(note for _, _, note in result):
        return grid([(k, v, f"({n})" if n else "") for k, v, n in result])
    return grid([(k, v) for k, v, _ in result])


def assumption_lines(fp: Footprint) -> list[str]:
    lines = [ASSUMPTIONS_TITLE]
    name_width = max((len(a.name) for a in fp.assumptions), default=0) + 2
    values = [assumption_value(fp, a) for a in fp.assumptions]
    table_lines = grid([(a.name, v, a.origin) for a, v in zip(fp.assumptions, values, strict=True)])
    for a, line in zip(fp.assumptions, table_lines, strict=True):
        lines.append(line)
        if a.source:
            indent = " " * (4 + name_width)
            lines.extend(textwrap.wrap(a.source, width=110, initial_indent=indent, subsequent_indent=indent))
    return lines


def table(fp: Footprint, heading: str = "") -> str:
    """The human report: result rows, then every assumption with its origin and source."""
    return "\n".join([heading or title(fp), *result_lines(fp), "", *assumption_lines(fp)])


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False)
