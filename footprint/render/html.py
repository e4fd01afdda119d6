"""One self-contained HTML page per result: inline CSS and SVG, no script, no network, readable from file://.

A page holds the summary, per-node and per-GPU tables, the plots (matplotlib's SVG when installed, else our own
small SVG), every assumption with its source and the methods statement.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from html import escape
from typing import Any

from footprint.core import fmt, numbers
from footprint.core.result import Footprint
from footprint.core.span import Span
from footprint.render import svg
from footprint.render.series import Node

CSS = """
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d2433;
       max-width: 1080px; margin: 24px auto; padding: 0 20px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #dde2ea;
     padding-bottom: 4px; }
.sub { color: #5b6475; margin: 0 0 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid #dde2ea; border-radius: 8px; padding: 10px 14px; min-width: 150px; background: #f7f9fc; }
.card .k { color: #5b6475; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 20px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 14px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e7eaf0; vertical-align: top; }
th { background: #f1f4f9; font-weight: 600; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
td.src { color: #4a5366; font-size: 13px; }
.tag { display: inline-block; border-radius: 4px; padding: 0 6px; font-size: 12px; background: #e8eef8; color: #244a86; }
.tag.modelled, .tag.estimated { background: #fff1de; color: #8a4b00; }
.verdict-holds { color: #1d6b2f; font-weight: 600; } .verdict-does-not-hold { color: #a4161a; font-weight: 600; }
.verdict-consistent-with-the-claimant-s-own-figures { color: #8a6d00; font-weight: 600; }
figure { margin: 10px 0 18px; } figure svg { width: 100%; height: auto; max-width: 900px; display: block; }
.statement { background: #f7f9fc; border-left: 4px solid #4477aa; padding: 10px 14px; }
footer { color: #5b6475; font-size: 12px; margin-top: 30px; }
"""


def page(title: str, subtitle: str, sections: Sequence[str]) -> str:
    from footprint import __version__

    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        f"<h1>{escape(title)}</h1>", f'<p class="sub">{escape(subtitle)}</p>', *sections,
        f"<footer>Made with footprint {escape(__version__)}. Every number is derived from the inputs and "
        "assumptions listed on this page.</footer>", "</body>", "</html>", ""])


def table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = (), raw: Sequence[int] = ()) -> str:
    """A table; `numeric` columns align their figures, `raw` columns hold trusted HTML (already escaped)."""
    out = ["<table>", "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>"]
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            css = ' class="num"' if i in numeric else (' class="src"' if header[i] == "source" else "")
            cells.append(f"<td{css}>{cell if i in raw else escape(cell)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _tag(note: str) -> str:
    if not note:
        return ""
    word = note.split(":")[0].split(",")[0]
    css = "modelled" if "modelled" in word else ("estimated" if "estimated" in word else "measured")
    return f'<span class="tag {css}">{escape(note)}</span>'


def figure(svg_text: str, caption: str) -> str:
    return f"<figure>{svg_text}<figcaption>{escape(caption)}</figcaption></figure>"


def inline_svg(data: bytes) -> str:
    """matplotlib's SVG file without its XML prolog and DOCTYPE, so it can sit inside HTML."""
    text = data.decode("utf-8")
    return text[text.index("<svg"):]


def cards(fp: Footprint) -> str:
    from footprint.render.text import co2_only

    items = [("energy", fmt.span(fp.energy, ladder="energy")),
             ("emissions", fmt.span(fp.emissions, ladder="emissions", co2_only=co2_only(fp))),
             ("GPU-hours" if fp.gpu_hours.central.to("h").magnitude >= 1 else "GPU time", fmt.span(fp.gpu_hours, ladder="time"))]
    if fp.cost is not None:
        items.append(("cost", fmt.span(fp.cost, "USD")))
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="k">{escape(k)}</div><div class="v">{escape(v)}</div></div>' for k, v in items) + "</div>"


def summary_section(fp: Footprint) -> str:
    from footprint.render.text import rows

    result = rows(fp)
    if not any(n for _, _, n in result):
        return "<h2>Summary</h2>" + cards(fp) + table(["", "value"], [(k, v) for k, v, _ in result], numeric=(1,))
    body = [(k, v, _tag(n)) for k, v, n in result]
    return "<h2>Summary</h2>" + cards(fp) + table(["", "value", "how"], body, numeric=(1,), raw=(2,))


def assumptions_section(fp: Footprint) -> str:
    from footprint.render.text import assumption_value, source_text

    body = [(a.name, assumption_value(fp, a), a.origin, source_text(a)) for a in fp.assumptions]
    return "<h2>Inputs and assumptions</h2>" + table(["input", "value", "origin", "source"], body, numeric=(1,))


def gpu_sections(fp: Footprint) -> list[str]:
    """Per-node and per-GPU tables of a metered run (from its details)."""
    out = []
    nodes = fp.details.get("nodes") if isinstance(fp.details.get("nodes"), list) else []
    if nodes:
        body = [(str(n.get("host", "")), str(n.get("log", "")), "yes" if n.get("complete") else "no (cut short)",
                 fmt.span(fmt.quantity_json(n.get("duration"), "s"), ladder="time"), str(n.get("gpus", "")))
                for n in nodes]
        out.append("<h2>Nodes</h2>" + table(["node", "log", "finished", "metered for", "GPUs"], body, numeric=(3, 4)))
    job = fp.details.get("job") if isinstance(fp.details.get("job"), dict) else {}
    spans = job.get("unmetered") or []
    if spans:  # a node whose meter stopped: the stretch no reading covers, named
        body = [(str(u.get("node", "")), fmt.span(fmt.quantity_json(u.get("from"), "s"), "s"),
                 fmt.span(fmt.quantity_json(u.get("to"), "s"), "s") if u.get("to") else "not known",
                 "another rank took over" if u.get("taken_over") else "no rank took over") for u in spans]
        out.append("<h2>Not metered</h2>" + table(["node", "from (into the job)", "to", "then"], body, numeric=(1, 2)))
    gpus = fp.details.get("gpus") if isinstance(fp.details.get("gpus"), list) else []
    if not gpus:  # a job's GPUs are listed under its nodes
        gpus = [g for node in job.get("nodes", []) if isinstance(node, dict) for g in node.get("gpus", [])]
    if gpus:
        energies = fmt.column([fmt.quantity_json(g.get("energy"), "kWh") for g in gpus], "energy")
        body = []
        for g, energy in zip(gpus, energies, strict=True):
            issues = []
            if fmt.quantity_json(g.get("gap"), "s") is not None and float(g["gap"]["magnitude"]) > 0:
                issues.append(f"gap {fmt.span(fmt.quantity_json(g['gap'], 's'))}")
            if g.get("counter_resets"):
                issues.append(f"{g['counter_resets']} counter reset(s)")
            est = fmt.quantity_json(g.get("estimated_energy"), "kWh")
            if est is not None and est.magnitude > 0:
                issues.append(f"{fmt.span(est)} estimated")
            if g.get("measured") is False:
                issues.insert(0, "NOT MEASURED: never read")
            issues += [f"{what} power above TDP {fmt.span(fmt.quantity_json(g.get('tdp'), 'W'))}" for what in g.get("above_tdp", [])]
            seconds = g.get("seconds") or {}
            covered = " / ".join(fmt.span(fmt.quantity_json(seconds.get(k), "s"), "s") for k in ("measured", "filled", "unknown")) \
                if seconds else "-"
            body.append((str(g.get("host", "")), str(g.get("index", "")), str(g.get("name", "")), energy,
                         fmt.span(fmt.quantity_json(g.get("average_power"), "W")), fmt.span(fmt.quantity_json(g.get("peak_power"), "W")),
                         fmt.span(fmt.quantity_json(g.get("power_limit"), "W")), covered, ", ".join(issues) or "-",
                         str(g.get("method", ""))))
        out.append("<h2>Per GPU</h2>" + table(["node", "GPU", "model", "energy", "average power", "peak power",
                                               "power limit", "seconds measured / filled / unknown", "gaps and estimates",
                                               "method"], body, numeric=(3, 4, 5, 6, 7)))
    return out


def work_sections(fp: Footprint) -> list[str]:
    """The run's work and efficiency, the forecast and its checks, the budgets and the plan (where it had them)."""
    from footprint.render.work_text import efficiency_rows, forecast_rows, plan_rows, work_rows

    out = []
    if fp.work.get("work") and any(v is not None for v in fp.work["work"].values()):
        out.append("<h2>Work and efficiency</h2>" + table(["", "value", "basis"], work_rows(fp) + efficiency_rows(fp), numeric=(1,)))
    if fp.work.get("forecast"):
        head, rows = forecast_rows(fp)
        out.append(f"<h2>Forecast</h2><p>{escape(head)}</p>" + table(["made at", "forecast", "against the actual", "range held"],
                                                                      rows, numeric=(1,)))
    budget = fp.work.get("budget")
    if budget:
        from footprint.render.work_text import budget_lines

        out.append("<h2>Budgets</h2><ul>" + "".join(f"<li>{escape(line.strip())}</li>" for line in budget_lines(budget)) + "</ul>")
    if fp.work.get("plan"):
        out.append(f"<h2>Plan against measurement</h2><p>{escape(str(fp.work['plan']['file']))}</p>"
                   + table(["", "plan", "measured", "measured / plan"], plan_rows(fp), numeric=(1, 2, 3)))
    return out


def statement_section(paragraphs: list[str]) -> str:
    from footprint.render.statement import render

    text = render(paragraphs, "unicode")
    body = "".join(f"<p>{escape(p)}</p>" for p in text.strip().split("\n\n"))
    return f'<h2>Methods statement</h2><div class="statement">{body}</div>'


def log_plots(nodes: list[Node], fp: Footprint, use_matplotlib: bool) -> list[str]:
    """Power per GPU and cumulative energy: matplotlib's SVG if available, else our own."""
    from footprint.render import plot

    if use_matplotlib:
        shown = (["power per GPU (TDP dashed; gaps grey, estimated stretches orange)"] if any(n.gpus for n in nodes) else [])
        shown += ["power of CPU and RAM"] if any(n.host for n in nodes) else []
        caption = f"{', '.join(shown)} over time, and cumulative metered IT energy" if shown else "cumulative metered IT energy"
        caption = caption[0].upper() + caption[1:]
        return [figure(inline_svg(plot.log_figure(nodes, fp, None, "svg") or b""), caption)]
    from footprint.core.units import Q

    end = max((c.t[-1] for n in nodes for c in n.channels if c.t), default=0.0)
    unit = fmt.pick_unit([Q(end, "s")], "time")
    scale = float(Q(1, unit).to("s").magnitude)
    lines, bands, tdps = [], [], set()
    for n in nodes:
        for c in n.gpus:
            lines.append((c.label, [t / scale for t in c.t], c.watts))
            bands += [("gap", a / scale, b / scale) for a, b in c.gaps] + [("estimated", a / scale, b / scale) for a, b in c.estimated]
            if c.tdp_w:
                tdps.add(c.tdp_w)
    reference = (f"TDP {numbers.number(max(tdps))} W", max(tdps)) if tdps else None
    out = []
    if lines:  # a CPU-only run has no GPU panel: only what was metered is drawn
        out.append(figure(svg.step_chart("power per GPU", f"time since start ({unit})", "W", lines, reference, bands),
                          "Power per GPU over time (TDP dashed; gaps grey, estimated stretches orange)"))
    host = [(c.label, [t / scale for t in c.t], c.watts) for n in nodes for c in n.host]
    if host:
        out.append(figure(svg.step_chart("power, CPU and RAM", f"time since start ({unit})", "W", host),
                          "Power of CPU and RAM over time, as read or modelled"))
    curves = [(n.name or "node", *n.energy_steps()) for n in nodes]
    biggest = sum(e[-1] for _, _, e in curves)
    e_unit = fmt.pick_unit([Q(biggest, "kWh")], "energy")
    e_scale = float(Q(1, "kWh").to(e_unit).magnitude)
    energy_lines = [(name, [t / scale for t in ts[1:]], [e * e_scale for e in es[1:]]) for name, ts, es in curves]
    out.append(figure(svg.step_chart("metered IT energy, cumulative", f"time since start ({unit})", numbers.unit_text(e_unit),
                                     energy_lines), "Cumulative metered IT energy per node"))
    return out


def result_plots(fp: Footprint, use_matplotlib: bool) -> list[str]:
    from footprint.render import plot

    if use_matplotlib:
        return [figure(inline_svg(plot.result_figure(fp, None, "svg") or b""), "Energy by component (ranges as whiskers)")]
    parts = plot.component_parts(fp)
    unit = fmt.pick_unit([s for _, s in parts], "energy")
    bars = [(name, float(s.to(unit).central.magnitude), float(s.to(unit).lo.magnitude), float(s.to(unit).hi.magnitude))
            for name, s in parts]
    return [figure(svg.bar_chart("energy by component", numbers.unit_text(unit), bars), "Energy by component (ranges as whiskers)")]


def footprint_page(fp: Footprint, heading: str, nodes: list[Node] | None = None, use_matplotlib: bool | None = None) -> str:
    """The page of one result (an estimate or a metered run)."""
    from footprint.render.plot import have_matplotlib
    from footprint.render.statement import footprint_paragraphs

    mpl = have_matplotlib() if use_matplotlib is None else use_matplotlib
    plots = log_plots(nodes, fp, mpl) if nodes else result_plots(fp, mpl)
    subtitle = {"measurement": "Metered run", "estimate": "Estimate"}.get(fp.kind, fp.kind) + (f": {fp.label}" if fp.label else "")
    sections = [summary_section(fp), "<h2>Plots</h2>", *plots, *gpu_sections(fp), *work_sections(fp),
                statement_section(footprint_paragraphs(fp)), assumptions_section(fp)]
    return page(heading, subtitle, sections)


def compare_page(result: Any, use_matplotlib: bool | None = None) -> str:
    """Sides on one basis: the table, bars of energy and emissions, each side's assumptions, the statement."""
    from footprint.render.compare_table import rows as compare_rows
    from footprint.render.plot import have_matplotlib
    from footprint.render.statement import compare_paragraphs

    mpl = have_matplotlib() if use_matplotlib is None else use_matplotlib
    rows = compare_rows(result)
    header = ["", *rows[0][1]]
    sections = ["<h2>Side by side</h2>" + table(header, [(k.strip(), *cells) for k, cells in rows[1:]],
                                                 numeric=tuple(range(1, len(header))))]
    if result.notes:
        sections.append("<h2>Notes</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in result.notes) + "</ul>")
    sections.append("<h2>Plots</h2>")
    if mpl:
        from footprint.render.compare_plot import plot as compare_plot

        sections.append(figure(inline_svg(compare_plot(result, None, "svg") or b""), "Energy, emissions and cost per side, with ranges"))
    else:
        for key, ladder in (("energy", "energy"), ("emissions", "emissions")):
            spans = [getattr(fp, key) for fp in result.footprints]
            unit = fmt.pick_unit(spans, ladder)
            bars = [(side.label, *_bar(s, unit)) for side, s in zip(result.sides, spans, strict=True)]
            sections.append(figure(svg.bar_chart(key, numbers.unit_text(unit), bars), f"{key} per side, with ranges"))
    sections.append(statement_section(compare_paragraphs(result)))
    for side, fp in zip(result.sides, result.footprints, strict=True):
        sections.append(assumptions_section(fp).replace("<h2>Inputs and assumptions</h2>",
                                                        f"<h2>Inputs and assumptions: {escape(side.label)}</h2>"))
    return page("footprint compare", f"basis: {result.basis.describe()}", sections)


def _bar(s: Span | None, unit: str) -> tuple[float, float, float]:
    if s is None:
        return 0.0, 0.0, 0.0
    s = s.to(unit)
    return float(s.central.magnitude), float(s.lo.magnitude), float(s.hi.magnitude)


def claims_page(results: list[Any]) -> str:
    """Each claim: what was said, inputs with sources, method, findings and verdict."""
    from footprint.render.statement import claims_paragraphs

    counts: dict[str, int] = {}
    for c in results:
        counts[c.verdict] = counts.get(c.verdict, 0) + 1
    summary = table(["claim", "verdict"], [(c.id, f'<span class="verdict-{_slug(c.verdict)}">{escape(c.verdict)}</span>')
                                           for c in results], raw=(1,))
    bars = [(verdict, float(n), float(n), float(n)) for verdict, n in counts.items()]
    sections = ["<h2>Summary</h2>" + summary, "<h2>Plots</h2>",
                figure(svg.bar_chart("claims by verdict", "claims", bars, [_VERDICT_COLOURS.get(v, "#bbbbbb") for v in counts]),
                       "Number of claims by verdict")]
    for c in results:
        inputs = table(["input", "value", "source"], [(str(n), str(v), str(s)) for n, v, s in c.inputs])
        findings = "".join(f"<li>{escape(f)}</li>" for f in c.findings)
        extra = "".join(f"<p><b>Caveat:</b> {escape(x)}</p>" for x in c.caveats)
        if c.mixed_methods:
            extra = f"<p><b>Mixed methods:</b> {escape(c.mixed_methods)}</p>" + extra
        sections.append(f"<h2>{escape(c.id)}</h2><p>\u201c{escape(c.text)}\u201d (said by {escape(c.said_by)})</p>{inputs}"
                        f"<p><b>Method:</b> {escape(c.method)}</p><ul>{findings}</ul>"
                        f'<p><b>Verdict:</b> <span class="verdict-{_slug(c.verdict)}">{escape(c.verdict)}</span>: {escape(c.why)}</p>{extra}')
    sections.append(statement_section(claims_paragraphs(results)))
    return page("footprint claims", "Published claims checked with one method", sections)


_VERDICT_COLOURS = {"holds": "#228833", "does not hold": "#cc3311", "consistent with the claimant's own figures": "#ccbb44"}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write(path: str, html_text: str) -> None:
    """Write the page atomically; an unwritable path is a one-line error."""
    from footprint.errors import FootprintError
    from footprint.meter.log import write_atomic

    try:
        write_atomic(path, html_text)
        os.chmod(path, 0o666 & ~_umask())  # a page is for sharing; the atomic temp file starts private
    except OSError as exc:
        raise FootprintError(f"--html: cannot write {path!r}: {exc.strerror or exc}") from None
    except FootprintError as exc:  # the atomic writer names the path and the reason already
        raise FootprintError(f"--html: {exc}") from None
