"""Modelled CPU and RAM power, used where they cannot be measured; every figure says it is modelled.

Both models are codecarbon's (v3.3.2, the version this project depends on: ``codecarbon/core/cpu.py``,
``core/resource_tracker.py``, ``external/hardware.py``, ``external/ram.py``), so that our numbers and a codecarbon
user's agree on the same machine. codecarbon's chain for the CPU's full-load power on Linux:

1. ``force_cpu_power`` given (ours: ``--cpu-power``): that power;
2. RAPL readable: measured (``footprint.meter.rapl``, which runs before this model);
3. the CPU's name found in ``codecarbon/data/hardware/cpu_power.csv`` (found with ``find_spec``, never imported):
   its TDP x the number of sockets;
4. the name read but not in the table: 4 W per thread (``DEFAULT_POWER_PER_CORE``, "W per thread" in its message);
5. no name at all: the generic 85 W (``POWER_CONSTANT``).

That power is then scaled by load. In process scope (``codecarbon monitor`` tracks "the command process and its
children"), power = full-load power x (CPU seconds of the process tree / wall seconds) / logical CPUs; in machine
scope, full-load power x (0.1 + 0.9 x load^3) with the machine-wide busy share from /proc/stat. Without the
process tree or /proc/stat, codecarbon's constant 50% of full load applies (``CONSUMPTION_PERCENTAGE_CONSTANT``).

RAM: 5 W per DIMM on x86 (1.5 W on ARM), with the DIMM count inferred from a memory size and a diminishing share
per DIMM beyond 4, 8 and 16, at least 2 DIMMs (``RAM._calculate_ram_power``): in process scope the size is the
tree's resident memory (so a small job gets codecarbon's 10 W floor), in machine scope the installed RAM.
``--ram-power`` replaces the model with a constant (codecarbon's ``force_ram_power``).
"""

from __future__ import annotations

import csv
import functools
import math
import os
import platform
import re
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from footprint.meter.proctree import stat_fields, tree
from footprint.plugins.contract import ChannelBase, MeterFactory, MeterSettings, Opened, Reading

GENERIC_CPU_TDP_W = 85.0  # codecarbon external/hardware.py POWER_CONSTANT: "default W value for a CPU if no model is found"
W_PER_THREAD = 4.0  # codecarbon core/cpu.py DEFAULT_POWER_PER_CORE: "default power consumption of 4 W per thread"
CONSTANT_LOAD_SHARE = 0.5  # codecarbon external/hardware.py CONSUMPTION_PERCENTAGE_CONSTANT
RAM_W_PER_DIMM_X86 = 5.0  # codecarbon external/ram.py RAM_SLOT_POWER_X86
RAM_W_PER_DIMM_ARM = 1.5  # codecarbon external/ram.py, ARM branch of _calculate_ram_power
CPU_SCOPES = ("process", "machine")


@functools.cache
def cpu_power_csv() -> Path | None:
    """codecarbon's cpu_power.csv, located without importing codecarbon; None when it is not installed."""
    spec = find_spec("codecarbon")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "hardware" / "cpu_power.csv"


def cpu_power_table() -> dict[str, float]:
    """codecarbon's CPU TDP table (Name -> W), or {} when codecarbon is not installed."""
    path = cpu_power_csv()
    if path is None:
        return {}
    table: dict[str, float] = {}
    try:
        with path.open(newline="") as fh:
            rows = csv.reader(fh)  # plain rows: a DictReader builds a dict for each of ~5,000 rows on every 'run'
            header = next(rows, [])
            if "Name" not in header or "TDP" not in header:
                return {}
            name, tdp = header.index("Name"), header.index("TDP")
            for row in rows:
                try:
                    table[row[name].strip()] = float(row[tdp])
                except (IndexError, ValueError):
                    continue  # the shipped table has a few malformed rows (e.g. '27.29.5'); skip them, not the table
    except OSError:
        return {}
    return table


