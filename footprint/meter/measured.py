"""Measured totals (one node or many) to a Footprint: the same result type, keys and rendering as an estimate.

Energy = GPU + CPU + RAM as measured (or modelled, and labelled so); facility energy = that x PUE; emissions =
facility energy x grid intensity; cost = GPU-hours x price (+ energy x electricity price). Next to it, the same
run estimated from the matching profile's TDP, and the measured average power as a fraction of TDP: the number
every estimate has to guess.
"""

from __future__ import annotations

from typing import Any

from footprint.core.estimator import cost_parts, site_totals, total_cost
from footprint.core.result import Assumption, Footprint
from footprint.core.span import Span
from footprint.meter.ledger import ChannelTotals, Totals

J_PER_KWH = 3.6e6
SITE_KEYS = ("pue", "region", "intensity", "price", "energy_price")


def _kwh(joules: float) -> Span:
    from footprint.core.units import Q

    return Span(Q(joules / J_PER_KWH, "kWh"))


def _q(value: float, units: str) -> dict[str, Any]:
    return {"magnitude": float(f"{value:.9g}"), "units": units}


def site_options(parts: list[Totals], overrides: dict[str, Any]) -> dict[str, Any]:
    """The site options to use: those given now, else those the run was started with (all logs must agree)."""
    from footprint.errors import FootprintError

    chosen: dict[str, Any] = {}
    conflicts: list[tuple[str, list[str]]] = []
    for key in SITE_KEYS:
        if overrides.get(key) is not None:
            chosen[key] = overrides[key]
            continue
        values = {str(p.header.get("settings", {}).get("site", {}).get(key)) for p in parts}
        if len(values) > 1:
            conflicts.append((f"--{key.replace('_', '-')}", sorted(values)))
            continue
        value = parts[0].header.get("settings", {}).get("site", {}).get(key) if parts else None
        if value is not None:
            chosen[key] = value
    if conflicts:  # every conflict at once, so one more try is enough
        differ = " and ".join(f"{option} ({', '.join(values)})" for option, values in conflicts)
        options = " and ".join(option for option, _ in conflicts)
        raise FootprintError(f"the logs were metered with different {differ}; pass {options} to choose "
                             + ("one" if len(conflicts) == 1 else "each"))
    if chosen.get("intensity") is not None and overrides.get("region") is not None and overrides.get("intensity") is None:
        chosen.pop("intensity")  # a region given now replaces an intensity recorded then
    if chosen.get("region") is not None and overrides.get("intensity") is not None and overrides.get("region") is None:
        chosen.pop("region")
    return chosen


def profile_id_for(channel: ChannelTotals) -> str | None:
    """The profile of a GPU channel: recorded in the log, else looked up from its NVML name now."""
    if "profile" in channel.info:
        return channel.info["profile"]
    name = channel.info.get("name")
    if not name:
        return None
    try:
        from footprint.plugins.catalog import profile_for_device

        profile = profile_for_device(str(name))
    except Exception:  # a broken profile plugin must not stop a report
        return None
    return profile.id if profile else None


