"""Running totals of a metered run, fed record by record (live, or from a log), so memory stays flat.

The live meter and ``footprint report`` both feed a Ledger with the same records; a result rebuilt from a log
is therefore the result the run printed (up to the interval a kill cut off).
"""

from __future__ import annotations

import sys
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from itertools import groupby, islice, repeat
from operator import add, floordiv, itemgetter, le, sub, truediv
from typing import Any

from footprint.meter.log_values import log_number

PEAK_WINDOW_S = 20.0  # peak power is energy over windows of at least this long (and at least one interval): an
# interval's boundaries are timestamps taken around the reads, and a read delayed by a loaded CPU (or a counter that
# moves in ~100 ms steps) shifts energy from one interval to the next; over one short interval that jitter reads as a
# spike (a constant 350 W GPU showed 450 W), over 20 s and more it is a few percent at worst


if sys.version_info < (3, 12):
    running_sum = sum  # adds left to right, one by one, exactly as ``+=`` does record by record
else:
    def running_sum(values: Iterable[float], start: float) -> float:
        """From 3.12 on ``sum`` compensates rounding; the live meter adds one by one, and so must a batch."""
        return reduce(add, values, start)


@dataclass
class ChannelTotals:
    """One channel's totals: energy and its estimated part (J), peak interval-average power, gap seconds."""

    key: str
    component: str
    info: dict[str, Any]
    energy: float = 0.0
    estimated: float = 0.0
    peak_w: float = 0.0
    gap_s: float = 0.0
    counter_resets: int = 0
    flags: dict[str, int] = field(default_factory=dict)
    group: tuple[float, float] = (0.0, 0.0)  # (J, s) of the peak window being filled
    lead: tuple[float, float] = (0.0, 0.0)  # (J, s) of the last peak window closed
    # how each second of the run is known: read from the device, filled (estimated across a gap at the last
    # power), or unknown (no reading at all: counted as 0 J, so the energy is a lower bound)
    measured_s: float = 0.0
    filled_s: float = 0.0
    unknown_s: float = 0.0
    open_fill_s: float = 0.0  # filled seconds since the last reading; measured after all if a counter spans the gap

    def copy(self) -> ChannelTotals:
        return ChannelTotals(self.key, self.component, self.info, self.energy, self.estimated, self.peak_w,
                             self.gap_s, self.counter_resets, dict(self.flags), self.group, self.lead,
                             self.measured_s, self.filled_s, self.unknown_s, self.open_fill_s)

    def seconds(self) -> list[float]:
        """[measured, filled, unknown, open fill] seconds, as a checkpoint and a final record carry them."""
        return [self.measured_s, self.filled_s, self.unknown_s, self.open_fill_s]

    def set_seconds(self, values: list[float]) -> None:
        self.measured_s, self.filled_s, self.unknown_s, self.open_fill_s = values

    def feed_coverage(self, dt: float, energy: float, estimated: float, names: list[str]) -> None:
        """Count one interval's seconds as measured, filled or unknown from its flags (see ``coverage``)."""
        kind = coverage(names, energy, estimated)
        if kind == "measured":
            if "gap-measured" in names:  # the counter read across the gap: what was filled is measured after all
                self.measured_s += self.open_fill_s
                self.filled_s -= self.open_fill_s
            self.measured_s += dt
            self.open_fill_s = 0.0
        elif kind == "filled":
            self.filled_s += dt
            self.open_fill_s += dt
        else:
            self.unknown_s += dt

    def feed_peak(self, energy: float, dt: float, flagged: bool, window: float) -> None:
        """Add one interval to the peak: intervals add up to windows of at least ``window`` seconds, each window's
        average power a candidate. A flagged interval (partly estimated) ends the window without counting it."""
        if flagged:
            self.group, self.lead = (0.0, 0.0), (0.0, 0.0)
            return
        joules, seconds = self.group[0] + energy, self.group[1] + dt
        if seconds >= window and seconds > 0:
            power = joules / seconds
            if power > self.peak_w:
                self.peak_w = power
            self.lead, self.group = (joules, seconds), (0.0, 0.0)
        else:
            self.group = (joules, seconds)

    def feed_peak_column(self, column: list[float], windows: tuple[list[int], list[float], float]) -> None:
        """``feed_peak`` for unflagged intervals in a row, with exactly its sums: ``windows`` (from ``window_ends``,
        for this channel's open window) says where windows close; each is summed at C speed."""
        ends, seconds, rest = windows
        start, joules = 0, self.group[0]
        sums = []
        for end in ends:
            sums.append(reduce(add, column[start:end], joules))
            start, joules = end, 0.0
        if sums:
            power = max(map(truediv, sums, seconds))
            if power > self.peak_w:
                self.peak_w = power
            self.lead = (sums[-1], seconds[-1])
        self.group = (reduce(add, column[start:], joules), rest)

    def peak(self) -> float:
        """The peak so far; the run's last stretch, shorter than a window, is read with the window before it (or,
        in a run shorter than one window, alone: its average)."""
        joules, seconds = self.group
        if seconds <= 0:
            return self.peak_w
        if self.lead[1] > 0:
            return max(self.peak_w, (self.lead[0] + joules) / (self.lead[1] + seconds))
        return max(self.peak_w, joules / seconds)


