"""The speed-ups give exactly what the slow paths give: host power."""

from __future__ import annotations

import dataclasses

import pytest

import footprint
from footprint.plugins.catalog import get_profile


def test_host_power_is_derived_once_and_unchanged() -> None:
    profile = get_profile("h800")
    first = profile.host_power()
    assert first is not None and profile.host_power() is first
    fresh = dataclasses.replace(profile).host_power()  # a copy derives its own
    assert fresh is not first and fresh == first


def test_estimate_energy_and_emissions_match_the_formula() -> None:
    # every input given, so the expected figures follow from the formula alone
    fp = footprint.estimate("h800", gpus=2048, hours=1300, gpu_power="700 W", host_power="575 W", pue="1.1..1.3",
                            intensity="500 g/kWh")
    it_kwh = 2048 * 1300 * (700 + 575) / 1000
    assert fp.energy.lo.to("kWh").magnitude == pytest.approx(it_kwh * 1.1)
    assert fp.energy.hi.to("kWh").magnitude == pytest.approx(it_kwh * 1.3)
    assert fp.energy_overhead.lo.to("kWh").magnitude == pytest.approx(it_kwh * 0.1)
    assert fp.emissions.central.to("kgCO2e").magnitude == pytest.approx(it_kwh * 1.2 * 0.5)
