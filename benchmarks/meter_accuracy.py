"""Meter accuracy on synthetic power traces with known energy (fake NVML, fake clock), side by side per method.

Traces: steady; bursty square waves (0.65 s and 7 s half-periods, 100 <-> 650 W); a ramp 100 -> 700 W in 1 s
steps. Methods: the energy counter read every 5 s (target: within 0.5%); power polling at 10 Hz of the instant
field when it averages its whole 100 ms update period (Turing, Ampere/Ada instant; target: within 2%); the same
when it averages only 25 ms of each 100 ms (A100/H100, Yang et al. SC'24), which no polling rate can fix; and
``nvmlDeviceGetPowerUsage`` (a 1 s average on Ampere and newer). Each runs at several clock phases; the table
shows the worst absolute error.

    python benchmarks/meter_accuracy.py
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from footprint.meter.fake_nvml import FakeGpu
from tests.fixtures.meter.helpers import duration_s, gpu_joules, metered

TRACES = {
    "steady 350 W": [(0.0, 350.0)],
    "square 0.65 s": [(round(t * 0.65, 2), 650.0 if t % 2 else 100.0) for t in range(0, 1000)],
    "square 7 s": [(float(t), 650.0 if (t // 7) % 2 else 100.0) for t in range(0, 700)],
    "ramp 100->700 W": [(float(t), 100.0 + 600.0 * t / 300) for t in range(0, 300)] + [(300.0, 700.0)],
}
METHODS = {
    "counter @5 s": {"energy_counter": True},
    "poll 10 Hz, 100% window": {"energy_counter": False},
    "poll 10 Hz, 25% window": {"energy_counter": False, "power_window": 0.025},
    "GetPowerUsage 10 Hz": {"energy_counter": False, "instant_power": False, "arch": "ampere"},
}
PHASES = (0.0, 0.013, 0.037, 0.071)


def error(trace: list[tuple[float, float]], method: dict[str, object], seconds: float) -> float:
    worst = 0.0
    for phase in PHASES:
        gpu = FakeGpu(trace=trace, **method)  # type: ignore[arg-type]
        fp, recorder = metered([gpu], seconds, interval=5.0, poll_hz=10.0, phase=phase)
        (measured,) = gpu_joules(recorder)
        exact = gpu.energy_between(phase, phase + duration_s(fp))
        worst = max(worst, abs(measured / exact - 1))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="simulated run length per case")
    args = parser.parse_args()
    width = max(len(m) for m in METHODS) + 2
    print(f"Worst |error| against the exact integral over {len(PHASES)} clock phases, {args.seconds:g} s simulated")
    print(f"  {'trace':<18}" + "".join(f"{m:>{width}}" for m in METHODS))
    for name, trace in TRACES.items():
        print(f"  {name:<18}" + "".join(f"{error(trace, method, args.seconds):>{width}.3%}" for method in METHODS.values()))
    print("  targets: counter < 0.5%; polling at 10 Hz < 2% (where the instant field sees the whole update period)")


if __name__ == "__main__":
    main()
