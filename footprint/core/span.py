"""Span: a Quantity that may be a range (low, central, high), with the arithmetic the estimator needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from footprint.errors import FootprintError

if TYPE_CHECKING:
    import pint

@dataclass(frozen=True)
class Span:
    """A central value with optional low and high bounds, all in the same dimension.

    Every input the estimator combines is positive and every formula is monotone, so bounds propagate
    by combining lows with lows and highs with highs (or crosswise for division).
    """

    central: pint.Quantity
    low: pint.Quantity | None = None
    high: pint.Quantity | None = None

    @property
    def is_range(self) -> bool:
        return self.low is not None

    @property
    def lo(self) -> pint.Quantity:
        return self.central if self.low is None else self.low

    @property
    def hi(self) -> pint.Quantity:
        return self.central if self.high is None else self.high

    @classmethod
    def of(cls, value: Any) -> Span:
        """Wrap a Quantity (or return a Span unchanged)."""
        return value if isinstance(value, Span) else cls(value)

    @classmethod
    def between(cls, low: pint.Quantity, high: pint.Quantity, what: str) -> Span:
        """A range; its central value is the midpoint. Raises FootprintError if low > high."""
        if low > high:
            raise FootprintError(f"{what}: range {low:~P}..{high:~P} has low > high; expected LOW..HIGH with LOW <= HIGH")
        if low == high:
            return cls(low)
        return cls((low + high.to(low.units)) / 2, low, high.to(low.units))

    def _combine(self, other: Any, op: Any, crosswise: bool = False) -> Span:
        other = Span.of(other) if not isinstance(other, (int, float)) else other
        if isinstance(other, (int, float)):
            c, lo, hi = op(self.central, other), op(self.lo, other), op(self.hi, other)
            return Span(c, lo if self.is_range else None, hi if self.is_range else None)
        c = op(self.central, other.central)
        if not (self.is_range or other.is_range):
            return Span(c)
        if crosswise:
            return Span(c, op(self.lo, other.hi), op(self.hi, other.lo))
        return Span(c, op(self.lo, other.lo), op(self.hi, other.hi))

    def __add__(self, other: Any) -> Span:
        return self._combine(other, lambda a, b: a + b)

    def __mul__(self, other: Any) -> Span:
        return self._combine(other, lambda a, b: a * b)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Span:
        return self._combine(other, lambda a, b: a / b, crosswise=True)

    def __sub__(self, other: Any) -> Span:
        # only used for (pue - 1): subtracting a plain number keeps the bounds in order
        return self._combine(other, lambda a, b: a - b)

    def to(self, units: str | pint.Unit) -> Span:
        """Convert every bound to `units` (raises pint.DimensionalityError on a wrong unit)."""
        if isinstance(units, str):
            from footprint.core.units import unit

            units = unit(units)  # read once: pint re-reads a unit text on every conversion
        if all(q is None or q.units == units for q in (self.central, self.low, self.high)):
            return self  # pint returns the magnitudes unchanged (an int stays one); this skips its conversion of each bound
        return Span(
            self.central.to(units),
            None if self.low is None else self.low.to(units),
            None if self.high is None else self.high.to(units),
        )

    def __str__(self) -> str:
        """'22.44 kWh' or '3,734 MWh (3,000..4,100)': the unit picked by magnitude, four significant figures."""
        from footprint.core.numbers import quantity_text

        return quantity_text(self.central, self.low, self.high)

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        fmt = spec
        text = f"{self.central.magnitude:{fmt}} {self.central.units:~P}"
        if self.is_range:
            text += f" ({self.lo.magnitude:{fmt}}..{self.hi.to(self.lo.units).magnitude:{fmt}})"
        return text.rstrip()

    def as_json(self, units: str | None = None) -> dict[str, Any]:
        """{"magnitude": x, "units": "kWh"} plus "low"/"high" magnitudes (same units) for a range."""
        span = self.to(units) if units else self
        out: dict[str, Any] = {"magnitude": _plain(span.central.magnitude), "units": f"{span.central.units:~C}"}
        if span.is_range:
            out["low"] = _plain(span.lo.magnitude)
            out["high"] = _plain(span.hi.magnitude)
        return out


def _plain(x: Any) -> float | int:
    f = float(f"{float(x):.12g}")  # drop float noise such as 3514368.0000000005
    return int(f) if f.is_integer() and abs(f) < 2**53 else f


def parse_span(value: Any, kind: Any, what: str, *, bare_unit: str | None = None, counts: bool = False) -> Span:
    """Parse a value or a 'LOW..HIGH' range of `kind` (see units.parse_quantity; `counts` reads '14.8T').

    In '400..700 W' the unit (or count suffix) written after HIGH also applies to a bare LOW.
    """
    from footprint.core.units import MAX_TEXT, UnreadableValueError, parse_quantity, split_value

    if isinstance(value, Span):
        return value
    if isinstance(value, (tuple, list)) and len(value) == 2:
        low, high = (parse_quantity(v, kind, what, bare_unit=bare_unit, counts=counts) for v in value)
    elif isinstance(value, str) and ".." in value:
        if len(value) > 2 * MAX_TEXT:
            raise FootprintError(f"{what}: range is too long ({len(value):,} characters); expected LOW..HIGH such as '1.1..1.4'")
        parts = value.split("..")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise FootprintError(f"{what}: cannot read range {value!r}; expected LOW..HIGH such as '1.1..1.4'")
        low_text, high_text = (p.strip() for p in parts)
        high = parse_quantity(high_text, kind, what, bare_unit=bare_unit, counts=counts)
        try:
            low_unit, high_unit = split_value(low_text)[1], split_value(high_text)[1]
        except UnreadableValueError:
            low_unit = high_unit = ""  # parse_quantity words the error below
        if not low_unit and high_unit:
            low_text = f"{low_text} {high_unit}"
        low = parse_quantity(low_text, kind, what, bare_unit=bare_unit, counts=counts)
    else:
        return Span(parse_quantity(value, kind, what, bare_unit=bare_unit, counts=counts))
    try:
        high = high.to(low.units)
    except Exception:
        raise FootprintError(f"{what}: range {value!r} mixes units; expected LOW..HIGH in one dimension") from None
    return Span.between(low, high, what)
