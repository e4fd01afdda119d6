"""footprint.testing's harnesses for plugin authors show what footprint itself does: the hours a grid plugin's
periods apply to are those the meter weights, and a meter plugin's channels are read and judged by the real loop."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pluggy
import pytest

from footprint import hookimpl
from footprint.errors import FootprintError
from footprint.meter.ledger import Ledger
from footprint.meter.measured import build_footprint
from footprint.plugin_api import grid_intensity, intensity_period, setting, setting_name
from footprint.plugins import manager as plugins
from footprint.plugins.contract import ChannelBase, MeterFactory, MeterSettings, Opened, Reading
from footprint.testing import ask_grid_plugin, grid_hours, read_meter

DAY = datetime(2025, 6, 1, tzinfo=UTC)
# synthetic figures: periods from 06:00 to 09:00, reaching past a run from 07:00 to 10:00 on the early side
PERIODS = [(6, 300.0), (7, 200.0), (8, 100.0)]


class Hourly:
    @hookimpl
    def footprint_carbon_intensity(self, region: str, start: datetime | None, end: datetime | None) -> Any:
        if region != "ZZ-HOURLY":
            return None
        periods = [intensity_period(DAY + timedelta(hours=h), DAY + timedelta(hours=h + 1), f"{g} g/kWh") for h, g in PERIODS]
        return grid_intensity("ZZ-HOURLY", "50 g/kWh", source="synthetic test data", periods=periods)


def test_grid_hours_are_the_intensities_the_meter_weights_with_unclipped_periods() -> None:
    plugins.plugin_manager().register(Hourly(), name="hourly")
    start, end = DAY + timedelta(hours=7), DAY + timedelta(hours=10)
    header = {"type": "header", "start_unix": start.timestamp(), "settings": {"interval_s": 3600},
              "channels": [{"key": "GPU-0", "component": "gpu", "method": "test", "name": "test"}]}
    ledger = Ledger(header)
    kwh = [1.0, 2.0, 4.0]  # in the hours from 07:00, 08:00 and 09:00
    for i, k in enumerate(kwh, 1):
        ledger.add({"type": "interval", "t": 3600 * i, "dt": 3600, "e": [k * 3.6e6]})
    metered = build_footprint([ledger.totals()], {"region": "ZZ-HOURLY", "pue": 1}, compare=False)

    hours = grid_hours(ask_grid_plugin(Hourly(), "ZZ-HOURLY", start, end), start, end)
    assert [(h.start.hour, h.from_period) for h in hours] == [(7, True), (8, True), (9, False)]
    expected = sum(k * h.intensity.to("gCO2e/kWh").magnitude for k, h in zip(kwh, hours, strict=True))
    assert metered.emissions.central.to("gCO2e").magnitude == pytest.approx(expected)
    assert expected == pytest.approx(1 * 200 + 2 * 100 + 4 * 50)  # the 06:00 period, outside the run, is never used


def test_ask_grid_plugin_fails_where_footprint_would_drop_or_refuse_the_plugin() -> None:
    class Wrong:
        @hookimpl
        def footprint_carbon_intensity(self, region: str) -> str:
            return "120 g/kWh"

    class Misspelt:
        @hookimpl
        def footprint_carbon_intensities(self, region: str) -> None:
            return None

    with pytest.raises(FootprintError, match="would be dropped: str '120 g/kWh', not a footprint GridIntensity"):
        ask_grid_plugin(Wrong(), "DE")
    with pytest.raises(pluggy.PluginValidationError, match="footprint_carbon_intensities"):
        ask_grid_plugin(Misspelt(), "DE")


class Polled(ChannelBase):
    component, key, method = "gpu", "polled", "power polling (test)"
    poll_period = 1.0

    def __init__(self) -> None:
        self.polls: list[float] = []
        self.last = 0.0
        self.energy = 0.0

    def info(self) -> dict[str, Any]:
        return {}

    def start(self, now: float) -> None:
        self.last = now

    def poll(self, now: float) -> None:
        self.polls.append(now)
        self.energy += 100.0 * (now - self.last)
        self.last = now

    def read(self, now: float) -> Reading:
        self.poll(now)
        energy, self.energy = self.energy, 0.0
        return Reading(energy if now != 6 else math.nan)


class One(MeterFactory):
    name, component = "one", "gpu"

    def __init__(self, channel: ChannelBase) -> None:
        self.channel = channel

    def open(self, settings: MeterSettings) -> Opened:
        assert settings.clock is not None and settings.clock() == 0.0  # the fake clock reaches the factory
        return Opened(channels=[self.channel])


def test_read_meter_polls_between_reads_and_drops_a_nan_reading_as_a_run_does() -> None:
    channel = Polled()
    run = read_meter(One(channel), [3, 6, 9])
    assert channel.polls == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert [(i.energy, i.flags) for i in run.intervals["polled"]] == [(300.0, ()), (0.0, ("error",)), (300.0, ())]
    assert run.notes[0]["error"].startswith("read nan J, not a finite energy >= 0")
    assert run.totals["polled"].energy == 600.0
    with pytest.raises(ValueError, match="read times must increase"):
        read_meter(One(Polled()), [3, 3])


def test_a_plugin_setting_is_read_from_its_variable_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert setting_name("grid-csv", "files") == "FOOTPRINT_GRID_CSV_FILES"
    assert setting("grid-csv", "files", "none") == "none"
    monkeypatch.setenv("FOOTPRINT_GRID_CSV_FILES", "a.csv")
    assert setting("grid-csv", "files") == "a.csv"
    monkeypatch.setenv("FOOTPRINT_GRID_CSV_FILES", "  ")
    assert setting("grid-csv", "files") is None
    with pytest.raises(FootprintError, match="must both be given"):
        setting_name("", "files")
