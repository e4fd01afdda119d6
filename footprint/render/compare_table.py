"""The side-by-side table of `footprint compare`: one row per figure, one column per side."""

from __future__ import annotations

from typing import Any


def rows(result: Any) -> list[tuple[str, list[str]]]:
    """The side-by-side rows (the first holds the side labels): one unit per row, picked by its largest value."""
    from footprint.core.fmt import column, percent
    from footprint.render.report import co2_only

    fps, sides = result.footprints, result.sides
    co2 = [co2_only(fp) for fp in fps]
    out: list[tuple[str, list[str]]] = [
        ("", [s.label for s in sides]),
        ("kind", [f"{s.kind} ({s.status})" for s in sides]),
        ("hardware", [(f"{s.profile.id} ({s.profile.tdp.value:~P} TDP)" if s.profile.tdp else f"{s.profile.id} (TDP unknown)")
                      if s.profile else "-" for s in sides]),
        ("GPU-hours", column([fp.gpu_hours for fp in fps], "time")),
        ("energy", column([fp.energy for fp in fps], "energy")),
        ("  ratio to first", [percent(r) for r in result.ratios]),
        ("emissions", column([fp.emissions for fp in fps], "emissions", co2)),
        ("  ratio to first", [percent(r) for r in result.emissions_ratios]),
        ("cost", column([fp.cost for fp in fps], "money")),
        ("  ratio to first", [percent(r) for r in result.cost_ratios]),
        ("grid intensity", [_assumed(fp, "intensity", c) for fp, c in zip(fps, co2, strict=True)]),
    ]
    if any(fp.implied_mfu is not None for fp in fps):
        out.append(("implied MFU", [f"{percent(fp.implied_mfu)} {_assumed(fp, 'precision')}" if fp.implied_mfu is not None else "-"
                                     for fp in fps]))
    return out


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
