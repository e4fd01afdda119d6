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
TDP_MARGIN = 0.05  # a reading this far above TDP is flagged: boost, counter steps and read timing stay within it
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

        grid = replace(resolved.grid, intensity=hourly.value) if resolved.grid is not None else None
        resolved = replace(resolved, intensity=hourly.value, grid=grid)
        notes = [hourly if n.name == "intensity" else n for n in notes]
        inputs["intensity"] = hourly.value
    gpu_j = sum(p.energy("gpu") for p in parts)
    cpu_j = sum(p.energy("cpu") for p in parts)
    ram_j = sum(p.energy("ram") for p in parts)
    # a node's device is counted once, however many of the node's logs it is in (job steps, a rank that took over)
    n_gpus = len({(_where(p), c.key) for p in parts for c in p.gpus})
    duration_s = wall_time(parts)
    gpu_seconds = sum(len(p.gpus) * p.duration for p in parts)
    energy_gpu, energy_cpu, energy_ram = _kwh(gpu_j), _kwh(cpu_j), _kwh(ram_j)
    energy_host = _kwh(cpu_j + ram_j)
    gpu_hours = Span(Q(gpu_seconds / 3600, "h"))
    energy, overhead, emissions, _ = site_totals(_kwh(gpu_j + cpu_j + ram_j), gpu_hours, resolved.pue, resolved.intensity)
    rental, electricity = cost_parts(gpu_hours, energy, resolved.price, resolved.energy_price)

    measured = _measurement_notes(parts, duration_s)
    gpu_details = [_gpu_detail(p, c) for p in parts for c in p.gpus]
    unread = [g for g in gpu_details if not g["measured"]]
    if unread:
        measured.append(Assumption("gpu_energy_unknown", f"{len(unread)} of {len(gpu_details)} GPU(s) not measured", "measured",
                                   "never read during the run (lost at start, or every read failed): its energy is at most "
                                   "a fill, and it is left out of the measured power fraction: " + ", ".join(device_name(g) for g in unread)))
    profiles = {d["profile"] for d in gpu_details}
    profile = next(iter(profiles)) if len(profiles) == 1 else None
    details: dict[str, Any] = {
        "gpus": gpu_details,
        "cpu": [_host_detail(p, "cpu") for p in parts],
        "ram": [_host_detail(p, "ram") for p in parts],
        "nodes": [{"host": p.header.get("host"), "log": p.header.get("log"), "complete": p.complete,
                   "duration": _q(p.duration, "s"), "gpus": len(p.gpus), "simulated": bool(_facts(p).get("simulated"))}
                  for p in parts],
        "estimated_energy": _q(sum(p.estimated() for p in parts) / J_PER_KWH, "kWh"),
    }
    refused = [entry for p in parts for entry in p.refused]
    if refused:  # stored totals that failed their checks: the records were read instead
        details["refused_totals"] = refused
    if compare:
        read = [(p, c) for p in parts for c in p.gpus if was_read(c.seconds()[:3])]
        read_j, read_s = sum(c.energy for _, c in read), sum(p.duration for p, _ in read)
        n_read = len({(_where(p), c.key) for p, c in read})
        details["estimate"] = _tdp_comparison(gpu_details, profile, n_gpus, duration_s, options, read_j, read_s, n_read)
    if extra_details:
        details.update(extra_details)
    cost = total_cost(rental, electricity)
    work = _work(parts, energy, emissions, cost, gpu_j, cpu_j, duration_s, n_gpus, gpu_seconds, details)
    return Footprint(
        kind="measurement", gpu_hours=gpu_hours, energy_gpu=energy_gpu, energy_host=energy_host,
        energy_overhead=overhead, energy=energy, emissions=emissions, assumptions=tuple(measured + notes),
        cost=cost, cost_gpu_rental=rental, cost_electricity=electricity,
        gpus=n_gpus, duration=Span(Q(duration_s / 3600, "h")), profile=profile, energy_cpu=energy_cpu,
        energy_ram=energy_ram, label=label, details=details,
        inputs={**({"profile": profile} if profile else {}), "gpus": n_gpus, "duration": Span(Q(duration_s / 3600, "h")),
                **inputs, **({"label": label} if label else {})},
        work=work, grid=resolved.grid, device_kind=_device_kind(profile),
    )


def _device_kind(profile_id: str | None) -> str:
    from footprint.plugins.catalog import device_kind_of

    return device_kind_of(profile_id)


