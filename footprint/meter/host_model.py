"""Modelled CPU and RAM power, used where they cannot be measured; every figure says it is modelled.

Both models are codecarbon's (v3.3.2, the version this project depends on), so that our numbers and a
codecarbon user's agree where both model:

- CPU: TDP from codecarbon's table ``codecarbon/data/hardware/cpu_power.csv`` (found with ``find_spec``, never
  imported), times the number of sockets, times a load factor ``0.1 + 0.9 x load^3`` where load is the
  machine-wide busy share from /proc/stat (``CPU._get_power_from_cpu_load``, machine mode, in
  ``codecarbon/external/hardware.py``). An unknown CPU gets codecarbon's generic 85 W (``POWER_CONSTANT``); without
  /proc/stat the load is taken as codecarbon's constant 50% of TDP (``CONSUMPTION_PERCENTAGE_CONSTANT``).
- RAM: 5 W per DIMM on x86 (1.5 W on ARM), with the DIMM count inferred from the RAM size and a diminishing
  share per DIMM beyond 4, 8 and 16 (``RAM._estimate_dimm_count`` and ``RAM._calculate_ram_power`` in
  ``codecarbon/external/ram.py``; methodology: docs.codecarbon.io "RAM"). Constant over the run (machine mode).
"""

from __future__ import annotations

import csv
import functools
import math
import os
import platform
import re
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from footprint.meter.channels import ChannelBase, MeterFactory, MeterSettings, Opened, Reading

GENERIC_CPU_TDP_W = 85.0  # codecarbon external/hardware.py POWER_CONSTANT: "default W value for a CPU if no model is found"
CONSTANT_LOAD_SHARE = 0.5  # codecarbon external/hardware.py CONSUMPTION_PERCENTAGE_CONSTANT
RAM_W_PER_DIMM_X86 = 5.0  # codecarbon external/ram.py RAM_SLOT_POWER_X86
RAM_W_PER_DIMM_ARM = 1.5  # codecarbon external/ram.py, ARM branch of _calculate_ram_power


@functools.cache
def cpu_power_table() -> dict[str, float]:
    """codecarbon's CPU TDP table (Name -> W), or {} when codecarbon is not installed."""
    spec = find_spec("codecarbon")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "hardware" / "cpu_power.csv"
    table: dict[str, float] = {}
    try:
        with path.open(newline="") as fh:
            for row in csv.DictReader(fh):
                try:
                    table[row["Name"].strip()] = float(row["TDP"])
                except (KeyError, ValueError, TypeError, AttributeError):
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


def match_tdp(model: str, table: dict[str, float]) -> tuple[str, float] | None:
    """(table name, TDP W) for a CPU brand string: exact, then cleaned exact, then a unique token-subset match
    (codecarbon's rule: a direct match, else a token-set match that must not be ambiguous)."""
    lowered = {k.lower(): k for k in table}
    for candidate in (model, _clean(model)):
        key = lowered.get(candidate.lower().strip())
        if key is not None:
            return key, table[key]
    tokens = set(_clean(model).lower().split())
    if not tokens:
        return None
    hits = [k for k in table if set(k.lower().split()) <= tokens]
    if not hits:
        return None
    longest = max(len(h.split()) for h in hits)
    best = [h for h in hits if len(h.split()) == longest]
    if len({table[h] for h in best}) != 1:
        return None
    return best[0], table[best[0]]


def cpu_brand(proc_root: Path) -> tuple[str, int]:
    """(model name, sockets) from /proc/cpuinfo; ('', 1) where it cannot be read."""
    try:
        text = (proc_root / "cpuinfo").read_text(errors="replace")
    except OSError:
        return platform.processor() or "", 1
    model = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")), "")
    sockets = {line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("physical id")}
    return model, max(1, len(sockets))


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


