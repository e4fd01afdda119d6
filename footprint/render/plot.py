"""Figures with matplotlib (the optional extra ``footprint[plot]``): power per GPU over time with the TDP line and
shaded gaps and estimated stretches, cumulative energy per node and for the job, or a result's energy by component.
"""

from __future__ import annotations

import io
from importlib.util import find_spec
from typing import Any

from footprint.core import fmt, numbers
from footprint.core.result import Footprint
from footprint.errors import FootprintError
from footprint.render.series import Node

FORMATS = (".png", ".svg", ".pdf")
MAX_LABELLED = 32  # lines named in a legend; beyond that they are drawn thin and unnamed
INSTALL = "pip install 'footprint[plot]'"


def have_matplotlib() -> bool:
    return find_spec("matplotlib") is not None


def require_matplotlib(option: str = "footprint plot") -> None:
    """Fail early, in one line, when the optional plot extra is missing."""
    if not have_matplotlib():
        raise FootprintError(f"{option} needs matplotlib, which is not installed; install it with: {INSTALL}")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    matplotlib.rcParams["svg.fonttype"] = "none"  # SVG text stays text: selectable in a page, searchable in tests
    import matplotlib.pyplot as plt

    return plt


def title_text(fp: Footprint) -> str:
    """The run's totals and grid intensity, for a figure's title."""
    return ", ".join(title_parts(fp))


def fit_title(parts: list[str], width_in: float, fontsize: float, sep: str = ", ") -> str:
    """`parts` joined by `sep` in lines that fit `width_in` inches at `fontsize` (measured with matplotlib's own
    font metrics), broken between parts, and within a part between words only where one part alone is too wide: a
    title wider than its figure is cut off at both ends in every output, the HTML page's inline SVG included."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    measure, font = TextToPath(), FontProperties(size=fontsize)
    room = width_in * 72 * 0.92  # points, less a margin: a browser draws the SVG's text with its own font engine

    def fits(text: str) -> bool:
        return measure.get_text_width_height_descent(text, font, ismath=False)[0] <= room

    def pack(pieces: list[str], joiner: str) -> list[str]:
        lines: list[str] = []
        for piece in pieces:
            if lines and fits(lines[-1] + joiner + piece):
                lines[-1] += joiner + piece
            else:
                lines.append(piece)
        return lines

    lines = pack([p + sep.rstrip() if i < len(parts) - 1 else p for i, p in enumerate(parts)], " ")
    return "\n".join(word_line for line in lines for word_line in ([line] if fits(line) else pack(line.split(" "), " ")))


def title_parts(fp: Footprint) -> list[str]:
    """The parts of a figure's title: energy, emissions, grid intensity (and region), cost."""
    from footprint.render.text import co2_only

    co2 = co2_only(fp)
    parts = [f"energy {fmt.span(fp.energy, ladder='energy')}", f"emissions {fmt.span(fp.emissions, ladder='emissions', co2_only=co2)}"]
    intensity = fp.assumption("intensity")
    region = fp.assumption("region")
    if intensity is not None and not isinstance(intensity.value, str):
        where = f" ({region.value})" if region is not None else ""
        parts.append(f"grid {fmt.span(intensity.value, co2_only=co2)}{where}")
    if fp.cost is not None:
        parts.append(f"cost {fmt.span(fp.cost, 'USD')}")
    return parts


def _time_axis(nodes: list[Node]) -> tuple[str, float]:
    """The time unit for the x axis (s, min or h) and its length in seconds."""
    from footprint.core.units import Q

    end = max((c.t[-1] for n in nodes for c in n.channels if c.t), default=0.0)
    unit = fmt.pick_unit([Q(end, "s")], "time")
    return unit, float(Q(1, unit).to("s").magnitude)


