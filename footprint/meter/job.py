"""The footprint of a multi-node job: every node log of one job under a directory, each node counted once.

Each log is read from the last checkpoint record of each run (the running totals the meter writes every few
minutes, and in its final record) on: the records after it are streamed, up to the last complete interval of a
log cut short. A checkpoint is used only if its checksum and totals pass (see ``footprint.meter.checkpoint``),
so the totals are those of reading every record, as ``footprint report FILE`` does. The same run found twice (a
copied log) is counted once; several runs of one node in one job (several job steps) add up. Nodes the launcher
the launcher gave (their names where a header lets them be known, else their count) but that left no log are
named missing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from footprint.core.result import Footprint
from footprint.errors import FootprintError
from footprint.meter.ledger import Ledger, Totals
from footprint.meter.log import MAX_PROBLEMS_SHOWN

MAX_GPU_LINES = 64  # the text report lists GPUs one per line up to this many; --json always has them
POOL_MIN_BYTES = 32 << 20  # logs to stream, in all: below this (about a second and a half of reading on one core),
# starting worker processes costs more than it saves


@dataclass
class NodeLog:
    """One run of one node's log (or the runs of a log added up): its header, totals and how it ended."""

    path: str
    header: dict[str, Any]
    totals: Totals
    complete: bool
    cut_line: bool = False
    bad_lines: int = 0
    problems: list[str] = field(default_factory=list)  # damaged records and refused totals, "PATH:LINE: what"

    @property
    def job(self) -> str:
        return str(self.header.get("job") if self.header.get("job") is not None else "")

    @property
    def node(self) -> str:
        return str(self.header.get("node") or self.header.get("host") or Path(self.path).stem)

    @property
    def run_key(self) -> tuple[Any, ...]:
        """What identifies one run: its run id, else job, node, start time and pid."""
        if self.header.get("run_id"):
            return ("run_id", self.header["run_id"])
        return (self.job, self.node, self.header.get("start_unix"), self.header.get("pid"))

    @property
    def ranks(self) -> list[int]:
        return [int(r) for r in (self.header.get("ranks") or []) if isinstance(r, int)]


def read_node_log(path: str | Path) -> NodeLog:
    """A node's log, its runs added up, each read from its last usable checkpoint (or final record) on."""
    return _streamed_node_log(Path(path))


def _streamed_node_log(p: Path) -> NodeLog:
    """A log streamed from each run's last usable checkpoint or final record on (raises if it is not a log)."""
    from footprint.meter.checkpoint import read_runs_resumed

    runs = _distinct(read_runs_resumed(p))
    ledger, log = _combined(runs)
    ledger.header = {**log.header, "log": str(p)}
    if log.final is not None and "ranks" in log.final:
        ledger.header["ranks"] = log.final["ranks"]
    problems = [line for run in runs for line in run.problems]
    return NodeLog(str(p), ledger.header, ledger.totals(complete=log.complete), log.complete, log.cut_line, log.bad_lines,
                   problems)


def _node_runs(p: Path) -> list[NodeLog]:
    """Each distinct run of a log on its own, as 'footprint report FILE' counts them (raises if it is not a log)."""
    from footprint.meter.checkpoint import read_runs_resumed
    from footprint.meter.from_log import run_totals

    out = []
    for run in _distinct(read_runs_resumed(p)):
        header = {**run.header, "log": str(p)}
        if run.final is not None and "ranks" in run.final:
            header["ranks"] = run.final["ranks"]
        totals = run_totals(run)
        totals.header = header
        out.append(NodeLog(str(p), header, totals, run.complete, run.cut_line, run.bad_lines, run.problems))
    return out


def _distinct(runs: list[Any]) -> list[Any]:
    """Each run of a log once (a log pasted after itself holds each twice): of two copies, the longer, as
    ``footprint report FILE`` keeps it."""
    from footprint.meter.from_log import _length

    chosen: dict[str, Any] = {}
    for run in runs:
        seen = chosen.get(run.run_id)
        chosen[run.run_id] = run if seen is None or _length(run) > _length(seen) else seen
    return list(chosen.values())


