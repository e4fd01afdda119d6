"""The application's one pint registry (built lazily, cached on disk) and unit-checked parsing of user input."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from footprint.errors import FootprintError

if TYPE_CHECKING:
    import pint

_DEFINITIONS = Path(__file__).with_name("units.txt")


@functools.cache
def registry() -> pint.UnitRegistry:
    """Return the one registry; building it is most of a command's start-up (benchmarks/RESULTS.md), so it is built on first use, from pint's disk cache
    where ``unit_cache`` finds that whole."""
    from footprint.core.startup import building

    with building():  # pint's modules and ~10^5 unit objects, all kept for the process's life
        import pint

        from footprint.core import unit_cache

        pint_folder = Path(pint.__file__).parent
        sources = [pint_folder / "default_en.txt", pint_folder / "constants_en.txt", _DEFINITIONS]
        try:
            sources_id = unit_cache.sources_digest(sources, [pint.__version__])
        except OSError:  # a definitions file pint reads itself: its error, if any, comes from pint below
            sources_id = ""
        folder = unit_cache.prepare(sources_id) if sources_id else None
        try:
            ureg = pint.UnitRegistry(cache_folder=folder)
            ureg.load_definitions(str(_DEFINITIONS))
        except Exception:
            if folder is None:
                raise
            # the cache, not the definitions: whatever pint met there, parse afresh (as without a cache)
            unit_cache.empty(folder)
            ureg = pint.UnitRegistry()
            ureg.load_definitions(str(_DEFINITIONS))
        else:
            if folder is not None:
                unit_cache.seal(folder, sources_id)
    ureg.formatter.default_format = "~P"
    pint.set_application_registry(ureg)
    return ureg


@functools.cache
def unit(text: str) -> pint.Unit:
    """A constant unit string (such as "kWh") as a Unit, built once: hot paths convert with it instead of text."""
    return registry().Unit(text)


def Q(value: Any, units: str | pint.Unit | None = None) -> pint.Quantity:  # noqa: N802 - the conventional name
    """Build a Quantity on the application registry."""
    ureg = registry()
    if units is None:
        return ureg.Quantity(value)
    return ureg.Quantity(value, units)


@dataclass(frozen=True)
class Kind:
    """A physical kind of value the user may type: its pint dimension, a unit for bare numbers, an example."""

    name: str
    dimension: str
    example: str
    bare_unit: str | None = None
    canonical: str | None = None
    hint: str = ""  # what units are accepted, added to errors where a unit was not understood


TIME = Kind("a time", "[time]", "'54 days' or '80 h'", canonical="h")
POWER = Kind("a power", "[power]", "'550 W'", canonical="W")
ENERGY = Kind("an energy", "[energy]", "'12 MWh'", canonical="kWh")
INTENSITY = Kind("a carbon intensity", "[emissions] / [energy]", "'582 g/kWh' or '0.385 kg/kWh'", canonical="gCO2e/kWh",
                 hint="intensities are in g or kg of CO2e per kWh (g/kWh, kgCO2e/kWh)")
EMISSIONS = Kind("emissions", "[emissions]", "'25 tCO2e'", canonical="kgCO2e")
PRICE_PER_TIME = Kind("a price per GPU-hour", "[currency] / [time]", "'2 USD/h' or '$2/GPU-h'", canonical="USD/h",
                      hint="prices are in USD per GPU-hour (footprint converts no currency)")
PRICE_PER_ENERGY = Kind("an electricity price", "[currency] / [energy]", "'0.1 USD/kWh'", canonical="USD/kWh",
                        hint="prices are in USD per kWh (footprint converts no currency)")
MONEY = Kind("an amount of money", "[currency]", "'5.6e6 USD'", canonical="USD", hint="prices are in USD (footprint converts no currency)")
COMPUTE = Kind("a FLOP count", "[compute]", "'3.3e24' or '3.3e24 FLOP'", bare_unit="FLOP", canonical="FLOP")
THROUGHPUT = Kind("a throughput", "[compute] / [time]", "'989.5 TFLOP/s'", canonical="TFLOP/s")
COUNT = Kind("a number", "", "'37e9'", bare_unit="", canonical="")

# Quantities typed by users are read, never evaluated: pint's own parser evaluates Python-like expressions
# ("10**10**10 s" runs for hours, "(10**400) h" overflows, "700 W * 5 %" multiplies). So the number is read here
# and only the unit name is handed to pint, after checking it is unit names joined by '*', '/' or spaces.
MAX_TEXT = 200  # characters in one value; the longest real one ("1.1e25..2.15e25 FLOP") is a tenth of this
MAX_MAGNITUDE_TEXT = "1e100"  # far above any physical input (FLOP counts reach ~1e26) and far below float overflow
MAX_MAGNITUDE = float(MAX_MAGNITUDE_TEXT)
_NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_UNIT_NAME = r"(?:%|[A-Za-z_\u00b5\u03bc\u03a9\u00b0][A-Za-z0-9_]*)"  # letters first, digits inside (gCO2e)
_UNIT_TEXT = re.compile(rf"{_UNIT_NAME}(?:\s*[*/]\s*{_UNIT_NAME}|\s+{_UNIT_NAME})*")
_VALUE = re.compile(rf"\s*({_NUMBER.pattern})\s*(.*?)\s*", re.DOTALL)


class UnreadableValueError(ValueError):
    """Why a text is not a number with a unit, as a clause ("it is too long ..."), or "" when it has no number."""


# Counts as papers and model cards write them ("14.8T tokens", "37B active parameters", "2.788M GPU-hours"). Read
# only on a bare number of an input that is a count, so that "5 T" stays tesla and "2 ms" milliseconds elsewhere.
COUNT_SUFFIXES: dict[str, int] = {"k": 3, "K": 3, "M": 6, "B": 9, "G": 9, "T": 12}
COUNT_SUFFIX_TEXT = "k, M, B (or G) and T"
_COUNT = re.compile(rf"\s*({_NUMBER.pattern})\s*([{''.join(COUNT_SUFFIXES)}])\s*")


def read_count_suffix(text: str) -> float | None:
    """'14.8T' as 1.48e13 (the decimal number scaled, then rounded once); None when the text has no count suffix.

    Raises UnreadableValueError for a count beyond MAX_MAGNITUDE.
    """
    from decimal import Decimal

    match = _COUNT.fullmatch(text) if len(text) <= MAX_TEXT else None
    if match is None:
        return None
    number, suffix = match.groups()
    value = float(Decimal(number).scaleb(COUNT_SUFFIXES[suffix]))
    if abs(value) > MAX_MAGNITUDE or not math.isfinite(value):
        raise UnreadableValueError(f"it is out of range (at most {MAX_MAGNITUDE_TEXT} in size)")
    return value


_RANGE_WITH_DASH = re.compile(r"[-\u2013\u2014]\s*([0-9.].*)", re.DOTALL)  # '0.6-0.9', '400 - 700 W', '0.6–0.9'
_DECIMAL_COMMA = re.compile(r"((?:,[0-9]+)+)(.*)", re.DOTALL)  # '1,1', '1,000,000'


def _misread_number(number: str, unit_text: str) -> str | None:
    """Why '<number><unit_text>' is not a value, where it is a common way of writing one: a range with a dash, a
    decimal comma, a thousands separator. None for anything else."""
    dash = _RANGE_WITH_DASH.fullmatch(unit_text)
    if dash:
        return f"a range is written LOW..HIGH, such as '{number}..{dash.group(1).strip()}'"
    comma = _DECIMAL_COMMA.fullmatch(unit_text)
    if comma:
        groups, rest = comma.group(1).split(",")[1:], comma.group(2)
        plain = number + "".join(groups) + rest
        if len(groups) == 1 and len(groups[0]) != 3:
            return f"numbers take a decimal point, such as '{number}.{groups[0]}{rest}'"
        if len(groups) == 1:
            return (f"numbers take a decimal point and no thousands separators, such as '{number}.{groups[0]}{rest}' "
                    f"or '{plain}'")
        return f"numbers take no thousands separators, such as '{plain}'"
    return None


def split_value(text: str) -> tuple[str, str]:
    """Split '550 W' into ('550', 'W') and '0.8' into ('0.8', ''), or raise UnreadableValueError saying why.

    A value is an ASCII decimal number (optional sign, decimal point and exponent) and an optional unit
    expression made only of unit names, '*', '/' and spaces: no arithmetic, powers, parentheses or numbers.
    """
    if len(text) > MAX_TEXT:
        raise UnreadableValueError(f"it is too long ({len(text):,} characters; at most {MAX_TEXT})")
    match = _VALUE.fullmatch(text)
    if match is None:
        raise UnreadableValueError("")  # no number at all: "cannot read" and an example say enough
    number, unit_text = match.groups()
    if unit_text and not _UNIT_TEXT.fullmatch(unit_text):
        misread = _misread_number(number, unit_text)
        if misread:
            raise UnreadableValueError(misread)
        raise UnreadableValueError(f"{unit_text!r} is not a unit (unit names only: no arithmetic, powers, "
                                   "parentheses or numbers)")
    return number, unit_text


def read_unit(unit_text: str) -> pint.Unit:
    """A unit written alone ('kWh', 'gCO2e/kWh', '' for none), checked as split_value checks one after a number."""
    import pint

    if len(unit_text) > MAX_TEXT or (unit_text.strip() and not _UNIT_TEXT.fullmatch(unit_text.strip())):
        raise UnreadableValueError(f"{unit_text[:60]!r} is not a unit (unit names only: no arithmetic, powers, "
                                   "parentheses or numbers)")
    try:
        return parse_unit(unit_text.strip())
    except (pint.PintError, ValueError, TypeError, AttributeError, SyntaxError):
        raise UnreadableValueError(f"{unit_text!r} is not a known unit") from None


def read_number(number: str) -> int | float:
    """The value of a number that split_value accepted, as pint's parser would type it, within MAX_MAGNITUDE."""
    value: int | float = int(number) if number.lstrip("+-").isdigit() else float(number)
    if abs(value) > MAX_MAGNITUDE or not math.isfinite(value):  # abs first: a huge int has no float
        raise UnreadableValueError(f"it is out of range (at most {MAX_MAGNITUDE_TEXT} in size)")
    return value


