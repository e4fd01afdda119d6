"""The speed-ups give exactly what the slow paths give: host power, cached TOML files."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path

import pytest

import footprint
from footprint.claims.references import load_reference_file, shipped_reference_file
from footprint.core.toml_cache import cache_dir, read_toml_cached
from footprint.errors import FootprintError
from footprint.plugins.catalog import get_profile


def test_host_power_is_derived_once_and_unchanged() -> None:
    profile = get_profile("h800")
    first = profile.host_power()
    assert first is not None and profile.host_power() is first
    fresh = dataclasses.replace(profile).host_power()  # a copy derives its own
    assert fresh is not first and fresh == first


def test_estimate_energy_and_emissions_match_the_formula() -> None:
    # every input given, so the expected figures follow from the formula alone
    fp = footprint.estimate("h800", gpus=2048, hours=1300, gpu_power="700 W", host_power="575 W", pue="1.1..1.3",
                            intensity="500 g/kWh")
    it_kwh = 2048 * 1300 * (700 + 575) / 1000
    assert fp.energy.lo.to("kWh").magnitude == pytest.approx(it_kwh * 1.1)
    assert fp.energy.hi.to("kWh").magnitude == pytest.approx(it_kwh * 1.3)
    assert fp.energy_overhead.lo.to("kWh").magnitude == pytest.approx(it_kwh * 0.1)
    assert fp.emissions.central.to("kgCO2e").magnitude == pytest.approx(it_kwh * 1.2 * 0.5)


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def test_cached_toml_is_the_parsed_file(cache_home: Path) -> None:
    path = shipped_reference_file()
    want = tomllib.loads(path.read_text(encoding="utf-8"))
    assert read_toml_cached(path, "references file") == want
    assert len(list(cache_dir().glob("*.marshal"))) == 1
    assert read_toml_cached(path, "references file") == want  # from the cache
    assert [r.id for r in load_reference_file(path)] == list(want["references"])


def test_an_edited_file_is_read_again(cache_home: Path) -> None:
    path = cache_home / "scenario.toml"
    path.write_text('gpus = 8\nhours = "1 h"\n', encoding="utf-8")
    assert read_toml_cached(path, "scenario")["gpus"] == 8
    path.write_text('gpus = 16\nhours = "1 h"\n', encoding="utf-8")
    assert read_toml_cached(path, "scenario")["gpus"] == 16


def test_a_damaged_cache_entry_is_parsed_again(cache_home: Path) -> None:
    path = cache_home / "scenario.toml"
    path.write_text("gpus = 8\n", encoding="utf-8")
    read_toml_cached(path, "scenario")
    (entry,) = cache_dir().glob("*.marshal")
    entry.write_bytes(b"\x00not marshal")
    assert read_toml_cached(path, "scenario") == {"gpus": 8}


def test_an_unwritable_cache_is_skipped(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = cache_home / "not-a-dir"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    path = cache_home / "scenario.toml"
    path.write_text("gpus = 8\n", encoding="utf-8")
    assert read_toml_cached(path, "scenario") == {"gpus": 8}
    assert set(os.listdir(cache_home)) == {"not-a-dir", "scenario.toml"}


def test_dates_and_times_come_back_from_the_cache_as_parsed(cache_home: Path) -> None:
    path = cache_home / "dated.toml"
    path.write_text('date = 2024-05-01\nat = 2024-05-01T12:30:00+05:00\nutc = 2024-05-01T12:30:00Z\nlocal = 2024-05-01T12:30:00\n'
                    'clock = 07:32:00\nlist = [2024-05-01, "2024-05-01"]\nplain = ["date", "2024-05-01"]\n', encoding="utf-8")
    want = tomllib.loads(path.read_text(encoding="utf-8"))
    assert read_toml_cached(path, "profile file") == want
    assert len(list(cache_dir().glob("*.marshal"))) == 1
    again = read_toml_cached(path, "profile file")  # from the cache
    assert again == want and [type(v) for v in again.values()] == [type(v) for v in want.values()]
    assert type(again["list"][0]) is type(want["list"][0]) and again["plain"] == ["date", "2024-05-01"]


def test_toml_errors_are_worded_as_before(cache_home: Path) -> None:
    bad = cache_home / "bad.toml"
    bad.write_text("gpus = = 8\n", encoding="utf-8")
    with pytest.raises(FootprintError, match="is not valid TOML"):
        read_toml_cached(bad, "scenario")
    with pytest.raises(FootprintError, match="does not exist"):
        read_toml_cached(cache_home / "missing.toml", "scenario")
