"""Meters are plugins: the built-in ones come through ``footprint_register_meters``, and a third-party CPU meter
registered the same way replaces the built-in model while GPU meters add up."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from footprint import hookimpl
from footprint.meter.sampler import open_session, registered_meters
from footprint.plugins import manager as plugins
from footprint.plugins.contract import ChannelBase, MeterFactory, MeterSettings, Opened, Reading


class ConstantPdu(ChannelBase):
    """A channel that reads a fixed 123 W, as a PDU plugin might."""

    component = "cpu"
    key = "cpu"
    method = "PDU outlet (plugin)"

    def __init__(self) -> None:
        self.last = 0.0

    def info(self) -> dict[str, Any]:
        return {"method": self.method}

    def start(self, now: float) -> None:
        self.last = now


    def read(self, now: float) -> Reading:
        dt, self.last = now - self.last, now
        return Reading(123.0 * dt)



class PduMeter(MeterFactory):
    name = "pdu"
    component = "cpu"

    def open(self, settings: MeterSettings) -> Opened:
        return Opened(channels=[ConstantPdu()])


class PduPlugin:
    @hookimpl
    def footprint_register_meters(self, register: Callable[[MeterFactory], None]) -> None:
        register(PduMeter())


def test_builtin_meters_are_registered_through_the_hook() -> None:
    found = [(m.name, m.component, m.plugin) for m in registered_meters()]
    assert found == [("nvml", "gpu", "meters"), ("rapl", "cpu", "meters"), ("cpu-model", "cpu", "meters"),
                     ("ram-model", "ram", "meters")]


def test_a_plugin_cpu_meter_is_asked_before_the_builtin_model(tmp_path: Path) -> None:
    plugins.plugin_manager().register(PduPlugin(), name="pdu-plugin")
    session = open_session(MeterSettings(powercap_root=tmp_path, proc_root=tmp_path))
    cpu = [c for c in session.channels if c.component == "cpu"]
    assert [c.method for c in cpu] == ["PDU outlet (plugin)"]
    assert session.facts["meters"]["cpu"] == ["pdu (plugin pdu-plugin)"]
    session.close()
