"""The cost of ``footprint.progress()`` in a training loop: bare steps of 1 ms and 10 ms against the same steps
with one progress() call each, writing to a live channel (as under ``footprint run``), interleaved.

A step is a busy wait of exactly its length (sleep would round it to the scheduler's tick); the loop's wall time
is compared, and the cost of one call is also timed on its own over many calls.

    python benchmarks/progress_overhead.py                # about half a minute
    python benchmarks/progress_overhead.py --rounds 9
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import footprint  # noqa: E402
from footprint.meter.progress import ENV, create_channel, read_channel  # noqa: E402


def busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def loop(steps: int, step_s: float, report: bool) -> float:
    start = time.perf_counter()
    for step in range(1, steps + 1):
        busy(step_s)
        if report:
            footprint.progress(step=step, tokens=step * 4096, samples=step * 8, flops=step * 2.4e13)
    return time.perf_counter() - start


def per_call(calls: int) -> float:
    start = time.perf_counter()
    for step in range(1, calls + 1):
        footprint.progress(step=step, tokens=step * 4096, samples=step * 8, flops=step * 2.4e13)
    return (time.perf_counter() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    os.environ[ENV] = create_channel(Path(folder) / "channel")
    footprint.progress(step=0)  # opens the channel: the first call maps the file once
    call = statistics.median(per_call(100_000) for _ in range(5))
    print(f"one progress() call: {call * 1e6:.2f} us (median of 5 x 100,000)")
    for step_s, steps in ((0.001, 1000), (0.010, 150)):
        bare, reported = [], []
        for _ in range(args.rounds):  # interleaved, so a busy machine slows both alike
            bare.append(loop(steps, step_s, False))
            reported.append(loop(steps, step_s, True))
        # the fastest round of each: on a shared machine the others carry other jobs' time, not the loop's
        b, r = min(bare), min(reported)
        print(f"{step_s * 1e3:g} ms steps x {steps}: bare {b * 1e3 / steps:.4f} ms/step, with progress() "
              f"{r * 1e3 / steps:.4f} ms/step, overhead {(r - b) / b:+.3%}; one call / one step {call / step_s:.3%}")
    assert read_channel(os.environ[ENV]) is not None


if __name__ == "__main__":
    main()
