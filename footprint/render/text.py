"""Renders a Footprint as a text table or JSON. Magnitudes leave pint only here and in footprint.render."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import PurePath
from typing import Any

from footprint.core import fmt, numbers
from footprint.core.result import Footprint
from footprint.core.span import Span
from footprint.render.table import grid

ASSUMPTIONS_TITLE = "inputs and assumptions (value, origin, source)"
SHIPPED_PROFILES = "shipped-profiles"  # the built-in plugin that registers the profiles inside footprint's wheel
# the profile assumption's source, as footprint.estimates.inputs words it: "from PATH via plugin 'NAME'"
_PROFILE_SOURCE = re.compile(r"^from (?P<path>.+) via plugin '(?P<plugin>[^']*)'$")


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
    return fp.grid is not None and fp.grid.co2_only


def accelerators(fp: Footprint) -> str:
    """'2,048 GPUs' or '256 accelerators': TPUs and other non-GPU accelerators are not called GPUs."""
    word = "GPU" if fp.device_kind == "gpu" else "accelerator"
    n = fp.gpus or 0
    return f"{n:,} {word}" + ("" if n == 1 else "s")


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
    word = "GPU" if fp.device_kind == "gpu" else "accelerator"
    energies: list[tuple[str, Span | None, str]] = []
    if measured:
        gpus = _host_parts(fp, "gpus")
        estimated = sum(float(g["estimated_energy"]["magnitude"]) for g in gpus if g.get("estimated_energy"))
        gpu_note = _method_word([g.get("method", "") for g in gpus], estimated) if gpus else ""
        unread = sum(1 for g in gpus if g.get("measured") is False)
        if unread:  # a GPU never read is a gap, never a measured 0
            gpu_note = "NOT MEASURED" if unread == len(gpus) else f"{gpu_note}; {unread} of {len(gpus)} GPUs not measured"
        unknown = sum(float(g["seconds"]["unknown"]["magnitude"]) for g in gpus if g.get("measured") is not False and g.get("seconds"))
        if unknown > 0:  # seconds no reading covers count as 0 J: the figure is a lower bound
            gpu_note += f"; {fmt.span(fmt.quantity_json({'magnitude': unknown, 'units': 's'}, 's'), ladder='time')} of GPU time not read, counted as 0"
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
    out.extend(cost_rows(fp))
    if fp.flops is not None:
        out.append(("compute", fmt.span(fp.flops, "FLOP"), ""))
    if fp.implied_mfu is not None:
        out.append(("implied MFU", fmt.percent(fp.implied_mfu), ""))
    return out


def cost_rows(fp: Footprint) -> list[tuple[str, str, str]]:
    """'cost, GPU rental' and 'cost, electricity' (each where priced), then 'cost, total' where both are; a result
    saved without its parts shows its one 'cost'."""
    parts = [(f"cost, {name}", value) for name, value in (("GPU rental", fp.cost_gpu_rental),
                                                          ("electricity", fp.cost_electricity)) if value is not None]
    if len(parts) == 2 and fp.cost is not None:
        parts.append(("cost, total", fp.cost))
    elif not parts and fp.cost is not None:
        parts.append(("cost", fp.cost))
    return [(name, text, "") for (name, _), text in zip(parts, fmt.column([v for _, v in parts], "money"), strict=True)]


def profile_file(path: str, plugin: str) -> str:
    """A profile's file for people: 'profiles/h800-sxm.toml (shipped)' for one shipped with footprint, wherever it
    was installed (site-packages paths differ between machines and say nothing); a user's own file keeps its path."""
    if plugin == SHIPPED_PROFILES and path:
        return f"profiles/{PurePath(path).name} (shipped)"
    return path


def source_text(a: Any) -> str:
    """An assumption's source as printed: the profile's file shown by profile_file(); JSON keeps the full path."""
    match = _PROFILE_SOURCE.match(a.source) if a.name == "profile" else None
    if match is None:
        return a.source
    shown = profile_file(match["path"], match["plugin"])
    return f"from {shown} via plugin {match['plugin']!r}"


def profile_file_of(fp: Footprint) -> str | None:
    """The file the result's hardware figures came from, as profile_file() shows it; None for a plugin's own data."""
    a = fp.assumption("profile")
    match = _PROFILE_SOURCE.match(a.source) if a is not None else None
    if match is None or match["path"] == "plugin":
        return None
    return profile_file(match["path"], match["plugin"])


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
            lines.extend(textwrap.wrap(source_text(a), width=110, initial_indent=indent, subsequent_indent=indent))
    return lines


def upper_ends_line(fp: Footprint) -> str:
    """One line under an estimate's result where its power defaults are upper ends, naming the options that replace
    them with a site's own figures; empty where the user gave those inputs."""
    if fp.kind != "estimate":
        return ""
    from footprint.estimates.schema import defaults

    used = {a.name for a in fp.assumptions if a.origin in ("default", "profile")}
    ends = []
    if "gpu_power" in used and float(defaults()["gpu_power_fraction"]["value"]) == 1:
        ends.append("GPUs at TDP")
    host = fp.assumption("host_power")
    if "host_power" in used and host is not None and isinstance(host.value, Span) and host.value.central.magnitude > 0:
        ends.append("host at the node's maximum measured draw" if host.value.is_range else "host at the node's nameplate")
    pue = fp.assumption("pue")
    said = [", ".join(ends) + " (upper ends)"] if ends else []
    if "pue" in used and pue is not None:
        said.append(f"PUE {assumption_value(fp, pue)}")
    if not said:
        return ""
    return f"  defaults: {', '.join(said)}; for a site's own: --gpu-power, --host-power, --pue"


def table(fp: Footprint, heading: str = "") -> str:
    """The human report: result rows, then every assumption with its origin and source."""
    note = upper_ends_line(fp)
    return "\n".join([heading or title(fp), *result_lines(fp), *([note] if note else []), "", *assumption_lines(fp)])


JSON_INDENT_DEPTH = 2  # objects and lists this deep are laid out a key per line; deeper ones on one line each


def to_json(data: Any) -> str:
    """JSON for people and programs: the outer levels indented, each deeper value written compactly by the C
    encoder (json.dumps with indent falls back to the pure-Python encoder: a 10,000-node job report took seconds)."""
    return _indented(data, 0)


def _indented(value: Any, depth: int) -> str:
    if depth >= JSON_INDENT_DEPTH or not isinstance(value, dict | list | tuple) or not value:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    pad = "\n" + "  " * (depth + 1)
    if isinstance(value, dict):
        items = [f"{json.dumps(k if isinstance(k, str) else json.dumps(k), ensure_ascii=False)}: {_indented(v, depth + 1)}"
                 for k, v in value.items()]
        return "{" + pad + ("," + pad).join(items) + "\n" + "  " * depth + "}"
    return "[" + pad + ("," + pad).join(_indented(v, depth + 1) for v in value) + "\n" + "  " * depth + "]"
