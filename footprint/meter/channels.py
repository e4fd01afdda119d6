"""What a meter is: factories (registered by plugins) that open channels, each giving energy per interval."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

COMPONENTS = ("gpu", "cpu", "ram")

# Each vendor's variable that limits which accelerators a job sees; the meter reads them from the job's
# environment so that every vendor's meter plugin can honour its own (footprint.plugin_api.visible_devices).
VISIBLE_DEVICES_VARIABLES = ("CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES",
                             "HABANA_VISIBLE_MODULES")


@dataclass
class Reading:
    """Energy of one channel over one interval, in J. ``estimated`` is the part that was not measured (gaps,
    counter resets) and is already included in ``energy``; ``flags`` say why."""

    energy: float
    estimated: float = 0.0
    flags: tuple[str, ...] = ()


@dataclass
class MeterSettings:
    """What a meter factory may need to open its channels; tests point the paths at fake trees."""

    all_gpus: bool = False
    visible_devices: str | None = None  # CUDA_VISIBLE_DEVICES as seen by the child; None = unset
    visible: dict[str, str] = field(default_factory=dict)  # every VISIBLE_DEVICES_VARIABLES entry that is set
    poll_hz: float = 10.0
    clock: Callable[[], float] | None = None  # seconds, monotonic; None = time.monotonic
    powercap_root: Path = Path("/sys/class/powercap")
    proc_root: Path = Path("/proc")
    cpu_model: str | None = None  # override the CPU name used for the TDP lookup
    cpu_tdp_w: float | None = None  # override the TDP
    ram_gb: float | None = None  # override the RAM size
    cpu_scope: str = "process"  # "process": the tree under root_pid, as `codecarbon monitor`; "machine": the whole node
    root_pid: int | None = None  # the process whose tree is metered; None = this process (the command is its child)
    cpu_power_w: float | None = None  # the CPU's full-load power, replacing the TDP lookup (--cpu-power)
    ram_power_w: float | None = None  # a constant RAM power, replacing the model (--ram-power)


class Channel(Protocol):
    """One metered thing: a GPU (keyed by UUID), the CPU packages, or the RAM.

    ``read(now)`` returns the energy since the previous read (or since ``start``); channels with a
    ``poll_period`` also get ``poll(now)`` calls at that period between reads (power polling).
    """

    component: str  # "gpu", "cpu" or "ram"
    key: str  # GPU UUID, "cpu", "ram"
    method: str  # how it is measured, e.g. "energy counter (NVML)", "modelled: TDP x load"
    poll_period: float | None

    def info(self) -> dict[str, Any]: ...
    def start(self, now: float) -> None: ...
    def poll(self, now: float) -> None: ...
    def read(self, now: float) -> Reading: ...
    def close(self) -> None: ...


class ChannelBase:
    """Defaults for channels: no polling between reads and nothing to release (override where needed)."""

    poll_period: float | None = None

    def poll(self, now: float) -> None:
        """Called every ``poll_period`` between reads; only polling channels need it."""

    def close(self) -> None:
        """Release what the channel holds; most hold nothing."""


@dataclass
class Opened:
    """What a factory found: channels (possibly none), notes to show the user, and facts for the log header."""

    channels: list[Channel] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    close: Callable[[], None] | None = None  # called once when metering ends (e.g. nvmlShutdown)


class MeterFactory(ABC):
    """A meter that plugins register through ``footprint_register_meters``.

    For "cpu" and "ram" the first factory that opens channels wins (later ones are fallbacks, e.g. RAPL
    before the TDP model); for "gpu" every factory's channels are used (NVIDIA and another vendor side by side).
    """

    name: str = ""
    component: str = ""
    plugin: str = ""

    @abstractmethod
    def open(self, settings: MeterSettings) -> Opened:
        """Open this meter's channels on this machine, or say (in ``notes``) why there are none."""