@functools.cache
def parse_unit(unit_text: str) -> pint.Unit:
    """A unit expression (already checked by split_value) as a pint Unit; cached, as the same few recur."""
    return registry().parse_units(unit_text)


def quantity_from_text(text: str) -> pint.Quantity | int | float:
    """'550 W' as a Quantity, or a bare '0.8' as a number; raise UnreadableValueError (why) for anything else.

    Magnitudes are typed as pint's own parser types them: an integer times a unit stays an integer ("700 W"
    prints as 700 W), a unit that divides makes a float ("275 TFLOP/s").
    """
    import pint

    number, unit_text = split_value(text)
    value = read_number(number)
    if not unit_text:
        return value
    try:
        unit = parse_unit(unit_text)
    except (pint.PintError, ValueError, TypeError, AttributeError, SyntaxError):
        raise UnreadableValueError(f"{unit_text!r} is not a known unit") from None
    if "/" in unit_text:
        value = float(value)
    return registry().Quantity(value, unit)


def _as_emissions(q: pint.Quantity) -> pint.Quantity:
    """Read a plain mass per energy (g/kWh) as CO2e per energy: intensities are quoted that way everywhere."""
    if q.dimensionality == unit("g/kWh").dimensionality:
        return Q(q.to(unit("g/kWh")).magnitude, unit("gCO2e/kWh"))
    if q.dimensionality == unit("g").dimensionality:
        return Q(q.to(unit("g")).magnitude, unit("gCO2e"))
    return q


