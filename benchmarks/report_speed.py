"""How fast ``footprint report LOG`` reads one log on one core, side by side with the floor: a loop that only
parses the same file's lines with ``json.loads`` (open, for line in f: json.loads(line)).

The log is a one-day, 8-GPU run (plus CPU and RAM channels) at the default 5 s interval, generated here in the
format the meter writes: real-clock jitter in each interval's length, energies with millijoule resolution, and
one GPU losing its counter for an interval once an hour (a flagged, estimated record). The report side is the
library call behind ``footprint report LOG --json`` (every record checked, the result built), after one warm-up
call, so that the one-off start-up (pint's registry, the site data) is not counted. The two sides alternate,
A B A B, for several rounds; the ratio is of the medians.

    python benchmarks/report_speed.py
    python benchmarks/report_speed.py --rounds 11 --log some-run.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from footprint.meter.from_log import footprint_from_logs  # noqa: E402
from footprint.meter.log import FORMAT, VERSION  # noqa: E402
from footprint.meter.sampler import DEFAULT_INTERVAL_S  # noqa: E402

DAY_S = 86_400
GPUS = 8


def write_log(path: Path, seed: int = 1) -> None:
    rng = random.Random(seed)
    channels = [{"key": f"GPU-{i}", "component": "gpu", "method": "energy counter (nvmlDeviceGetTotalEnergyConsumption)",
                 "index": i, "name": "NVIDIA H100 80GB HBM3", "power_limit_w": 700.0, "profile": "h100-sxm"} for i in range(GPUS)]
    channels += [{"key": "cpu", "component": "cpu", "method": "rapl"}, {"key": "ram", "component": "ram", "method": "modelled"}]
    header = {"type": "header", "format": FORMAT, "version": VERSION, "run_id": f"{rng.getrandbits(128):032x}", "host": "n1",
              "pid": 1000, "start_unix": 1.8e9, "command": ["python", "train.py"], "label": "",
              "settings": {"interval_s": DEFAULT_INTERVAL_S, "site": {}}, "channels": channels}
    with path.open("w") as fh:
        fh.write(json.dumps(header, separators=(",", ":")) + "\n")
        t = 0.0
        for k in range(int(DAY_S / DEFAULT_INTERVAL_S)):
            dt = round(DEFAULT_INTERVAL_S + rng.uniform(-0.003, 0.003), 3)
            t = round(t + dt, 3)
            e = [round(rng.uniform(300.0, 700.0) * dt, 3) for _ in range(GPUS)] + [round(rng.uniform(150.0, 400.0) * dt, 3),
                                                                                    round(60.0 * dt, 3)]
            record: dict[str, object] = {"type": "interval", "t": t, "dt": dt, "e": e}
            if k % 720 == 719:
                record["est"] = {"3": e[3]}
                record["flags"] = {"3": ["gap"]}
            fh.write(json.dumps(record, separators=(",", ":")) + "\n")


def json_loads_lines(path: Path) -> None:
    with path.open() as fh:
        for line in fh:
            json.loads(line)


def report(path: Path) -> None:
    footprint_from_logs([str(path)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--log", type=Path, help="measure this log instead of a generated one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.log or Path(tmp) / "day.jsonl"
        if args.log is None:
            write_log(path)
        size = path.stat().st_size
        report(path)  # warm-up: the registry and site data are built once per process
        times: dict[str, list[float]] = {"json.loads": [], "report": []}
        for _ in range(args.rounds):
            for name, fn in (("json.loads", json_loads_lines), ("report", report)):
                start = time.perf_counter()
                fn(path)
                times[name].append(time.perf_counter() - start)
    print(f"{path.name}: {size / 1e6:.1f} MB, {args.rounds} rounds, interleaved")
    for name, values in times.items():
        print(f"  {name:<11} median {size / statistics.median(values) / 1e6:6.1f} MB/s   best {size / min(values) / 1e6:6.1f} MB/s")
    ratio = statistics.median(times["json.loads"]) / statistics.median(times["report"])
    best = min(times["json.loads"]) / min(times["report"])
    print(f"  report throughput / json.loads throughput: {ratio:.2f}x (medians), {best:.2f}x (best runs)")


if __name__ == "__main__":
    main()