def _where(part: Totals) -> Any:
    """What tells one node's devices from another's: the node a launcher named, else the log itself."""
    return ("node", part.header.get("job"), part.header["node"]) if part.header.get("node") else ("log", id(part))


def _work(parts: list[Totals], energy: Span, emissions: Span, cost: Span | None, gpu_j: float, cpu_j: float,
          duration_s: float, n_gpus: int, gpu_seconds: float, details: dict[str, Any]) -> dict[str, Any]:
    """The work, efficiency, forecast, plan and budget sections, for a run metered with its work (run, track)."""
    if not any(p.work for p in parts):
        return {}
    from footprint.meter.work import work_sections

    fraction = details.get("estimate", {}).get("measured_power_fraction")
    return work_sections(parts, float(energy.central.to("kWh").magnitude), gpu_j, cpu_j, duration_s, n_gpus,
                         float(emissions.central.to("kgCO2e").magnitude),
                         float(cost.central.to("USD").magnitude) if cost is not None else None, gpu_seconds / 3600, fraction,
                         parts[0].header)


def wall_time(parts: list[Totals]) -> float:
    """Seconds from meter start to stop: the runs of one log follow one another (a log has one writer at a time),
    so their times add up; the logs of a job's nodes run side by side, so the longest counts."""
    by_log: dict[Any, float] = {}
    for i, part in enumerate(parts):
        log = part.header.get("log")
        key = log if isinstance(log, str) else i  # a result without a log stands alone
        by_log[key] = by_log.get(key, 0.0) + part.duration
    return max(by_log.values(), default=0.0)


def _facts(part: Totals) -> dict[str, Any]:
    """What the meter found about the machine (a header's ``facts``), or nothing if the header holds no object."""
    facts = part.header.get("facts")
    return facts if isinstance(facts, dict) else {}


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
                    str(_facts(p).get("nvml", "no GPU")) for p in parts)))
            continue
        origin = "modelled" if all(m.startswith("modelled") for m in methods) else "measured"
        count = sum(1 for p in parts for c in p.channels if c.component == component)
        value = f"{count} GPU(s)" if component == "gpu" else ("modelled" if origin == "modelled" else "measured")
        out.append(Assumption(what, value, origin, "; ".join(methods)))
    estimated = sum(p.estimated() for p in parts)
    if abs(estimated) > 1e-9:
        out.append(Assumption("estimated_energy", _kwh(estimated).to("kWh"), "derived",
                              "filled at the last measured power over gaps (GPU errors, counter resets); included in the totals"))
    if any(_facts(p).get("simulated") for p in parts):
        out.append(Assumption("gpus", "simulated", "user", "FOOTPRINT_FAKE_GPUS: fake NVML devices, not real hardware"))
    return out


def was_read(seconds: list[float]) -> bool:
    """Whether a device with these [measured, filled, unknown] seconds was ever read (a run of no time has no gap)."""
    measured, filled, unknown = seconds
    return measured > 0 or filled + unknown <= 0


def device_name(detail: dict[str, Any]) -> str:
    """'GPU 0 (NVIDIA H100 80GB HBM3, GPU-0a0a...)', with the node when the run had several."""
    where = f"node {detail['host']} " if detail.get("host") else ""
    index = detail.get("index")
    return f"{where}GPU {'?' if index is None else index} ({detail.get('name') or 'unnamed'}, {detail.get('uuid')})"


def seconds_detail(channel: ChannelTotals) -> dict[str, Any]:
    """How each second of the run is known for one device: measured, filled across a gap, or unknown."""
    return {"measured": _q(channel.measured_s, "s"), "filled": _q(channel.filled_s, "s"), "unknown": _q(channel.unknown_s, "s")}


def device_tdp(channel: ChannelTotals) -> tuple[float | None, str]:
    """The device's TDP in W and where it comes from: its profile's datasheet figure, else the power limit the
    device reported (``power_limit_w``)."""
    profile_id = profile_id_for(channel)
    if profile_id:
        try:
            from footprint.plugins.catalog import get_profile

            profile = get_profile(profile_id)
            if profile.tdp is not None:
                return float(profile.tdp.value.to("W").magnitude), f"profile {profile.id}"
        except Exception:  # a broken profile plugin must not stop a report
            pass
    value = channel.info.get("power_limit_w")
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value), "power limit reported by the device"
    return None, ""


