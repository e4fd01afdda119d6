"""Meter overhead, side by side: the meter's own CPU per hour of metering, and the slowdown of a CPU-bound child.

1. CPU used by the meter with 8 fake GPUs (plus the CPU and RAM models), at the default interval (energy counter)
   and with power polling at 10 Hz. Measured two ways: the thread CPU time of the real loop on the real clock for
   ``--seconds``, and the process CPU time of the loop over one simulated hour on a fake clock. The fake NVML is
   Python emulating the C library, so these figures overstate what real NVML calls cost.
2. A CPU-bound child (a fixed pure-Python workload that times itself) run bare and under ``footprint run`` with
   8 fake GPUs, interleaved; the child's own time is compared, so footprint's start-up does not count.

    python benchmarks/meter_overhead.py            # about a minute and a half
    python benchmarks/meter_overhead.py --rounds 7 --seconds 30
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from footprint.meter.fake_nvml import FakeClock, FakeGpu, fake_nvml  # noqa: E402
from footprint.meter.host_model import ModelCpuMeter, ModelRamMeter  # noqa: E402
from footprint.meter.nvml import NvmlGpuMeter  # noqa: E402
from footprint.meter.sampler import DEFAULT_INTERVAL_S, Meter, open_session  # noqa: E402
from footprint.plugins.contract import MeterSettings  # noqa: E402

CHILD = "import time, sys\nt = time.perf_counter()\ns = 0\nfor i in range(N):\n    s += i * i % 7\nprint(time.perf_counter() - t)\n"


def gpus(counter: bool) -> list[FakeGpu]:
    return [FakeGpu(trace=[(0, 300.0), (1, 650.0)], energy_counter=counter) for _ in range(8)]


def real_clock_cpu(counter: bool, interval: float, seconds: float) -> float:
    """Thread CPU seconds the meter loop used over `seconds` of real time, as a share of one core."""
    with fake_nvml(gpus(counter)):
        session = open_session(MeterSettings(), [NvmlGpuMeter(), ModelCpuMeter(), ModelRamMeter()])
        meter = Meter(session.channels, lambda record: None, interval)
        meter.begin()
        stop = threading.Event()
        used: list[float] = []

        def loop() -> None:
            start = time.thread_time()
            meter.run(stop)
            used.append(time.thread_time() - start)

        thread = threading.Thread(target=loop)
        thread.start()
        time.sleep(seconds)
        stop.set()
        thread.join()
        session.close()
    return used[0] / seconds


def fake_clock_cpu(counter: bool, interval: float, hours: float = 1.0) -> float:
    """Process CPU seconds of the loop over `hours` of simulated time, as a share of one core."""
    clock = FakeClock(stop_at=hours * 3600)
    with fake_nvml(gpus(counter), clock=clock.now):
        session = open_session(MeterSettings(clock=clock.now), [NvmlGpuMeter(), ModelCpuMeter(), ModelRamMeter()])
        meter = Meter(session.channels, lambda record: None, interval, clock)
        meter.begin()
        start = time.process_time()
        meter.run(threading.Event())
        used = time.process_time() - start
        session.close()
    return used / (hours * 3600)


def child_times(rounds: int, work: int) -> dict[str, list[float]]:
    env = dict(os.environ, FOOTPRINT_LOAD_PLUGINS="")
    fake = Path(tempfile.mkdtemp()) / "eight.toml"
    fake.write_text("".join('[[gpu]]\nname = "NVIDIA H100 80GB HBM3"\ntrace = [[0, "300 W"], [1, "650 W"]]\n' for _ in range(8)))
    fake_poll = fake.with_name("eight-poll.toml")
    fake_poll.write_text(fake.read_text().replace("[[gpu]]\n", "[[gpu]]\nenergy_counter = false\n"))
    code = CHILD.replace("N", str(work))
    cases = {
        "bare": [sys.executable, "-c", code],
        "footprint run (8 GPUs, counter, 5 s)": [sys.executable, "-m", "footprint", "run", "--quiet", "--log", str(fake.with_suffix(".jsonl")), "--", sys.executable, "-c", code],
        "footprint run (8 GPUs, polling 10 Hz)": [sys.executable, "-m", "footprint", "run", "--quiet", "--log", str(fake.with_suffix(".p.jsonl")), "--", sys.executable, "-c", code],
    }
    fakes = {"footprint run (8 GPUs, counter, 5 s)": fake, "footprint run (8 GPUs, polling 10 Hz)": fake_poll}
    out: dict[str, list[float]] = {k: [] for k in cases}
    names = list(cases)
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:  # rotate, so no case always runs first
            argv = cases[name]
            run_env = dict(env, FOOTPRINT_FAKE_GPUS=str(fakes[name])) if name in fakes else env
            done = subprocess.run(argv, env=run_env, capture_output=True, text=True, check=True)
            out[name].append(float(done.stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="real-clock measurement per configuration")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of the child benchmark")
    parser.add_argument("--work", type=int, default=12_000_000, help="loop iterations of the CPU-bound child")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, object] = {}
    configs = {"default interval (5 s), energy counter": (True, DEFAULT_INTERVAL_S),
               "power polling at 10 Hz (5 s records)": (False, DEFAULT_INTERVAL_S)}
    rows = []
    for name, (counter, interval) in configs.items():
        real = real_clock_cpu(counter, interval, args.seconds)
        fake = fake_clock_cpu(counter, interval)
        rows.append((name, real, fake))
        results[name] = {"real_clock_core_share": real, "fake_clock_core_share": fake}
    times = child_times(args.rounds, args.work)
    bare = statistics.median(times["bare"])
    results["child"] = {k: {"median_s": statistics.median(v), "all": v} for k, v in times.items()}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print("Meter CPU with 8 fake GPUs + CPU/RAM models (share of one core; CPU seconds per hour in brackets)")
    print(f"  {'configuration':<42} {'real clock':>22} {'fake clock, 1 h':>22}")
    for name, real, fake in rows:
        print(f"  {name:<42} {real:>12.4%} ({real * 3600:5.1f} s/h) {fake:>12.4%} ({fake * 3600:5.1f} s/h)")
    print(f"  target at the default interval: < 0.5% of a core ({0.005 * 3600:.0f} s/h)")
    print()
    print(f"CPU-bound child ({args.work:,} loop iterations, {args.rounds} interleaved rounds, child's own time, median)")
    for name, values in times.items():
        median = statistics.median(values)
        extra = "" if name == "bare" else f"  {median / bare - 1:+.2%} vs bare (min vs min {min(values) / min(times['bare']) - 1:+.2%})"
        print(f"  {name:<40} {median:8.3f} s  (min {min(values):.3f}, max {max(values):.3f}){extra}")
    print("  target: < 1% slowdown")


if __name__ == "__main__":
    main()
