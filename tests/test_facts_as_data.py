"""Renderers read what a result is built on from its fields, never from the words of its assumptions."""

from __future__ import annotations

import dataclasses
import json

import footprint
from footprint.claims.sides import footprint_from_json
from footprint.core.result import GridUsed
from footprint.plugins.grid import lookup
from footprint.render.text import co2_only


def test_an_estimate_carries_its_grid_factor_with_the_gases_it_counts() -> None:
    # CN-ZJ: codecarbon's Chinese provincial factors count CO2 only; the default region counts CO2e
    fp = footprint.estimate(profile="h100", gpus=8, hours=2, region="CN-ZJ")
    assert fp.grid == GridUsed(fp.grid.intensity, lookup("CN-ZJ").gases, "CN-ZJ")
    assert fp.grid.co2_only and co2_only(fp)
    assert "kgCO2 " in fp.summary() or "kgCO2\n" in fp.summary()
    given = footprint.estimate(profile="h100", gpus=8, hours=2, intensity="400 g/kWh")
    assert given.grid is not None and given.grid.region is None and not given.grid.co2_only


def test_the_renderer_reads_the_grid_field_not_the_region_assumption() -> None:
    fp = footprint.estimate(profile="h100", gpus=8, hours=2, region="CN-ZJ")
    no_region = dataclasses.replace(fp, assumptions=tuple(a for a in fp.assumptions if a.name != "region"))
    assert co2_only(no_region)  # the fact travels in fp.grid, not in an assumption's text
    counted_as_co2e = dataclasses.replace(fp, grid=dataclasses.replace(fp.grid, gases="CO2e"))
    assert not co2_only(counted_as_co2e)


def test_a_saved_result_read_back_keeps_its_grid_factor() -> None:
    fp = footprint.estimate(profile="h100", gpus=8, hours=2, region="CN-ZJ")
    back = footprint_from_json(json.loads(json.dumps(fp.as_json())), "saved.json")
    assert back.grid is not None and back.grid.co2_only and back.grid.region == "CN-ZJ"
    assert str(back) == str(fp)
