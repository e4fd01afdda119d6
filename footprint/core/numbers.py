"""Readable numbers and units for Quantities: a few significant figures, a unit picked by magnitude from a ladder.

The bottom of the number formatting: it knows Quantities, not Spans (``fmt`` adds ranges, columns, percentages),
so a Span's ``str()`` can use it without a circle.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pint

SIG = 4  # significant figures: every input we combine is known to 2-3 figures at best

# Each ladder runs from small to large as (unit, the value at which the next unit takes over); the first unit in
# which the largest value of a column stays below its limit is used for the whole column, so a figure reads with
# 1 to 4 digits before the point ("33.33 µWh", not "0.00003333 Wh"). MWh holds up to 10,000 because training
# footprints are quoted in MWh ("3,734 MWh", not "3.734 GWh"); elsewhere 1,000 steps up. The largest unit of a
# ladder has no limit: tCO2e and USD keep their thousands separators.
LADDERS: dict[str, tuple[tuple[str, float], ...]] = {
    "energy": (("µWh", 1_000), ("mWh", 1_000), ("Wh", 1_000), ("kWh", 1_000), ("MWh", 10_000), ("GWh", 1_000),
               ("TWh", math.inf)),
    "power": (("mW", 1_000), ("W", 1_000), ("kW", 1_000), ("MW", math.inf)),
    "emissions": (("µgCO2e", 1_000), ("mgCO2e", 1_000), ("gCO2e", 1_000), ("kgCO2e", 1_000), ("tCO2e", math.inf)),
    "time": (("ms", 1_000), ("s", 120), ("min", 120), ("h", math.inf)),  # "90 s", "95 min", then hours
    "compute": (("FLOP", math.inf),),
    "money": (("USD", math.inf),),
}
# The unit of a zero (or a column of zeros): the plain unit of its dimension, "0 Wh" rather than "0 µWh".
ZERO_UNIT = {"energy": "Wh", "power": "W", "emissions": "gCO2e", "time": "s", "compute": "FLOP", "money": "USD"}


def number(x: float, sig: int = SIG) -> str:
    """'3,734', '894.1', '0.01264': thousands separators, `sig` significant figures (all integer digits kept)."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    if abs(x) >= 1e15 or abs(x) < 1e-6:
        return f"{x:.{sig - 1}e}".replace("e+", "e")
    digits = math.floor(math.log10(abs(x))) + 1
    if digits < sig:
        x = float(f"{x:.{sig}g}")  # so that 999.96 becomes 1,000, not 1,000.0
        digits = math.floor(math.log10(abs(x))) + 1
    decimals = max(0, sig - digits)
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# Printing a report formats a few hundred values, each through pint's conversions and unit formatting (slow, measured
# in benchmarks/RESULTS.md): the ladder of a dimension, conversion factors and unit texts depend only on the unit definitions, so
# they are worked out once per process (see units.py: the registry is built once and never redefined).


@functools.cache
def _ladders_by_dimension() -> dict[Any, str]:
    from footprint.core.units import registry

    return {registry().parse_units(steps[0][0]).dimensionality: name for name, steps in LADDERS.items()}


def ladder_of(q: pint.Quantity) -> str | None:
    """The ladder name for a quantity's dimension (energy, power, ...), or None for one we do not scale."""
    return _ladders_by_dimension().get(q.dimensionality)


def pick_unit(values: Iterable[pint.Quantity | None], ladder: str) -> str:
    """The one display unit for a column of quantities: by the largest magnitude among them."""
    steps = LADDERS[ladder]
    base = steps[0][0]
    biggest = 0.0
    for q in values:
        if q is not None:
            # pint converts a multiplicative unit as magnitude x factor: the same product, without its look-ups
            biggest = max(biggest, abs(float(q.magnitude) * _factor_between(q.units, base)))
    if biggest == 0:
        return ZERO_UNIT[ladder]
    for unit, limit in steps:
        if biggest / _factor(base, unit) < limit:
            return unit
    return steps[-1][0]


def below_one(quantities: Iterable[pint.Quantity], unit: str) -> bool:
    """Whether the largest of `quantities` reads as a nonzero number below 1 in `unit` ('0.0004 MWh'): such a value
    needs a unit of its own."""
    biggest = max((abs(float(q.magnitude) * _factor_between(q.units, unit)) for q in quantities), default=0.0)
    return 0 < biggest < 1


@functools.cache
def _factor_between(units: Any, target: str) -> float:
    """pint's factor from `units` (a quantity's Unit) to `target`."""
    from footprint.core.units import registry

    return float(registry().Quantity(1, units).to(target).magnitude)


@functools.cache
def _factor(small: str, unit: str) -> float:
    from footprint.core.units import Q

    return float(Q(1, unit).to(small).magnitude)


@functools.cache
def unit_text(unit: str, co2_only: bool = False) -> str:
    """How a unit is printed: CO2e units become CO2 where the grid factor counts CO2 only."""
    from footprint.core.units import registry

    text = f"{registry().parse_units(unit):~P}"
    return text.replace("CO2e", "CO2") if co2_only else text


def quantity_text(central: pint.Quantity, low: pint.Quantity | None = None, high: pint.Quantity | None = None,
                  unit: str | None = None, *, ladder: str | None = None, co2_only: bool = False, sig: int = SIG) -> str:
    """'3,734 MWh' or, with bounds, '3,734 MWh (3,000..4,100)'; the unit is `unit`, or picked from `ladder` (or the
    dimension), the same for the value and its bounds."""
    bounds = [q for q in (low, high) if q is not None]
    if unit is None:
        name = ladder or ladder_of(central)
        unit = pick_unit([central, *bounds], name) if name else None
    if unit is not None:
        from footprint.core.units import unit as unit_object

        built = unit_object(unit)  # a built Unit: pint re-reads a unit text on every conversion
        central, bounds = central.to(built), [q.to(built) for q in bounds]
        shown = unit_text(unit, co2_only)
    else:
        shown = f"{central.units:~P}"
        shown = shown.replace("CO2e", "CO2") if co2_only else shown
        bounds = [q.to(central.units) for q in bounds]
    text = f"{number(central.magnitude, sig)} {shown}".rstrip()
    if bounds:
        text += f" ({number(bounds[0].magnitude, sig)}..{number(bounds[-1].magnitude, sig)})"
    return text


def count_read_back(value: Any) -> float | None:
    """A count or total read back from a saved file as a float, or None when it is not a finite number >= 0
    (JSON booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return None
    return float(value)