def coverage(names: list[str], energy: float, estimated: float) -> str:
    """'measured', 'filled' or 'unknown': how an interval's energy of one channel is known, from its flag names
    (the part before ':'). A failed read ('error', a start that failed) has no energy at all; a gap filled at the
    last power is an estimate, unless nothing was known to fill it with (0 J)."""
    if not names:
        return "measured"
    if "error" in names or "gap-start" in names:
        return "unknown"
    if "gap-measured" in names:
        return "measured"
    if "gap" in names:
        return "filled" if energy > 0 or estimated > 0 else "unknown"
    return "filled" if "counter-reset" in names or estimated > 0 else "measured"


def window_ends(dts: list[float], seconds: float, window: float) -> tuple[list[int], list[float], float]:
    """Where peak windows close in a row of intervals, for an open window of ``seconds`` so far: the indexes just
    past each window's last interval, each window's seconds, and the seconds of the window left open (summed one
    by one, as ``ChannelTotals.feed_peak`` sums them)."""
    ends: list[int] = []
    lengths: list[float] = []
    for index, dt in enumerate(dts, 1):
        seconds += dt
        if seconds >= window and seconds > 0:
            ends.append(index)
            lengths.append(seconds)
            seconds = 0.0
    return ends, lengths, seconds


@dataclass
class Totals:
    """What a result is built from: per-channel totals over ``duration`` seconds of one node's log."""

    header: dict[str, Any]
    channels: list[ChannelTotals]
    duration: float
    start: float = 0.0  # seconds since the meter started
    complete: bool = True
    intervals: int = 0
    hourly: dict[int, float] = field(default_factory=dict)  # UTC hour (unix s // 3600) -> J of all channels
    work: dict[str, Any] | None = None  # the run's work, forecast and budget state (footprint.meter.work.WorkTrail)
    refused: list[dict[str, Any]] = field(default_factory=list)  # stored totals of the log not used: log, line, what

    def energy(self, component: str) -> float:
        return sum(c.energy for c in self.channels if c.component == component)

    def estimated(self) -> float:
        return sum(c.estimated for c in self.channels)

    @property
    def gpus(self) -> list[ChannelTotals]:
        return [c for c in self.channels if c.component == "gpu"]


