"""Units a user relies on: CO2e is its own dimension, money and FLOPs are units, and user text is dimension-checked."""

from __future__ import annotations

import subprocess
import sys

import pint
import pytest

from footprint.core import units as u
from footprint.errors import FootprintError


def test_emissions_cannot_mix_with_mass_or_energy() -> None:
    with pytest.raises(pint.DimensionalityError):
        u.Q("1 kgCO2e") + u.Q("1 kg")
    with pytest.raises(pint.DimensionalityError):
        u.Q("1 kgCO2e") + u.Q("1 kWh")
    assert (u.Q("1 tCO2e") + u.Q("500 kgCO2e")).to("kgCO2e").magnitude == pytest.approx(1500)


def test_flop_over_throughput_is_a_time() -> None:
    # 989.5e12 FLOP at 989.5 TFLOP/s takes one second
    assert (u.Q("989.5e12 FLOP") / u.Q("989.5 TFLOP/s")).to("s").magnitude == pytest.approx(1)


def test_intensity_reads_plain_mass_per_energy_as_co2e() -> None:
    q = u.parse_quantity("0.385 kg/kWh", u.INTENSITY, "--intensity")
    assert q.to("gCO2e/kWh").magnitude == pytest.approx(385)
    # ...but a plain mass where a time is expected stays an error
    with pytest.raises(FootprintError, match="'5 kg'"):
        u.parse_quantity("5 kg", u.TIME, "--hours")


def test_price_needs_a_unit() -> None:
    with pytest.raises(FootprintError, match="no unit"):
        u.parse_quantity("2", u.PRICE_PER_TIME, "--price")
    assert u.parse_quantity("2 USD/h", u.PRICE_PER_TIME, "--price").to("USD/h").magnitude == 2


def test_registry_is_built_once_and_cleanly() -> None:
    # in a fresh interpreter, so this test's registry never meets Quantities cached by other tests
    code = (
        "import logging; logging.basicConfig(level=logging.WARNING)\n"
        "from footprint.core import units as u\n"
        "assert u.registry() is u.registry()\n"
        "print(f\"{u.Q('1 tCO2e').units:~C}\")\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "tCO2e"
    assert "Redefining" not in proc.stderr


def test_user_text_errors_name_the_value() -> None:
    with pytest.raises(FootprintError, match="'5 nosuchunit'"):
        u.parse_quantity("5 nosuchunit", u.POWER, "--gpu-power")
    with pytest.raises(FootprintError, match="'5 kg'"):
        u.parse_quantity("5 kg", u.TIME, "--hours")


def test_a_percent_is_a_plain_fraction() -> None:
    assert u.parse_quantity("5 %", u.COUNT, "--mfu").magnitude == pytest.approx(0.05)


def test_converting_a_span_gives_what_pint_gives_bound_by_bound() -> None:
    from footprint.core.span import Span

    ureg = u.registry()
    for low, high, unit in [(1, 2, "h"), (1.5, 2.5, "h"), (7, 7, "kWh"), (100, 300, "gCO2e/kWh"), (5, 9, "")]:
        span = Span.between(ureg.Quantity(low, unit), ureg.Quantity(high, unit), "x")
        for target in (unit, "min" if unit == "h" else unit, u.unit(unit)):
            got = span.to(target)
            for mine, bound in zip((got.central, got.low, got.high), (span.central, span.low, span.high), strict=True):
                want = None if bound is None else bound.to(target)
                assert repr(mine) == repr(want) and (mine is None or type(mine.magnitude) is type(want.magnitude))
