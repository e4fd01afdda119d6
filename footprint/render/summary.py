"""The text summary of a measured Footprint: result rows, per-GPU lines, the TDP comparison, then assumptions."""

from __future__ import annotations

from typing import Any

from footprint.core.result import Footprint


def _mag(q: dict[str, Any] | None) -> float:
    return float(q["magnitude"]) if q else 0.0


def _energy(kwh: float) -> str:
    from footprint.core.fmt import span
    from footprint.core.units import Q

    return span(Q(kwh, "kWh"), ladder="energy")


def _seconds(s: float) -> str:
    """'4.03 s', '12 ms' or '2.5 min': a duration in the unit that reads with 1 to 4 digits before the point."""
    from footprint.core.fmt import span
    from footprint.core.units import Q

    return span(Q(s, "s"), ladder="time")


def summary(fp: Footprint, title: str) -> str:
    """The human summary printed by ``footprint run`` and ``footprint report``."""
    from footprint.render.text import assumption_lines, number, result_lines

    head = [title, *result_lines(fp)]
    rest = ["", *assumption_lines(fp)]
    extra: list[str] = []
    gpus = fp.details.get("gpus", [])
    if gpus:
        extra.append("")
        from footprint.meter.ledger import PEAK_WINDOW_S

        extra.append(f"per GPU (energy, average power, peak power: the highest average over {PEAK_WINDOW_S:g} s or more; "
                     "seconds measured, filled across gaps, unknown)")
        from footprint.core.fmt import column, quantity_json

        energies = column([quantity_json(g.get("energy"), "kWh") for g in gpus], "energy")  # one unit for all GPUs
        for g, energy in zip(gpus, energies, strict=True):
            where = f"{g['host']} " if len({x['host'] for x in gpus}) > 1 else ""
            if g.get("measured", True):
                line = (f"  {where}GPU {g['index']}  {g['name']}: {energy}, average {number(_mag(g['average_power']), 4)} W, "
                        f"peak {number(_mag(g['peak_power']), 4)} W")
            else:
                line = f"  {where}GPU {g['index']}  {g['name']}: NOT MEASURED (never read)" + (
                    f", {energy} filled" if _mag(g.get("energy")) > 0 else "")
            if g.get("seconds"):
                line += "; " + seconds_text(g["seconds"])
            issues = [f"{what} {number(_mag(g[f'{what}_power']), 4)} W above TDP {number(_mag(g['tdp']), 4)} W ({g['tdp_source']})"
                      for what in g.get("above_tdp", [])]
            if _mag(g.get("gap")) > 0 and not g.get("seconds"):
                issues.append(f"gap {_seconds(_mag(g['gap']))}")
            if g.get("counter_resets"):
                issues.append(f"{g['counter_resets']} counter reset(s)")
            if abs(_mag(g.get("estimated_energy"))) > 0:
                issues.append(f"{_energy(_mag(g['estimated_energy']))} estimated")
            if issues:
                line += " [" + ", ".join(issues) + "]"
            extra.append(line)
            extra.append(f"      {g['method']}" + (f"; profile {g['profile']}" if g.get("profile") else ""))
    for key in ("cpu", "ram"):  # a host meter whose reads failed: its seconds, like a GPU's
        for part in fp.details.get(key, []):
            seconds = part.get("seconds")
            if seconds and (_mag(seconds.get("filled")) > 0 or _mag(seconds.get("unknown")) > 0):
                where = f"{part['host']} " if part.get("host") else ""
                extra.append(f"  {where}{key.upper()}: " + ("" if part.get("measured", True) else "NOT MEASURED (never read); ")
                             + seconds_text(seconds))
    estimate = fp.details.get("estimate", {})
    if estimate:
        extra.append("")
        if "note" in estimate:
            extra.append(f"estimate from TDP: {estimate['note']}")
        else:
            extra.append(f"same run estimated from TDP ({estimate['profile']}, {number(_mag(estimate['tdp']))} W per GPU, host at nameplate): "
                         f"GPU {_energy(_mag(estimate['energy_gpu']))}, total {_energy(_mag(estimate['energy']))}")
            read = f" over the {estimate['measured_gpus']} GPU(s) that were read" if "measured_gpus" in estimate else ""
            extra.append(f"  measured average GPU power{read} = {estimate['measured_power_fraction']:.1%} of TDP "
                         f"({number(_mag(estimate['measured_average_power']), 4)} W): the power fraction for estimates of runs like this")
    windows = fp.details.get("windows", {})
    if windows:
        extra.append("")
        extra.append("windows")
        for name, w in windows.items():
            total = w["energy_gpu_kwh"] + w["energy_cpu_kwh"] + w["energy_ram_kwh"]
            extra.append(f"  {name}: {_seconds(w['duration_s'])}, {_energy(total)} (GPU {_energy(w['energy_gpu_kwh'])})")
    from footprint.render.work_text import work_lines

    extra.extend(work_lines(fp))
    return "\n".join(head + extra + rest)