def build_footprint(parts: list[Totals], site: dict[str, Any] | None = None, label: str = "",
                    extra_details: dict[str, Any] | None = None, compare: bool = True) -> Footprint:
    """The Footprint of one or more nodes' metered totals (one Totals per node log)."""
    from footprint.core.units import Q
    from footprint.estimates.inputs import resolve_site

    notes: list[Assumption] = []
    options = site_options(parts, site or {})
    inputs: dict[str, Any] = {}
    resolved = resolve_site(notes=notes, resolved=inputs, **options)
    hourly = _time_resolved_intensity(parts, options)
    if hourly is not None:  # a grid plugin gave hourly data: weight each hour's energy by its own intensity
        from dataclasses import replace

        resolved = replace(resolved, intensity=hourly.value)
        notes = [hourly if n.name == "intensity" else n for n in notes]
        inputs["intensity"] = hourly.value
    gpu_j = sum(p.energy("gpu") for p in parts)
    cpu_j = sum(p.energy("cpu") for p in parts)
    ram_j = sum(p.energy("ram") for p in parts)
    n_gpus = sum(len(p.gpus) for p in parts)
    duration_s = max((p.duration for p in parts), default=0.0)
    gpu_seconds = sum(len(p.gpus) * p.duration for p in parts)
    energy_gpu, energy_cpu, energy_ram = _kwh(gpu_j), _kwh(cpu_j), _kwh(ram_j)
    energy_host = _kwh(cpu_j + ram_j)
    gpu_hours = Span(Q(gpu_seconds / 3600, "h"))
    energy, overhead, emissions, _ = site_totals(_kwh(gpu_j + cpu_j + ram_j), gpu_hours, resolved.pue, resolved.intensity)
    rental, electricity = cost_parts(gpu_hours, energy, resolved.price, resolved.energy_price)

    measured = _measurement_notes(parts, duration_s)
    gpu_details = [_gpu_detail(p, c) for p in parts for c in p.gpus]
    profiles = {d["profile"] for d in gpu_details}
    profile = next(iter(profiles)) if len(profiles) == 1 else None
    details: dict[str, Any] = {
        "gpus": gpu_details,
        "cpu": [_host_detail(p, "cpu") for p in parts],
        "ram": [_host_detail(p, "ram") for p in parts],
        "nodes": [{"host": p.header.get("host"), "log": p.header.get("log"), "complete": p.complete,
                   "duration": _q(p.duration, "s"), "gpus": len(p.gpus), "simulated": bool(p.header.get("facts", {}).get("simulated"))}
                  for p in parts],
        "estimated_energy": _q(sum(p.estimated() for p in parts) / J_PER_KWH, "kWh"),
    }
    if compare:
        details["estimate"] = _tdp_comparison(gpu_details, profile, n_gpus, duration_s, options, gpu_j)
    if extra_details:
        details.update(extra_details)
    return Footprint(
        kind="measurement", gpu_hours=gpu_hours, energy_gpu=energy_gpu, energy_host=energy_host,
        energy_overhead=overhead, energy=energy, emissions=emissions, assumptions=tuple(measured + notes),
        cost=total_cost(rental, electricity), cost_gpu_rental=rental, cost_electricity=electricity,
        gpus=n_gpus, duration=Span(Q(duration_s / 3600, "h")), profile=profile, energy_cpu=energy_cpu,
        energy_ram=energy_ram, label=label, details=details,
        inputs={**({"profile": profile} if profile else {}), "gpus": n_gpus, "duration": Span(Q(duration_s / 3600, "h")),
                **inputs, **({"label": label} if label else {})},
    )


def _time_resolved_intensity(parts: list[Totals], options: dict[str, Any]) -> Assumption | None:
    """The run's energy-weighted grid intensity when the region's plugin has time-resolved periods, else None."""
    from datetime import UTC, datetime

    from footprint.core.units import Q
    from footprint.plugins.grid import lookup

    region = options.get("region")
    energy_by_hour: dict[int, float] = {}
    for part in parts:
        for hour, joules in part.hourly.items():
            energy_by_hour[hour] = energy_by_hour.get(hour, 0.0) + joules
    total = sum(energy_by_hour.values())
    if region is None or options.get("intensity") is not None or not energy_by_hour or total <= 0:
        return None
    start = datetime.fromtimestamp(min(energy_by_hour) * 3600, UTC)
    end = datetime.fromtimestamp((max(energy_by_hour) + 1) * 3600, UTC)
    grid = lookup(str(region), start, end)
    if not grid.periods:
        return None
    weighted = 0.0
    covered = 0
    for hour, joules in energy_by_hour.items():
        intensity, from_period = grid.for_hour(datetime.fromtimestamp(hour * 3600, UTC))
        covered += from_period
        weighted += joules * float(intensity.to("gCO2e/kWh").magnitude)
    value = Span(Q(weighted / total, "gCO2e/kWh"))
    return Assumption("intensity", value, "region data",
                      f"{grid.describe()} (plugin {grid.plugin!r}); energy-weighted over the run's {len(energy_by_hour)} "
                      f"UTC hours, {covered} of them from time-resolved periods, the rest from the single figure")


