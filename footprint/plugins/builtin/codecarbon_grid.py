"""Built-in plugin: grid carbon intensity from the data files codecarbon ships in its wheel.

The files are read directly (codecarbon itself is never imported: its tracker pulls in pandas and more) and
nothing is copied or fetched. Each answer keeps codecarbon's year and whether the factor is CO2 or CO2e.
"""

from __future__ import annotations

import csv
import functools
import json
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from footprint import hookimpl
from footprint.errors import FootprintError

if TYPE_CHECKING:
    from footprint.plugins.contract import GridIntensity


# US state names -> two-letter codes are in codecarbon's usa_emissions.json itself (regionCode).


def data_dir() -> Path:
    """codecarbon's data folder, located without importing codecarbon."""
    spec = find_spec("codecarbon")
    if spec is None or not spec.submodule_search_locations:
        raise FootprintError("codecarbon is not installed; it provides the grid-intensity data (pip install codecarbon)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("codecarbon")
    except Exception:
        return "?"


def _load_json(*parts: str) -> Any:
    path = data_dir().joinpath(*parts)
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


# code, name, gCO2e/kWh, year, source, basis: kept raw so that a lookup builds one Quantity, not ~500
_Row = tuple[str, str, float, int | None, str, str, str]  # code, name, g/kWh, year, source, what it counts, gases


def _intensity(row: _Row) -> GridIntensity:
    from footprint.core.units import Q
    from footprint.plugins.contract import GridIntensity

    code, name, g_per_kwh, year, source, counts, gases = row
    return GridIntensity(code, name, Q(g_per_kwh, "gCO2e/kWh"), year, source, counts, gases=gases)


# codecarbon's files the table is read from (under its data folder)
_PER_SOURCE = ("private_infra", "carbon_intensity_per_source.json")
_MIX = ("private_infra", "global_energy_mix.json")
_CHINA = ("private_infra", "2023", "china_provincial_emissions.json")
_USA = ("private_infra", "2023", "usa_emissions.json")
_NORDIC = ("private_infra", "nordic_emissions.json")
_CLOUD = ("cloud", "impact.csv")


@functools.cache
def _table() -> dict[str, _Row]:
    """Every region's row, read from codecarbon's files once per process (a few ms)."""
    return _read_table()


def _read_table() -> dict[str, _Row]:
    from footprint.core.units import Q

    cc = f"codecarbon {_version()} data"
    out: dict[str, _Row] = {}

    def add(code: str, name: str, g_per_kwh: float, year: int | None, source: str, counts: str,
            gases: str = "CO2e") -> None:
        out[code.lower()] = (code, name, float(g_per_kwh), year, source, counts, gases)

    per_source = _load_json(*_PER_SOURCE)
    add("world", "World average", per_source["world_average"], 2019,
        f"{cc}, private_infra/carbon_intensity_per_source.json: {per_source['world_average_source']}",
        "CO2e (IEA global average)")

    mix = _load_json(*_MIX)
    for iso, row in mix.items():
        if isinstance(row, dict) and row.get("carbon_intensity") is not None:
            add(iso, row.get("country_name", iso), row["carbon_intensity"], row.get("year"),
                f"{cc}, private_infra/global_energy_mix.json (Our World in Data / Ember)",
                "CO2e, lifecycle, national average")

    china = _load_json(*_CHINA)
    meta = china.get("metadata", {})
    for code, row in china.get("data", {}).items():
        add(code, f"{row.get('description', code)}, China", row["emission_factor"], row.get("year", meta.get("year")),
            f"{cc}, private_infra/2023/china_provincial_emissions.json: {meta.get('source', 'MEE/NBS')}",
            "CO2 only (not CO2e), provincial average incl. inter-provincial transfers", gases="CO2")

    usa = _load_json(*_USA)
    src = usa.get("_source", {})
    lb_per_mwh_to_g_per_kwh = Q(1, "lb/MWh").to("g/kWh").magnitude
    for state, row in usa.items():
        if state.startswith("_") or not isinstance(row, dict) or "regionCode" not in row:
            continue
        add(f"US-{row['regionCode']}", f"{state.title()}, USA", row["emissions"] * lb_per_mwh_to_g_per_kwh,
            src.get("year"), f"{cc}, private_infra/2023/usa_emissions.json: {src.get('name', 'EPA eGRID')}",
            "CO2e, generation output rate (converted from lb/MWh)")

    nordic = _load_json(*_NORDIC)
    for code, row in nordic.get("data", {}).items():
        add(code, row.get("description", code), row["emission_factor"], row.get("year"),
            f"{cc}, private_infra/nordic_emissions.json", "CO2e, bidding-zone average")

    with data_dir().joinpath(*_CLOUD).open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            where = ", ".join(x for x in (row.get("city"), row.get("country_name")) if x)
            add(f"{row['provider']}:{row['region']}", f"{row['providerName']} {row['region']} ({where})",
                float(row["impact"]), None, f"{cc}, cloud/impact.csv: {row.get('source', '')}",
                "provider-published location-based grid intensity (year not given)")
    return out


@hookimpl(trylast=True)
def footprint_carbon_intensity(region: str) -> GridIntensity | None:
    row = _table().get(region.strip().lower())
    return None if row is None else _intensity(row)


@hookimpl(trylast=True)
def footprint_regions() -> list[GridIntensity]:
    return [_intensity(row) for row in _table().values()]
