"""Renderers read what a result is built on from its fields, never from the words of its assumptions."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

import footprint
from footprint.claims.sides import footprint_from_json
from footprint.core.profiles import load_profile_file
from footprint.core.result import GridUsed
from footprint.errors import FootprintError
from footprint.plugins.grid import lookup
from footprint.render.text import co2_only

ROOT = Path(__file__).resolve().parents[1]


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


def _profile_copy(tmp_path: Path, extra: str) -> Path:
    """The H100 SXM profile under another id, with `extra` lines after its vendor."""
    text = (ROOT / "profiles" / "h100-sxm.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^id = ".*"$', 'id = "copy-x1"', text, count=1)
    text = re.sub(r"(?m)^(vendor = .*)$", lambda m: m.group(1) + "\n" + extra, text, count=1)
    path = tmp_path / "copy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_what_a_device_is_called_is_the_profile_s_device_kind_not_its_vendor(tmp_path: Path) -> None:
    # an NVIDIA profile that declares itself an accelerator is called one: the word follows the data, not the vendor
    path = _profile_copy(tmp_path, 'device_kind = "accelerator"')
    profile = load_profile_file(path)
    assert profile.vendor == "NVIDIA" and profile.device_kind == "accelerator"
    fp = footprint.estimate(profile_file=str(path), gpus=8, hours=2)
    assert fp.device_kind == "accelerator"
    assert fp.summary().splitlines()[0] == "footprint estimate: copy-x1 x 8 accelerators"
    assert footprint.estimate(profile="h100", gpus=8, hours=2).device_kind == "gpu"


def test_a_device_kind_other_than_gpu_or_accelerator_is_named(tmp_path: Path) -> None:
    with pytest.raises(FootprintError, match=r"device_kind.*'npu'.*'gpu', 'accelerator'"):
        load_profile_file(_profile_copy(tmp_path, 'device_kind = "npu"'))
