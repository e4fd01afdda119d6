"""Grid carbon intensity: the GridIntensity record and region lookup through the plugin hooks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from footprint.errors import FootprintError, suggest

if TYPE_CHECKING:
    import pint


@dataclass(frozen=True)
class IntensityPeriod:
    """The grid's carbon intensity over [start, end) (timezone-aware datetimes), e.g. one hour of a data export."""

    start: datetime
    end: datetime
    intensity: pint.Quantity


@dataclass(frozen=True)
class GridIntensity:
    """Carbon intensity of a region's grid electricity.

    ``basis`` says in words what the factor counts ("CO2e, lifecycle", "CO2 only, combustion", ...); ``gases``
    says it as data: "CO2e", or "CO2" for a factor that counts carbon dioxide only, which understates CO2e and is
    printed as gCO2. Code reads ``gases``, never the words. ``intensity`` is the single figure (the average
    when ``periods`` are given); ``periods``, when a plugin has time-resolved data, are what the meter applies
    interval by interval.
    """

    code: str
    name: str
    intensity: pint.Quantity
    year: int | None
    source: str
    basis: str
    plugin: str = ""
    periods: tuple[IntensityPeriod, ...] = ()
    gases: Literal["CO2e", "CO2"] = "CO2e"

    @property
    def co2_only(self) -> bool:
        """Whether the factor counts CO2 only (not CO2e): its figures are then printed as CO2."""
        return self.gases == "CO2"

    def describe(self) -> str:
        year = f" ({self.year})" if self.year else ""
        hourly = f", {len(self.periods)} time-resolved periods" if self.periods else ""
        return f"{self.name}{year}, {self.basis}{hourly}; {self.source}"

    def at(self, when: datetime) -> pint.Quantity:
        """The intensity in force at ``when``: its period's, else the single figure."""
        for period in self.periods:
            if period.start <= when < period.end:
                return period.intensity
        return self.intensity

    def for_hour(self, hour: datetime) -> tuple[pint.Quantity, bool]:
        """The intensity the meter applies to the UTC hour starting at ``hour``: the period its middle falls in
        (True), else the single figure (False). Periods need not be clipped to a run: hours outside it are never
        asked for."""
        from datetime import timedelta

        middle = hour + timedelta(minutes=30)
        for period in self.periods:
            if period.start <= middle < period.end:
                return period.intensity, True
        return self.intensity, False


def intensity_problem(q: Any) -> str | None:
    """What is wrong with ``q`` as a carbon intensity (a Quantity of footprint's registry, finite, >= 0), or None."""
    from footprint.core.units import registry

    ureg = registry()
    if not isinstance(q, ureg.Quantity):
        if hasattr(q, "_REGISTRY"):
            return f"a Quantity {q!r} from another pint registry (build it with footprint.plugin_api)"
        return f"{type(q).__name__} {q!r}, not a Quantity"
    if q.dimensionality != ureg.Quantity(1, "gCO2e/kWh").dimensionality:
        return f"{q!r}, not a carbon intensity such as '120 gCO2e/kWh'"
    magnitude = float(q.to("gCO2e/kWh").magnitude)
    if not math.isfinite(magnitude) or magnitude < 0:
        return f"intensity {q!r}, expected a finite value >= 0"
    return None


def grid_problem(value: Any) -> str | None:
    """What is wrong with a plugin's GridIntensity answer, or None (the check the hooks' answers pass through)."""
    if not isinstance(value, GridIntensity):
        return f"{type(value).__name__} {value!r:.60}, not a footprint GridIntensity"
    problem = intensity_problem(value.intensity)
    if problem is not None:
        return f"{value.code!r}: {problem}"
    if value.gases not in ("CO2e", "CO2"):
        return f"{value.code!r}: gases {value.gases!r}, expected 'CO2e' or 'CO2'"
    for period in value.periods:
        if not isinstance(period, IntensityPeriod) or not (period.start < period.end):
            return f"{value.code!r}: period {period!r:.60}, expected an IntensityPeriod with start < end"
        if period.start.tzinfo is None:
            return f"{value.code!r}: period starting {period.start} has no timezone; expected timezone-aware times"
        problem = intensity_problem(period.intensity)
        if problem is not None:
            return f"{value.code!r}: period starting {period.start}: {problem}"
    return None


def _regions_problem(value: Any) -> str | None:
    if not isinstance(value, list | tuple):
        return f"{type(value).__name__} {value!r:.60}, not a list of GridIntensity"
    for item in value:
        problem = grid_problem(item)
        if problem is not None:
            return problem
    return None


def lookup(region: str, start: datetime | None = None, end: datetime | None = None) -> GridIntensity:
    """The intensity of `region` from the first plugin that knows it; unknown regions name close codes.

    With ``start`` and ``end`` (a metered run's span), a plugin with time-resolved data may add periods.
    """
    from dataclasses import replace

    from footprint.plugins import manager as plugins

    code = region.strip()
    if not code:
        raise FootprintError("--region: empty region code; expected an ISO-3 country such as 'CHN', or 'world'")
    # one answer per region and window for the life of the plugin set: a result is rendered several times
    found = plugins.memo(f"grid:{code}:{start}:{end}",
                         lambda: plugins.first("footprint_carbon_intensity", grid_problem, region=code, start=start, end=end))
    if found is None:
        codes = [g.code for g in all_regions()]
        raise FootprintError(
            f"region {region!r} is unknown{suggest(code, codes)}; expected an ISO-3 country (CHN, USA, FRA), a "
            "province or state (CN-ZJ, US-VA), a cloud region (gcp:us-central1) or 'world'; "
            "'footprint regions' lists them"
        )
    plugin, grid = found
    return replace(grid, plugin=plugin)


def all_regions() -> list[GridIntensity]:
    """Every region every plugin knows, first plugin winning on duplicate codes, sorted by code."""
    from dataclasses import replace

    from footprint.plugins import manager as plugins

    seen: dict[str, GridIntensity] = {}
    for plugin, regions in plugins.answers("footprint_regions", _regions_problem):
        for g in regions:
            seen.setdefault(g.code.lower(), replace(g, plugin=plugin))
    return sorted(seen.values(), key=lambda g: g.code)
