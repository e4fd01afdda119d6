"""Side by side with codecarbon's OfflineEmissionsTracker: overhead on the same in-process workload, and GPU
energy error on the same fake traces.

1. Overhead: a fixed CPU-bound pure-Python workload, run bare, inside ``footprint.track()`` and inside
   codecarbon's ``OfflineEmissionsTracker`` (its default 15 s, and 1 s), interleaved rounds, median wall time.
   Both trackers are threads in the workload's process here (codecarbon has no out-of-process mode;
   ``footprint run`` meters from its own process, see meter_overhead.py).
2. Error: two fake GPUs (steady 350 W; a bursty 100 <-> 650 W square wave, 0.65 s half-period) under pynvml, on
   the real clock; each tracker meters the same length of time and is compared with the exact integral over
   its own start..stop as the fake devices saw it. codecarbon reads the same fake library, since the fake sits
   below pynvml (it also needs an ``nvidia-smi`` on PATH: a stand-in script that exits 0 is provided).

    python benchmarks/meter_codecarbon.py          # about two minutes
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import footprint
from footprint.meter.fake_nvml import FakeGpu

SQUARE = [(round(t * 0.65, 2), 650.0 if t % 2 else 100.0) for t in range(0, 2000)]


def workload(n: int) -> float:
    start = time.perf_counter()
    s = 0
    for i in range(n):
        s += i * i % 7
    return time.perf_counter() - start


def codecarbon_tracker(seconds: float) -> object:
    from codecarbon import OfflineEmissionsTracker

    return OfflineEmissionsTracker(country_iso_code="FRA", measure_power_secs=seconds, save_to_file=False,
                                   log_level="error", tracking_mode="machine")


def overhead(rounds: int, work: int) -> dict[str, list[float]]:
    cases = {
        "bare": lambda: workload(work),
        "footprint.track (5 s)": lambda: _inside(footprint.track(quiet=True), work),
        "codecarbon (15 s, default)": lambda: _inside(codecarbon_tracker(15), work),
        "codecarbon (1 s)": lambda: _inside(codecarbon_tracker(1), work),
    }
    out: dict[str, list[float]] = {k: [] for k in cases}
    names = list(cases)
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:  # rotate, so no case always runs first
            out[name].append(cases[name]())
    return out


def _inside(tracker: object, work: int) -> float:
    if hasattr(tracker, "__enter__") and not hasattr(tracker, "start"):
        with tracker:  # type: ignore[attr-defined]
            return workload(work)
    tracker.start()  # type: ignore[attr-defined]
    try:
        return workload(work)
    finally:
        tracker.stop()  # type: ignore[attr-defined]


def error(seconds: float) -> dict[str, tuple[float, float]]:
    """Run in a fresh interpreter: codecarbon calls nvmlInit when it is first imported, so the fake library
    must be in place before that."""
    import pynvml

    from footprint.meter.fake_nvml import install_fake_nvml

    gpus = [FakeGpu(power="350 W", uuid="GPU-steady"), FakeGpu(trace=SQUARE, uuid="GPU-square")]
    lib = install_fake_nvml(gpus)
    pynvml.nvmlInit()  # keep the library initialised across both trackers' init/shutdown calls
    results: dict[str, tuple[float, float]] = {}
    t0 = lib.clock()
    with footprint.track(quiet=True, interval="5s") as t:
        time.sleep(seconds)
    t1 = lib.clock()
    ours = [g["energy"]["magnitude"] * 3.6e6 for g in t.result.details["gpus"]]
    results["footprint.track (5 s)"] = _errors(ours, gpus, t0, t1)
    for every in (15, 1):
        tracker = codecarbon_tracker(every)
        t0 = lib.clock()
        tracker.start()
        time.sleep(seconds)
        tracker.stop()
        t1 = lib.clock()
        data = tracker.final_emissions_data
        exact = [g.energy_between(t0, t1) for g in gpus]
        results[f"codecarbon ({every} s)"] = (float(data.gpu_energy) * 3.6e6 / sum(exact) - 1, float("nan"))
    return results


def _errors(measured: list[float], gpus: list[FakeGpu], t0: float, t1: float) -> tuple[float, float]:
    exact = [g.energy_between(t0, t1) for g in gpus]
    return sum(measured) / sum(exact) - 1, max(abs(m / e - 1) for m, e in zip(measured, exact, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--work", type=int, default=30_000_000)
    parser.add_argument("--seconds", type=float, default=20.0, help="metered time in the error comparison")
    parser.add_argument("--error-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.getLogger("codecarbon").setLevel(logging.ERROR)
    if args.error_only:
        for name, (total, worst) in error(args.seconds).items():
            per_gpu = "" if worst != worst else f", worst GPU {worst:+.3%}"
            print(f"  {name:<28} total {total:+.3%}{per_gpu}")
        return
    times = overhead(args.rounds, args.work)
    bare = statistics.median(times["bare"])
    print(f"In-process workload ({args.work:,} iterations), {args.rounds} interleaved rounds, median wall time")
    for name, values in times.items():
        median = statistics.median(values)
        extra = "" if name == "bare" else f"  {median / bare - 1:+.2%} vs bare (min vs min {min(values) / min(times['bare']) - 1:+.2%})"
        print(f"  {name:<28} {median:7.3f} s  (min {min(values):.3f}){extra}")
    print()
    print(f"GPU energy error on fake traces (steady 350 W + bursty square wave), {args.seconds:g} s each")
    sys.stdout.flush()
    # codecarbon meters NVIDIA GPUs only if an `nvidia-smi` runs; give it a stand-in that exits 0
    shim = Path(tempfile.mkdtemp())
    (shim / "nvidia-smi").write_text("#!/bin/sh\nexit 0\n")
    (shim / "nvidia-smi").chmod(0o755)
    env = dict(os.environ, PATH=f"{shim}{os.pathsep}{os.environ.get('PATH', '')}")
    subprocess.run([sys.executable, __file__, "--error-only", "--seconds", str(args.seconds)], check=True, env=env)


if __name__ == "__main__":
    main()
