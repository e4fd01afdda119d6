"""A methods statement a paper can paste: hardware, GPU-hours, energy and how it was obtained, PUE, grid intensity
with its region, year, source and basis, emissions, cost, the method and the tool version, as text, Markdown or LaTeX.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from footprint.core import fmt
from footprint.core.result import Footprint
from footprint.core.span import Span
from footprint.errors import FootprintError

FORMATS = ("markdown", "latex", "text")

# The statement is built as plain text with two markers that each format renders its own way.
_TIMES = "\x00times\x00"
_CO2 = "\x00co2\x00"

_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def check_format(name: str) -> str:
    if name not in FORMATS:
        raise FootprintError(f"--statement: unknown format {name!r}; expected one of {', '.join(FORMATS)}")
    return name


# characters that sources quote and that pdfLaTeX's text fonts lack
_LATEX_UNICODE = {"×": r"$\times$", "≈": r"$\approx$", "≤": r"$\leq$", "≥": r"$\geq$", "–": "--", "—": "---",
                  "‘": "`", "’": "'", "“": "``", "”": "''", "€": r"\texteuro{}", "\u2212": "--",
                  "µ": r"$\mu$"}


def latex_escape(text: str) -> str:
    """Text safe inside a LaTeX paragraph: every special character escaped, typographic characters spelt in LaTeX."""
    return "".join(_LATEX_SPECIAL.get(c) or _LATEX_UNICODE.get(c, c) for c in text)


def render(paragraphs: list[str], style: str) -> str:
    """Paragraphs with markers, rendered for `style` (markdown, latex or text)."""
    out = []
    for p in paragraphs:
        if style == "latex":
            p = latex_escape(p).replace(_TIMES, r"$\times$").replace(_CO2, r"CO\textsubscript{2}")
        elif style in ("markdown", "unicode"):  # unicode: plain text for HTML, which escapes it itself
            p = _MARKDOWN_SPECIAL.sub(r"\\\1", p) if style == "markdown" else p
            p = p.replace(_TIMES, "×").replace(_CO2, "CO₂")
        else:
            p = p.replace(_TIMES, "x").replace(_CO2, "CO2")
            p = "\n".join(textwrap.wrap(p, width=100, break_on_hyphens=False))
        out.append(p)
    return "\n\n".join(out) + "\n"


def _co2(text: str) -> str:
    """Mark CO2 in unit text so that LaTeX can subscript it."""
    return text.replace("CO2", _CO2)


def _q(value: Span | None, *, ladder: str | None = None, unit: str | None = None, co2_only: bool = False) -> str:
    return _co2(fmt.span(value, unit, ladder=ladder, co2_only=co2_only))


def _version() -> str:
    from footprint import __version__

    return __version__


def _hardware(fp: Footprint) -> str:
    name = fp.profile or "unspecified hardware"
    try:
        from footprint.plugins.catalog import get_profile

        name = get_profile(fp.profile).name if fp.profile else name
    except FootprintError:
        pass
    word = "GPU" if fp.device_kind == "gpu" else "accelerator"
    simulated = fp.assumption("gpus")
    if simulated is not None and simulated.value == "simulated":
        word = f"simulated {word}"
    if fp.gpus:
        return f"{fp.gpus:,} {name} {word}{'' if fp.gpus == 1 else 's'}"
    return f"{name} {word}s"


def _intensity_text(fp: Footprint, co2_only: bool) -> str:
    intensity = fp.assumption("intensity")
    if intensity is None or not isinstance(intensity.value, Span):
        return "an unstated grid carbon intensity"
    value = _q(intensity.value, co2_only=co2_only)
    if intensity.origin == "user":
        return f"a grid carbon intensity of {value} (given as an input, read as {_co2('CO2e')})"
    region = fp.assumption("region")
    where = ""
    if region is not None:
        try:
            from footprint.plugins.grid import lookup

            grid = lookup(str(region.value))
            year = f", {grid.year}" if grid.year else ""
            where = f" ({grid.name}{year}; {_co2(grid.basis)}; {grid.source})"
        except FootprintError:
            where = f" ({region.value})"
    default = ", used because the run's location was not given" if intensity.origin == "default" else ""
    if where and default:
        where = where[:-1] + default + ")"
    return f"a location-based grid carbon intensity of {value}{where}"


def _pue_text(fp: Footprint) -> str:
    pue = fp.assumption("pue")
    if pue is None or not isinstance(pue.value, Span):
        return "no facility overhead"
    how = {"user": "", "default": "an assumed "}.get(pue.origin, "")
    return f"{how or 'a '}power usage effectiveness (PUE) of {fmt.span(pue.value)}"


def _cost_text(fp: Footprint) -> str:
    """The cost, split into GPU rental and electricity where both were priced, each with its price."""
    if fp.cost is None:
        return ""
    rental = _price(fp, "price", "USD/h", "GPU-hour")
    electricity = _price(fp, "energy_price", "USD/kWh", "kWh")
    if fp.cost_gpu_rental is not None and fp.cost_electricity is not None:
        return (f" The cost is {_q(fp.cost, unit='USD')}: {_q(fp.cost_gpu_rental, unit='USD')} of GPU rental{rental} "
                f"and {_q(fp.cost_electricity, unit='USD')} of electricity{electricity}.")
    if fp.cost_gpu_rental is not None:
        return f" The GPU rental cost{rental} is {_q(fp.cost_gpu_rental, unit='USD')}."
    if fp.cost_electricity is not None:
        return f" The electricity cost{electricity} is {_q(fp.cost_electricity, unit='USD')}."
    return f" The cost is {_q(fp.cost, unit='USD')}."


def _price(fp: Footprint, name: str, per: str, word: str) -> str:
    """' at 2 USD per GPU-hour': the price an input was given at, or nothing."""
    price = fp.assumption(name)
    if price is None or not isinstance(price.value, Span):
        return ""
    return f" at {fmt.span(price.value.to(per)).replace(' ' + per, ' USD')} per {word}"


def _method_words(parts: list[dict[str, Any]]) -> str:
    methods = sorted({p.get("method", "") for p in parts})
    modelled = [m for m in methods if m.startswith("modelled")]
    return "modelled" if modelled and len(modelled) == len(methods) else ("measured" if not modelled else "measured and modelled")


def estimate_paragraph(fp: Footprint) -> str:
    co2_only = _co2_only(fp)
    gpu_power = fp.assumption("gpu_power")
    host_power = fp.assumption("host_power")
    power = ""
    if gpu_power is not None and isinstance(gpu_power.value, Span):
        power = f" at an average draw of {fmt.span(gpu_power.value)} per accelerator"
        if gpu_power.origin == "default":
            power += " (its thermal design power, an upper bound)"
        if host_power is not None and isinstance(host_power.value, Span):
            if host_power.value.hi.magnitude == 0:
                power += " (accelerators only, no host power)"
            else:
                power += f" plus {fmt.span(host_power.value)} of host power (CPU, memory, network) per accelerator"
                if host_power.origin == "profile" and host_power.value.is_range:
                    # the profile's node figures: what a node's maximum measured draw leaves after its GPUs at TDP
                    power += " (the rest of a node's maximum measured draw, up to its nameplate)"
    wall = f" for {fmt.wall_time(fp.duration)}" if fp.duration is not None else ""
    if fp.gpus:
        used = f"{_hardware(fp)}{wall}, {_hours(fp)}"
    else:
        used = f"{_hours(fp)} of {_hardware(fp)}"
    text = (f"We estimate the training run used {used}. "
            f"Estimated{power}, with {_pue_text(fp)}, the run used {_q(fp.energy, ladder='energy')} of electricity "
            f"({_q(fp.energy_gpu, ladder='energy')} by the accelerators). "
            f"At {_intensity_text(fp, co2_only)}, this corresponds to {_q(fp.emissions, ladder='emissions', co2_only=co2_only)} "
            f"of emissions.{_cost_text(fp)} "
            f"Method: energy = GPU-hours {_TIMES} (GPU power + host power) {_TIMES} PUE; emissions = energy {_TIMES} grid "
            f"intensity; computed with footprint {_version()}{_profile_words(fp)}.")
    return text


def _profile_words(fp: Footprint) -> str:
    """' from the hardware profile profiles/h800-sxm.toml (shipped)', or nothing for a plugin's own data."""
    from footprint.render.text import profile_file_of

    shown = profile_file_of(fp)
    return f" from the hardware profile {shown}" if shown else ""


