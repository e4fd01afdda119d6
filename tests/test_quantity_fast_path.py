"""Values read through the remembered unit plans are exactly what the full checks give, errors included; a range
converted to the units it is already in is what pint's conversion gives."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from footprint.core import units as u
from footprint.errors import FootprintError

NUMBERS = ["0", "7", "-5", "+5", "1.", "2.5", ".5", "1e3", "1E-3", "2.5e+2", "05", "12345678901234567890", "1e101"]
UNITS = ["", "W", "kW", "kWh", "MWh", "g/kWh", "kg/kWh", "gCO2e/kWh", "kgCO2e", "t", "tCO2e", "USD", "USD/h", "$/h",
         "USD/kWh", "TFLOP/s", "FLOP", "h", "days", "min", "%", "percent", "ppm", "dimensionless", "W*h", "degC",
         "nosuchunit", "W W"]
KINDS = [u.TIME, u.POWER, u.ENERGY, u.INTENSITY, u.EMISSIONS, u.PRICE_PER_TIME, u.PRICE_PER_ENERGY, u.MONEY,
         u.COMPUTE, u.THROUGHPUT, u.COUNT]


def _reading(parse: Any, text: object, kind: u.Kind, bare: str | None) -> tuple[str, type, str] | str:
    """What a parser makes of the text: repr, magnitude type and printed form, or its error."""
    try:
        q = parse(text, kind, "--x", bare_unit=bare)
    except FootprintError as exc:
        return f"error: {exc}"
    return repr(q), type(q.magnitude), f"{q:~P}"


def full(text: object, kind: u.Kind, bare: str | None) -> tuple[str, type, str] | str:
    """The reading of the full checks (the path without remembered plans)."""
    return _reading(u._parse_quantity, text, kind, bare)


def fast(text: object, kind: u.Kind, bare: str | None) -> tuple[str, type, str] | str:
    """The reading through remembered plans."""
    return _reading(u.parse_quantity, text, kind, bare)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_number_and_unit_reads_as_the_full_checks_read_it(kind: u.Kind) -> None:
    for bare in (None, "", "h"):
        for number, unit in itertools.product(NUMBERS, UNITS):
            text = f"{number} {unit}".strip()
            # twice: the second reading takes the plan the first one settled
            assert fast(text, kind, bare) == fast(text, kind, bare) == full(text, kind, bare), (text, kind.name, bare)


def test_a_plain_mass_per_energy_is_still_read_as_co2e() -> None:
    # the plan must not take "g/kWh" as it is written: intensities are quoted as mass per kWh, meaning CO2e
    for _ in range(2):
        q = u.parse_quantity("0.385 kg/kWh", u.INTENSITY, "--intensity")
        assert f"{q.units:~P}" == "gCO2e/kWh" and q.magnitude == pytest.approx(385)


def test_a_percent_is_still_a_plain_fraction() -> None:
    for _ in range(2):
        assert u.parse_quantity("5 %", u.COUNT, "--mfu").magnitude == pytest.approx(0.05)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_a_quantity_passes_as_the_full_checks_pass_it(kind: u.Kind) -> None:
    values = [0, 7, -5, 2.5, 1e300, float("nan"), float("inf")]
    for unit in [x for x in UNITS if x not in ("nosuchunit", "W W", "$/h")]:
        for value in values:
            q = u.registry().Quantity(value, unit)
            for _ in range(2):  # the second check takes the remembered answer for these units
                try:
                    got = u.parse_quantity(q, kind, "--x")
                except FootprintError as exc:
                    got = f"error: {exc}"
                try:
                    want = u._parse_quantity(q, kind, "--x")
                except FootprintError as exc:
                    want = f"error: {exc}"
                assert repr(got) == repr(want), (value, unit, kind.name)
                assert (got is q) == (want is q), (value, unit, kind.name)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_a_bare_number_reads_as_the_full_checks_read_it(kind: u.Kind) -> None:
    for bare in (None, "", "h", "FLOP"):
        for value in [0, 7, -5, 2.5, 4.05e11, 10**100, 10**101, 1e101, float("nan"), float("inf"), True, False]:
            assert fast(value, kind, bare) == fast(value, kind, bare) == full(value, kind, bare), (value, kind.name, bare)


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
