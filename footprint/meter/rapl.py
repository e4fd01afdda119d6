"""CPU energy from Linux RAPL (powercap ``energy_uj`` of the package zones), with counter wraparound.

Only top-level package zones (``intel-rapl:N`` named ``package-*``) are summed: their subzones (core, uncore,
dram) are parts of them, and ``psys`` contains them, so adding either would double count (kernel powercap docs;
codecarbon's default). AMD packages appear under the same names (``intel_rapl_common`` matches AMD 17h/19h/1Ah).
Since Linux 5.10 ``energy_uj`` is readable by root only (CVE-2020-8694): a PermissionError means "fall back to the
model", and the user is told so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from footprint.plugins.contract import ChannelBase, MeterFactory, MeterSettings, Opened, Reading

_PACKAGE_DIR = re.compile(r"^intel-rapl:\d+$")
# Reads between intervals keep at most one wrap between reads: an AMD package range of ~65.5 kJ wraps in
# ~4.4 min at 250 W (a 32-bit counter in 15.3 uJ units: AMD's PPR, MSR PKG_ENERGY_STAT; Linux gives the range as
# max_energy_range_uj), so a 10 s poll is safe up to ~6.5 kW per package.
POLL_PERIOD_S = 10.0


@dataclass
class Zone:
    """One RAPL package zone."""

    path: Path
    name: str
    max_range_uj: int

    def energy_uj(self) -> int:
        return int((self.path / "energy_uj").read_text().strip())


def package_zones(root: Path) -> list[Zone]:
    """The package zones under a powercap root (e.g. /sys/class/powercap), sorted by name."""
    zones = []
    if not root.is_dir():
        return zones
    for entry in sorted(root.iterdir()):
        if not _PACKAGE_DIR.match(entry.name):
            continue
        try:
            name = (entry / "name").read_text().strip()
            if not name.startswith("package"):
                continue
            max_range = int((entry / "max_energy_range_uj").read_text().strip())
        except (OSError, ValueError):
            continue
        zones.append(Zone(entry, name, max_range))
    return zones


def delta_uj(old: int, new: int, max_range: int) -> int:
    """Energy between two reads of a counter that wraps at max_range (at most one wrap between reads)."""
    return new - old if new >= old else new + max_range - old


class RaplCpu(ChannelBase):
    """Sum of the package zones' energy; polled every POLL_PERIOD_S so that no wrap is missed."""

    component = "cpu"
    key = "cpu"
    poll_period = POLL_PERIOD_S

    def __init__(self, zones: list[Zone]) -> None:
        self.zones = zones
        self.method = f"RAPL ({len(zones)} package zone{'s' if len(zones) != 1 else ''}: {', '.join(z.name for z in zones)})"
        self.last: list[int] = []
        self.acc = 0.0

    def info(self) -> dict[str, Any]:
        return {"method": self.method, "zones": [str(z.path) for z in self.zones]}

    def start(self, now: float) -> None:
        self.last = [z.energy_uj() for z in self.zones]

    def poll(self, now: float) -> None:
        current = [z.energy_uj() for z in self.zones]
        for old, new, zone in zip(self.last, current, self.zones, strict=True):
            self.acc += delta_uj(old, new, zone.max_range_uj) / 1e6
        self.last = current

    def read(self, now: float) -> Reading:
        self.poll(now)
        energy, self.acc = self.acc, 0.0
        return Reading(energy)



class RaplCpuMeter(MeterFactory):
    """Built-in CPU meter through RAPL; answers nothing (with a reason) where RAPL is missing or unreadable."""

    name = "rapl"
    component = "cpu"

    def open(self, settings: MeterSettings) -> Opened:
        if settings.cpu_power_w is not None:
            # as codecarbon: a forced CPU power skips the platform backends, RAPL included
            return Opened(facts={"rapl": "not used: --cpu-power given"})
        zones = package_zones(settings.powercap_root)
        if not zones:
            return Opened(facts={"rapl": f"no RAPL package zones under {settings.powercap_root}"})
        try:
            for zone in zones:
                zone.energy_uj()
        except PermissionError:
            reason = "energy_uj is readable by root only (Linux 5.10+, CVE-2020-8694)"
            return Opened(notes=[f"RAPL is not readable ({reason}): CPU energy is modelled instead"],
                          facts={"rapl": f"permission denied: {reason}"})
        except (OSError, ValueError) as exc:
            return Opened(notes=[f"RAPL cannot be read ({exc}): CPU energy is modelled instead"], facts={"rapl": str(exc)})
        return Opened(channels=[RaplCpu(zones)])
