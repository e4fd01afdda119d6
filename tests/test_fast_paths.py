"""The speed-ups give exactly what the slow paths give: unit text, conversions, host power."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pint
import pytest

import footprint
from footprint.core import units as u
from footprint.errors import FootprintError
from footprint.plugins.catalog import get_profile

NUMBERS = ["0", "7", "-5", "+5", "1.", "2.5", ".5", "1e3", "1E-3", "2.5e+2", "05", "1,000", "12345678901234567890"]
UNITS = ["W", "kW", "kWh", "MWh", "g/kWh", "kg/kWh", "gCO2e/kWh", "tCO2e", "USD/h", "USD/kWh", "TFLOP/s", "FLOP",
         "h", "days", "m^2", "m**2", "W*h", "W/h**2", "degC", "delta_degC", "percent", "%", "dimensionless", "nan",
         "squared", "W*2", "m**-1", "nosuchunit"]


def _reading(ureg: pint.UnitRegistry, text: str) -> tuple[str, type, str] | str:
    """What pint makes of `text`: its repr, magnitude type and printed form, or the error's type."""
    try:
        q = ureg.Quantity(text)
    except Exception as exc:  # pint raises many types; the type must match
        return type(exc).__name__
    return repr(q), type(q.magnitude), f"{q:~P}"


def test_number_unit_text_reads_as_pints_own_parser_does() -> None:
    # pint as it ships, with the same unit definitions, is the reference reading
    plain = pint.UnitRegistry()
    plain.load_definitions(str(Path(footprint.__file__).parent / "core" / "units.txt"))
    ureg = u.registry()
    for number, unit in itertools.product(NUMBERS, UNITS):
        for text in (f"{number} {unit}", f"  {number}   {unit} "):
            twice = (_reading(ureg, text), _reading(ureg, text))  # the second read takes the remembered shape
            assert twice[0] == twice[1] == _reading(plain, text), text


def test_conversions_with_remembered_units_match_pint() -> None:
    ureg = u.registry()
    plain = pint.UnitRegistry()
    plain.load_definitions(str(Path(footprint.__file__).parent / "core" / "units.txt"))
    for value, unit, target in [(1863.68, "MWh", "kWh"), (582, "g/kWh", "kg/MWh"), (2.5, "days", "h"),
                                (25, "tCO2e", "kgCO2e"), (20, "degC", "K"), (989.5, "TFLOP/s", "FLOP/s")]:
        want = plain.Quantity(value, unit).to(target).magnitude
        for _ in range(2):
            assert ureg.Quantity(value, unit).to(target).magnitude == want
            assert ureg.Quantity(value, unit).to(u.unit(target)).magnitude == want


def test_a_unit_defined_later_is_found() -> None:
    # a registry of its own, so the shared one is never changed; a failed look-up must not be remembered
    ureg = u._registry_class()()
    with pytest.raises(pint.UndefinedUnitError):
        ureg.Quantity("3 widget")
    ureg.define("widget = 2 * meter")
    assert ureg.Quantity("3 widget").to("m").magnitude == 6


def test_user_text_errors_still_name_the_value() -> None:
    with pytest.raises(FootprintError, match="'5 nosuchunit'"):
        u.parse_quantity("5 nosuchunit", u.POWER, "--gpu-power")
    with pytest.raises(FootprintError, match="'5 kg'"):
        u.parse_quantity("5 kg", u.TIME, "--hours")


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