def above_tdp(average: float, peak: float, tdp: float | None, seconds: float) -> list[str]:
    """Which of a device's average and peak power are above its TDP. Over a run shorter than one peak window the
    counter's steps (~100 ms) and the read timing weigh too much for a power figure to be held against the TDP."""
    from footprint.meter.ledger import PEAK_WINDOW_S

    if tdp is None or seconds < PEAK_WINDOW_S:
        return []
    return [name for name, watts in (("average", average), ("peak", peak)) if watts > tdp * (1 + TDP_MARGIN)]


def _gpu_detail(part: Totals, channel: ChannelTotals) -> dict[str, Any]:
    info = channel.info
    average = channel.energy / part.duration if part.duration > 0 else 0.0
    limit = info.get("power_limit_w")
    peak = max(channel.peak_w, average)
    tdp, tdp_source = device_tdp(channel)
    over = above_tdp(average, peak, tdp, part.duration)
    return {
        "host": part.header.get("host"),
        "index": info.get("index"), "uuid": channel.key, "name": info.get("name"), "profile": profile_id_for(channel),
        "method": info.get("method"),
        "energy": _q(channel.energy / J_PER_KWH, "kWh"),
        "estimated_energy": _q(channel.estimated / J_PER_KWH, "kWh"),
        "average_power": _q(average, "W"),
        # every interval is inside some window the peak considered, so the peak is at least the average
        "peak_power": _q(peak, "W"),
        "power_limit": _q(limit, "W") if limit else None,
        "gap": _q(channel.gap_s, "s"),
        "counter_resets": channel.counter_resets,
        # a device never read is not measured: its 0 J is a gap, not a figure
        "measured": was_read(channel.seconds()[:3]),
        "seconds": seconds_detail(channel),
        "tdp": _q(tdp, "W") if tdp is not None else None, "tdp_source": tdp_source,
        "above_tdp": over,
    }


def _host_detail(part: Totals, component: str) -> dict[str, Any]:
    found = [c for c in part.channels if c.component == component]
    energy = sum(c.energy for c in found)
    average = energy / part.duration if part.duration > 0 else 0.0
    out = {"host": part.header.get("host"), "method": found[0].info.get("method") if found else "not metered",
           "energy": _q(energy / J_PER_KWH, "kWh"), "average_power": _q(average, "W")}
    if found:
        out["measured"] = any(was_read(c.seconds()[:3]) for c in found)
        out["seconds"] = {key: _q(sum(float(seconds_detail(c)[key]["magnitude"]) for c in found), "s")
                          for key in ("measured", "filled", "unknown")}
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
                    site: dict[str, Any], gpu_j: float, gpu_s: float, n_read: int) -> dict[str, Any]:
    """The same run estimated from the profile's TDP, and the measured power as a fraction of that TDP (of the
    GPUs that were read: a GPU never read would pull the fraction towards 0)."""
    if not gpus:
        return {"note": "no GPU metered: nothing to compare with an estimate"}
    if n_read == 0:
        return {"note": "no GPU was ever read: no measured power to compare with an estimate"}
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
    average = gpu_j / gpu_s if gpu_s > 0 else 0.0  # per GPU-second of the GPUs that were read
    return {
        "profile": profile.id, "tdp": _q(tdp, "W"), "tdp_source": profile.tdp.source,
        "energy_gpu": estimate.energy_gpu.as_json("kWh"), "energy_host": estimate.energy_host.as_json("kWh"),
        "energy": estimate.energy.as_json("kWh"), "emissions": estimate.emissions.as_json("kgCO2e"),
        "measured_average_power": _q(average, "W"),
        "measured_power_fraction": round(average / tdp, 4),
        **({"measured_gpus": n_read} if n_read != n_gpus else {}),
    }


def problems(fp: Footprint) -> list[str]:
    """What a reader must not miss, one line each for stderr: devices never read, readings above a device's TDP."""
    from footprint.core.numbers import number

    out = []
    gpus = [g for node in fp.details.get("job", {}).get("nodes", []) for g in node.get("gpus", [])] or fp.details.get("gpus", [])
    for g in gpus:
        if not g.get("measured", True):
            out.append(f"{device_name(g)} was never read: not measured, left out of the power fraction")
        for what in g.get("above_tdp", []):
            out.append(f"{device_name(g)}: {what} power {number(float(g[f'{what}_power']['magnitude']), 4)} W is above its TDP of "
                       f"{number(float(g['tdp']['magnitude']), 4)} W ({g['tdp_source']}); check the meter")
    for key in ("cpu", "ram"):
        for part in fp.details.get(key, []):
            if part.get("measured") is False:
                out.append(f"{key.upper()}" + (f" of node {part['host']}" if part.get("host") else "") + " was never read: not measured")
    return out
