"""Synthetic runs for the forecaster: power and step traces sampled each meter interval, as (s, J, steps).

Each run starts with a setup phase (loading the model and data at low power), then trains ``steps`` steps; the
shapes are those a forecaster meets: steady, a warm-up (slow, hungry first steps while kernels compile),
periodic evaluation pauses, and a power drop at half-time (a lower power cap: steps a little slower at much lower
power). A fixed seed makes each trace the same every time.
"""

from __future__ import annotations

import random
from collections.abc import Callable

Trace = list[tuple[float, float, float]]
SHAPES = ("steady", "warm-up", "evaluation", "power drop")


def make_trace(shape: str, steps: int = 4000, interval: float = 5.0, seed: int = 1, gpus: int = 8) -> Trace:
    """The trace of one synthetic run: cumulative (seconds, joules, steps) at the end of every interval."""
    rng = random.Random(seed)
    step_s, power_w = 1.0, 650.0 * gpus
    # (seconds, watts, steps done in it) segments of the run, cut into intervals below
    segments: list[tuple[float, float, float]] = [(90.0, 120.0 * gpus, 0.0)]  # setup: load model and data
    planned = steps * step_s
    t = 90.0
    for k in range(steps):
        s, p = step_s, power_w
        if shape == "warm-up" and k < steps // 20:
            s, p = step_s * 2.5, power_w * 0.7  # compiling, small batches: slow steps, lower power
        if shape == "power drop" and t - 90.0 >= planned / 2:
            s, p = step_s * 1.1, power_w * 0.7  # a lower power cap from half-time on
        s *= 1 + rng.gauss(0, 0.04)
        p *= 1 + rng.gauss(0, 0.03)
        segments.append((s, p, 1.0))
        t += s
        if shape == "evaluation" and (k + 1) % 250 == 0:
            segments.append((40.0, power_w * 0.55, 0.0))  # an evaluation pass every 250 steps
            t += 40.0
    return sample(segments, interval)


def sample(segments: list[tuple[float, float, float]], interval: float) -> Trace:
    """Cumulative totals at each interval's end (and at the run's end), work counted when a step completes."""
    out: Trace = []
    t = e = w = 0.0
    next_t = interval
    for seconds, watts, work in segments:
        end = t + seconds
        while next_t < end:
            out.append((next_t, e + watts * (next_t - t), w))
            next_t += interval
        t, e, w = end, e + watts * seconds, w + work
    out.append((t, e, w))
    return out


def run_errors(trace: Trace, total: float, forecaster: Callable[[Trace], float | None],
               fractions: tuple[float, ...] = (0.1, 0.25, 0.5)) -> dict[float, float]:
    """The relative error of ``forecaster`` at each fraction of the work against the run's actual energy."""
    from footprint.meter.forecast import value_at

    actual = trace[-1][1]
    out = {}
    for f in fractions:
        i = value_at(trace, f, total)
        assert i is not None
        got = forecaster(trace[: i + 1])
        out[f] = abs(got - actual) / actual if got is not None else float("inf")
    return out
