"""Calls per second of ``footprint.estimate()`` against the same pint operations done directly, side by side.

The floor is what a careful pint user would write for the same answer, on pint's own registry (with footprint's
unit definitions): the profile's figures already loaded, every unit pre-built once (no unit strings re-read),
user text through pint's own parser, and the arithmetic of the estimate (GPU-hours, GPU and host energy, PUE,
overhead, emissions, wall time) on plain Quantities. A range ("1.1..1.4") costs the floor the same arithmetic
three times (low, central, high); so does the H800's host power, which estimate() takes from the node power
measured under training up to the nameplate (a range, even when every input is a single value). ``estimate()`` does that and also validates every input, records each
assumption with its source and keeps ranges together.

Each round times N calls of one side, then N of the other (the order alternates by round), so drift in the
machine's load hits both alike; times are this process's CPU time. The ratio is taken pair by pair and the
median is shown. Before timing, both sides are checked to give the same energy and emissions. Target:
estimate() at >= 0.8x the floor's calls/s, for single values and for ranges.

    python benchmarks/estimate_speed.py              # 9 rounds of 300 calls
    python benchmarks/estimate_speed.py --rounds 15 --calls 500 --json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import footprint
import footprint.core.units
from footprint.estimates.inputs import defaults
from footprint.plugins.catalog import get_profile

TARGET = 0.8
PROFILE = "h800"
GPUS = 2048


@dataclass(frozen=True)
class Case:
    name: str
    ours: Callable[[int], Any]  # call i -> Footprint
    floor: Callable[[int], tuple[Any, Any]]  # call i -> (energy, emissions) as pint Quantities


def inputs(i: int) -> tuple[float, float, str]:
    """Varied inputs, so no answer is ever the previous call's: hours, PUE, an intensity typed by a user."""
    return 1000.0 + i % 400, 1.05 + (i % 40) / 100, f"{300 + i % 400} g/kWh"


def stock_registry() -> Any:
    """pint as it ships, with footprint's unit definitions (gCO2e, USD, FLOP) loaded: the floor is pint alone."""
    import pint

    ureg = pint.UnitRegistry(cache_folder=":auto:")
    ureg.load_definitions(str(Path(footprint.core.units.__file__).with_name("units.txt")))
    return ureg


