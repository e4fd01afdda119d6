"""What each of footprint's on-disk caches saves, measured side by side in one run.

Each cache is switched off in turn with ``FOOTPRINT_NO_CACHE=<name>`` and the commands that use it are timed with
the cache on (warm) and off, in alternation (on, off, on, off ...), so that drift in the machine's load hits both
alike. The saving is the median over rounds of the paired difference in CPU time (user + system, as the
operating system charges it to the command), and in wall time beside it. A cache that does not save a
user-visible amount (about 20 ms on its command's start) is not worth its code.

    python benchmarks/caches.py            # 15 rounds
    python benchmarks/caches.py -n 30 --json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import bench_env, footprint_command, time_once

# cache name (as FOOTPRINT_NO_CACHE takes it) -> the commands whose start it serves. The parsed-TOML, grid-table
# and CPU-TDP caches were measured with this benchmark too and removed: none saved 20 ms (benchmarks/RESULTS.md).
USES = {
    "pint": [["estimate", "--profile", "h800", "--gpus", "2048", "--hours", "1300", "--region", "FRA"],
             ["references"], ["run", "--", "true"]],
}


def measure(rounds: int, only: set[str] | None) -> list[dict[str, object]]:
    fp = footprint_command()
    env = bench_env()
    rows = []
    with tempfile.TemporaryDirectory(prefix="footprint-caches-") as scratch:
        for name, commands in USES.items():
            if only and name not in only:
                continue
            off = {**env, "FOOTPRINT_NO_CACHE": name}
            for args in commands:
                argv = [*fp, *args]
                time_once(argv, env, scratch)  # fills the cache
                time_once(argv, off, scratch)
                cpu_saved, wall_saved, cpu_on = [], [], []
                for _ in range(rounds):
                    wall_a, cpu_a = time_once(argv, env, scratch)
                    wall_b, cpu_b = time_once(argv, off, scratch)
                    cpu_saved.append(cpu_b - cpu_a)
                    wall_saved.append(wall_b - wall_a)
                    cpu_on.append(cpu_a)
                    shutil.rmtree(Path(scratch) / "footprint-runs", ignore_errors=True)
                rows.append({"cache": name, "command": "footprint " + " ".join(args),
                             "cpu_on_ms": statistics.median(cpu_on) * 1000,
                             "cpu_saved_ms": statistics.median(cpu_saved) * 1000,
                             "wall_saved_ms": statistics.median(wall_saved) * 1000})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rounds", type=int, default=15, help="timed pairs per command (default 15)")
    parser.add_argument("--only", help=f"comma-separated caches to measure, of: {', '.join(USES)}")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    rows = measure(args.rounds, set(args.only.split(",")) if args.only else None)
    if args.json:
        print(json.dumps({"rows": rows, "rounds": args.rounds, "python": platform.python_version(),
                          "cpus": os.cpu_count()}, indent=2))
        return
    print(f"on-disk caches: median of {args.rounds} paired runs (cache on, then off) per command "
          f"(Python {platform.python_version()}, {os.cpu_count()} CPUs)\n")
    width = max(len(str(r["command"])) for r in rows)
    print(f"  {'cache':<16} {'command':<{width}}  {'cpu, on':>9}  {'cpu saved':>9}  {'wall saved':>10}")
    for r in rows:
        print(f"  {r['cache']:<16} {r['command']:<{width}}  {r['cpu_on_ms']:>6.1f} ms  {r['cpu_saved_ms']:>6.1f} ms"
              f"  {r['wall_saved_ms']:>7.1f} ms")


if __name__ == "__main__":
    main()