def measurement_paragraph(fp: Footprint) -> str:
    co2_only = _co2_only(fp)
    gpus = fp.details.get("gpus", []) if isinstance(fp.details.get("gpus"), list) else []
    cpu = fp.details.get("cpu", []) if isinstance(fp.details.get("cpu"), list) else []
    ram = fp.details.get("ram", []) if isinstance(fp.details.get("ram"), list) else []
    wall = f" for {fmt.wall_time(fp.duration)}" if fp.duration is not None else ""
    parts = [f"We metered the training run on {_hardware(fp)}{wall} ({_hours(fp)}) "
             f"with footprint {_version()}."]
    if gpus:
        estimated = sum(float(g["estimated_energy"]["magnitude"]) for g in gpus if g.get("estimated_energy"))
        how = "NVML's energy counter" if all("energy counter" in g.get("method", "") for g in gpus) else "NVML"
        extra = f", of which {_q(Span(_kwh(estimated)), ladder='energy')} was estimated over gaps" if estimated > 0 else ""
        parts.append(f"Accelerator energy was measured through {how}: {_q(fp.energy_gpu, ladder='energy')}{extra}.")
        unread = sum(1 for g in gpus if g.get("measured") is False)
        unknown = sum(float(g["seconds"]["unknown"]["magnitude"]) for g in gpus if g.get("seconds"))
        if unknown > 0:  # a gap is never a measured zero: the reader of a paper must see the lower bound
            never = f"{unread} of {len(gpus)} accelerators were never read; " if unread else ""
            parts.append(f"{never}{fmt.span(_seconds(unknown), ladder='time')} of accelerator time had no reading and "
                         "counts as no energy, so this figure is a lower bound.")
    if fp.energy_cpu is not None:
        parts.append(f"CPU energy was {_method_words(cpu)} ({_q(fp.energy_cpu, ladder='energy')}) and memory energy was "
                     f"{_method_words(ram)} ({_q(fp.energy_ram, ladder='energy')}).")
    parts.append(f"With {_pue_text(fp)}, the facility used an estimated {_q(fp.energy, ladder='energy')} of electricity.")
    parts.append(f"At {_intensity_text(fp, co2_only)}, this corresponds to an estimated "
                 f"{_q(fp.emissions, ladder='emissions', co2_only=co2_only)} of emissions.{_cost_text(fp)}")
    parts.append(f"Method: energy = (measured accelerator energy + CPU and memory energy) {_TIMES} PUE; emissions = energy "
                 f"{_TIMES} grid intensity.")
    return " ".join(parts)