def seconds_text(seconds: dict[str, Any]) -> str:
    """'6 s measured, 0 s filled, 0 s unknown' from a device's seconds."""
    return ", ".join(f"{_seconds(_mag(seconds.get(key)))} {key}" for key in ("measured", "filled", "unknown"))


def problems(fp: Footprint) -> list[str]:
    """What a reader must not miss, one line each for stderr (see ``footprint.meter.measured.problems``)."""
    from footprint.meter.measured import problems as measured_problems

    return measured_problems(fp)


def job_lines(fp: Footprint) -> list[str]:
    """The per-node lines of the text report."""
    from footprint.meter.job import MAX_GPU_LINES

    info = fp.details.get("job", {})
    job = str(info.get("job"))
    lines = [f"job {job if len(job) <= 80 else job[:77] + '...'}: {len(info.get('nodes', []))} node(s)"
             + (f", {len(info['missing_nodes'])} missing" if info.get("missing_nodes") else "")
             + (f", {len(info['cut_short'])} cut short" if info.get("cut_short") else "")]
    nodes = info.get("nodes", [])
    per_gpu = sum(len(node["gpus"]) for node in nodes) <= MAX_GPU_LINES
    for node in nodes:
        state = "complete" if node["complete"] else "CUT SHORT"
        lines.append(f"  {node['node']:<16} {len(node['gpus'])} GPU(s)  GPU {_energy(node['energy_gpu']['magnitude']):>12}"
                     f"  total {_energy(node['energy']['magnitude']):>12}  {node['duration']['magnitude']:.0f} s  {state}")
        if per_gpu:
            for gpu in node["gpus"]:
                if gpu.get("measured", True):
                    line = (f"      GPU {gpu['index']}  {gpu['name']}: {_energy(gpu['energy']['magnitude'])}, "
                            f"average {gpu['average_power']['magnitude']:.1f} W, peak {gpu['peak_power']['magnitude']:.1f} W")
                else:
                    line = f"      GPU {gpu['index']}  {gpu['name']}: NOT MEASURED (never read)"
                lines.append(line + (f"; {seconds_text(gpu['seconds'])}" if gpu.get("seconds") else ""))
    if not per_gpu:
        lines.append(f"  (per-GPU figures of the {sum(len(n['gpus']) for n in nodes)} GPUs: --json, under nodes[].gpus)")
    for name in info.get("missing_nodes", []):
        lines.append(f"  {name:<16} MISSING (no log)")
    for span in info.get("unmetered", []):
        start = span["from"]["magnitude"]
        if span.get("to") is None:
            lines.append(f"  {span['node']:<16} NOT METERED from {start:.1f} s into the job on (its meter stopped, no rank took over)")
        else:
            how = "until another rank took over" if span.get("taken_over") else "no rank took over"
            lines.append(f"  {span['node']:<16} NOT METERED {start:.1f} s to {span['to']['magnitude']:.1f} s into the job "
                         f"({span['duration']['magnitude']:.1f} s; its meter stopped, {how})")
    return lines
