"""Peak memory and time of ``footprint plot LOG -o FILE.png`` on a generated log, for this tree and, side by side,
for another checkout of footprint (the tree before a change).

The log is a month of a 2-GPU node at the default 5 s interval (518,400 records, CPU and RAM channels too), in
the format the meter writes, with an estimated gap once an hour. Each side runs in a fresh interpreter
(``python -m footprint plot``) with its tree first on ``PYTHONPATH``; the peak resident memory is the child's
``ru_maxrss``, as ``os.wait4`` reports it. Sides alternate, A B A B, and the medians are printed.

    python benchmarks/plot_memory.py                       # this tree only
    git worktree add /tmp/before <commit>                  # then, beside it:
    python benchmarks/plot_memory.py --before /tmp/before --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MONTH_S = 30 * 86_400
INTERVAL_S = 5.0


def write_log(path: Path, records: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    channels = [{"key": f"GPU-{i}", "component": "gpu", "method": "energy counter (nvmlDeviceGetTotalEnergyConsumption)",
                 "index": i, "name": "NVIDIA H100 80GB HBM3", "power_limit_w": 700.0, "profile": "h100-sxm"} for i in range(2)]
    channels += [{"key": "cpu", "component": "cpu", "method": "rapl"}, {"key": "ram", "component": "ram", "method": "modelled"}]
    header = {"type": "header", "format": "footprint-meter-log", "version": 1, "run_id": f"{rng.getrandbits(128):032x}",
              "host": "n1", "pid": 1000, "start_unix": 1.8e9, "command": ["python", "train.py"], "label": "",
              "settings": {"interval_s": INTERVAL_S, "site": {}}, "channels": channels}
    with path.open("w") as fh:
        fh.write(json.dumps(header, separators=(",", ":")) + "\n")
        t = 0.0
        for k in range(records):
            dt = round(INTERVAL_S + rng.uniform(-0.003, 0.003), 3)
            t = round(t + dt, 3)
            e = [round(rng.uniform(300.0, 700.0) * dt, 3) for _ in range(2)] + [round(rng.uniform(150.0, 400.0) * dt, 3),
                                                                                round(60.0 * dt, 3)]
            record: dict[str, object] = {"type": "interval", "t": t, "dt": dt, "e": e}
            if k % 720 == 719:
                record["est"] = {"1": e[1]}
                record["flags"] = {"1": ["gap:GpuIsLost"]}
            fh.write(json.dumps(record, separators=(",", ":")) + "\n")


def plot_once(tree: Path, log: Path, out: Path) -> tuple[float, float]:
    """(peak resident MB, seconds) of one ``footprint plot`` run of ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree), "FOOTPRINT_LOAD_PLUGINS": "", "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    # run from the log's folder: 'python -m' puts the working directory first on the path, before PYTHONPATH
    child = subprocess.Popen([sys.executable, "-m", "footprint", "plot", str(log), "-o", str(out)], env=env, cwd=log.parent,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{tree}: footprint plot failed: {child.stderr.read().decode() if child.stderr else ''}")
    return usage.ru_maxrss / 1024, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=int(MONTH_S / INTERVAL_S), help="interval records in the log")
    parser.add_argument("--before", type=Path, help="another footprint checkout to compare with")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    sides = [("this tree", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "month.jsonl"
        write_log(log, args.records)
        print(f"log: {args.records:,} records, {log.stat().st_size / 1e6:.0f} MB")
        results: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in sides}
        for _ in range(args.rounds):
            for name, tree in sides:
                results[name].append(plot_once(tree, log, Path(tmp) / "plot.png"))
        for name, runs in results.items():
            print(f"{name:>10}: peak {statistics.median(r[0] for r in runs):,.0f} MB, "
                  f"{statistics.median(r[1] for r in runs):.1f} s (median of {len(runs)})")


if __name__ == "__main__":
    main()
