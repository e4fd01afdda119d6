"""A simulated 30-day, 8-GPU metered run on a fake clock: memory stays flat, the log stays small, and
``footprint report`` rebuilds the month from the log in bounded memory.

The real meter loop, log writer and ledger run; only the clock is fake (sleeping moves it), so a month takes a
few minutes. Resident memory is sampled at day boundaries.

    python benchmarks/meter_longrun.py             # 30 days at the default 5 s interval
    python benchmarks/meter_longrun.py --days 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from footprint.meter.fake_nvml import FakeClock, FakeGpu, fake_nvml  # noqa: E402
from footprint.meter.nvml import NvmlGpuMeter  # noqa: E402
from footprint.meter.recorder import Recorder, RecorderOptions  # noqa: E402
from footprint.meter.sampler import DEFAULT_INTERVAL_S  # noqa: E402
from footprint.plugins.contract import MeterSettings  # noqa: E402

DAY = 86_400.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--gpus", type=int, default=8)
    args = parser.parse_args()
    log = Path(tempfile.mkdtemp()) / "month.jsonl"
    clock = FakeClock(stop_at=0.0)
    # a busy month: each GPU alternates 650 W / 250 W every 10 minutes (the trace has one step per 10 min)
    steps = [(t * 600.0, 650.0 if t % 2 else 250.0) for t in range(int(args.days * DAY / 600) + 1)]
    gpus = [FakeGpu(trace=steps) for _ in range(args.gpus)]
    samples = []
    started = time.process_time()
    with fake_nvml(gpus, clock=clock.now):
        recorder = Recorder(RecorderOptions(interval=DEFAULT_INTERVAL_S, log_path=log, clock=clock,
                                            settings=MeterSettings(powercap_root=Path("/nonexistent")),
                                            factories=[NvmlGpuMeter()]))
        recorder.start(threaded=False)
        assert recorder.meter is not None
        samples.append((0, rss_mb(), 0))
        for day in range(1, args.days + 1):
            clock.stop_at = day * DAY
            recorder.meter.run(threading.Event())
            samples.append((day, rss_mb(), log.stat().st_size))
        fp = recorder.stop()
    cpu = time.process_time() - started
    size = log.stat().st_size
    lines = sum(1 for _ in log.open())
    exact = sum(g.energy_between(0, args.days * DAY) for g in gpus)
    measured = float(fp.energy_gpu.central.to("J").magnitude)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "footprint", "report", str(log), "--json"], capture_output=True, text=True,
                          env=dict(os.environ, FOOTPRINT_LOAD_PLUGINS=""), check=True)
    report_s = time.perf_counter() - t0
    report_rss = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(f"Simulated {args.days} days x {args.gpus} GPUs at a {DEFAULT_INTERVAL_S:g} s interval ({lines:,} log lines), "
          f"{cpu:.0f} s of CPU to simulate")
    print("  day   RSS (MB)   log size (MB)")
    for day, rss, logsize in samples:
        if day in (0, 1, 2, 5, 10, 15, 20, 25, 30) or day == args.days:
            print(f"  {day:>3}   {rss:8.1f}   {logsize / 1e6:12.1f}")
    print(f"  log: {size / 1e6:.1f} MB in all, {size / (args.days * args.gpus) / 1e3:.0f} kB per GPU-day "
          f"({size / lines:.0f} bytes per interval line)")
    print(f"  energy: measured {measured / 3.6e9:.4f} MWh, exact {exact / 3.6e9:.4f} MWh ({measured / exact - 1:+.4%})")
    print(f"  footprint report on the month's log: {report_s:.1f} s, peak RSS {report_rss:.0f} MB; "
          f"same energy as the live result: {json.loads(done.stdout)['energy'] == fp.as_json()['energy']}")


if __name__ == "__main__":
    main()
