"""The work parts of a measured result as text: work done, efficiency, the forecast and its checks, the budget, and
the plan beside the measurement. Used by the summary, the HTML page and the methods statement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from footprint.core.result import Footprint


def _energy(kwh: float | None) -> str:
    from footprint.core.fmt import span
    from footprint.core.units import Q

    return "-" if kwh is None else span(Q(kwh, "kWh"), ladder="energy")


def _joules(q: dict[str, Any] | None) -> str:
    from footprint.render.text import number

    if not q:
        return "-"
    j = float(q["magnitude"])
    for unit, scale in (("MJ", 1e6), ("kJ", 1e3), ("J", 1.0), ("mJ", 1e-3), ("uJ", 1e-6), ("nJ", 1e-9), ("pJ", 1e-12)):
        if abs(j) >= scale or unit == "pJ":
            return f"{number(j / scale, 4)} {unit}"
    return f"{j:g} J"


def _count(x: float | None) -> str:
    from footprint.render.text import number

    if x is None:
        return "-"
    return f"{x:.3g}" if x >= 1e9 else number(x, 6)


def _range_kwh(q: dict[str, Any]) -> str:
    return f"{_energy(q['magnitude'])} ({_energy(q.get('low', q['magnitude']))}..{_energy(q.get('high', q['magnitude']))})"


def work_rows(fp: Footprint) -> list[tuple[str, str, str]]:
    """(what, value, basis) of the work done."""
    work = fp.work.get("work") or {}
    rows = []
    if work.get("steps") is not None:
        total = f" of {_count(work['total_steps'])}" if work.get("total_steps") else ""
        share = f" ({work['steps'] / work['total_steps']:.0%})" if work.get("total_steps") else ""
        rows.append(("steps", f"{_count(work['steps'])}{total} steps{share}", "reported by the training code"))
    for key, word in (("tokens", "tokens"), ("samples", "samples"), ("flops", "FLOPs")):
        if work.get(key) is not None:
            rows.append((word, _count(work[key]), "reported by the training code"))
    return rows


def efficiency_rows(fp: Footprint) -> list[tuple[str, str, str]]:
    """(what, value, basis) of the efficiency figures that the work allows."""
    eff = fp.work.get("efficiency") or {}
    rows = [(f"energy per {word}", _joules(eff.get(f"energy_per_{word}")), "facility energy (IT x PUE)")
            for word in ("step", "token", "sample") if eff.get(f"energy_per_{word}")]
    if eff.get("energy_per_flop"):
        rows.append(("energy per FLOP", _joules(eff["energy_per_flop"]), str(eff.get("energy_per_flop_basis", ""))))
    if eff.get("flops_per_s"):
        from footprint.render.text import number

        rows.append(("achieved", f"{number(eff['flops_per_s']['magnitude'] / 1e12, 4)} TFLOP/s", "FLOPs / wall time"))
    if eff.get("mfu") is not None or eff.get("mfu_basis"):
        rows.append(("MFU", "-" if eff.get("mfu") is None else f"{eff['mfu']:.1%}", str(eff.get("mfu_basis", ""))))
    if eff.get("power_fraction") is not None:
        rows.append(("power fraction", f"{eff['power_fraction']:.1%}", "measured average GPU power / TDP"))
    return rows


def forecast_rows(fp: Footprint) -> tuple[str, list[tuple[str, str, str, str]]]:
    """The forecast's headline and its checks (made at, forecast, against the actual, range held)."""
    fc = fp.work["forecast"]
    end = fc.get("end")
    when = f", ends {datetime.fromisoformat(end):%Y-%m-%d %H:%M} UTC" if end else ""
    head = (f"forecast of the whole run (last made at {fc['fraction_done']:.0%} of its {fc.get('unit')}): "
            f"{_range_kwh(fc['energy'])}{when}")
    rows = []
    for check in fc.get("checks", []):
        if check.get("error") is None:
            rows.append((f"{check['at']:.0%}", _range_kwh(check["energy"]), "-", "-"))
        else:
            rows.append((f"{check['at']:.0%}", _range_kwh(check["energy"]),
                         f"{check['error']:+.1%} of {_energy(check['actual']['magnitude'])}", "yes" if check.get("within_range") else "no"))
    return head, rows


