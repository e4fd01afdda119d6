"""Grid carbon intensity: the GridIntensity record and region lookup through the plugin hooks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from footprint.errors import FootprintError, suggest

if TYPE_CHECKING:
    import pint


@dataclass(frozen=True)
class GridIntensity:
    """Location-based carbon intensity of a region's grid electricity.

    ``basis`` says what the factor counts ("CO2e, lifecycle", "CO2 only, combustion", ...): a CO2-only factor
    understates CO2e, and a reader must know which one was used.
    """

    code: str
    name: str
    intensity: pint.Quantity
    year: int | None
    source: str
    basis: str
    plugin: str = ""

    def describe(self) -> str:
        year = f" ({self.year})" if self.year else ""
        return f"{self.name}{year}, {self.basis}; {self.source}"


def lookup(region: str) -> GridIntensity:
    """The intensity of `region` from the first plugin that knows it; unknown regions name close codes."""
    from dataclasses import replace

    from footprint.plugins import first_result

    code = region.strip()
    if not code:
        raise FootprintError("--region: empty region code; expected an ISO-3 country such as 'CHN', or 'world'")
    found = first_result("footprint_carbon_intensity", region=code)
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

    from footprint.plugins import call_each

    seen: dict[str, GridIntensity] = {}
    for plugin, regions in call_each("footprint_regions"):
        for g in regions or []:
            seen.setdefault(g.code.lower(), replace(g, plugin=plugin))
    return sorted(seen.values(), key=lambda g: g.code)