def _clean(name: str) -> str:
    """Strip what brand strings add around the model: (R), (TM), 'CPU @ 2.00GHz', 'n-Core Processor'."""
    name = re.sub(r"\((R|TM|r|tm)\)", "", name)
    name = re.sub(r"\s+CPU\s+@.*$", "", name)
    name = re.sub(r"\s*@\s*\d+(\.\d+)?\s*GHz", "", name)
    name = re.sub(r"\s+\d+-Core Processor", "", name)
    name = re.sub(r"\s+(CPU|Processor)\b", "", name)
    return " ".join(name.split())


_WORD = re.compile(r"[0-9a-z]+")


def _tokens(name: str) -> frozenset[str]:
    """rapidfuzz's default_process: lower case, non-alphanumerics as spaces (the words between them, found in one
    pass: every 'run' on an unlisted CPU takes the tokens of all ~5,000 table names)."""
    return frozenset(_WORD.findall(name.lower()))


def match_tdp(model: str, table: dict[str, float]) -> tuple[str, float] | None:
    """(table name, TDP W) for a CPU brand string, as codecarbon's TDP._get_matching_cpu: an exact
    (case-insensitive) match, then the cleaned name exact, then a token-set match (one token set inside the other,
    rapidfuzz token_set_ratio = 100) that must be unique: several equal matches are ambiguous, so no guess."""
    lowered = {k.lower(): k for k in table}
    for candidate in (model, _clean(model)):
        key = lowered.get(candidate.lower().strip())
        if key is not None:
            return key, table[key]
    tokens = _tokens(_clean(model))
    if not tokens:
        return None
    hits = [k for k in table if (t := _tokens(k)) and (t <= tokens or tokens <= t)]
    if len(hits) != 1:
        return None
    return hits[0], table[hits[0]]


def table_tdp(model: str) -> tuple[str, float] | None:
    """``match_tdp`` of the model in codecarbon's table (keeping the answer on disk saved too little of
    ``run``'s start to pay, benchmarks/RESULTS.md)."""
    if cpu_power_csv() is None:
        return None
    return match_tdp(model, cpu_power_table())


def cpu_brand(proc_root: Path) -> tuple[str, int, int]:
    """(model name, sockets, logical CPUs) from /proc/cpuinfo; ('', 1, os.cpu_count()) where it cannot be read."""
    try:
        text = (proc_root / "cpuinfo").read_text(errors="replace")
    except OSError:
        return platform.processor() or "", 1, os.cpu_count() or 1
    lines = text.splitlines()
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")
    sockets = {line.split(":", 1)[1].strip() for line in lines if line.startswith("physical id")}
    threads = sum(1 for line in lines if re.match(r"processor\s*:", line)) or os.cpu_count() or 1
    return model, max(1, len(sockets)), threads


@dataclass(frozen=True)
class CpuPower:
    """The CPU's full-load power and which step of codecarbon's chain gave it."""

    watts: float
    step: str  # "user", "table", "per-thread" or "generic"
    why: str


def full_load_power(model: str, sockets: int, threads: int, *, forced_w: float | None = None,
                    tdp_override_w: float | None = None, table: dict[str, float] | None = None) -> CpuPower:
    """codecarbon's chain (module docstring, steps 1 and 3-5): a user power, the TDP table, 4 W per thread, 85 W."""
    if forced_w is not None:
        return CpuPower(forced_w, "user", f"--cpu-power {forced_w:g} W (codecarbon's force_cpu_power)")
    if tdp_override_w is not None:
        return CpuPower(tdp_override_w * sockets, "user", f"TDP {tdp_override_w:g} W (user setting) x {sockets} socket(s)")
    hit = (match_tdp(model, table) if table is not None else table_tdp(model)) if model else None
    if hit is not None:
        return CpuPower(hit[1] * sockets, "table", f"TDP {hit[1]:g} W of '{hit[0]}' in codecarbon's cpu_power.csv x {sockets} socket(s)")
    if model:
        return CpuPower(W_PER_THREAD * threads, "per-thread",
                        f"'{model}' is not in codecarbon's cpu_power.csv: codecarbon's {W_PER_THREAD:g} W per thread x {threads} threads")
    return CpuPower(GENERIC_CPU_TDP_W, "generic", f"CPU model not readable: codecarbon's generic {GENERIC_CPU_TDP_W:g} W")


