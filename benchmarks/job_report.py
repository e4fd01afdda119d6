"""``footprint report DIR`` over the node logs of a multi-node job: time and peak memory for 10, 100 and 1,000
nodes, each log a one-day, 8-GPU run at the default interval, against just reading the files' bytes.

The logs are generated here (a header, 17,280 interval records, a final record with the totals) in the format
``footprint run --log-dir`` writes. One node in a hundred is cut short (no final record), so that the report
streams some logs. A second pass with every log cut short shows what streaming alone costs.

    python benchmarks/job_report.py                 # 10, 100, 1000 nodes
    python benchmarks/job_report.py --nodes 10 100 --keep /tmp/logs
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from footprint.meter.log import FORMAT, VERSION  # noqa: E402
from footprint.meter.sampler import DEFAULT_INTERVAL_S  # noqa: E402

DAY_S = 86_400
GPUS = 8


def header(job: str, node: str, nodes: int) -> dict[str, object]:
    channels = [{"key": f"GPU-{node}-{i}", "component": "gpu", "method": "energy counter (nvmlDeviceGetTotalEnergyConsumption)",
                 "index": i, "name": "NVIDIA H100 80GB HBM3", "power_limit_w": 700.0, "profile": "h100-sxm"} for i in range(GPUS)]
    channels += [{"key": "cpu", "component": "cpu", "method": "rapl"}, {"key": "ram", "component": "ram", "method": "modelled"}]
    return {"type": "header", "format": FORMAT, "version": VERSION, "host": node, "pid": 1000, "start_unix": 1.8e9,
            "command": ["python", "train.py"], "label": "", "settings": {"interval_s": DEFAULT_INTERVAL_S, "poll_hz": 10.0,
            "all_gpus": False, "cuda_visible_devices": None, "site": {}}, "facts": {}, "notes": [], "channels": channels,
            "job": job, "node": node, "launcher": "slurm", "rank": 0, "local_rank": 0, "local_size": 8, "num_nodes": nodes,
            "expected_nodes": [f"n{i}" for i in range(nodes)], "ranks": [0]}


def body() -> tuple[bytes, list[float], float, int]:
    """The interval records of one day (the same for every node), their per-channel totals, duration, count."""
    dt = DEFAULT_INTERVAL_S
    steps = int(DAY_S / dt)
    totals = [0.0] * (GPUS + 2)
    lines = []
    for k in range(1, steps + 1):
        e = [round((550.0 + 10 * ((k + i) % 7)) * dt, 3) for i in range(GPUS)] + [round(400.0 * dt, 3), round(60.0 * dt, 3)]
        totals = [a + b for a, b in zip(totals, e, strict=True)]
        lines.append(json.dumps({"type": "interval", "t": round(k * dt, 3), "dt": dt, "e": e}, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode(), totals, steps * dt, steps


def generate(folder: Path, nodes: int, cut_every: int) -> int:
    records, totals, duration, steps = body()
    final = json.dumps({"type": "final", "t": duration, "ended": "2027-01-01T00:00:00+00:00",
                        "totals": {"t": duration, "intervals": steps,
                                   "channels": [[e, 0.0, 0.0, 0.0, 0, {}] for e in totals]},
                        "exit_code": 0, "ranks": list(range(8)), "rank_processes": 8}, separators=(",", ":")).encode() + b"\n"
    job = folder / "4242"
    job.mkdir(parents=True)
    size = 0
    for n in range(nodes):
        path = job / f"n{n}.jsonl"
        with path.open("wb") as fh:
            fh.write(json.dumps(header("4242", f"n{n}", nodes), separators=(",", ":")).encode() + b"\n")
            fh.write(records)
            if not cut_every or n % cut_every:
                fh.write(final)
        size += path.stat().st_size
    return size


def timed(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of a child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(args)}")
    return wall, usage.ru_maxrss / 1024


READ = "import sys, pathlib\nfor p in sorted(pathlib.Path(sys.argv[1]).rglob('*.jsonl')):\n    with open(p, 'rb') as f:\n        while f.read(1 << 20): pass\n"


def measure(folder: Path) -> dict[str, float]:
    timed([sys.executable, "-c", READ, str(folder)])  # warm the page cache: both sides read from memory
    read_s, read_mb = min(timed([sys.executable, "-c", READ, str(folder)]) for _ in range(3))
    report = [sys.executable, "-m", "footprint", "report", str(folder), "--json"]
    report_s, report_mb = min(timed(report) for _ in range(3))
    return {"read_s": read_s, "read_mb": read_mb, "report_s": report_s, "report_mb": report_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--streamed-up-to", type=int, default=100, help="also time all-cut-short logs up to this many nodes")
    parser.add_argument("--keep", metavar="DIR", help="write the logs here and keep them")
    args = parser.parse_args()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="footprint-job-bench-"))
    rows = []
    try:
        for nodes in args.nodes:
            for label, cut_every in (("1% cut short", 100), ("all cut short", 1)):
                if cut_every == 1 and nodes > args.streamed_up_to:
                    continue
                folder = base / f"{nodes}-{cut_every}"
                size = generate(folder, nodes, cut_every)
                result = measure(folder)
                rows.append((nodes, label, size, result))
                print(f"{nodes:>5} nodes, {label:<13} {size / 1e9:7.2f} GB: report {result['report_s']:7.2f} s "
                      f"{result['report_mb']:6.0f} MB peak | read bytes {result['read_s']:6.2f} s {result['read_mb']:4.0f} MB "
                      f"| ratio {result['report_s'] / result['read_s']:6.2f}x", flush=True)
                if not args.keep:
                    shutil.rmtree(folder)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
