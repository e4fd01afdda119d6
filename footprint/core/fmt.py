"""Readable values: Spans and Quantities with a unit picked by magnitude (the same down a column), percentages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from footprint.core import numbers
from footprint.core.span import Span

if TYPE_CHECKING:
    import pint

def pick_unit(values: Iterable[pint.Quantity | Span | None], ladder: str) -> str:
    """The one display unit for a column of values (ranges count by their bounds): by the largest magnitude."""
    quantities = [q for v in values if v is not None for q in ((v.lo, v.central, v.hi) if isinstance(v, Span) else (v,))]
    return numbers.pick_unit(quantities, ladder)


def span(value: Span | pint.Quantity | None, unit: str | None = None, *, ladder: str | None = None,
         co2_only: bool = False, sig: int = numbers.SIG) -> str:
    """'3,734 MWh' or '3,734 MWh (3,000..4,100)'; the unit is `unit`, or picked from `ladder` (or the dimension)."""
    if value is None:
        return "-"
    s = Span.of(value)
    return numbers.quantity_text(s.central, s.low, s.high, unit, ladder=ladder, co2_only=co2_only, sig=sig)


def column(values: Sequence[Span | pint.Quantity | None], ladder: str, co2_only: Sequence[bool] | bool = False) -> list[str]:
    """A column of values in one unit, picked by the largest; a value that would read below 1 in it ('0.0004 MWh'
    under '1,952 MWh') gets a unit of its own ('400 Wh'), so that every figure has 1 to 4 digits before the point."""
    unit = pick_unit(values, ladder)
    flags = [co2_only] * len(values) if isinstance(co2_only, bool) else list(co2_only)
    return [span(v, _unit_for(v, unit, ladder), co2_only=c) for v, c in zip(values, flags, strict=True)]


def _unit_for(value: Span | pint.Quantity | None, unit: str, ladder: str) -> str:
    if value is None:
        return unit
    s = Span.of(value)
    return pick_unit([value], ladder) if numbers.below_one((s.lo, s.central, s.hi), unit) else unit


def percent(value: Span | pint.Quantity | float | None, digits: int = 1) -> str:
    """'49.6%' or '30.0% (25.0%..35.0%)' for a dimensionless value or ratio; from 1,000% on, whole numbers with
    thousands separators ('7,514,181,818,188%', not '7514181818188.2%')."""
    if value is None:
        return "-"
    if isinstance(value, (int, float)):
        return _percent(float(value), digits)
    s = Span.of(value).to("")
    text = _percent(float(s.central.magnitude), digits)
    if s.is_range:
        text += f" ({_percent(float(s.lo.magnitude), digits)}..{_percent(float(s.hi.magnitude), digits)})"
    return text


def _percent(x: float, digits: int) -> str:
    if abs(x) >= 10:
        return f"{numbers.number(x * 100)}%"
    return f"{x:.{digits}%}"


def days_text(value: Span | pint.Quantity) -> str:
    d = float(Span.of(value).central.to("day").magnitude)
    return f"{numbers.number(d, 3)} day" + ("" if d == 1 else "s")


def clock(value: Span | pint.Quantity) -> str:
    """'1:02:03.5' (hours:minutes:seconds) for a metered run."""
    seconds = float(Span.of(value).central.to("s").magnitude)
    return f"{int(seconds // 3600)}:{int(seconds // 60 % 60):02d}:{int(seconds % 60):02d}"


def wall_time(value: Span | pint.Quantity, metered: bool = False) -> str:
    """'1,300 h (54.2 days)' for a long run, '4.03 s' or '12.5 min' for a short one; metered runs add h:mm:ss."""
    s = Span.of(value)
    text = span(s, ladder="time")
    hours = float(s.central.to("h").magnitude)
    if hours >= 48:
        text += f" ({days_text(s)})"
    elif metered and hours >= 1 / 60:
        text += f" ({clock(s)})"
    return text


def quantity_json(value: dict[str, Any] | None, unit: str) -> Any:
    """A {"magnitude", "units"} JSON object (from a result's details) back as a Quantity in `unit`, or None."""
    from footprint.core.units import Q

    if not value:
        return None
    return Q(float(value["magnitude"]), value["units"] or "").to(unit)
