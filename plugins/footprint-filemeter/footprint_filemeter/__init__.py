"""footprint-filemeter: accelerator power from a file of readings, the worked example of a meter plugin.

``FOOTPRINT_POWER_LOG`` names a CSV (header ``time,device,name,power_w``) that another tool appends to while the
job runs; each row is one device's average power in W since that device's previous row, stamped with Unix time.

What a meter plugin does:

- ``footprint_register_meters(register)`` registers a ``MeterFactory`` (here for component "gpu": its channels
  are added to those of the other GPU meters, NVIDIA's included).
- ``open(settings)`` returns ``Opened(channels=..., notes=...)``: no channels (with a note) when it has nothing
  to meter here, which is not an error. Which devices it meters follows the job's visible-devices variable
  (``plugin_api.visible_devices``).
- Each channel's ``read(now)`` returns a ``plugin_api.reading`` with the energy (J) since the previous read;
  ``now`` is footprint's monotonic clock in seconds, mapped here to Unix time once at ``start``. ``info()``
  returns the keys of ``plugin_api.CHANNEL_INFO_KEYS``: its ``name`` picks the profile by ``device_names``.
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from footprint import hookimpl
from footprint.plugin_api import ChannelBase, MeterFactory, MeterSettings, Opened, Reading

ENV = "FOOTPRINT_POWER_LOG"
VISIBLE_ENV = "FOOTPRINT_POWER_LOG_VISIBLE"
VISIBLE_DEFAULT = ("CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES", "HABANA_VISIBLE_MODULES")
COLUMNS = ("time", "device", "name", "power_w")


class PowerLog:
    """The file, read incrementally: each ``advance()`` parses the rows appended since the last one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.header: list[str] | None = None
        self.rows: dict[str, list[tuple[float, float]]] = {}  # device -> [(unix time, W since its previous row)]
        self.names: dict[str, str] = {}

    def advance(self) -> None:
        from footprint.plugin_api import FootprintError

        with self.path.open(encoding="utf-8") as fh:
            fh.seek(self.offset)
            chunk = fh.read()
        complete = chunk[: chunk.rfind("\n") + 1]  # a row still being written waits for the next read
        self.offset += len(complete.encode("utf-8"))
        lines = complete.splitlines()
        if self.header is None and lines:
            self.header = [c.strip() for c in lines.pop(0).split(",")]
            if tuple(self.header) != COLUMNS:
                raise FootprintError(f"{self.path}: header {','.join(self.header)!r}; expected {','.join(COLUMNS)!r}")
        for row in csv.reader(lines):
            if len(row) != len(COLUMNS):
                continue  # a torn line from a crashed writer: skipped, as the meter skips a failed read
            try:
                t, power = float(row[0]), float(row[3])
            except ValueError:
                continue
            device = row[1].strip()
            self.names.setdefault(device, row[2].strip())
            self.rows.setdefault(device, []).append((t, power))

    def energy(self, device: str, since: float, until: float) -> float:
        """J over (since, until]: each row's power held from the device's previous row to this row's time."""
        total = 0.0
        previous: float | None = None
        for t, watts in self.rows.get(device, []):
            if previous is not None:
                lo, hi = max(previous, since), min(t, until)
                if hi > lo:
                    total += watts * (hi - lo)
            previous = t
        return total


class FileChannel(ChannelBase):
    component = "gpu"
    method = "power readings from a file (footprint-filemeter)"

    def __init__(self, log: PowerLog, device: str, clock: Callable[[], float]) -> None:
        self.log = log
        self.device = device
        self.key = f"filemeter-{device}"
        self.clock = clock
        self.offset = 0.0  # unix time - footprint's clock
        self.last = 0.0

    def info(self) -> dict[str, Any]:
        return {"name": self.log.names.get(self.device, ""), "index": self.device, "method": self.method}

    def start(self, now: float) -> None:
        self.offset = time.time() - now
        self.last = now

    def read(self, now: float) -> Reading:
        from footprint.plugin_api import reading

        self.log.advance()
        joules = self.log.energy(self.device, self.last + self.offset, now + self.offset)
        self.last = now
        return reading(joules)


class FileMeter(MeterFactory):
    name = "filemeter"
    component = "gpu"

    def open(self, settings: MeterSettings) -> Opened:
        from footprint.plugin_api import visible_devices

        path = os.environ.get(ENV)
        if not path:
            return Opened()
        log = PowerLog(Path(path))
        try:
            log.advance()
        except OSError as exc:
            return Opened(notes=[f"filemeter: cannot read {path} ({exc.strerror}); not metering from it"])
        variables = [os.environ[VISIBLE_ENV]] if os.environ.get(VISIBLE_ENV) else list(VISIBLE_DEFAULT)
        visible = visible_devices(settings, variables)
        devices = sorted(log.rows, key=lambda d: (len(d), d))
        if visible is not None and not settings.all_gpus:
            wanted = [v.strip() for v in visible.split(",") if v.strip()]
            devices = [d for d in wanted if d in log.rows]
        clock = settings.clock or time.monotonic
        return Opened(channels=[FileChannel(log, d, clock) for d in devices],
                      facts={"filemeter": {"file": path, "devices": devices}})


@hookimpl
def footprint_register_meters(register: Callable[[MeterFactory], None]) -> None:
    register(FileMeter())
