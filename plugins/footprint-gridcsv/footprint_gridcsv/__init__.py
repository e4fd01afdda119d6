"""footprint-gridcsv: hourly grid carbon intensity from CSV exports, the worked example of a grid-data plugin.

Files are named by ``FOOTPRINT_GRID_CSV`` (paths separated by the OS path separator) and read in the layout of
Electricity Maps' hourly exports: a header row with ``Datetime (UTC)``, ``Zone Id``, ``Zone Name`` and
``Carbon Intensity gCO₂eq/kWh (LCA)`` (lifecycle, CO2e) or, when that is absent,
``Carbon Intensity gCO₂eq/kWh (direct)`` (combustion only). Each row is one hour, [Datetime, Datetime + 1 h).

What a grid-data plugin does:

- ``footprint_carbon_intensity(region, start, end)`` answers with ``plugin_api.grid_intensity``: a single figure
  (here the mean of the file's hours) and, when the meter asks for a run's span, the ``periods`` of that span;
  None for a zone it does not know, so the next plugin (finally the built-in codecarbon data) answers.
- ``footprint_regions()`` lists what it can answer for (``footprint regions``, close-match hints).
- Bad data is a ``FootprintError`` naming the file, row and column; footprint reports it as this plugin's
  failure and the other plugins go on answering.
"""

from __future__ import annotations

import csv
import functools
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from footprint import hookimpl

if TYPE_CHECKING:
    from footprint.plugins.contract import GridIntensity

ENV = "FOOTPRINT_GRID_CSV"
TIME = "Datetime (UTC)"
ZONE = "Zone Id"
NAME = "Zone Name"
LCA = "Carbon Intensity gCO₂eq/kWh (LCA)"
DIRECT = "Carbon Intensity gCO₂eq/kWh (direct)"
HOUR = timedelta(hours=1)


def _files() -> tuple[str, ...]:
    return tuple(p for p in os.environ.get(ENV, "").split(os.pathsep) if p)


def _parse_time(text: str, where: str) -> datetime:
    from footprint.plugin_api import FootprintError

    try:
        t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise FootprintError(f"{where}: {TIME} {text!r} is not a date and time such as '2024-01-01 00:00:00'") from None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


@functools.cache
def _zones(files: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """zone id (lower case) -> {"code", "name", "column", "rows": [(start, g/kWh)], "files"}."""
    from footprint.plugin_api import FootprintError

    zones: dict[str, dict[str, Any]] = {}
    for name in files:
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise FootprintError(f"{ENV}: cannot read {name!r} ({exc.strerror}); expected a CSV file") from None
        reader = csv.DictReader(text.splitlines())
        fields = reader.fieldnames or []
        column = LCA if LCA in fields else DIRECT if DIRECT in fields else None
        if TIME not in fields or ZONE not in fields or column is None:
            raise FootprintError(f"{name}: header {fields!r} lacks {TIME!r}, {ZONE!r} or a carbon-intensity column "
                                 f"({LCA!r} or {DIRECT!r}); expected an Electricity Maps hourly export")
        for line, row in enumerate(reader, start=2):
            where = f"{name}, line {line}"
            value = (row.get(column) or "").strip()
            if not value:
                continue  # hours the export has no figure for: the mean covers them
            try:
                g_per_kwh = float(value)
            except ValueError:
                raise FootprintError(f"{where}: {column} {value!r} is not a number of gCO2e/kWh") from None
            code = row[ZONE].strip()
            zone = zones.setdefault(code.lower(), {"code": code, "name": (row.get(NAME) or code).strip(),
                                                   "column": column, "rows": [], "files": []})
            if name not in zone["files"]:
                zone["files"].append(name)
            zone["rows"].append((_parse_time(row[TIME], where), g_per_kwh))
    return zones


def _answer(zone: dict[str, Any], start: datetime | None = None, end: datetime | None = None) -> GridIntensity:
    from footprint.plugin_api import Basis, grid_intensity, intensity_period

    rows = sorted(zone["rows"])
    mean = sum(v for _, v in rows) / len(rows)
    periods = []
    if start is not None and end is not None:
        periods = [intensity_period(t, t + HOUR, f"{v} g/kWh") for t, v in rows if t + HOUR > start and t < end]
    lifecycle = zone["column"] == LCA
    years = sorted({t.year for t, _ in rows})
    return grid_intensity(
        zone["code"], f"{mean} g/kWh", name=zone["name"], year=years[-1] if len(years) == 1 else None,
        source=f"hourly export {', '.join(zone['files'])} ({len(rows)} hours, {rows[0][0]:%Y-%m-%d} to "
               f"{rows[-1][0]:%Y-%m-%d}); single figure = mean of the hours",
        basis=Basis(scope="location", gases="CO2e",
                    note="lifecycle, hourly" if lifecycle else "direct combustion only, hourly"),
        periods=periods)


@hookimpl(tryfirst=True)
def footprint_carbon_intensity(region: str, start: datetime | None, end: datetime | None) -> GridIntensity | None:
    zone = _zones(_files()).get(region.strip().lower())
    return None if zone is None else _answer(zone, start, end)


@hookimpl
def footprint_regions() -> list[GridIntensity]:
    return [_answer(zone) for zone in _zones(_files()).values()]
