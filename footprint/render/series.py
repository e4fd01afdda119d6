"""Power over time from meter logs: per channel and per node, with the stretches that were gaps or estimated.

Plots and pages read these series; the logs are streamed once, so a month-long log costs one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from footprint.errors import FootprintError


@dataclass
class Channel:
    """One metered channel: GPU i, the CPU or RAM of a node, as interval-average power."""

    key: str
    component: str  # "gpu", "cpu" or "ram"
    label: str
    tdp_w: float | None = None
    t: list[float] = field(default_factory=list)  # interval end, s since the node's start
    watts: list[float] = field(default_factory=list)
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
        """(t, cumulative kWh of every channel of the node) at each interval end."""
        times: dict[float, float] = {}
        for c in self.channels:
            previous = 0.0
            for t, w in zip(c.t, c.watts, strict=True):
                times[t] = times.get(t, 0.0) + w * (t - previous)
                previous = t
        out_t, out_e, total = [0.0], [0.0], 0.0
        for t in sorted(times):
            total += times[t] / 3.6e6
            out_t.append(t)
            out_e.append(total)
        return out_t, out_e


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


def read_nodes(paths: list[Path], root: Path | None = None) -> list[Node]:
    """Nodes from logs: grouped by the header's "node" (else by file: its path under `root`), channels in log order."""
    from footprint.meter.log import read_log

    nodes: dict[str, Node] = {}
    names = _file_names(paths, root)
    for path, file_name in zip(paths, names, strict=True):
        log = read_log(path)
        header = log.header
        name = str(header.get("node") or file_name)
        channels = [_channel(c, name if len(paths) > 1 else "") for c in header.get("channels", [])]
        for record in log.records:
            if record.get("type") != "interval":
                continue
            t, dt = float(record.get("t", 0.0)), float(record.get("dt", 0.0))
            energies = record.get("e", [])
            flags = record.get("flags", {})
            estimated = record.get("est", {})
            for i, c in enumerate(channels):
                if i >= len(energies) or dt <= 0:
                    continue
                c.t.append(t)
                c.watts.append(float(energies[i]) / dt)
                mine = [str(f).split(":")[0] for f in flags.get(str(i), [])]
                if "gap" in mine:
                    _extend(c.gaps, t - dt, t)
                if float(estimated.get(str(i), 0.0)) > 0:
                    _extend(c.estimated, t - dt, t)
        if name in nodes:
            nodes[name].channels.extend(channels)
        else:
            nodes[name] = Node(name, channels, header)
    return list(nodes.values())


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