def read_cpu_times(proc_root: Path) -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs from /proc/stat, or None."""
    try:
        with (proc_root / "stat").open() as fh:
            fields = fh.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    values = [int(v) for v in fields[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user/nice
    return total - idle, total


def cpu_load_factor(load: float) -> float:
    """codecarbon v3.3.2, machine mode: 'Cubic relationship with minimum 10% of TDP'."""
    return 0.1 + 0.9 * load**3


def process_tree(proc_root: Path, root_pid: int) -> list[str] | None:
    """The pids of `root_pid` and its live descendants, or None when the root cannot be read."""
    root = str(root_pid)
    if stat_fields(proc_root, root) is None:
        return None
    return tree(proc_root, root)


def tree_cpu_seconds(proc_root: Path, pids: list[str]) -> float:
    """CPU seconds (user + system, with those of reaped children) of the processes: a process's exited and
    waited-for children are in its cutime/cstime, so nothing is counted twice and a finished child is not lost."""
    ticks = 0
    for pid in pids:
        fields = stat_fields(proc_root, pid)
        if fields is not None and len(fields) > 14:
            ticks += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime (fields 14-17 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_rss_gb(proc_root: Path, pids: list[str]) -> float:
    """Resident memory of the processes in GiB (codecarbon sums the RSS of the process and its children)."""
    pages = 0
    for pid in pids:
        try:
            pages += int((proc_root / pid / "statm").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024**3


class ModelCpu(ChannelBase):
    """CPU power = full-load power x load, integrated per interval; labelled as modelled, with the step that applied."""

    component = "cpu"
    key = "cpu"

    def __init__(self, power: CpuPower, threads: int, model: str, proc_root: Path, scope: str = "machine",
                 root_pid: int | None = None) -> None:
        self.power = power
        self.threads = threads
        self.model = model
        self.proc_root = proc_root
        self.scope = scope
        self.root_pid = root_pid if root_pid is not None else os.getpid()
        load = ("x (tree CPU seconds / wall seconds) / "
                f"{threads} threads, process tree of pid {self.root_pid}") if scope == "process" else "x (0.1 + 0.9 x load^3), whole machine"
        self.method = f"modelled: {power.why} = {power.watts:g} W at full load, {load} (codecarbon v3 cpu_load model)"
        self.last: Any = None
        self.last_t = 0.0

    @property
    def tdp_w(self) -> float:
        return self.power.watts

    def info(self) -> dict[str, Any]:
        return {"method": self.method, "model": self.model, "full_load_w": self.power.watts, "step": self.power.step,
                "scope": self.scope, "threads": self.threads}

    def _sample(self) -> Any:
        if self.scope == "process":
            pids = process_tree(self.proc_root, self.root_pid)
            return None if pids is None else tree_cpu_seconds(self.proc_root, pids)
        return read_cpu_times(self.proc_root)

    def start(self, now: float) -> None:
        self.last = self._sample()
        self.last_t = now

    def read(self, now: float) -> Reading:
        dt = max(0.0, now - self.last_t)
        current = self._sample()
        if current is None or self.last is None:
            power = self.power.watts * CONSTANT_LOAD_SHARE
        elif self.scope == "process":
            busy = max(0.0, current - self.last)  # a descendant that left the tree (orphaned) lowers the sum
            power = self.power.watts * (busy / dt) / self.threads if dt > 0 else 0.0
        else:
            busy, total = current[0] - self.last[0], current[1] - self.last[1]
            load = min(1.0, max(0.0, busy / total)) if total > 0 else 0.0
            power = self.power.watts * cpu_load_factor(load)
        self.last, self.last_t = current, now
        return Reading(power * dt)


class ModelCpuMeter(MeterFactory):
    """Built-in fallback CPU meter (after RAPL)."""

    name = "cpu-model"
    component = "cpu"

    def open(self, settings: MeterSettings) -> Opened:
        model, sockets, threads = cpu_brand(settings.proc_root)
        if settings.cpu_model:
            model = settings.cpu_model
        power = full_load_power(model, sockets, threads, forced_w=settings.cpu_power_w, tdp_override_w=settings.cpu_tdp_w)
        channel = ModelCpu(power, threads, model, settings.proc_root, settings.cpu_scope, settings.root_pid)
        return Opened(channels=[channel], facts={"cpu_model": model, "cpu_sockets": sockets, "cpu_threads": threads,
                                                 "cpu_scope": settings.cpu_scope, "cpu_power_step": power.step})


def estimate_dimm_count(total_gb: float) -> int:
    """codecarbon v3.3.2 RAM._estimate_dimm_count: typical DIMM layouts by total size."""
    if total_gb <= 2:
        return 1
    if total_gb <= 16:
        return 2
    if total_gb <= 32:
        return 4
    if total_gb <= 64:
        return 4
    if total_gb <= 128:
        return 8
    for dimm_size in (128, 64, 32, 16, 8, 4):
        if dimm_size <= total_gb / 8:
            return min(math.ceil(total_gb / dimm_size), 32)
    return 8


def ram_power_w(total_gb: float, arm: bool = False) -> float:
    """codecarbon v3.3.2 RAM._calculate_ram_power: W per DIMM with a diminishing share beyond 4, 8 and 16 DIMMs."""
    dimms = estimate_dimm_count(total_gb)
    per = RAM_W_PER_DIMM_ARM if arm else RAM_W_PER_DIMM_X86
    minimum = 3.0 if arm else per * 2
    if dimms <= 4:
        total = per * dimms
    elif dimms <= 8:
        total = per * 4 + per * 0.9 * (dimms - 4)
    elif dimms <= 16:
        total = per * 4 + per * 0.9 * 4 + per * 0.8 * (dimms - 8)
    else:
        total = per * 4 + per * 0.9 * 4 + per * 0.8 * 8 + per * 0.7 * (dimms - 16)
    return max(minimum, total)


def ram_total_gb(proc_root: Path) -> float | None:
    """Installed RAM in GiB (codecarbon divides bytes by 1024^3), from /proc/meminfo or sysconf."""
    try:
        for line in (proc_root / "meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024 / 1024**3
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    except (ValueError, OSError, AttributeError):
        return None


class ModelRam(ChannelBase):
    """RAM power from a memory size (codecarbon v3 DIMM model): installed RAM (machine), the process tree's resident
    memory re-read each interval (process), or a constant the user gave."""

    component = "ram"
    key = "ram"

    def __init__(self, total_gb: float, arm: bool, *, scope: str = "machine", proc_root: Path | None = None,
                 root_pid: int | None = None, forced_w: float | None = None) -> None:
        self.total_gb = total_gb
        self.arm = arm
        self.scope = scope
        self.proc_root = proc_root
        self.root_pid = root_pid if root_pid is not None else os.getpid()
        self.forced_w = forced_w
        self.power_w = forced_w if forced_w is not None else ram_power_w(total_gb, arm)
        per = RAM_W_PER_DIMM_ARM if arm else RAM_W_PER_DIMM_X86
        if forced_w is not None:
            self.method = f"modelled: --ram-power {forced_w:g} W, constant (codecarbon's force_ram_power)"
        elif scope == "process":
            self.method = (f"modelled: resident memory of the process tree of pid {self.root_pid} at {per:g} W per DIMM, "
                           f"at least {ram_power_w(0, arm):g} W (codecarbon v3 RAM model, process mode)")
        else:
            self.method = (f"modelled: {self.power_w:g} W for {total_gb:.1f} GiB (~{estimate_dimm_count(total_gb)} DIMMs x "
                           f"{per:g} W, diminishing; codecarbon v3 RAM model)")
        self.last_t = 0.0

    def info(self) -> dict[str, Any]:
        return {"method": self.method, "total_gb": round(self.total_gb, 2), "power_w": self.power_w, "scope": self.scope}

    def _power(self) -> float:
        if self.forced_w is not None or self.scope != "process" or self.proc_root is None:
            return self.power_w
        pids = process_tree(self.proc_root, self.root_pid)
        return ram_power_w(tree_rss_gb(self.proc_root, pids) if pids else 0.0, self.arm)

    def start(self, now: float) -> None:
        self.last_t = now
        self.power_w = self._power()

    def read(self, now: float) -> Reading:
        dt, self.last_t = max(0.0, now - self.last_t), now
        energy = self.power_w * dt  # the power seen at the interval's start (codecarbon samples at each measure)
        self.power_w = self._power()
        return Reading(energy)


class ModelRamMeter(MeterFactory):
    """Built-in RAM meter (a model: DRAM power is not exposed on most machines)."""

    name = "ram-model"
    component = "ram"

    def open(self, settings: MeterSettings) -> Opened:
        total = settings.ram_gb if settings.ram_gb is not None else ram_total_gb(settings.proc_root)
        if total is None and settings.ram_power_w is None:
            return Opened(notes=["RAM size unknown: RAM energy not counted"])
        arm = any(a in platform.machine().lower() for a in ("arm", "aarch"))
        channel = ModelRam(total or 0.0, arm, scope=settings.cpu_scope, proc_root=settings.proc_root,
                           root_pid=settings.root_pid, forced_w=settings.ram_power_w)
        return Opened(channels=[channel], facts={"ram_total_gb": round(total or 0.0, 2)})


# what pint makes of these units: 'run' reads '150 W' without building the unit registry before the command starts
_WATTS_PER = {"W": 1.0, "kW": 1000.0, "MW": 1000000.0, "mW": 0.001}


def _plain_watts(value: Any) -> float | None:
    """'150 W' or '0.2 kW' in watts, read as pint reads it, or None for anything else (pint then reads it, or words
    the error)."""
    from footprint.core.units import UnreadableValueError, read_number, split_value

    if not isinstance(value, str):
        return None
    try:
        number, unit_text = split_value(value.strip())
        if unit_text not in _WATTS_PER:
            return None
        return float(read_number(number)) * _WATTS_PER[unit_text]
    except UnreadableValueError:
        return None


def host_settings(cpu_scope: str = "process", cpu_power: Any = None, ram_power: Any = None) -> MeterSettings:
    """MeterSettings for the CPU and RAM models from the user's options; FootprintError on a bad power."""
    from footprint.core.units import POWER, parse_quantity
    from footprint.errors import FootprintError

    if cpu_scope not in CPU_SCOPES:
        raise FootprintError(f"--cpu-scope: {cpu_scope!r} is unknown; expected one of {', '.join(CPU_SCOPES)}")

    def watts(value: Any, what: str) -> float | None:
        if value is None:
            return None
        w = _plain_watts(value)
        if w is None:
            w = float(parse_quantity(value, POWER, what).to("W").magnitude)
        if not (math.isfinite(w) and w >= 0):
            raise FootprintError(f"{what}: {value!r} is out of range; expected a power of 0 W or more, such as '150 W'")
        return w

    return MeterSettings(cpu_scope=cpu_scope, cpu_power_w=watts(cpu_power, "--cpu-power"),
                         ram_power_w=watts(ram_power, "--ram-power"))
