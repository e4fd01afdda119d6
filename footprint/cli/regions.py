"""``footprint regions [SEARCH]``: grid carbon-intensity regions with intensity, year and source."""

from __future__ import annotations

import click


@click.command()
@click.argument("search", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def regions(search: str | None, as_json: bool) -> None:
    """List region codes with carbon intensity (gCO2e/kWh), year, basis and source.

    SEARCH filters by code or name (case-insensitive), e.g. 'footprint regions china'.
    """
    from footprint.errors import FootprintError
    from footprint.plugins.grid import all_regions
    from footprint.render.text import to_json

    found = all_regions()
    if search:
        s = search.lower()
        found = [g for g in found if s in g.code.lower() or s in g.name.lower()]
        if not found:
            raise FootprintError(f"no region matches {search!r}; expected part of a code or name, such as 'CN-' or 'virginia'")
    if as_json:
        click.echo(to_json([{"code": g.code, "name": g.name, "intensity": {"magnitude": float(g.intensity.to("gCO2e/kWh").magnitude),
                                                                            "units": "gCO2e/kWh"},
                             "year": g.year, "basis": g.basis, "source": g.source, "plugin": g.plugin} for g in found]))
        return
    width = max(len(g.code) for g in found) + 2
    for g in found:
        year = str(g.year) if g.year else "-"
        unit = "gCO2/kWh " if g.co2_only else "gCO2e/kWh"  # a CO2-only factor is not CO2e
        click.echo(f"{g.code:<{width}}{g.intensity.to('gCO2e/kWh').magnitude:>8.1f} {unit}  {year:<5} {g.name}  [{g.basis}]")
    count = f"{len(found):,} region" + ("" if len(found) == 1 else "s")
    click.echo(f"({count}; sources: 'footprint regions CODE --json')")
