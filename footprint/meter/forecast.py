"""Forecast a whole run's energy from a trace of (seconds, cumulative J, cumulative work), and the baseline it beats.

``forecast`` is a pure function, called live each interval and offline on a trace (benchmarks, tests):

    energy at the end = energy so far + remaining work x energy per unit of work, recently

"Recently" is the run since its last change: the work done since the first unit of work (setup before it, loading
the model or the data, is a one-off cost, never extrapolated) is cut into blocks of equal work, and the newest
blocks that agree with each other are kept. A warm-up (slow or hungry first steps) or a power change mid-run
(a new power cap, a co-tenant gone) falls out of the window once a later block disagrees with it; periodic
evaluation pauses, spread over every block, keep the window whole, so their energy is carried into the forecast
at the rate they recur. The range comes from the variation of energy per unit of work between the kept blocks.

carbontracker (Anthony et al. 2020, arXiv:2007.03051) predicts total epochs x the mean energy of the epochs measured
so far; ``epoch_mean_forecast`` is that method on the same trace, for comparison.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

BLOCKS = 16  # equal-work blocks over the work done so far
AGREE = 0.05  # blocks within 5% of the window's rate (or within its own scatter) belong to the same regime
MIN_BLOCKS = 3  # the newest blocks always kept, however they scatter


@dataclass(frozen=True)
class Forecast:
    """The forecast of a whole run: energy in J (central, low, high), seconds from the start to the end, the
    fraction of work done and the rates it came from."""

    energy_j: float
    low_j: float
    high_j: float
    end_s: float
    fraction: float
    rate_j: float  # J per unit of work, recently
    work_per_s: float


def forecast(trace: Sequence[tuple[float, float, float]], total_work: float) -> Forecast | None:
    """The forecast from a trace of cumulative (seconds, J, work) points, in time order; None before any work."""
    if not trace or total_work <= 0:
        return None
    t_now, e_now, w_now = trace[-1]
    if w_now <= 0:
        return None
    fraction = min(1.0, w_now / total_work)
    remaining = max(0.0, total_work - w_now)
    works = [p[2] for p in trace]
    # from the last point before the work began: the setup before it is a one-off cost, never extrapolated
    first = max(0, bisect_right(works, works[0]) - 1) if works[0] <= 0 else 0
    if len(trace) - first < 3:  # too little to see rates in: the average so far
        rate = e_now / w_now
        per_s = w_now / t_now if t_now > 0 else 0.0
        end = t_now + (remaining / per_s if per_s > 0 else math.inf)
        central = e_now + remaining * rate
        return Forecast(central, central, central, end, fraction, rate, per_s)
    rates, starts = _blocks(trace, first, works)
    kept = _recent(rates)
    window = rates[-kept:]
    a = starts[-kept]  # the trace index where the kept window starts
    ta, wa = trace[a][0], trace[a][2]
    rate = _rate(trace, a)
    spread = _std(window) / math.sqrt(len(window)) if len(window) > 1 else 0.0
    per_s = (w_now - wa) / (t_now - ta) if t_now > ta else 0.0
    end = t_now + (remaining / per_s if per_s > 0 else math.inf)
    central = e_now + remaining * rate
    return Forecast(central, e_now + remaining * max(0.0, rate - 2 * spread), e_now + remaining * (rate + 2 * spread),
                    end, fraction, rate, per_s)


def _rate(trace: Sequence[tuple[float, float, float]], a: int) -> float:
    """J per unit of work from point ``a`` on: the energy of the intervals that did work, plus the pauses (intervals
    without work: evaluation, checkpointing) at the rate they recur, one per the work between them. Counting the
    pauses by the work up to the last one, not up to now, keeps a forecast made between two pauses from
    spreading the pauses seen over more work than they came with."""
    ea, wa = trace[a][1], trace[a][2]
    working = 0.0
    pauses: list[float] = []
    last_pause_w = wa
    in_pause = False
    for (_, e0, w0), (_, e1, w1) in itertools.pairwise(trace[a:]):
        if w1 > w0:
            working += e1 - e0
            in_pause = False
            continue
        if not in_pause:
            pauses.append(0.0)
            in_pause = True
        pauses[-1] += e1 - e0
        last_pause_w = w1
    if in_pause:  # the pause under way is not over: its length is not known yet, so it is not counted as one
        pauses.pop()
    w_now = trace[-1][2]
    if not pauses or last_pause_w <= wa:
        return (trace[-1][1] - ea) / (w_now - wa)
    return working / (w_now - wa) + sum(pauses) / (last_pause_w - wa)


def _blocks(trace: Sequence[tuple[float, float, float]], first: int, works: list[float]) -> tuple[list[float], list[int]]:
    """Energy per unit of work in up to BLOCKS blocks of equal work, and the trace index each block starts at."""
    w0, w_now = works[first], works[-1]
    n = min(BLOCKS, len(trace) - 1 - first)
    edges = [first]
    for k in range(1, n):
        target = w0 + (w_now - w0) * k / n
        i = bisect_left(works, target, first)
        if i > edges[-1] and i < len(trace) - 1:
            edges.append(i)
    edges.append(len(trace) - 1)
    rates, starts = [], []
    for a, b in itertools.pairwise(edges):
        dw = trace[b][2] - trace[a][2]
        if dw > 0:  # a block without work (a pause longer than a block) is left to the window's overall rate
            rates.append((trace[b][1] - trace[a][1]) / dw)
            starts.append(a)
    return rates, starts


def _recent(rates: list[float]) -> int:
    """How many of the newest blocks belong to the current regime: extend back while the blocks agree with the
    median of those kept (within AGREE, or within their own scatter). A block that disagrees while the blocks
    older than it, taken together, agree (an evaluation pause, which may straddle two blocks) is kept; where the
    older blocks disagree too, on the same side, the regime changed there (a warm-up, a new power level)."""
    kept = min(MIN_BLOCKS, len(rates))
    while kept < len(rates):
        window = rates[-kept:]
        mid = _median(window)
        tolerance = max(AGREE * abs(mid), 3 * 1.4826 * _median([abs(r - mid) for r in window]))
        off = rates[-kept - 1] - mid
        if abs(off) > tolerance:
            older = _median(rates[:-kept]) - mid
            if abs(older) > tolerance and (older > 0) == (off > 0):
                break
        kept += 1
    return kept


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def _std(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def epoch_mean_forecast(trace: Sequence[tuple[float, float, float]], total_work: float, epochs: int) -> float | None:
    """carbontracker's method on a trace: the run is ``epochs`` epochs of equal work; the forecast is the number of
    epochs x the mean energy of the epochs completed so far (None before the first one ends)."""
    per_epoch = total_work / epochs
    done = int(trace[-1][2] // per_epoch) if trace else 0
    if done < 1:
        return None
    works = [p[2] for p in trace]
    end = bisect_left(works, done * per_epoch)
    return trace[end][1] / done * epochs


def value_at(trace: Sequence[tuple[float, float, float]], fraction: float, total_work: float) -> int | None:
    """The index of the first trace point at or past ``fraction`` of the work, or None if the run never got there."""
    works = [p[2] for p in trace]
    i = bisect_left(works, fraction * total_work)
    return i if i < len(trace) else None