def log_figure(nodes: list[Node], fp: Footprint, path: str | None = None, fmt_name: str = "png") -> bytes | None:
    """What was metered, one panel each: power per GPU, power of CPU and RAM (where read or modelled), and the
    cumulative energy per node and for the job. A panel with nothing to draw is left out. Returns bytes if no path."""
    plt = _pyplot()
    unit, seconds = _time_axis(nodes)
    panels = [p for p, wanted in (("gpu", any(n.gpus for n in nodes)), ("host", any(n.host for n in nodes)),
                                  ("energy", True)) if wanted]
    heights = {"gpu": 3, "host": 2, "energy": 2}
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 1.4 + 1.25 * sum(heights[p] for p in panels)), sharex=True,
                             gridspec_kw={"height_ratios": [heights[p] for p in panels]}, squeeze=False)
    ax = dict(zip(panels, axes[:, 0], strict=True))
    if "gpu" in ax:
        _gpu_panel(ax["gpu"], nodes, seconds)
    if "host" in ax:
        _host_panel(ax["host"], nodes, seconds, titled="gpu" not in ax)
    _energy_panel(ax["energy"], nodes, seconds)
    ax["energy"].set_xlabel(f"time since start ({unit})")
    fig.suptitle(fit_title(title_parts(fp), fig.get_figwidth(), 10), fontsize=10)
    fig.tight_layout()
    return save(plt, fig, path, fmt_name)


def _gpu_panel(top: Any, nodes: list[Node], seconds: float) -> None:
    """Power per GPU, with the TDP as a reference line and gaps and estimated stretches shaded."""
    tdps = set()
    several = sum(len(n.gpus) for n in nodes) > 1
    labelled = sum(len(n.gpus) for n in nodes) <= MAX_LABELLED  # a thousand nodes' GPUs: lines without a legend each
    for node in nodes:
        for c in node.gpus:
            xs = [0.0] + [t / seconds for t in c.t]
            ys = [c.watts[0] if c.watts else 0.0, *c.watts]
            (line,) = top.step(xs, ys, where="pre", linewidth=1.2 if labelled else 0.5, label=c.label if labelled else None)
            if c.tdp_w:
                tdps.add(c.tdp_w)
            # each GPU's stretches hatched in its own line colour, so several GPUs' gaps stay told apart
            for kind, spans, colour, hatch in (("gap", c.gaps, "#999999", "//"), ("estimated", c.estimated, "#ee9944", "..")):
                for n, (start, end) in enumerate(spans):
                    top.axvspan(start / seconds, end / seconds, facecolor=colour, alpha=0.2,
                                edgecolor=line.get_color() if several else colour, hatch=hatch if several else None,
                                label=None if n or not labelled else (f"{c.label}: {kind}" if several else kind))
    for tdp in sorted(tdps):
        top.axhline(tdp, color="#cc3311", linestyle="--", linewidth=1, label=f"TDP {numbers.number(tdp)} W")
    top.set_ylabel("power per GPU (W)")
    highest = max([w for n in nodes for c in n.gpus for w in c.watts] + list(tdps) + [1.0])
    top.set_ylim(0, highest * 1.35)  # headroom for the legend above the lines
    top.grid(alpha=0.3)
    handles, _ = top.get_legend_handles_labels()
    if handles:
        top.legend(fontsize=8, ncol=min(4, len(handles)), loc="upper right")


def _host_panel(ax: Any, nodes: list[Node], seconds: float, titled: bool) -> None:
    """Power of each node's CPU and RAM channels, as read (RAPL) or modelled."""
    from footprint.core.units import Q

    channels = [c for n in nodes for c in n.host]
    unit = fmt.pick_unit([Q(max(w for c in channels for w in c.watts), "W")], "power")
    scale = float(Q(1, "W").to(unit).magnitude)
    labelled = len(channels) <= MAX_LABELLED
    for c in channels:
        ax.step([0.0] + [t / seconds for t in c.t], [c.watts[0] * scale, *(w * scale for w in c.watts)], where="pre",
                linewidth=1.2 if labelled else 0.5, label=c.label if labelled else None)
    ax.set_ylabel(f"power, CPU and RAM ({numbers.unit_text(unit)})", wrap=True)
    ax.set_ylim(0, max(w * scale for c in channels for w in c.watts) * 1.35)
    ax.grid(alpha=0.3)
    if labelled:
        ax.legend(fontsize=8, ncol=min(4, len(channels)), loc="upper right")
    if titled:
        ax.set_title("no GPU metered: CPU and RAM only", fontsize=9)


