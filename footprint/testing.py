"""Test harnesses for plugin authors' tests and ours: a fake NVML below pynvml, a grid plugin asked as footprint
asks it, and a meter plugin's channels read by footprint's own meter loop on a fake clock.

    from footprint.testing import FakeGpu, fake_nvml

    with fake_nvml([FakeGpu(name="NVIDIA H100 80GB HBM3", power="350 W")]):
        ...  # pynvml (and footprint's NVML meter) now see one H100 drawing 350 W

``ask_grid_plugin`` and ``read_meter`` are shown, with examples the test suite runs, in the plugin guide
(docs/plugins.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from footprint.meter.fake_nvml import (
    FakeClock,
    FakeConfig,
    FakeGpu,
    FakeNvmlLib,
    fake_nvml,
    install_fake_nvml,
    load_fake_file,
    uninstall_fake_nvml,
)

if TYPE_CHECKING:
    import pint

    from footprint.meter.ledger import ChannelTotals
    from footprint.plugins.contract import GridIntensity, MeterFactory, MeterSettings, Opened

__all__ = ["ChannelInterval", "FakeClock", "FakeConfig", "FakeGpu", "FakeNvmlLib", "GridHour", "MeterRun",
           "ask_grid_plugin", "fake_nvml", "grid_hours", "install_fake_nvml", "load_fake_file", "read_meter",
           "uninstall_fake_nvml"]


def ask_grid_plugin(plugin: object, region: str, start: datetime | None = None,
                    end: datetime | None = None) -> GridIntensity | None:
    """Ask one grid plugin (a module or object with ``@hookimpl`` functions) for ``region`` as footprint does.

    The call goes through pluggy against footprint's own hook specifications (so a misspelt hook or argument fails
    here as it would in footprint), with ``start``/``end`` as the meter passes them for a run's span (None, None
    for ``estimate``). The answer is checked as footprint checks it: where footprint would drop it with a warning,
    this raises ``FootprintError`` naming the problem. None means the plugin does not know the region.
    """
    import pluggy

    from footprint.errors import FootprintError
    from footprint.plugins import hookspecs
    from footprint.plugins.grid import grid_problem

    pm = pluggy.PluginManager("footprint")
    pm.add_hookspecs(hookspecs)
    pm.register(plugin)
    pm.check_pending()
    answer = pm.hook.footprint_carbon_intensity(region=region, start=start, end=end)
    if answer is None:
        return None
    problem = grid_problem(answer)
    if problem is not None:
        raise FootprintError(f"the plugin's answer for {region!r} would be dropped: {problem}")
    return answer


@dataclass(frozen=True)
class GridHour:
    """One UTC hour of a metered run: the intensity the meter applies to its energy, and where it came from."""

    start: datetime
    intensity: pint.Quantity
    from_period: bool  # False: no period covers the hour, so the answer's single figure applies


def grid_hours(grid: GridIntensity, start: datetime, end: datetime) -> list[GridHour]:
    """The intensity footprint's meter applies to each UTC hour that [start, end) touches, by the same rule
    (``GridIntensity.for_hour``): the period the hour's middle falls in, else the single figure."""
    from datetime import UTC

    hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    out = []
    while hour < end:
        intensity, from_period = grid.for_hour(hour)
        out.append(GridHour(hour, intensity, from_period))
        hour += timedelta(hours=1)
    return out


@dataclass(frozen=True)
class ChannelInterval:
    """One interval of one channel as footprint's meter wrote it to the log."""

    t: float  # end of the interval, seconds since the meter started
    dt: float  # its length, s
    energy: float  # J
    estimated: float  # J of ``energy`` that was not measured
    flags: tuple[str, ...]

    @property
    def power_w(self) -> float:
        """The interval's average power, W."""
        return self.energy / self.dt if self.dt > 0 else 0.0


@dataclass
class MeterRun:
    """What ``read_meter`` saw: the factory's ``Opened`` (notes, facts), the log's records, and per channel (by
    key) its intervals and the totals a report would show."""

    opened: Opened
    records: list[dict[str, Any]] = field(default_factory=list)
    intervals: dict[str, list[ChannelInterval]] = field(default_factory=dict)
    totals: dict[str, ChannelTotals] = field(default_factory=dict)

    @property
    def notes(self) -> list[dict[str, Any]]:
        """The log's note records: a channel's exception, or a reading footprint dropped, with the reason."""
        return [r for r in self.records if r.get("type") == "note"]


def read_meter(factory: MeterFactory, reads: Iterable[float], settings: MeterSettings | None = None,
               before: Callable[[float], None] | None = None, interval: float = 5.0) -> MeterRun:
    """Open ``factory`` and read its channels through footprint's own meter loop on a fake clock.

    The meter starts at t = 0 and reads every channel at each time in ``reads`` (seconds, increasing), polling the
    channels that have a ``poll_period`` in between, exactly as ``footprint run`` does; ``before(t)`` is called
    before each poll and read, for the test to move its fake device (append a row, raise an error). Exceptions in
    ``open`` propagate; a channel's exception or a bad reading becomes what it becomes in a real run: a note in
    the log and an interval of 0 J flagged ``error``. ``settings.clock`` is set to the fake clock.
    """
    from footprint.meter.ledger import Ledger
    from footprint.meter.sampler import Meter
    from footprint.plugins.contract import MeterSettings

    clock = FakeClock(0.0)
    settings = settings or MeterSettings()
    settings.clock = clock.now
    opened = factory.open(settings)
    run = MeterRun(opened)
    channels = list(opened.channels)
    meter = Meter(channels, run.records.append, interval=interval, clock=clock)
    if before is not None:
        before(0.0)
    meter.begin()
    periods = [c.poll_period for c in channels if c.poll_period]
    poll = min(periods) if periods else None
    try:
        last = 0.0
        for t in reads:
            if t <= last:
                raise ValueError(f"read times must increase: {t} after {last}")
            if poll:
                p = last + poll
                while p < t - 1e-9:
                    clock.t = p
                    if before is not None:
                        before(p)
                    meter.poll(p)
                    p += poll
            clock.t = t
            if before is not None:
                before(t)
            meter.tick(t)
            last = t
    finally:
        for channel in channels:
            channel.close()
        if opened.close is not None:
            opened.close()
    ledger = Ledger({"settings": {"interval_s": interval},
                     "channels": [{"key": c.key, "component": c.component} for c in channels]})
    for record in run.records:
        ledger.add(record)
    for i, channel in enumerate(channels):
        run.intervals[channel.key] = [
            ChannelInterval(r["t"], r["dt"], r["e"][i], float(r.get("est", {}).get(str(i), 0.0)),
                            tuple(r.get("flags", {}).get(str(i), ())))
            for r in run.records if r.get("type") == "interval"]
        run.totals[channel.key] = ledger.channels[i]
    return run
