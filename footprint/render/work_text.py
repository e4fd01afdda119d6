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
    from footprint.render.report import number

    if not q:
        return "-"
    j = float(q["magnitude"])
    for unit, scale in (("MJ", 1e6), ("kJ", 1e3), ("J", 1.0), ("mJ", 1e-3), ("uJ", 1e-6), ("nJ", 1e-9), ("pJ", 1e-12)):
        if abs(j) >= scale or unit == "pJ":
            return f"{number(j / scale, 4)} {unit}"
    return f"{j:g} J"


def _count(x: float | None) -> str:
    from footprint.render.report import number

    if x is None:
        return "-"
    return f"{x:.3g}" if x >= 1e9 else number(x, 6)


def _range_kwh(q: dict[str, Any]) -> str:
    return f"{_energy(q['magnitude'])} ({_energy(q.get('low', q['magnitude']))}..{_energy(q.get('high', q['magnitude']))})"


def work_lines(fp: Footprint) -> list[str]:
    """The lines of the work parts; none for a run that reported no work and had no budget or plan."""
    work = fp.work.get("work") or {}
    eff = fp.work.get("efficiency") or {}
    lines: list[str] = []
    if any(v is not None for k, v in work.items() if k != "total_steps"):
        done = []
        if work.get("steps") is not None:
            steps = f"{_count(work['steps'])} steps"
            if work.get("total_steps"):
                steps = f"{_count(work['steps'])} of {_count(work['total_steps'])} steps ({work['steps'] / work['total_steps']:.0%})"
            done.append(steps)
        for key, word in (("tokens", "tokens"), ("samples", "samples"), ("flops", "FLOP")):
            if work.get(key) is not None:
                done.append(f"{_count(work[key])} {word}")
        lines += ["", "work: " + ", ".join(done)]
        per = [f"per {word} {_joules(eff.get(f'energy_per_{word}'))}" for word in ("step", "token", "sample")
               if eff.get(f"energy_per_{word}")]
        if per:
            lines.append("  energy " + ", ".join(per) + " (facility energy)")
        if eff.get("energy_per_flop"):
            lines.append(f"  energy per FLOP {_joules(eff['energy_per_flop'])} ({eff.get('energy_per_flop_basis')})")
        if eff.get("flops_per_s"):
            from footprint.render.report import number

            mfu = f", MFU {eff['mfu']:.1%}" if eff.get("mfu") is not None else ""
            lines.append(f"  achieved {number(eff['flops_per_s']['magnitude'] / 1e12, 4)} TFLOP/s{mfu} ({eff.get('mfu_basis', '')})")
    fc = fp.work.get("forecast")
    if fc:
        end = fc.get("end")
        when = f", ends {datetime.fromisoformat(end):%Y-%m-%d %H:%M} UTC" if end else ""
        lines += ["", f"forecast of the whole run (last made at {fc['fraction_done']:.0%} of its {fc.get('unit')}): "
                  f"{_range_kwh(fc['energy'])}{when}"]
        for check in fc.get("checks", []):
            made = _range_kwh(check["energy"])
            if check.get("error") is None:
                lines.append(f"  made at {check['at']:.0%}: {made}")
            else:
                held = "the actual inside its range" if check.get("within_range") else "the actual outside its range"
                lines.append(f"  made at {check['at']:.0%}: {made}, {check['error']:+.1%} against the actual "
                             f"{_energy(check['actual']['magnitude'])} ({held})")
        if fc.get("checks_note"):
            lines.append(f"  {fc['checks_note']}")
    budget = fp.work.get("budget")
    if budget:
        lines += ["", f"budgets: {', '.join(budget['budgets'])} (on budget: {budget['on_budget']})"]
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
    plan = fp.work.get("plan")
    if plan:
        lines += ["", f"plan ({plan['file']}) against the measurement"]
        for key, label in (("gpu_hours", "GPU-hours"), ("power_fraction", "power fraction"), ("mfu", "MFU"),
                           ("energy", "energy"), ("emissions", "emissions"), ("cost", "cost")):
            row = plan["rows"].get(key, {})
            lines.append(f"  {label:<15} plan {_planned(row):<28} measured {_value(row.get('measured'), row.get('units', ''))}"
                         + (f"  ({row['ratio']:.2f}x plan)" if row.get("ratio") is not None else ""))
        if plan.get("forecast_above_plan"):
            lines.append("  the forecast went above the plan's high end")
    return lines


def _value(x: float | None, units: str) -> str:
    from footprint.render.report import number

    if x is None:
        return "-"
    if units == "":
        return f"{x:.1%}"
    if units == "kWh":
        return _energy(x)
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