def _measurement_notes(parts: list[Totals], duration_s: float) -> list[Assumption]:
    from footprint.core.units import Q

    out = [Assumption("duration", Span(Q(duration_s, "s").to("h")), "measured",
                      "meter start to stop" + ("" if all(p.complete for p in parts) else "; log cut short: up to the last complete interval"))]
    for component, what in (("gpu", "gpu_energy"), ("cpu", "cpu_energy"), ("ram", "ram_energy")):
        methods = sorted({str(c.info.get("method", "")) for p in parts for c in p.channels if c.component == component})
        if not methods:
            if component == "gpu":
                out.append(Assumption(what, "0 (no GPU metered)", "measured", "; ".join(
                    str(p.header.get("facts", {}).get("nvml", "no GPU")) for p in parts)))
            continue
        origin = "modelled" if all(m.startswith("modelled") for m in methods) else "measured"
        count = sum(1 for p in parts for c in p.channels if c.component == component)
        value = f"{count} GPU(s)" if component == "gpu" else ("modelled" if origin == "modelled" else "measured")
        out.append(Assumption(what, value, origin, "; ".join(methods)))
    estimated = sum(p.estimated() for p in parts)
    if abs(estimated) > 1e-9:
        out.append(Assumption("estimated_energy", _kwh(estimated).to("kWh"), "derived",
                              "filled at the last measured power over gaps (GPU errors, counter resets); included in the totals"))
    if any(p.header.get("facts", {}).get("simulated") for p in parts):
        out.append(Assumption("gpus", "simulated", "user", "FOOTPRINT_FAKE_GPUS: fake NVML devices, not real hardware"))
    return out


def _gpu_detail(part: Totals, channel: ChannelTotals) -> dict[str, Any]:
    info = channel.info
    average = channel.energy / part.duration if part.duration > 0 else 0.0
    limit = info.get("power_limit_w")
    return {
        "host": part.header.get("host"),
        "index": info.get("index"), "uuid": channel.key, "name": info.get("name"), "profile": profile_id_for(channel),
        "method": info.get("method"),
        "energy": _q(channel.energy / J_PER_KWH, "kWh"),
        "estimated_energy": _q(channel.estimated / J_PER_KWH, "kWh"),
        "average_power": _q(average, "W"),
        # every interval is inside some window the peak considered, so the peak is at least the average
        "peak_power": _q(max(channel.peak_w, average), "W"),
        "power_limit": _q(limit, "W") if limit else None,
        "gap": _q(channel.gap_s, "s"),
        "counter_resets": channel.counter_resets,
    }


def _host_detail(part: Totals, component: str) -> dict[str, Any]:
    found = [c for c in part.channels if c.component == component]
    energy = sum(c.energy for c in found)
    average = energy / part.duration if part.duration > 0 else 0.0
    out = {"host": part.header.get("host"), "method": found[0].info.get("method") if found else "not metered",
           "energy": _q(energy / J_PER_KWH, "kWh"), "average_power": _q(average, "W")}
    # what the channel recorded about its hardware, as data, so that exports need not parse the method text
    for key in ("model", "sockets", "total_gb"):
        if found and found[0].info.get(key) is not None:
            out[key] = found[0].info[key]
    # the scope asked for (--cpu-scope); logs written before the header kept it have it in the CPU model's facts
    scope = part.header.get("settings", {}).get("cpu_scope") or part.header.get("facts", {}).get("cpu_scope")
    if scope:
        out["scope"] = scope
    return out


def _tdp_comparison(gpus: list[dict[str, Any]], profile_id: str | None, n_gpus: int, duration_s: float,
                    site: dict[str, Any], gpu_j: float) -> dict[str, Any]:
    """The same run estimated from the profile's TDP, and the measured power as a fraction of that TDP."""
    if not gpus:
        return {"note": "no GPU metered: nothing to compare with an estimate"}
    if profile_id is None:
        names = sorted({str(g["name"]) for g in gpus})
        return {"note": f"no single hardware profile matches {', '.join(names)}: no TDP to compare with"}
    if duration_s <= 0:
        return {"note": "the run lasted no measurable time"}
    from footprint.core.estimator import compute
    from footprint.estimates.inputs import build_spec
    from footprint.plugins.catalog import get_profile

    profile = get_profile(profile_id)
    if profile.tdp is None:
        return {"note": f"profile {profile.id} publishes no TDP: nothing to compare with"}
    spec, notes = build_spec(profile=profile, gpus=n_gpus, duration=f"{duration_s} s", **site)
    estimate = compute(spec, notes)
    tdp = float(profile.tdp.value.to("W").magnitude)
    average = gpu_j / duration_s / n_gpus
    return {
        "profile": profile.id, "tdp": _q(tdp, "W"), "tdp_source": profile.tdp.source,
        "energy_gpu": estimate.energy_gpu.as_json("kWh"), "energy_host": estimate.energy_host.as_json("kWh"),
        "energy": estimate.energy.as_json("kWh"), "emissions": estimate.emissions.as_json("kgCO2e"),
        "measured_average_power": _q(average, "W"),
        "measured_power_fraction": round(average / tdp, 4),
    }