def usable_cores() -> int:
    """The cores this process may run on (a Slurm step or a container may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def idle_cores() -> int:
    """The usable cores that other work leaves free (the load average of the last minute taken off): a worker
    process on a core that is already busy only adds its start-up and the copying of its results back."""
    try:
        busy = os.getloadavg()[0]
    except OSError:
        busy = 0.0
    return max(1, min(usable_cores(), int(usable_cores() - busy + 0.5)))


def read_node_logs(paths: list[Path], workers: int | None = None) -> list[NodeLog]:
    """Every run of every log, in the order given. The logs are shared among ``workers`` processes (default: one
    per usable core that other work leaves idle, when they hold enough bytes for a pool to pay for its start-up). The result is the same as
    reading them one by one: logs are independent, and each is read whole by one process."""
    lists: dict[tuple[Any, ...], list[Any]] = {}
    logs: list[list[NodeLog] | None] = [None for _ in paths]
    streamed = list(range(len(paths)))
    if workers is None:
        size = sum(_size(paths[i]) for i in streamed)
        workers = idle_cores() if size >= POOL_MIN_BYTES else 1
    workers = min(workers, len(streamed))
    if workers < 2 or not _read_in_pool(paths, streamed, logs, lists, workers):  # no processes to be had: read them here
        for i in streamed:
            logs[i] = _shared_lists(_node_runs(paths[i]), lists)
    return [log for runs in logs if runs is not None for log in runs]


def _read_in_pool(paths: list[Path], streamed: list[int], logs: list[list[NodeLog] | None],
                  lists: dict[tuple[Any, ...], list[Any]], workers: int) -> bool:
    """Read the logs ``streamed`` (indexes into ``paths``) in ``workers`` processes, into ``logs``; False if no
    pool could be started or kept (process limits, no /dev/shm)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    if _threads() == 1:
        context = multiprocessing.get_context("fork")  # nothing runs but this thread: the cheapest start
    else:
        # a fork of a process with other threads (a BLAS pool started by an import) might inherit a held lock:
        # workers start from a clean server process instead, which imports this module once for all of them
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
    try:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            chunk = max(1, len(streamed) // (workers * 8))  # a few chunks per worker: even shares, few round trips
            for i, runs in zip(streamed, pool.map(_node_runs, [paths[i] for i in streamed], chunksize=chunk), strict=True):
                logs[i] = _shared_lists(runs, lists)
    except (BrokenProcessPool, PermissionError, BlockingIOError):
        return False
    return True


def _threads() -> int:
    """Threads of this process, as the system counts them (native ones included); 2 if it cannot tell."""
    # no /proc here, or an odd line: count as threaded, so workers start from a forkserver, never a fork
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            line = next((line for line in fh if line.startswith("Threads:")), "Threads: 2")
        return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return 2


def _shared_lists(runs: list[NodeLog], lists: dict[tuple[Any, ...], list[Any]]) -> list[NodeLog]:
    """Every node's header repeats the job's node list: keep one copy of it, as each log is read (flat memory)."""
    for log in runs:
        names = log.header.get("expected_nodes")
        if isinstance(names, list):
            log.header["expected_nodes"] = lists.setdefault(tuple(names), names)
    return runs


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def stream_totals(path: str | Path) -> tuple[Ledger, Any]:
    """A log streamed record by record into a Ledger (flat memory), from each run's last checkpoint on when it has
    one, every record read checked as 'footprint report' checks it: (ledger, the MeterLog with its end state). A
    node log holding several runs adds them up."""
    from footprint.meter.checkpoint import read_runs_resumed

    return _combined(read_runs_resumed(path))


def _combined(runs: list[Any]) -> tuple[Ledger, Any]:
    """The runs of one log added up into the last one's ledger: (ledger, the last MeterLog)."""
    last = runs[-1]
    ledger = last.ledger
    for earlier in runs[:-1]:
        if len(earlier.ledger.channels) == len(ledger.channels):
            for mine, theirs in zip(ledger.channels, earlier.ledger.channels, strict=True):
                mine.energy += theirs.energy
                mine.estimated += theirs.estimated
                mine.gap_s += theirs.gap_s
                mine.set_seconds([a + b for a, b in zip(mine.seconds(), theirs.seconds(), strict=True)])
            ledger.t += earlier.ledger.t
            ledger.intervals += earlier.ledger.intervals
    last.bad_lines = sum(run.bad_lines for run in runs)
    return ledger, last


@dataclass
class NodeResult:
    """One node of the job: its logs (distinct runs), energy and GPUs."""

    node: str
    logs: list[NodeLog] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(log.complete for log in self.logs)

    def energy(self, component: str | None = None) -> float:
        return sum(log.totals.energy(c) for log in self.logs for c in ((component,) if component else ("gpu", "cpu", "ram")))


@dataclass
class Unmetered:
    """A stretch of the job in which a node was not metered: its meter stopped (killed) and either another rank
    took over (``taken_over``) or none did, up to the job's last metered second (``end`` None: nothing later is known)."""

    node: str
    start: float  # seconds since the job's first meter started
    end: float | None
    taken_over: bool

    def describe(self) -> str:
        if self.end is None:
            return (f"node {self.node}: not metered from {self.start:.1f} s into the job on: its meter stopped (no final "
                    "record) and no rank took over; how long the node ran on is not known")
        how = "until another rank took over" if self.taken_over else "and no rank took over, up to the job's last metered second"
        return (f"node {self.node}: not metered for {self.end - self.start:.1f} s, from {self.start:.1f} s to {self.end:.1f} s "
                f"into the job: its meter stopped (no final record) {how}")


def unmetered_spans(nodes: list[NodeResult], slack: float = 0.0) -> list[Unmetered]:
    """Where each node went unmetered: after a log cut short, up to the node's next log (a rank that took over)
    or, with none, up to the end of the job's last log. Gaps of ``slack`` seconds or less are not named."""
    starts = [_start(log) for node in nodes for log in node.logs]
    if not starts:
        return []
    zero = min(starts)
    job_end = max(_start(log) + log.totals.duration for node in nodes for log in node.logs)
    out = []
    for node in nodes:
        logs = sorted(node.logs, key=_start)
        for i, log in enumerate(logs):
            if log.complete:
                continue
            stopped = _start(log) + log.totals.duration
            later = [_start(other) for other in logs[i + 1:] if _start(other) >= stopped - 1.0]
            if later:
                end, taken = min(later), True
            elif job_end > stopped + slack:
                end, taken = job_end, False
            else:
                out.append(Unmetered(node.node, stopped - zero, None, False))
                continue
            if end - stopped > slack:
                out.append(Unmetered(node.node, stopped - zero, max(stopped, end) - zero, taken))
    return out


@dataclass
class JobMerge:
    """What ``footprint report DIR`` found: the job, its nodes, and what was missing, cut short or duplicated."""

    job: str
    nodes: list[NodeResult]
    missing: list[str]
    expected_count: int | None
    duplicates: list[tuple[str, list[str]]]
    other_jobs: list[str]
    warnings: list[str]
    unmetered: list[Unmetered] = field(default_factory=list)

    @property
    def parts(self) -> list[Totals]:
        return [log.totals for node in self.nodes for log in node.logs]

    @property
    def cut_short(self) -> list[NodeResult]:
        return [node for node in self.nodes if not node.complete]


def find_logs(directory: str | Path) -> list[Path]:
    """Every ``*.jsonl`` file under ``directory``."""
    d = Path(directory)
    if not d.is_dir():
        raise FootprintError(f"{str(d)!r} is not a directory; expected the --log-dir of a 'footprint run'")
    logs = sorted(p for p in d.rglob("*.jsonl") if p.is_file())
    if not logs:
        raise FootprintError(f"{str(d)!r} holds no node logs (*.jsonl); expected the --log-dir of a 'footprint run'")
    return logs


def merge_job(directory: str | Path, job: str | None = None, workers: int | None = None) -> JobMerge:
    """Read and merge the node logs of one job under ``directory``; refuse a mix of jobs unless ``job`` picks one.
    ``workers``: processes to stream cut-short logs with (see ``read_node_logs``)."""
    logs = read_node_logs(find_logs(directory), workers)
    jobs = sorted({log.job for log in logs})
    if job is None:
        if len(jobs) > 1:
            raise FootprintError(f"{directory} holds logs of {len(jobs)} jobs ({', '.join(_show(j) for j in jobs)}); "
                                 "pass --job ID to report one")
        job = jobs[0]
    elif job not in jobs:
        raise FootprintError(f"--job: no logs of job {job!r} in {directory}; jobs found: {', '.join(_show(j) for j in jobs)}")
    mine = [log for log in logs if log.job == job]
    warnings: list[str] = []
    runs: dict[tuple[Any, ...], list[NodeLog]] = {}
    for log in mine:
        runs.setdefault(log.run_key, []).append(log)
    duplicates = []
    nodes: dict[str, NodeResult] = {}
    for copies in runs.values():
        # of several copies of one run, keep the most complete one (a finished copy, else the longest)
        best = max(copies, key=lambda log: (log.complete, log.totals.duration))
        nodes.setdefault(best.node, NodeResult(best.node)).logs.append(best)
        if len(copies) > 1:
            duplicates.append((best.node, [log.path for log in copies]))
            warnings.append(f"node {best.node}: {len(copies)} copies of one run ({', '.join(log.path for log in copies)}): counted once")
    for log in mine:
        warnings.extend(log.problems[:MAX_PROBLEMS_SHOWN])
        if len(log.problems) > MAX_PROBLEMS_SHOWN:
            warnings.append(f"{log.path}: {len(log.problems) - MAX_PROBLEMS_SHOWN} more damaged line(s) skipped")
    count = max((log.header["num_nodes"] for log in mine if type(log.header.get("num_nodes")) is int), default=None)
    expected = expected_nodes(mine, count)
    missing = [name for name in expected if name not in nodes]
    ordered = [nodes[n] for n in expected if n in nodes] + [nodes[n] for n in sorted(nodes) if n not in expected]
    for node in ordered:
        if not node.complete:
            t = max(log.totals.duration for log in node.logs if not log.complete)
            warnings.append(f"node {node.node}: cut short (no final record): counted up to its last complete interval, {t:g} s")
    unmetered = unmetered_spans(ordered, slack=0.001)  # a meter cut short always loses time: even a short gap is named
    warnings.extend(span.describe() for span in unmetered)
    if missing:
        warnings.append(f"{len(missing)} node(s) missing, no log found: {', '.join(missing)}")
    elif count is not None and count > len(ordered):
        warnings.append(f"{count - len(ordered)} node(s) missing: the launcher gave {count} nodes, logs were found for {len(ordered)}")
    others = [j for j in jobs if j != job]
    return JobMerge(job, ordered, missing, count, duplicates, others, warnings, unmetered)


def expected_nodes(logs: list[NodeLog], count: int | None) -> dict[str, None]:
    """The job's nodes by name, in the launcher's order, where the logs let them be known (an ordered set): a
    header's compact node list (Slurm's 'gpu[001-128]'), expanded once however many headers repeat it; torchrun's
    nodes, named by group rank, from the job's size; the whole list that meters before wrote in every header. Empty
    when no log names them: the report then counts the missing nodes instead."""
    from footprint.meter.launcher import expand_hostlist

    expected: dict[str, None] = {}
    compact: dict[str, None] = {}
    lists: dict[int, list[Any]] = {}  # by identity: ``_shared_lists`` keeps one copy of a list many headers hold
    for log in logs:
        if isinstance(log.header.get("nodelist"), str):
            compact[log.header["nodelist"]] = None
        if isinstance(log.header.get("expected_nodes"), list):
            lists.setdefault(id(log.header["expected_nodes"]), log.header["expected_nodes"])
    for text in compact:
        try:
            expected.update(dict.fromkeys(expand_hostlist(text)))
        except FootprintError:
            continue  # a list the report cannot expand names nobody: the count still says how many are missing
    for names in lists.values():
        expected.update((str(name), None) for name in names)
    if not expected and count and logs and all(log.header.get("launcher") == "torchrun" for log in logs) \
            and all(_group_rank(log.node, count) is not None for log in logs):
        expected = dict.fromkeys(f"node{i}" for i in range(count))
    return expected


def _group_rank(node: str, count: int) -> int | None:
    """The group rank in a torchrun node's name ('node7' -> 7), if it is one of a job of ``count`` nodes."""
    digits = node[4:]
    if node.startswith("node") and digits.isdigit() and str(int(digits)) == digits and int(digits) < count:
        return int(digits)
    return None


def _job_gpu(node: str, g: dict[str, Any]) -> dict[str, Any]:
    """One GPU of a node in the job report: energy, powers, how its seconds are known, a reading above its TDP."""
    from footprint.meter.measured import J_PER_KWH, _q, above_tdp, was_read

    average = g["joules"] / g["seconds"] if g["seconds"] > 0 else 0.0
    peak = max(g["peak"], average)
    tdp, source = g["tdp"]
    measured, filled, unknown = g["covered"]
    return {"host": node, "index": g["index"], "uuid": g["uuid"], "name": g["name"], "method": g["method"],
            "energy": _q(g["joules"] / J_PER_KWH, "kWh"), "average_power": _q(average, "W"), "peak_power": _q(peak, "W"),
            "measured": was_read(g["covered"]),
            "seconds": {"measured": _q(measured, "s"), "filled": _q(filled, "s"), "unknown": _q(unknown, "s")},
            "tdp": _q(tdp, "W") if tdp is not None else None, "tdp_source": source,
            "above_tdp": above_tdp(average, peak, tdp, g["seconds"])}


def _start(log: NodeLog) -> float:
    """When a log's run started (unix seconds; a header checked as the reader checks it); 0 if it does not say."""
    start = log.header.get("start_unix")
    return float(start) if isinstance(start, int | float) and not isinstance(start, bool) else 0.0


def _show(job: str) -> str:
    return job if job else "(none)"


def job_footprint(merge: JobMerge, site: dict[str, Any] | None = None, label: str | None = None) -> Footprint:
    """The merged Footprint of a job, with per-node entries in its details."""
    from footprint.meter.measured import J_PER_KWH, _q, build_footprint, device_tdp, wall_time

    fp = build_footprint(merge.parts, site or {}, label if label is not None else f"job {merge.job}")
    # per-GPU figures live under their node: a flat list of every GPU of a 10,000-node job would repeat them, and
    # dropping it before the nodes' lists are built keeps the two from being held at once
    fp = replace(fp, details={k: v for k, v in fp.details.items() if k != "gpus"})
    it_j = sum(node.energy() for node in merge.nodes)
    facility_kwh = float(fp.energy.central.to("kWh").magnitude)
    pue = facility_kwh / (it_j / J_PER_KWH) if it_j > 0 else 1.0
    starts = [_start(log) for node in merge.nodes for log in node.logs]
    ends = [_start(log) + log.totals.duration for node in merge.nodes for log in node.logs]
    nodes = []
    for node in merge.nodes:
        gpus: dict[str, dict[str, Any]] = {}
        for log in node.logs:
            for channel in log.totals.gpus:
                entry = gpus.setdefault(channel.key, {"index": channel.info.get("index"), "uuid": channel.key,
                                                      "name": channel.info.get("name"), "method": channel.info.get("method"),
                                                      "joules": 0.0, "seconds": 0.0, "peak": 0.0, "covered": [0.0, 0.0, 0.0],
                                                      "tdp": device_tdp(channel)})
                entry["joules"] += channel.energy
                entry["seconds"] += log.totals.duration
                entry["peak"] = max(entry["peak"], channel.peak_w)
                entry["covered"] = [a + b for a, b in zip(entry["covered"], channel.seconds()[:3], strict=True)]
        ranks = sorted({r for log in node.logs for r in log.ranks})
        nodes.append({
            "node": node.node, "complete": node.complete, "logs": list(dict.fromkeys(log.path for log in node.logs)),
            "gpus": [_job_gpu(node.node, g) for g in gpus.values()],
            "ranks": ranks,
            "energy_gpu": _q(node.energy("gpu") / J_PER_KWH, "kWh"),
            "energy_host": _q((node.energy("cpu") + node.energy("ram")) / J_PER_KWH, "kWh"),
            "energy": _q(node.energy() / J_PER_KWH * pue, "kWh"),
            "duration": _q(wall_time([log.totals for log in node.logs]), "s"),
        })
    job_details = {
        "job": merge.job, "nodes": nodes, "missing_nodes": merge.missing, "expected_nodes": merge.expected_count,
        "cut_short": [node.node for node in merge.cut_short],
        "duplicates": [{"node": node, "logs": paths} for node, paths in merge.duplicates],
        "other_jobs": merge.other_jobs,
        "unmetered": [{"node": u.node, "from": _q(u.start, "s"), "to": _q(u.end, "s") if u.end is not None else None,
                       "duration": _q(u.end - u.start, "s") if u.end is not None else None, "taken_over": u.taken_over}
                      for u in merge.unmetered],
        "span": {"start_unix": min(starts, default=0.0), "end_unix": max(ends, default=0.0),
                 "duration": _q(max(ends, default=0.0) - min(starts, default=0.0), "s")},
    }
    return replace(fp, details={**fp.details, "job": job_details})