def _energy_panel(bottom: Any, nodes: list[Node], seconds: float) -> None:
    """Cumulative metered IT energy per node, and for the job when there are several."""
    from footprint.core.units import Q

    curves = [(n.name or "node", *n.energy_steps()) for n in nodes]
    biggest = max((e[-1] for _, _, e in curves), default=0.0)
    if len(curves) > 1:
        biggest = sum(e[-1] for _, _, e in curves)
    e_unit = fmt.pick_unit([Q(biggest, "kWh")], "energy")
    scale = float(Q(1, "kWh").to(e_unit).magnitude)
    labelled = len(curves) <= MAX_LABELLED
    for name, ts, es in curves:
        if len(curves) > 1:
            bottom.plot([t / seconds for t in ts], [e * scale for e in es], linewidth=1.2 if labelled else 0.5,
                        label=name if labelled else None)
    if len(curves) > 1:
        times, totals = job_total(curves)
        totals = [e * scale for e in totals]
        bottom.plot([t / seconds for t in times], totals, color="black", linewidth=2, label="job total")
        bottom.legend(fontsize=8, loc="upper left")
    elif curves:
        _, ts, es = curves[0]
        bottom.plot([t / seconds for t in ts], [e * scale for e in es], color="black", linewidth=2)
    bottom.set_ylabel(f"metered IT energy, cumulative ({numbers.unit_text(e_unit)})")
    bottom.set_ylim(bottom=0)
    bottom.grid(alpha=0.3)


def job_total(curves: list[tuple[str, list[float], list[float]]]) -> tuple[list[float], list[float]]:
    """The sum of the nodes' cumulative energies (each held after its last point) at every time any of them
    steps: one sort of the steps, so a job of a thousand nodes is as quick as its points."""
    steps: dict[float, float] = {}
    for _, ts, es in curves:
        previous = 0.0
        for t, e in zip(ts, es, strict=True):
            steps[t] = steps.get(t, 0.0) + (e - previous)
            previous = e
    times = sorted(steps)
    totals, running = [], 0.0
    for t in times:
        running += steps[t]
        totals.append(running)
    return times, totals


def result_figure(fp: Footprint, path: str | None = None, fmt_name: str = "png") -> bytes | None:
    """Energy by component (bars, ranges as error bars) for a result without a time series."""
    plt = _pyplot()
    parts = component_parts(fp)
    unit = fmt.pick_unit([s for _, s in parts], "energy")
    fig, ax = plt.subplots(figsize=(7, 3.8))
    names = [n for n, _ in parts]
    values = [float(s.to(unit).central.magnitude) for _, s in parts]
    lows = [v - float(s.to(unit).lo.magnitude) for v, (_, s) in zip(values, parts, strict=True)]
    highs = [float(s.to(unit).hi.magnitude) - v for v, (_, s) in zip(values, parts, strict=True)]
    ax.bar(names, values, yerr=[lows, highs], capsize=5, color=["#4477aa", "#66ccee", "#228833", "#ccbb44", "#aa3377"][:len(parts)])
    for i, v in enumerate(values):
        ax.annotate(numbers.number(v), (i, v), ha="center", va="bottom", fontsize=8)
    ax.set_ylabel(f"energy ({numbers.unit_text(unit)})")
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(fit_title(title_parts(fp), fig.get_figwidth(), 9), fontsize=9)
    fig.tight_layout()
    return save(plt, fig, path, fmt_name)


def component_parts(fp: Footprint) -> list[tuple[str, Any]]:
    """(name, energy Span) of each component and the total."""
    parts = [("GPU", fp.energy_gpu)]
    if fp.energy_cpu is not None or fp.energy_ram is not None:
        parts += [(n, s) for n, s in (("CPU", fp.energy_cpu), ("RAM", fp.energy_ram)) if s is not None]
    else:
        parts.append(("host", fp.energy_host))
    parts += [("facility overhead", fp.energy_overhead), ("total", fp.energy)]
    return parts


def save(plt: Any, fig: Any, path: str | None, fmt_name: str, dpi: int = 110, option: str = "") -> bytes | None:
    """Write ``fig`` to ``path``, or return its bytes in ``fmt_name`` when ``path`` is None; always closes it."""
    try:
        if path is None:
            buffer = io.BytesIO()
            fig.savefig(buffer, format=fmt_name, dpi=dpi)
            return buffer.getvalue()
        fig.savefig(path, dpi=dpi)
        return None
    except (OSError, ValueError) as exc:
        raise FootprintError(f"{option}cannot write {path!r}: {exc}") from None
    finally:
        plt.close(fig)
