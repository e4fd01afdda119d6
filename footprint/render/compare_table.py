"""The side-by-side table of `footprint compare`: one row per figure, one column per side."""

from __future__ import annotations

from typing import Any


def rows(result: Any) -> list[tuple[str, list[str]]]:
    """The side-by-side rows (the first holds the side labels): one unit per row, picked by its largest value."""
    from footprint.core.fmt import column, percent
    from footprint.render.text import co2_only

    ratio = ratio_text
    fps, sides = result.footprints, result.sides
    co2 = [co2_only(fp) for fp in fps]
    out: list[tuple[str, list[str]]] = [
        ("", [s.label for s in sides]),
        ("kind", [f"{s.kind} ({s.status}{', CPU only' if _cpu_only(fp) else ''})" for s, fp in zip(sides, fps, strict=True)]),
        ("hardware", [(f"{s.profile.id} ({s.profile.tdp.value:~P} TDP)" if s.profile.tdp else f"{s.profile.id} (TDP unknown)")
                      if s.profile else "-" for s in sides]),
        ("GPU-hours", column([fp.gpu_hours for fp in fps], "time")),
        ("energy", column([fp.energy for fp in fps], "energy")),
        ("  ratio to first", [ratio(r) for r in result.ratios]),
        ("emissions", column([fp.emissions for fp in fps], "emissions", co2)),
        ("  ratio to first", [ratio(r) for r in result.emissions_ratios]),
        ("cost", column([fp.cost for fp in fps], "money")),
        ("  ratio to first", [ratio(r) for r in result.cost_ratios]),
        ("grid intensity", [_assumed(fp, "intensity", c) for fp, c in zip(fps, co2, strict=True)]),
    ]
    if any(fp.implied_mfu is not None for fp in fps):
        out.append(("implied MFU", [f"{percent(fp.implied_mfu)} {_assumed(fp, 'precision')}" if fp.implied_mfu is not None else "-"
                                     for fp in fps]))
    return out


def ratio_text(value: Any) -> str:
    """A ratio as a percentage ('9.0%', '123.4%') while one reads well, else as a factor: '3.68e-14x (1/2.72e13)'
    for a tiny one, '2.72e13x' for a huge one; a range keeps its bounds."""
    from footprint.core.fmt import percent
    from footprint.core.span import Span

    if value is None:
        return "-"
    s = Span.of(value).to("")
    x = float(s.central.magnitude)
    if x == 0 or 1e-3 <= abs(x) < 1e3:
        return percent(s)

    def factor(q: Any) -> str:
        return f"{float(q.magnitude):.3g}".replace("e+", "e") + "x"

    text = factor(s.central)
    if x < 1e-3:
        text += f" (1/{1 / x:.3g})".replace("e+", "e")
    if s.is_range:
        text += f" ({factor(s.lo)}..{factor(s.hi)})"
    return text


def _cpu_only(fp: Any) -> bool:
    return fp.kind == "measurement" and not fp.gpus and float(fp.energy_gpu.central.magnitude) == 0


def work_text(result: Any) -> str:
    """The table of `compare --basis work`: each side's work, its energy at the run's efficiency, and its own."""
    from footprint.core.fmt import column
    from footprint.render.table import grid

    sides = result.sides
    unit = "FLOP" if result.efficiency.per == "FLOP" else "token"
    work_cells = [_work_cell(w, unit) for w in result.work]
    rows: list[tuple[str, ...]] = [
        ("", *[s.label for s in sides]),
        ("kind", *[f"{s.kind} ({s.status})" for s in sides]),
        ("work", *work_cells),
        ("  from", *result.work_from),
        ("energy at the run's efficiency", *column(list(result.energy), "energy")),
        ("  ratio to first", *[ratio_text(r) for r in result.ratios]),
        ("own energy", *column([fp.energy for fp in result.own], "energy")),
        ("  method", *result.own_method),
    ]
    lines = [f"compare on basis: {result.basis_text()}", ""]
    lines += grid(rows)
    lines += ["", *result.sentences()]
    if result.notes:
        lines += ["", "notes"]
        lines.extend(f"  - {n}" for n in result.notes)
    return "\n".join(lines)


def _work_cell(work: Any, unit: str) -> str:
    x = float(work.central.magnitude)
    return (f"{x:.4g}".replace("e+", "e") if x >= 1e6 else f"{x:,.0f}") + (" FLOP" if unit == "FLOP" else " tokens")


def text(result: Any) -> str:
    """The side-by-side table."""
    from footprint.render.table import grid

    lines = [f"compare on basis: {result.basis.describe()}", ""]
    lines += grid([(key, *cells) for key, cells in rows(result)])
    if result.notes:
        lines += ["", "notes"]
        lines.extend(f"  - {n}" for n in result.notes)
    return "\n".join(lines)


def _assumed(fp: Any, name: str, co2_only: bool = False) -> str:
    from footprint.core.fmt import span
    from footprint.core.span import Span

    value = fp.input(name)
    if value is None:
        return "-"
    how = fp.assumption(name)
    shown = span(value, co2_only=co2_only) if isinstance(value, Span) else str(value)
    return shown + (" (default)" if how is not None and how.origin == "default" else "")
