"""Power over time from meter logs, per channel and per node, with the stretches that were gaps or estimated.

Plots and pages read these series. A log is streamed once, record by record, and reduced as it is read: the
intervals fall into at most ``points`` buckets per channel (a figure is about a thousand pixels wide), and when a
log outgrows them neighbouring buckets merge two by two, so a month-long log or a job of a thousand nodes costs
the memory of its buckets, not of its records. A bucket keeps the energy, the seconds and whether any of its
intervals was a gap or estimated: its power is energy over seconds, exactly the average of its intervals.
"""

from __future__ import annotations

import json
import math
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from footprint.errors import FootprintError

POINTS = 2048  # buckets per channel at most: twice the pixels of a wide figure
TOTAL_POINTS = 400_000  # buckets over every channel of every log read at once (a job of 1,000 nodes)
MIN_POINTS = 32  # per channel, however many channels
GAP, ESTIMATED = 1, 2  # bucket flags


@dataclass
class Channel:
    """One metered channel: GPU i, the CPU or RAM of a node, as power per bucket of time."""

    key: str
    component: str  # "gpu", "cpu" or "ram"
    label: str
    tdp_w: float | None = None
    t: list[float] = field(default_factory=list)  # bucket end, s since the node's start
    watts: list[float] = field(default_factory=list)  # average power over the bucket
    joules: list[float] = field(default_factory=list)  # energy of the bucket
    gaps: list[tuple[float, float]] = field(default_factory=list)  # (start, end) s: no reading
    estimated: list[tuple[float, float]] = field(default_factory=list)  # (start, end) s: energy estimated


@dataclass
class Node:
    """The channels of one node's log(s)."""

    name: str
    channels: list[Channel]
    header: dict

    @property
    def gpus(self) -> list[Channel]:
        return [c for c in self.channels if c.component == "gpu"]

    @property
    def host(self) -> list[Channel]:
        """The CPU and RAM channels that have readings."""
        return [c for c in self.channels if c.component != "gpu" and c.t]

    def energy_steps(self) -> tuple[list[float], list[float]]:
        """(t, cumulative kWh of every channel of the node) at each bucket end."""
        times: dict[float, float] = {}
        for c in self.channels:
            for t, joules in zip(c.t, c.joules, strict=True):
                times[t] = times.get(t, 0.0) + joules
        out_t, out_e, total = [0.0], [0.0], 0.0
        for t in sorted(times):
            total += times[t] / 3.6e6
            out_t.append(t)
            out_e.append(total)
        return out_t, out_e