def parse_quantity(value: Any, kind: Kind, what: str, *, bare_unit: str | None = None,
                   counts: bool = False) -> pint.Quantity:
    """Parse a user value (string, number or Quantity) as `kind`, or raise FootprintError naming `what`.

    A plain mass per energy is read as CO2e per energy (and a plain mass as CO2e) where emissions are expected.
    A bare number is accepted only where `bare_unit` (or the kind's) says what it means. Where the value is a count
    (`counts`: tokens, parameters, GPU-hours, FLOPs), a bare number may carry a suffix: '14.8T' is 14.8e12.
    """
    if counts and isinstance(value, str):
        try:
            scaled = read_count_suffix(value)
        except UnreadableValueError as why:
            raise FootprintError(f"{what}: cannot read {_shown(value)!r}: {why}; expected {_expected(kind)}") from None
        if scaled is not None:
            value = scaled
    return _parse_quantity(value, kind, what, bare_unit=bare_unit)


def _expected(kind: Kind) -> str:
    return f"{kind.name} such as {kind.example}" + (f"; {kind.hint}" if kind.hint else "")


def _shown(value: str) -> str:
    return value if len(value) <= 60 else value[:40] + "..."


# How prices are written beside the units pint knows: '$2/GPU-h' is 2 USD/h (footprint's one currency is USD).
_DOLLARS = re.compile(rf"\$\s*({_NUMBER.pattern})\s*(.*)", re.DOTALL)
_PER_GPU_HOUR = re.compile(r"/\s*GPU[-_ ]?(?:h|hr|hrs|hours?)\s*$", re.IGNORECASE)