def make_cases() -> list[Case]:
    ureg = stock_registry()
    quantity = ureg.Quantity
    hour, watt, kwh = ureg.Unit("h"), ureg.Unit("W"), ureg.Unit("kWh")
    kg_co2e, g_per_kwh, g_co2e_per_kwh = ureg.Unit("kgCO2e"), ureg.Unit("g/kWh"), ureg.Unit("gCO2e/kWh")
    dimensionless = ureg.Unit("")
    profile = get_profile(PROFILE)
    nameplate, measured = profile.host_power(), profile.host_power_measured()
    assert nameplate is not None, f"{PROFILE} should have node data"
    tdp = quantity(profile.tdp.value.to("W").magnitude, watt)
    # the host power estimate() uses: measured under training, up to the nameplate (a range), else the nameplate
    hosts = tuple(quantity(f.value.to("W").magnitude, watt) for f in ((measured, measured, nameplate) if measured else (nameplate,)))
    fraction = float(defaults()["gpu_power_fraction"]["value"])  # the documented default share of TDP

    def intensity_of(text: str) -> Any:
        q = quantity(text)  # the user's text through pint's full parser, as estimate() must
        return quantity(q.to(g_per_kwh).magnitude, g_co2e_per_kwh)

    def arithmetic(hours: Any, power_fraction: Any, pue: Any, intensity: Any, host: Any) -> tuple[Any, Any]:
        gpu_hours = (hours * GPUS).to(hour)
        power = (tdp * power_fraction).to(watt)
        energy_gpu = (gpu_hours * power).to(kwh)
        energy_host = (gpu_hours * host).to(kwh)
        it = energy_gpu + energy_host
        energy = (it * pue).to(kwh)
        overhead = (it * (pue - 1)).to(kwh)
        emissions = (energy * intensity).to(kg_co2e)
        duration = (gpu_hours / GPUS).to(hour)
        assert overhead.magnitude >= 0 and duration.magnitude > 0
        return energy, emissions

    def floor_point(i: int) -> tuple[Any, Any]:
        h, pue, text = inputs(i)
        hours, power, p, intensity = quantity(h, hour), quantity(fraction, dimensionless), quantity(pue, dimensionless), intensity_of(text)
        results = [arithmetic(hours, power, p, intensity, host) for host in hosts]  # a host range: low, central, high
        return results[len(results) // 2]

    def ours_point(i: int) -> Any:
        h, pue, text = inputs(i)
        return footprint.estimate(PROFILE, gpus=GPUS, hours=h, pue=pue, intensity=text)

    def bounds(text: str) -> tuple[Any, Any, Any]:
        low, high = (quantity(float(part), dimensionless) for part in text.split(".."))
        return low, (low + high) / 2, high

    def range_texts(i: int) -> tuple[float, str, str, str]:
        h, pue, text = inputs(i)
        return h, "0.6..0.9", f"1.05..{pue + 0.1:.2f}", text

    def floor_range(i: int) -> tuple[Any, Any]:
        h, power_text, pue_text, text = range_texts(i)
        hours, intensity = quantity(h, hour), intensity_of(text)
        host_bounds = hosts if len(hosts) == 3 else hosts * 3
        results = [arithmetic(hours, f, p, intensity, host)
                   for f, p, host in zip(bounds(power_text), bounds(pue_text), host_bounds, strict=True)]
        return results[1]  # central; low and high were computed alike

    def ours_range(i: int) -> Any:
        h, power_text, pue_text, text = range_texts(i)
        return footprint.estimate(PROFILE, gpus=GPUS, hours=h, gpu_power=power_text, pue=pue_text, intensity=text)

    return [Case("point estimate", ours_point, floor_point), Case("range estimate", ours_range, floor_range)]


def check_same_answer(case: Case) -> None:
    """Both sides must compute the same thing, or the comparison means nothing."""
    for i in range(0, 400, 37):
        fp = case.ours(i)
        energy, emissions = case.floor(i)
        pairs = ((fp.energy.central.to("kWh").magnitude, energy.to("kWh").magnitude),
                 (fp.emissions.central.to("kgCO2e").magnitude, emissions.to("kgCO2e").magnitude))
        for ours, floor in pairs:
            if not math.isclose(ours, floor, rel_tol=1e-9):
                raise SystemExit(f"{case.name}: estimate() gives {ours} where the floor gives {floor} (call {i})")


def calls_per_second(fn: Callable[[int], Any], calls: int) -> float:
    """Calls per second of this process's CPU time: other work on a shared machine barely moves it."""
    start = time.process_time()
    for i in range(calls):
        fn(i)
    return calls / (time.process_time() - start)


def measure(case: Case, rounds: int, calls: int) -> dict[str, Any]:
    calls_per_second(case.ours, calls // 3)  # warm-up: caches, profile catalog, grid data
    calls_per_second(case.floor, calls // 3)
    ours: list[float] = []
    floor: list[float] = []
    for r in range(rounds):
        if r % 2:
            floor.append(calls_per_second(case.floor, calls))
            ours.append(calls_per_second(case.ours, calls))
        else:
            ours.append(calls_per_second(case.ours, calls))
            floor.append(calls_per_second(case.floor, calls))
    ratios = [a / b for a, b in zip(ours, floor, strict=True)]
    return {"estimate_calls_per_s": statistics.median(ours), "floor_calls_per_s": statistics.median(floor),
            "ratio": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rounds", type=int, default=9, help="timed pairs per case (default 9)")
    parser.add_argument("--calls", type=int, default=300, help="calls per side per round (default 300)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    cases = make_cases()
    for case in cases:
        check_same_answer(case)
    results = {case.name: measure(case, args.rounds, args.calls) for case in cases}

    if args.json:
        print(json.dumps({"cases": results, "rounds": args.rounds, "calls": args.calls,
                          "python": platform.python_version(), "cpus": os.cpu_count()}, indent=2))
    else:
        print(f"footprint.estimate() against the same pint operations done directly: {args.rounds} alternating "
              f"rounds of {args.calls} calls (Python {platform.python_version()}, {os.cpu_count()} CPUs)\n")
        print(f"  {'case':<16} {'estimate()':>12} {'pint floor':>12} {'ratio':>7}  {'(min..max)':>12}")
        for name, r in results.items():
            verdict = "ok" if r["ratio"] >= TARGET else "MISSED"
            print(f"  {name:<16} {r['estimate_calls_per_s']:>8.0f} /s {r['floor_calls_per_s']:>8.0f} /s "
                  f"{r['ratio']:>6.2f}x  ({r['ratio_min']:.2f}..{r['ratio_max']:.2f})  target >= {TARGET}x: {verdict}")
    if any(r["ratio"] < TARGET for r in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