class ModelCpu(ChannelBase):
    """CPU power = TDP x sockets x load factor, integrated per interval; labelled as modelled."""

    component = "cpu"
    key = "cpu"

    def __init__(self, tdp_w: float, sockets: int, model: str, matched: str | None, proc_root: Path) -> None:
        self.tdp_w = tdp_w
        self.sockets = sockets
        self.model = model
        self.proc_root = proc_root
        tdp_from = f"TDP {tdp_w:g} W of '{matched}' in codecarbon's cpu_power.csv" if matched else (
            f"codecarbon's generic {tdp_w:g} W: CPU '{model or 'unknown'}' not in cpu_power.csv")
        self.method = f"modelled: {tdp_from} x {sockets} socket(s) x (0.1 + 0.9 x load^3) (codecarbon v3 cpu_load model)"
        self.last: tuple[int, int] | None = None
        self.last_t = 0.0
        self.loads: list[float] = []

    def info(self) -> dict[str, Any]:
        return {"method": self.method, "model": self.model, "tdp_w": self.tdp_w, "sockets": self.sockets}

    def start(self, now: float) -> None:
        self.last = read_cpu_times(self.proc_root)
        self.last_t = now


    def read(self, now: float) -> Reading:
        dt = max(0.0, now - self.last_t)
        current = read_cpu_times(self.proc_root)
        if current is None or self.last is None:
            power = self.tdp_w * self.sockets * CONSTANT_LOAD_SHARE
        else:
            busy, total = current[0] - self.last[0], current[1] - self.last[1]
            load = min(1.0, max(0.0, busy / total)) if total > 0 else 0.0
            power = self.tdp_w * self.sockets * cpu_load_factor(load)
        self.last, self.last_t = current, now
        return Reading(power * dt)



class ModelCpuMeter(MeterFactory):
    """Built-in fallback CPU meter (after RAPL)."""

    name = "cpu-model"
    component = "cpu"

    def open(self, settings: MeterSettings) -> Opened:
        model, sockets = cpu_brand(settings.proc_root)
        if settings.cpu_model:
            model = settings.cpu_model
        matched: str | None = None
        if settings.cpu_tdp_w is not None:
            tdp, matched = settings.cpu_tdp_w, "user setting"
        else:
            hit = match_tdp(model, cpu_power_table()) if model else None
            tdp, matched = (hit[1], hit[0]) if hit else (GENERIC_CPU_TDP_W, None)
        return Opened(channels=[ModelCpu(tdp, sockets, model, matched, settings.proc_root)],
                      facts={"cpu_model": model, "cpu_sockets": sockets})


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
    """RAM power from the installed size (codecarbon v3 DIMM model), constant over the run."""

    component = "ram"
    key = "ram"

    def __init__(self, total_gb: float, arm: bool) -> None:
        self.total_gb = total_gb
        self.power_w = ram_power_w(total_gb, arm)
        dimms = estimate_dimm_count(total_gb)
        self.method = (f"modelled: {self.power_w:g} W for {total_gb:.1f} GiB (~{dimms} DIMMs x "
                       f"{RAM_W_PER_DIMM_ARM if arm else RAM_W_PER_DIMM_X86:g} W, diminishing; codecarbon v3 RAM model)")
        self.last_t = 0.0

    def info(self) -> dict[str, Any]:
        return {"method": self.method, "total_gb": round(self.total_gb, 2), "power_w": self.power_w}

    def start(self, now: float) -> None:
        self.last_t = now


    def read(self, now: float) -> Reading:
        dt, self.last_t = max(0.0, now - self.last_t), now
        return Reading(self.power_w * dt)



class ModelRamMeter(MeterFactory):
    """Built-in RAM meter (a model: DRAM power is not exposed on most machines)."""

    name = "ram-model"
    component = "ram"

    def open(self, settings: MeterSettings) -> Opened:
        total = settings.ram_gb if settings.ram_gb is not None else ram_total_gb(settings.proc_root)
        if total is None:
            return Opened(notes=["RAM size unknown: RAM energy not counted"])
        arm = any(a in platform.machine().lower() for a in ("arm", "aarch"))
        return Opened(channels=[ModelRam(total, arm)], facts={"ram_total_gb": round(total, 2)})
