"""The types plugins and footprint exchange through the hooks, in one place (footprint.plugin_api re-exports them).

- Meters: factories (``MeterFactory``, registered by plugins) that open channels (``Channel``, ``ChannelBase``),
  each giving energy per interval (``Reading``), with the run's settings (``MeterSettings``).
- Grid data: ``GridIntensity`` of a region, with time-resolved ``IntensityPeriod`` where a plugin has them.
- Calibration: the matmul load generators (``LoadBackend``).
- Claims: a published training run (``Reference``), its sourced values (``Field``), outputs and method.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import pint

    from footprint.core.span import Span

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
    visible: dict[str, str] = field(default_factory=dict)  # every VISIBLE_DEVICES_VARIABLES entry the job sees
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


@dataclass(frozen=True)
class IntensityPeriod:
    """The grid's carbon intensity over [start, end) (timezone-aware datetimes), e.g. one hour of a data export."""

    start: datetime
    end: datetime
    intensity: pint.Quantity


@dataclass(frozen=True)
class GridIntensity:
    """Carbon intensity of a region's grid electricity.

    ``basis`` says in words what the factor counts ("CO2e, lifecycle", "CO2 only, combustion", ...); ``gases``
    says it as data: "CO2e", or "CO2" for a factor that counts carbon dioxide only, which understates CO2e and is
    printed as gCO2. Code reads ``gases``, never the words. ``intensity`` is the single figure (the average
    when ``periods`` are given); ``periods``, when a plugin has time-resolved data, are what the meter applies
    interval by interval.
    """

    code: str
    name: str
    intensity: pint.Quantity
    year: int | None
    source: str
    basis: str
    plugin: str = ""
    periods: tuple[IntensityPeriod, ...] = ()
    gases: Literal["CO2e", "CO2"] = "CO2e"

    @property
    def co2_only(self) -> bool:
        """Whether the factor counts CO2 only (not CO2e): its figures are then printed as CO2."""
        return self.gases == "CO2"

    def describe(self) -> str:
        year = f" ({self.year})" if self.year else ""
        hourly = f", {len(self.periods)} time-resolved periods" if self.periods else ""
        return f"{self.name}{year}, {self.basis}{hourly}; {self.source}"

    def at(self, when: datetime) -> pint.Quantity:
        """The intensity in force at ``when``: its period's, else the single figure."""
        for period in self.periods:
            if period.start <= when < period.end:
                return period.intensity
        return self.intensity

    def for_hour(self, hour: datetime) -> tuple[pint.Quantity, bool]:
        """The intensity the meter applies to the UTC hour starting at ``hour``: the period its middle falls in
        (True), else the single figure (False). Periods need not be clipped to a run: hours outside it are never
        asked for."""
        from datetime import timedelta

        middle = hour + timedelta(minutes=30)
        for period in self.periods:
            if period.start <= middle < period.end:
                return period.intensity, True
        return self.intensity, False


class LoadBackend(Protocol):
    """Generates a matmul load. ``step()`` runs some matmuls to completion and returns the FLOPs it did."""

    name: str

    def check(self) -> None: ...
    def prepare(self, precision: str, size: int) -> None: ...
    def step(self) -> float: ...
    def describe(self, precision: str, size: int) -> str: ...


@dataclass(frozen=True)
class Field:
    """One published value (a Span, a whole number or text) with the source it came from."""

    value: Span | int | str
    source: str
    note: str = ""
    key: str = ""  # the short name of the source in the file's [sources] table, if it used one


@dataclass(frozen=True)
class Output:
    """A published output and how precisely the source printed it."""

    name: str
    quantity: str  # the Footprint field it is compared with
    value: Span
    source: str
    step: Any = None  # pint.Quantity: the source's last printed digit
    mode: str = "round"  # "round": +/- step/2; "truncate": value <= ours < value + step
    tolerance: float | None = None  # relative, when the inputs themselves were rounded
    method: dict[str, Any] = field(default_factory=dict)
    expect: str = "match"  # "match" or "differs" (a known gap, kept with its reason)
    reason: str = ""


@dataclass(frozen=True)
class Method:
    """The publisher's formula: its text, its source, and the factors it applied (raw values, parsed on use)."""

    text: str
    source: str
    factors: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reference:
    """A published training run: inputs, the publisher's method, outputs, each with its source."""

    id: str
    name: str
    status: str
    hardware: Field
    inputs: dict[str, Field]
    method: Method
    outputs: tuple[Output, ...] = ()
    profile: str | None = None
    location: Field | None = None
    notes: str = ""
    part_of: str | None = None
    stages: tuple[str, ...] = ()
    plugin: str = ""
    origin: str = ""

    def value(self, name: str) -> Any:
        """The published input's value, or None."""
        f = self.inputs.get(name)
        return None if f is None else f.value

    def with_plugin(self, plugin: str) -> Reference:
        return replace(self, plugin=plugin)
