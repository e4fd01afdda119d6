"""Forecast error at 10, 25 and 50% of a run (and 75%, to show a change being followed), footprint's forecaster
against carbontracker's method (total epochs x the mean energy of the epochs so far, 10 epochs a run), on the
synthetic traces of tests/forecast_traces.py: steady, warm-up, periodic evaluation, a power drop at half-time.
Each figure is the mean absolute error over --seeds runs of each shape, against each run's actual energy.

    python benchmarks/forecast_error.py          # a few seconds
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from footprint.meter.forecast import epoch_mean_forecast, forecast  # noqa: E402
from tests.forecast_traces import SHAPES, make_trace, run_errors  # noqa: E402

FRACTIONS = (0.1, 0.25, 0.5, 0.75)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    print("| trace | at | footprint | epoch mean (carbontracker) | ratio |")
    print("|---|---:|---:|---:|---:|")
    for shape in SHAPES:
        ours = dict.fromkeys(FRACTIONS, 0.0)
        theirs = dict.fromkeys(FRACTIONS, 0.0)
        for seed in range(1, args.seeds + 1):
            trace = make_trace(shape, seed=seed)
            total = trace[-1][2]
            for f, e in run_errors(trace, total, lambda t, n=total: forecast(t, n).energy_j, FRACTIONS).items():
                ours[f] += e / args.seeds
            for f, e in run_errors(trace, total, lambda t, n=total: epoch_mean_forecast(t, n, 10), FRACTIONS).items():
                theirs[f] += e / args.seeds
        for f in FRACTIONS:
            print(f"| {shape} | {f:.0%} | {ours[f]:.2%} | {theirs[f]:.2%} | {ours[f] / theirs[f]:.2f}x |")


if __name__ == "__main__":
    main()
