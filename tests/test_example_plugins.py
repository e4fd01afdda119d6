"""The example plugins in plugins/ (a grid-data plugin and a meter plugin; the profile plugin is footprint-tpu),
on the path the way an installed distribution is, doing what their READMEs say. tests/test_wheel_plugins.py
installs the same three from wheels into a fresh venv."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from footprint.meter.fake_nvml import FakeClock
from footprint.meter.ledger import Ledger
from footprint.meter.measured import build_footprint
from footprint.meter.recorder import Recorder, RecorderOptions
from footprint.plugins import catalog, grid
from footprint.plugins import manager as plugins
from footprint.plugins.contract import MeterSettings
from tests.cli_run import run_cli
from tests.plugin_dists import Site, checked

# Synthetic test data in the layout of Electricity Maps' hourly exports (not real figures for the zone).
HEADER = ("Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO₂eq/kWh (direct),"
          "Carbon Intensity gCO₂eq/kWh (LCA),Low Carbon Percentage,Renewable Percentage,Data Source,Data Estimated,"
          "Data Estimation Method\n")


def export(path: Path, zone: str, rows: list[tuple[str, float]]) -> Path:
    path.write_text(HEADER + "".join(f"{t},Testland,Test Zone,{zone},{v * 0.8},{v},50,40,test,false,\n" for t, v in rows),
                    encoding="utf-8")
    return path


@pytest.fixture
def gridcsv(site: Site, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    site.example("footprint-gridcsv")
    csv = export(tmp_path / "zz.csv", "ZZ-TEST", [("2025-01-01 00:00:00", 100.0), ("2025-01-01 01:00:00", 300.0),
                                                  ("2025-01-01 02:00:00", 500.0)])
    monkeypatch.setenv("FOOTPRINT_GRID_CSV", str(csv))
    monkeypatch.setenv("FOOTPRINT_LOAD_PLUGINS", "gridcsv")
    plugins.reset()
    return csv


def test_grid_plugin_answers_its_zone_with_the_mean_and_a_structured_basis(gridcsv: Path) -> None:
    found = grid.lookup("zz-test")
    assert found.plugin == "gridcsv"
    assert found.intensity.to("gCO2e/kWh").magnitude == pytest.approx((100 + 300 + 500) / 3)
    assert found.basis == "CO2e, location-based, lifecycle, hourly"
    assert str(gridcsv) in found.source and found.year == 2025
    assert grid.lookup("FRA").plugin == "codecarbon-grid"  # zones it does not know fall through
    assert {g.code: g.plugin for g in grid.all_regions()}["ZZ-TEST"] == "gridcsv"


def test_estimate_with_the_plugins_zone_equals_estimate_with_its_mean_intensity(gridcsv: Path) -> None:
    common = ("estimate", "--profile", "h100", "--gpus", "8", "--hours", "10", "--pue", "1", "--json")
    by_region = json.loads(run_cli(*common, "--region", "ZZ-TEST").out)
    by_value = json.loads(run_cli(*common, "--intensity", "300 g/kWh").out)
    assert by_region["emissions"] == by_value["emissions"]
    assert "plugin 'gridcsv'" in json.dumps(by_region["assumptions"])


def test_metered_energy_is_weighted_hour_by_hour_when_the_plugin_has_hourly_data(gridcsv: Path) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
    header = {"type": "header", "start_unix": start, "settings": {"interval_s": 3600},
              "channels": [{"key": "GPU-0", "component": "gpu", "method": "test", "name": "test"}]}
    ledger = Ledger(header)
    # 1 kWh in the first hour, 3 kWh in the second (3.6e6 J = 1 kWh)
    ledger.add({"type": "interval", "t": 3600, "dt": 3600, "e": [3.6e6]})
    ledger.add({"type": "interval", "t": 7200, "dt": 3600, "e": [3 * 3.6e6]})
    result = build_footprint([ledger.totals()], {"region": "ZZ-TEST", "pue": 1}, compare=False)
    # hour 0 at 100 g/kWh and hour 1 at 300 g/kWh: 1 x 100 + 3 x 300 = 1000 g, where the mean (300) would give 1200 g
    assert result.emissions.central.to("gCO2e").magnitude == pytest.approx(1000)
    note = next(a for a in result.assumptions if a.name == "intensity")
    assert "energy-weighted over the run's 2 UTC hours, 2 of them from time-resolved periods" in note.source


def test_a_broken_export_fails_only_the_grid_plugin(gridcsv: Path) -> None:
    gridcsv.write_text(HEADER + "2025-01-01 00:00:00,T,T,ZZ-TEST,1,lots,0,0,x,false,\n", encoding="utf-8")
    plugins.reset()
    assert grid.lookup("FRA").plugin == "codecarbon-grid"
    (entry,) = [p for p in checked() if p["name"] == "gridcsv"]
    assert "line 2" in entry["error"] and "'lots' is not a number" in entry["error"]
    assert run_cli("estimate", "--profile", "h100", "--gpus", "1", "--hours", "1").code == 0


# --- the meter plugin ---------------------------------------------------------------------------------------


def power_log(path: Path, watts: dict[str, float], name: str = "Example Accelerator X1") -> Path:
    """Readings every second from 100 s ago to 1,000 s ahead, so any short test run falls inside them."""
    now = time.time()
    lines = ["time,device,name,power_w"]
    for k in range(-100, 1000):
        lines += [f"{now + k:.3f},{device},{name},{w}" for device, w in watts.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def filemeter(site: Site, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    site.example("footprint-filemeter")
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "x1.toml").write_text('id = "example-x1"\nname = "Example X1"\ndevice_names = ["Example Accelerator X1"]\n'
                                      '[tdp]\nvalue = "300 W"\nsource = "test fixture"\n')
    monkeypatch.setenv("FOOTPRINT_PROFILE_PATH", str(profiles))
    monkeypatch.setenv("FOOTPRINT_LOAD_PLUGINS", "filemeter")
    for variable in ("CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES", "HABANA_VISIBLE_MODULES"):
        monkeypatch.delenv(variable, raising=False)
    plugins.reset()
    log = power_log(tmp_path / "power.csv", {"0": 250.0, "1": 400.0})
    monkeypatch.setenv("FOOTPRINT_POWER_LOG", str(log))
    return log


def record(tmp_path: Path, seconds: int) -> tuple[Recorder, dict]:
    clock = FakeClock()
    recorder = Recorder(RecorderOptions(log_path=tmp_path / "run.jsonl", interval=1.0, clock=clock, site={"pue": 1},
                                        settings=MeterSettings(powercap_root=tmp_path, proc_root=tmp_path)))
    recorder.start(threaded=False)
    for _ in range(seconds):
        clock.advance(1.0)
        assert recorder.meter is not None
        recorder.meter.tick()
    recorder.stop()
    return recorder, recorder.header


def test_meter_plugin_meters_the_devices_its_vendors_variable_makes_visible(
    filemeter: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HABANA_VISIBLE_MODULES", "1")
    recorder, header = record(tmp_path, 3)
    gpus = [c for c in header["channels"] if c["component"] == "gpu"]
    assert [(c["key"], c["name"], c["profile"]) for c in gpus] == [("filemeter-1", "Example Accelerator X1", "example-x1")]
    assert header["facts"]["meters"]["gpu"] == ["filemeter (plugin filemeter)"]
    assert recorder.ledger is not None
    (channel,) = recorder.ledger.totals().gpus
    assert channel.energy == pytest.approx(400.0 * 3)  # device 1 at 400 W for 3 s


def test_meter_plugin_without_a_visible_devices_variable_meters_every_device(filemeter: Path, tmp_path: Path) -> None:
    recorder, _ = record(tmp_path, 2)
    assert recorder.ledger is not None
    assert {c.key: c.energy for c in recorder.ledger.totals().gpus} == {"filemeter-0": pytest.approx(500.0),
                                                                       "filemeter-1": pytest.approx(800.0)}
    assert catalog.profile_for_device("example accelerator x1").id == "example-x1"


def test_no_gpu_note_names_every_installed_gpu_meter_not_only_nvidia(filemeter: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HABANA_VISIBLE_MODULES", "7")  # a device the file has no readings for
    recorder, _ = record(tmp_path, 1)
    assert "no GPU found by the GPU meters (filemeter, nvml): metering CPU and RAM only" in recorder.notes
    assert not any("NVIDIA" in note for note in recorder.notes)