def _as_written_in_prices(text: str) -> str:
    """'$2/GPU-h', '2 USD/GPU-hour' -> '2 USD/h'; '$0.1/kWh' -> '0.1 USD/kWh'; anything else unchanged."""
    dollars = _DOLLARS.fullmatch(text)
    if dollars:
        text = f"{dollars.group(1)} USD{dollars.group(2)}"
    return _PER_GPU_HOUR.sub("/h", text)


def _parse_quantity(value: Any, kind: Kind, what: str, *, bare_unit: str | None = None) -> pint.Quantity:
    """parse_quantity's checks, once a count suffix has been read."""
    import pint

    ureg = registry()
    expected = f"expected {_expected(kind)}"
    unit_for_bare = bare_unit if bare_unit is not None else kind.bare_unit
    if isinstance(value, bool):
        raise FootprintError(f"{what}: {value!r} is not a quantity; {expected}")
    if isinstance(value, (int, float)):
        if unit_for_bare is None:
            raise FootprintError(f"{what}: {value!r} has no unit; {expected}")
        if abs(value) > MAX_MAGNITUDE or not math.isfinite(value):  # abs first: a huge int has no float
            raise FootprintError(f"{what}: {value!r} is not a finite number of at most {MAX_MAGNITUDE_TEXT} in size; {expected}")
        q = Q(float(value), unit_for_bare)
    elif isinstance(value, ureg.Quantity):
        q = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise FootprintError(f"{what}: empty value; {expected}")
        try:
            read = quantity_from_text(_as_written_in_prices(text) if "[currency]" in kind.dimension else text)
        except UnreadableValueError as why:
            reason = f": {why}" if str(why) else ""
            raise FootprintError(f"{what}: cannot read {_shown(value)!r}{reason}; {expected}") from None
        if isinstance(read, ureg.Quantity):
            q = read
        else:
            if unit_for_bare is None:
                raise FootprintError(f"{what}: {value!r} has no unit; {expected}")
            q = Q(float(read), unit_for_bare)
    else:
        raise FootprintError(f"{what}: {value!r} is not a quantity; {expected}")
    if "[emissions]" in kind.dimension:
        q = _as_emissions(q)
    try:
        want = unit(kind.canonical).dimensionality if kind.canonical is not None else None
        ok = want is None or q.dimensionality == want
    except pint.PintError:
        ok = False
    if not ok:
        got = f"is in {q.units:~P}" if not q.dimensionless else "has no unit"
        if "[currency]" in kind.dimension and "[currency]" not in str(q.dimensionality):
            got = "has no currency unit"  # '2 h', '2 1/h': a time or a rate, but no money
        raise FootprintError(f"{what}: {value!r} {got}; {expected}")
    mag = q.magnitude
    if not isinstance(mag, (int, float)) or not math.isfinite(float(mag)):
        raise FootprintError(f"{what}: {value!r} is not a finite number; {expected}")
    if q.dimensionless:
        # '5 %' is 0.05 and '1.2 ppm' is 1.2e-6: ranges are checked on the plain number, never on 5 or 1.2
        q = q.to("")
    return q