class _Buckets:
    """A log's intervals reduced to at most ``points`` buckets of equal width, widened two-fold when full."""

    def __init__(self, channels: int, points: int, width: float) -> None:
        self.points = max(2, points - points % 2)
        self.width = width
        self.start = array("d")  # earliest interval start in the bucket
        self.end = array("d")  # latest interval end
        self.seconds = array("d")
        self.joules = [array("d") for _ in range(channels)]
        self.flags = [array("b") for _ in range(channels)]

    def add(self, t: float, dt: float, energies: list[float], flags: list[int]) -> None:
        index = int((t - dt / 2) // self.width)
        while index >= self.points:
            self._widen()
            index = int((t - dt / 2) // self.width)
        while len(self.end) <= index:
            self._append()
        if self.seconds[index] == 0:
            self.start[index] = t - dt
        self.end[index] = t
        self.seconds[index] += dt
        for column, flag_column, value, flag in zip(self.joules, self.flags, energies, flags, strict=True):
            column[index] += value
            flag_column[index] |= flag

    def _append(self) -> None:
        for a in (self.start, self.end, self.seconds, *self.joules):
            a.append(0.0)
        for f in self.flags:
            f.append(0)

    def _widen(self) -> None:
        """Merge neighbouring buckets: half as many, twice as wide."""
        self.width *= 2
        n = len(self.end)
        pairs = range(0, n, 2)

        def merged(a: array, how: Any) -> array:
            return array(a.typecode, (how(a, i) for i in pairs))

        self.start = merged(self.start, lambda a, i: a[i] if self.seconds[i] > 0 or i + 1 >= n else a[i + 1])
        self.end = merged(self.end, lambda a, i: a[i + 1] if i + 1 < n and self.seconds[i + 1] > 0 else a[i])
        self.joules = [merged(c, lambda a, i: a[i] + (a[i + 1] if i + 1 < n else 0.0)) for c in self.joules]
        self.flags = [merged(f, lambda a, i: a[i] | (a[i + 1] if i + 1 < n else 0)) for f in self.flags]
        self.seconds = merged(self.seconds, lambda a, i: a[i] + (a[i + 1] if i + 1 < n else 0.0))


def log_paths(target: str | Path) -> list[Path]:
    """A log file, or every *.jsonl log under a directory (recursively), sorted."""
    p = Path(target)
    if p.is_dir():
        found = sorted(q for q in p.rglob("*.jsonl") if q.is_file())
        if not found:
            raise FootprintError(f"{p}: no *.jsonl meter logs in this directory; expected logs written by 'footprint run'")
        return found
    if not p.is_file():
        raise FootprintError(f"{p!s} does not exist; expected a meter log, a directory of node logs or a result .json")
    return [p]


def read_nodes(paths: list[Path], root: Path | None = None, points: int | None = None) -> list[Node]:
    """Nodes from logs: grouped by the header's "node" (else by file: its path under `root`), channels in log order;
    each log streamed once into at most ``points`` buckets per channel (default: POINTS, fewer when the logs hold
    more channels than TOTAL_POINTS allows). A log's first run is read; a damaged line is skipped (the report
    names it)."""
    counts = [len(_header(path).get("channels", [])) for path in paths]  # every header checked before any is read
    if points is None:
        count = sum(counts) or 1
        points = max(MIN_POINTS, min(POINTS, TOTAL_POINTS // count))
    nodes: dict[str, Node] = {}
    names = _file_names(paths, root)
    for path, file_name in zip(paths, names, strict=True):
        header = _header(path)
        name = str(header.get("node") or file_name)
        channels = [_channel(c, name if len(paths) > 1 else "") for c in header.get("channels", [])]
        _fill(path, header, channels, points)
        if name in nodes:
            nodes[name].channels.extend(channels)
        else:  # the job's node list, repeated in every node's header, is not kept a thousand times
            nodes[name] = Node(name, channels, {k: v for k, v in header.items() if k != "expected_nodes"})
    return list(nodes.values())


def _header(path: Path) -> dict[str, Any]:
    """A log's header, checked as 'footprint report' checks it (FootprintError if the file is not a log)."""
    from footprint.meter.log import FORMAT, check_header

    try:
        with path.open("rb") as fh:
            line = fh.readline(1 << 20)
    except OSError as exc:
        raise FootprintError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        header = json.loads(line)
    except (ValueError, RecursionError):
        header = None
    if not isinstance(header, dict) or header.get("type") != "header" or header.get("format") != FORMAT:
        raise FootprintError(f"{path}: not a footprint meter log (no header line); expected a log written by 'footprint run'")
    wrong = check_header(header)
    if wrong:
        raise FootprintError(f"{path}:1: bad header: {wrong}")
    return header


def _fill(path: Path, header: dict[str, Any], channels: list[Channel], points: int) -> None:
    """Stream the first run's interval records of ``path`` into the channels' buckets."""
    n = len(channels)
    interval = float(header.get("settings", {}).get("interval_s", 5.0))
    buckets = _Buckets(n, points, interval)
    last_t = 0.0
    plain = [0] * n
    with path.open("rb") as fh:
        fh.readline(1 << 20)  # the header
        for raw in fh:
            if not raw.endswith(b"\n"):
                break  # cut mid-write
            if b'"interval"' not in raw:
                if b'"header"' in raw[:40]:
                    break  # the next run of a log used again
                continue
            record = _record(raw, n, last_t)
            if record is None:
                continue
            t, dt, energies, flags = record
            last_t = t
            if dt <= 0:
                continue
            buckets.add(t, dt, energies, flags or plain)
    for i, c in enumerate(channels):
        column, flag_column = buckets.joules[i], buckets.flags[i]
        for k, seconds in enumerate(buckets.seconds):
            if seconds <= 0:
                continue
            start, end = buckets.start[k], buckets.end[k]
            c.t.append(end)
            c.joules.append(column[k])
            c.watts.append(column[k] / seconds)
            if flag_column[k] & GAP:
                _extend(c.gaps, start, end)
            if flag_column[k] & ESTIMATED:
                _extend(c.estimated, start, end)


def _finite(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _record(raw: bytes, n: int, last_t: float) -> tuple[float, float, list[float], list[int] | None] | None:
    """(t, dt, energies, flags per channel or None) of an interval record, or None for anything else or a damaged
    one (the same bounds the report checks: time never backwards, finite energies)."""
    try:
        record = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict) or record.get("type") != "interval":
        return None
    t, dt, energies = record.get("t"), record.get("dt"), record.get("e")
    if not (_finite(t) and _finite(dt) and t >= last_t and 0 <= dt <= t - last_t + 0.002) or not isinstance(energies, list) \
            or len(energies) != n or not all(_finite(e) for e in energies):
        return None
    marks, estimated = record.get("flags"), record.get("est")
    if not marks and not estimated:
        return float(t), float(dt), [float(e) for e in energies], None
    marks = marks if isinstance(marks, dict) else {}
    estimated = estimated if isinstance(estimated, dict) else {}
    flags = []
    for i in range(n):
        mine = marks.get(str(i), [])
        names = [str(f).split(":")[0] for f in mine] if isinstance(mine, list) else []
        guess = estimated.get(str(i), 0.0)
        flags.append((GAP if "gap" in names or "error" in names else 0) | (ESTIMATED if _finite(guess) and guess > 0 else 0))
    return float(t), float(dt), [float(e) for e in energies], flags


def _file_names(paths: list[Path], root: Path | None) -> list[str]:
    """A short name per log file: its path under `root` without the suffix; 'node-a/run' and 'node-b/run' become
    'node-a' and 'node-b' when every file has the same name."""
    if len(paths) == 1:
        return [paths[0].stem]
    parts = [(p.relative_to(root) if root is not None and p.is_relative_to(root) else p).with_suffix("").parts for p in paths]
    if len({q[-1] for q in parts}) == 1 and all(len(q) > 1 for q in parts):
        parts = [q[:-1] for q in parts]
    return ["/".join(q) for q in parts]


def _channel(info: dict, node: str) -> Channel:
    component = str(info.get("component", "gpu"))
    prefix = f"{node} " if node else ""
    if component == "gpu":
        label = f"{prefix}GPU {info.get('index', '?')}"
    else:
        modelled = str(info.get("method", "")).startswith("modelled")
        label = f"{prefix}{component.upper()}" + (" (modelled)" if modelled else "")
    tdp = info.get("power_limit_w")
    return Channel(str(info.get("key", label)), component, label, float(tdp) if tdp else None)


def _extend(spans: list[tuple[float, float]], start: float, end: float) -> None:
    """Merge touching stretches so a long gap is one shaded band, not hundreds."""
    if spans and abs(spans[-1][1] - start) < 1e-6:
        spans[-1] = (spans[-1][0], end)
    else:
        spans.append((start, end))
