"""Grid carbon intensity: region lookup through the plugin hooks (the GridIntensity record is in plugins.contract)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

from footprint.errors import FootprintError, suggest
from footprint.plugins.contract import GridIntensity, IntensityPeriod

if TYPE_CHECKING:
    pass


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
