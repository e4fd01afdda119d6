"""The three example plugins as a user installs them: footprint's wheel and the plugins' wheels in one fresh venv
(no network, dependencies linked as in tests/test_wheel.py), then the commands each plugin's README shows."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_wheel import REPO, clean_env, dependency_closure, link_distributions, run

EXAMPLES = ("footprint-tpu", "footprint-gridcsv", "footprint-filemeter")


@dataclass(frozen=True)
class Venv:
    python: Path
    script: Path


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venv]:
    root = tmp_path_factory.mktemp("plugin-wheels")
    dist = root / "dist"
    for project in (REPO, *(REPO / "plugins" / name for name in EXAMPLES)):
        run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, project, cwd=root)
    wheels = sorted(dist.glob("*.whl"))
    assert len(wheels) == 1 + len(EXAMPLES)
    env_dir = root / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", env_dir, cwd=root)
    python = env_dir / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--no-compile",
        "--disable-pip-version-check", *wheels, cwd=root)
    site_packages = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=root).stdout.strip())
    link_distributions(dependency_closure("footprint"), root / "deps")
    (site_packages / "zz_footprint_test_deps.pth").write_text(f"{root / 'deps'}\n")
    yield Venv(python, env_dir / "bin" / "footprint")


def footprint(venv: Venv, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in clean_env(cwd).items() if k != "FOOTPRINT_LOAD_PLUGINS"}  # unset: load every plugin
    return run(venv.script, *args, cwd=cwd, env={**base, **env})


def test_all_three_examples_load_from_their_wheels(venv: Venv, tmp_path: Path) -> None:
    listed = json.loads(footprint(venv, tmp_path, "plugins", "--json").stdout)
    external = {p["name"]: (p.get("package"), p["hooks"], p.get("error")) for p in listed if not p["builtin"]}
    assert external == {
        "tpu": ("footprint-tpu", ["footprint_register_profiles"], None),
        "gridcsv": ("footprint-gridcsv", ["footprint_carbon_intensity", "footprint_regions"], None),
        "filemeter": ("footprint-filemeter", ["footprint_register_meters"], None),
    }
    profiles = footprint(venv, tmp_path, "profiles").stdout
    assert {"tpu-v4", "tpu-v5e", "tpu-v5p"} <= {line.split()[0] for line in profiles.splitlines()[1:-1]}


def test_grid_plugin_from_its_wheel_answers_estimate_and_regions(venv: Venv, tmp_path: Path) -> None:
    # synthetic hours in the layout of an Electricity Maps export
    csv = tmp_path / "zz.csv"
    csv.write_text("Datetime (UTC),Zone Id,Zone Name,Carbon Intensity gCO₂eq/kWh (LCA)\n"
                   "2025-01-01 00:00:00,ZZ-TEST,Test Zone,100\n2025-01-01 01:00:00,ZZ-TEST,Test Zone,300\n",
                   encoding="utf-8")
    common = ("estimate", "--profile", "tpu-v4", "--gpus", "64", "--hours", "5", "--pue", "1", "--json")
    by_region = json.loads(footprint(venv, tmp_path, *common, "--region", "ZZ-TEST", FOOTPRINT_GRID_CSV=str(csv)).stdout)
    by_value = json.loads(footprint(venv, tmp_path, *common, "--intensity", "200 g/kWh").stdout)
    assert by_region["emissions"] == by_value["emissions"]
    regions = footprint(venv, tmp_path, "regions", FOOTPRINT_GRID_CSV=str(csv)).stdout
    (row,) = [line for line in regions.splitlines() if line.startswith("ZZ-TEST")]
    assert "Test Zone" in row and "location-based" in row


def test_meter_plugin_from_its_wheel_meters_footprint_run(venv: Venv, tmp_path: Path) -> None:
    now = time.time()
    log = tmp_path / "power.csv"
    log.write_text("time,device,name,power_w\n" + "".join(f"{now + k:.3f},0,Example Accelerator X1,200\n"
                                                        for k in range(-60, 600)))
    done = footprint(venv, tmp_path, "run", "--json", "--interval", "200ms", "--", str(venv.python), "-c",
                     "import time; time.sleep(0.5)", FOOTPRINT_POWER_LOG=str(log), HABANA_VISIBLE_MODULES="0")
    result = json.loads(done.stdout)
    gpus = result["details"]["gpus"]
    assert [(g["uuid"], g["name"]) for g in gpus] == [("filemeter-0", "Example Accelerator X1")]
    hours = result["duration"]["magnitude"]
    assert result["energy_gpu"]["units"] == "kWh"
    # a constant 200 W over the metered span: energy / duration is the power, whatever the span was
    assert result["energy_gpu"]["magnitude"] / hours == pytest.approx(0.2, rel=1e-3)