def _hours(fp: Footprint) -> str:
    """'2,662,400 GPU-hours', or '8.068 s of accelerator time' for a short run."""
    text = _q(fp.gpu_hours, ladder="time")
    if text.endswith(" h") or " h (" in text:
        word = "GPU" if fp.device_kind == "gpu" else "accelerator"
        return text.replace(" h", f" {word}-hours", 1) if " (" not in text else f"{text} of {word} time"
    return f"{text} of accelerator time"


def _seconds(x: float) -> Any:
    from footprint.core.units import Q

    return Q(x, "s")


def _kwh(x: float) -> Any:
    from footprint.core.units import Q

    return Q(x, "kWh")


def _co2_only(fp: Footprint) -> bool:
    from footprint.render.text import co2_only

    return co2_only(fp)


def work_paragraph(fp: Footprint) -> str | None:
    """The work the metered run did, its efficiency, and how well its forecast and budget held; None without work."""
    from footprint.render.work_text import efficiency_rows, work_rows

    work = work_rows(fp)
    if not work:
        return None
    eff = {k: (v, basis) for k, v, basis in efficiency_rows(fp)}
    parts = ["The training code reported its work to the meter: " + ", ".join(v if k == "steps" else f"{v} {k}" for k, v, _ in work) + "."]
    per = [f"{eff[k][0]} {k.replace('energy ', '')}" for k in ("energy per step", "energy per token", "energy per sample") if k in eff]
    if per:
        parts.append(f"That is {', '.join(per)} of facility energy.")
    if "energy per FLOP" in eff:
        parts.append(f"Energy per FLOP was {eff['energy per FLOP'][0]} ({eff['energy per FLOP'][1]}).")
    mfu = (fp.work.get("efficiency") or {}).get("mfu")
    if mfu is not None:
        parts.append(f"The achieved model FLOPs utilisation was {mfu:.1%} ({eff['MFU'][1]}).")
    fc = fp.work.get("forecast") or {}
    held = [c for c in fc.get("checks", []) if c.get("error") is not None]
    if held:
        parts.append("The energy forecast of the whole run, made during it, was within " + ", ".join(
            f"{abs(c['error']):.1%} at {c['at']:.0%}" for c in held) + " of the run's actual energy.")
    budget = fp.work.get("budget") or {}
    if budget.get("stopped_by"):
        parts.append(f"The run was stopped by its budget of {budget['stopped_by']} after {budget['stopped_at_s']:.0f} s.")
    return " ".join(parts)


def footprint_paragraphs(fp: Footprint) -> list[str]:
    if fp.kind != "measurement":
        return [estimate_paragraph(fp)]
    work = work_paragraph(fp)
    return [measurement_paragraph(fp), *([work] if work else [])]


def footprint_statement(fp: Footprint, style: str) -> str:
    """The methods statement of one result."""
    return render(footprint_paragraphs(fp), check_format(style))


def compare_statement(result: Any, style: str) -> str:
    """A statement per side, then the ratios on the common basis."""
    return render(compare_paragraphs(result), check_format(style))


def compare_paragraphs(result: Any) -> list[str]:
    paragraphs = []
    for side, fp in zip(result.sides, result.footprints, strict=True):
        paragraphs.append(f"{side.label}: " + footprint_paragraphs(fp)[0])
    first = result.sides[0].label
    ratios = []
    for side, ratio in zip(result.sides[1:], result.ratios[1:], strict=True):
        if ratio is not None:
            ratios.append(f"{side.label} used {fmt.percent(ratio)} of {first}'s energy")
    if ratios:
        paragraphs.append(f"On one basis ({result.basis.describe()}), " + "; ".join(ratios) + ".")
    return paragraphs


def claims_statement(results: list[Any], style: str) -> str:
    """One paragraph per claim: what was said, the method, the verdict and why."""
    return render(claims_paragraphs(results), check_format(style))


def claims_paragraphs(results: list[Any]) -> list[str]:
    paragraphs = [f"We checked {len(results)} published claim{'s' if len(results) != 1 else ''} with footprint {_version()}, "
                  "each with the same method and sourced inputs."]
    for c in results:
        paragraphs.append(f"\u201c{c.text}\u201d ({c.said_by}) {c.verdict}: {c.why} Method: {c.method}")
    return [_co2(p) for p in paragraphs]
