"""What checkpoint records cost the live meter: CPU time per checkpoint against the time it spends on the
intervals between two of them, and the size of a checkpoint as a run grows (an 8-GPU node plus CPU and RAM at
the default interval, for ``--days`` simulated days, with the meter's own log writer, ledger and checkpoints).

    python benchmarks/checkpoint_cost.py            # 30 days
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from footprint.meter.checkpoint import CHECKPOINT_EVERY_S, Checkpoints  # noqa: E402
from footprint.meter.ledger import Ledger  # noqa: E402
from footprint.meter.log import FORMAT, VERSION, LogWriter  # noqa: E402
from footprint.meter.sampler import DEFAULT_INTERVAL_S  # noqa: E402

CHANNELS = 10  # 8 GPUs, CPU, RAM


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    header = {"type": "header", "format": FORMAT, "version": VERSION, "run_id": "0" * 32, "start_unix": 1.8e9,
              "settings": {"interval_s": DEFAULT_INTERVAL_S},
              "channels": [{"key": f"c{i}", "component": "gpu" if i < 8 else "cpu"} for i in range(CHANNELS)]}
    with tempfile.TemporaryDirectory() as folder:
        writer = LogWriter(Path(folder) / "run.jsonl")
        writer.write(header)
        ledger = Ledger(header)
        checkpoints = Checkpoints()
        interval_cpu = checkpoint_cpu = 0.0
        sizes: dict[int, int] = {}
        count = cp_bytes = 0
        per_day = int(86_400 / DEFAULT_INTERVAL_S)
        for k in range(1, args.days * per_day + 1):
            record = {"type": "interval", "t": round(k * DEFAULT_INTERVAL_S, 3), "dt": DEFAULT_INTERVAL_S,
                      "e": [round(2750.0 + 0.001 * ((k * (i + 3)) % 997), 3) for i in range(CHANNELS)]}
            start = time.process_time()
            writer.write(record)
            ledger.add(record)
            middle = time.process_time()
            if checkpoints.due(ledger.t):
                line = checkpoints.record(ledger, header["run_id"], writer.start, writer.start + writer.written, writer.count + 1)
                writer.write(line)
                checkpoint_cpu += time.process_time() - middle
                count += 1
                sizes[k // per_day] = len(json.dumps(line, separators=(",", ":"))) + 1
                cp_bytes += sizes[k // per_day]
            interval_cpu += middle - start
        writer.close()
        log_bytes = (Path(folder) / "run.jsonl").stat().st_size
    hours = args.days * 24
    print(f"{args.days} days, {CHANNELS} channels, a checkpoint every {CHECKPOINT_EVERY_S:g} s: {count} checkpoints")
    print(f"intervals: {interval_cpu / hours * 1000:.1f} ms of CPU per hour (writing and adding them up)")
    print(f"checkpoints: {checkpoint_cpu / hours * 1000:.2f} ms of CPU per hour, {checkpoint_cpu / count * 1e6:.0f} us each "
          f"({checkpoint_cpu / interval_cpu:.2%} of the intervals' time)")
    print("checkpoint size by day (bytes): " + ", ".join(f"day {d}: {sizes[d]}" for d in sorted(sizes) if d in (0, 1, 5, 10, 20, 29)))
    print(f"log: {log_bytes / 1e6:.1f} MB, of which checkpoints {cp_bytes / 1e6:.2f} MB ({cp_bytes / log_bytes:.1%})")


if __name__ == "__main__":
    main()