class Ledger:
    """Consumes a header and interval/mark records; gives Totals for the run and for each named window."""

    def __init__(self, header: dict[str, Any]) -> None:
        self.header = header
        self.interval = float(header.get("settings", {}).get("interval_s", 5.0))
        self.peak_window = max(PEAK_WINDOW_S, self.interval)
        self.channels = [ChannelTotals(c["key"], c["component"], c) for c in header.get("channels", [])]
        self.t = 0.0
        self.intervals = 0
        self.open_windows: dict[str, list[tuple[float, list[ChannelTotals]]]] = {}
        self.windows: list[tuple[str, Totals]] = []
        # energy per UTC hour, so that a time-resolved grid intensity can weight it (one entry per hour: flat memory)
        self.hourly: dict[int, float] = {}
        self.start_unix = header.get("start_unix")
        self.work: Any = None  # a WorkTrail once the run has a work record

    def add(self, record: dict[str, Any]) -> None:
        kind = record.get("type")
        if kind == "interval":
            self._interval(record)
        elif kind == "mark":
            self._mark(record)
        elif kind == "work":
            if self.work is None:
                from footprint.meter.work import WorkTrail

                self.work = WorkTrail(self.header)
            self.work.add(record)

    def _interval(self, record: dict[str, Any]) -> None:
        dt = float(record.get("dt", 0.0))
        energies = record.get("e", [])
        estimated = record.get("est")
        flags = record.get("flags")
        window = self.peak_window
        for i, (channel, value) in enumerate(zip(self.channels, energies, strict=False)):
            energy = float(value)
            channel.energy += energy
            mine = ()
            if estimated or flags:  # sparse: most intervals have neither
                key = str(i)
                guessed = float(estimated.get(key, 0.0)) if estimated else 0.0
                channel.estimated += guessed
                mine = flags.get(key, ()) if flags else ()
                names = []
                for flag in mine:
                    name = "gap-start" if flag == "gap:start-failed" else flag.split(":")[0]
                    names.append(name)
                    channel.flags[flag] = channel.flags.get(flag, 0) + 1
                    if name in ("gap", "gap-start"):
                        channel.gap_s += dt
                    elif name == "counter-reset":
                        channel.counter_resets += 1
                channel.feed_coverage(dt, energy, guessed, names)
            else:
                channel.measured_s += dt
                channel.open_fill_s = 0.0
            channel.feed_peak(energy, dt, bool(mine), window)
        self.t = float(record.get("t", self.t + dt))
        self.intervals += 1
        if isinstance(self.start_unix, int | float):
            hour = int((self.start_unix + self.t - dt / 2) // 3600)
            self.hourly[hour] = self.hourly.get(hour, 0.0) + sum(float(e) for e in energies[:len(self.channels)])

    def add_plain(self, ts: list[float], dts: list[float], energies: list[float]) -> None:
        """Consecutive interval records without flags or estimates, already checked, as columns: their times,
        lengths and energies (each record's channels one after the other, as floats).

        The result is exactly that of ``add`` record by record: the same sums in the same order (``running_sum``),
        and the same peaks (``ChannelTotals.feed_peak_column``), summed per channel at C speed."""
        if ts:
            self._whole(ts, dts, energies)

    def _whole(self, ts: list[float], dts: list[float], energies: list[float]) -> None:
        """Plain intervals (no flags, no estimates) as columns."""
        n = len(self.channels)
        windows: dict[float, tuple[list[int], list[float], float]] = {}
        for i, channel in enumerate(self.channels):
            column = energies[i::n]
            channel.energy = running_sum(column, channel.energy)
            channel.measured_s = running_sum(dts, channel.measured_s)
            channel.open_fill_s = 0.0
            if channel.group[1] not in windows:  # channels with the same open window close theirs together
                windows[channel.group[1]] = window_ends(dts, channel.group[1], self.peak_window)
            channel.feed_peak_column(column, windows[channel.group[1]])
        self.t = ts[-1]
        self.intervals += len(ts)
        if isinstance(self.start_unix, int | float):
            sums = list(map(sum, zip(*[iter(energies)] * n, strict=True)))  # per record, as _interval sums them
            middles = map(sub, map(add, repeat(self.start_unix), ts), map(truediv, dts, repeat(2)))
            hours = list(map(int, map(floordiv, middles, repeat(3600))))
            if all(map(le, hours, islice(hours, 1, None))):  # in order, as times almost always are: one slice per hour
                at = 0
                while at < len(hours):
                    hour = hours[at]
                    end = bisect_right(hours, hour, at)
                    self.hourly[hour] = running_sum(sums[at:end], self.hourly.get(hour, 0.0))
                    at = end
            else:
                for hour, pairs in groupby(zip(hours, sums, strict=True), itemgetter(0)):
                    self.hourly[hour] = running_sum(map(itemgetter(1), pairs), self.hourly.get(hour, 0.0))

    def _mark(self, record: dict[str, Any]) -> None:
        name = str(record.get("window", ""))
        t = float(record.get("t", self.t))
        if record.get("edge") == "start":
            self.open_windows.setdefault(name, []).append((t, [c.copy() for c in self.channels]))
            return
        stack = self.open_windows.get(name)
        if not stack:
            return
        start, before = stack.pop()
        window = []
        for now, then in zip(self.channels, before, strict=True):
            diff = now.copy()
            diff.energy -= then.energy
            diff.estimated -= then.estimated
            diff.gap_s -= then.gap_s
            diff.counter_resets -= then.counter_resets
            diff.set_seconds([a - b for a, b in zip(now.seconds(), then.seconds(), strict=True)])
            diff.peak_w = 0.0  # a window's peak would need per-interval history; not kept
            diff.group = diff.lead = (0.0, 0.0)
            window.append(diff)
        self.windows.append((name, Totals(self.header, window, t - start, start, True)))

    def state(self, since: int | None = None) -> dict[str, Any]:
        """What a checkpoint record carries to resume this ledger: every running sum as the ledger keeps it (JSON
        writes floats exactly), so that a resumed ledger adds the records after it to the same floats. With
        ``since``, only the hours from that one on (the earlier ones are final: an earlier checkpoint holds them)."""
        state = {"t": self.t, "intervals": self.intervals,
                 "channels": [[c.energy, c.estimated, c.peak_w, c.gap_s, c.counter_resets, c.flags, list(c.group), list(c.lead),
                               c.seconds()] for c in self.channels],
                 "hourly": [[hour, joules] for hour, joules in self.hourly.items() if since is None or hour >= since]}
        if self.work is not None:  # the run's work so far, so that a reader resuming here has it
            state["work"] = self.work.record()
        return state

    @classmethod
    def resume(cls, header: dict[str, Any], state: Any) -> Ledger | None:
        """A ledger for ``header`` continued from a checkpoint's ``state``; None if the state is not one this header's
        ledger could have written (wrong channel count, a value that is not a finite number...). Window totals are
        not carried: a report from a log gives the run's totals, not its windows."""

        ledger = cls(header)
        if not isinstance(state, dict):
            return None
        rows, hourly = state.get("channels"), state.get("hourly")
        t, intervals = log_number(state.get("t")), state.get("intervals")
        if not isinstance(rows, list) or len(rows) != len(ledger.channels) or not isinstance(hourly, list) \
                or t is None or t < 0 or type(intervals) is not int or intervals < 0:
            return None
        for channel, row in zip(ledger.channels, rows, strict=True):
            if not isinstance(row, list) or len(row) not in (8, 9):  # 8: written before seconds were counted
                return None
            if len(row) == 9:
                seconds = _seconds(row[8])
                if seconds is None:
                    return None
                channel.set_seconds(seconds)
            numbers = [log_number(v) for v in (*row[:4], *_pair(row[6]), *_pair(row[7]))]
            flags = row[5]
            if any(v is None for v in numbers) or type(row[4]) is not int or row[4] < 0 or not isinstance(flags, dict) \
                    or not all(isinstance(k, str) and type(v) is int and v >= 0 for k, v in flags.items()):
                return None
            channel.energy, channel.estimated, channel.peak_w, channel.gap_s = numbers[:4]  # type: ignore[assignment]
            channel.group, channel.lead = (numbers[4], numbers[5]), (numbers[6], numbers[7])  # type: ignore[assignment]
            channel.counter_resets, channel.flags = row[4], dict(flags)
        hours = hourly_entries(hourly)
        if hours is None:
            return None
        ledger.hourly = hours
        ledger.t, ledger.intervals = t, intervals
        if "work" in state:
            from footprint.meter.work import WorkTrail, check_work_record

            if not isinstance(state["work"], dict) or check_work_record(state["work"]) is not None:
                return None
            ledger.work = WorkTrail(header)
            ledger.work.add(state["work"])
        return ledger

    def totals(self, complete: bool = True) -> Totals:
        channels = [c.copy() for c in self.channels]
        for channel in channels:
            channel.peak_w = channel.peak()
        work = self.work.summary() if self.work is not None else None
        if work is None and isinstance(self.header.get("work"), dict):  # options given, no work reported
            from footprint.meter.work import WorkTrail

            work = WorkTrail(self.header).summary()
        return Totals(self.header, channels, self.t, 0.0, complete, self.intervals, dict(self.hourly), work)


def hourly_entries(entries: Any) -> dict[int, float] | None:
    """Energy per UTC hour from a checkpoint's ``[[hour, J], ...]``; None if that is not what it holds."""

    if not isinstance(entries, list):
        return None
    hours: dict[int, float] = {}
    for entry in entries:
        if not isinstance(entry, list) or len(entry) != 2 or type(entry[0]) is not int or log_number(entry[1]) is None:
            return None
        hours[entry[0]] = float(entry[1])
    return hours


def _seconds(value: Any) -> list[float] | None:
    """[measured, filled, unknown, open fill] seconds from a checkpoint or final record; None if not that."""

    if not isinstance(value, list) or len(value) != 4:
        return None
    numbers = [log_number(v) for v in value]
    if any(v is None or v < 0 for v in numbers):
        return None
    return numbers  # type: ignore[return-value]


def _pair(value: Any) -> tuple[Any, Any]:
    return (value[0], value[1]) if isinstance(value, list) and len(value) == 2 else (None, None)


def totals_record(ledger: Ledger) -> dict[str, Any]:
    """The totals a final record carries, so that a finished log can be summed from its last line."""
    return {"t": round(ledger.t, 6), "intervals": ledger.intervals,
            "channels": [[c.energy, c.estimated, c.peak(), c.gap_s, c.counter_resets, c.flags, c.seconds()] for c in ledger.channels]}