def budget_lines(budget: dict[str, Any]) -> list[str]:
    lines = [f"budgets: {', '.join(budget['budgets'])} (on budget: {budget['on_budget']})"]
    if isinstance(budget.get("basis"), str):
        lines.append(f"  counted as {budget['basis']}")
    if budget.get("stopped_by"):
        lines.append(f"  the budget {budget['stopped_by']} stopped the run: reached at {budget['stopped_at_s']:.0f} s, "
                     f"{budget.get('signal') or 'a stop'} sent to the command")
    for text in budget.get("reached", []):
        if text != budget.get("stopped_by"):
            lines.append(f"  {text}: reached")
    for text in budget.get("forecast_passed", []):
        if text not in budget.get("reached", []):
            lines.append(f"  {text}: the forecast passed it; the actual did not reach it")
    if not budget.get("reached") and not budget.get("forecast_passed"):
        lines.append("  none reached, none forecast to be passed")
    return lines


PLAN_ROWS = (("gpu_hours", "GPU-hours"), ("power_fraction", "power fraction"), ("mfu", "MFU"), ("energy", "energy"),
             ("emissions", "emissions"), ("cost", "cost"))


def plan_rows(fp: Footprint) -> list[tuple[str, str, str, str]]:
    """(what, plan, measured, measured / plan) for each figure the plan and the run share."""
    plan = fp.work["plan"]
    out = []
    for key, label in PLAN_ROWS:
        row = plan["rows"].get(key, {})
        out.append((label, _planned(row), _value(row.get("measured"), row.get("units", "")),
                    f"{row['ratio']:.2f}x" if row.get("ratio") is not None else "-"))
    return out


def work_lines(fp: Footprint) -> list[str]:
    """The text lines of the work parts; none for a run that reported no work and had no budget or plan."""
    lines: list[str] = []
    work = work_rows(fp)
    if work:
        lines += ["", "work: " + ", ".join(v if k == "steps" else f"{v} {k}" for k, v, _ in work)]
        lines += [f"  {k}: {v}" + (f" ({basis})" if basis else "") for k, v, basis in efficiency_rows(fp)]
    if fp.work.get("forecast"):
        head, rows = forecast_rows(fp)
        lines += ["", head]
        for at, made, against, held in rows:
            lines.append(f"  made at {at}: {made}" + ("" if against == "-" else
                                                      f", {against} (the actual {'inside' if held == 'yes' else 'outside'} its range)"))
        if fp.work["forecast"].get("checks_note"):
            lines.append(f"  {fp.work['forecast']['checks_note']}")
    if fp.work.get("budget"):
        lines += ["", *budget_lines(fp.work["budget"])]
    if fp.work.get("plan"):
        lines += ["", f"plan ({fp.work['plan']['file']}) against the measurement"]
        lines += [f"  {label:<15} plan {planned:<30} measured {measured}" + ("" if ratio == "-" else f"  ({ratio} plan)")
                  for label, planned, measured, ratio in plan_rows(fp)]
        if fp.work["plan"].get("forecast_above_plan"):
            lines.append("  the forecast went above the plan's high end")
    return lines


def _value(x: float | None, units: str) -> str:
    from footprint.render.text import number

    if x is None:
        return "-"
    if units == "":
        return f"{x:.1%}"
    if units == "kWh":
        return _energy(x)
    if units == "kgCO2e":
        from footprint.core.fmt import span
        from footprint.core.units import Q

        return span(Q(x, "kgCO2e"), ladder="emissions")
    return f"{number(x, 4)} {units}"


def _planned(row: dict[str, Any]) -> str:
    values = row.get("plan")
    if not values:
        return "-"
    units = row.get("units", "")
    text = _value(values[0], units)
    if values[1] != values[0] or values[2] != values[0]:
        text += f" ({_value(values[1], units)}..{_value(values[2], units)})"
    return text
