"""A short CPU-only run's figures read with 1 to 4 digits before the point in every renderer (mWh, mgCO2e), and its
JSON keeps exact magnitudes in fixed units."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli_run import run_cli
from tests.fixtures.meter.helpers import fake_host, metered

# a figure with a unit, as the renderers print them: "12.5 mWh", "0.00003333 Wh", "8.678e-11 MWh", "1,952 MWh"
_FIGURE = re.compile(r"(?<![\w.,])(\d[\d,]*(?:\.\d+)?(?:e-?\d+)?) ?(µ|m|k|M|G|T)?(Wh|gCO2e?|tCO2e?)\b")


def _unreadable(text: str) -> list[str]:
    """The figures of `text` that break the rule: below 1 (but not 0), or in scientific notation."""
    bad = []
    for number, prefix, unit in _FIGURE.findall(text):
        value = float(number.replace(",", ""))
        if "e" in number or 0 < value < 1:
            bad.append(f"{number} {prefix}{unit}")
    return bad


@pytest.fixture
def cpu_log(tmp_path: Path) -> Path:
    """Two seconds of a CPU-only machine (no NVIDIA driver): milliwatt-hours and milligrams."""
    log = tmp_path / "cpu.jsonl"
    metered([], 2.0, interval=0.5, log=log, settings=fake_host(tmp_path / "host"), gpu_only=False, driver=False)
    return log


def test_text_report_of_a_short_run_reads_in_small_units(cpu_log: Path) -> None:
    r = run_cli("report", str(cpu_log))
    assert r.code == 0, r.err
    results = r.out.split("inputs and assumptions")[0]
    assert _unreadable(results) == []
    assert re.search(r"energy, total +\d[\d.]* mWh", results) and re.search(r"emissions +\d[\d.]* mgCO2e", results)


def test_json_keeps_exact_magnitudes_in_fixed_units(cpu_log: Path) -> None:
    data = json.loads(run_cli("report", str(cpu_log), "--json").out)
    assert data["energy"]["units"] == "kWh" and data["emissions"]["units"] == "kgCO2e"
    parts = sum(data[k]["magnitude"] for k in ("energy_gpu", "energy_cpu", "energy_ram", "energy_overhead"))
    assert data["energy"]["magnitude"] == pytest.approx(parts, rel=1e-9)
    assert 0 < data["energy"]["magnitude"] < 1e-3  # a few mWh, in kWh: not rounded to a display unit


def test_compare_beside_a_large_run_gives_each_figure_its_own_unit(cpu_log: Path, tmp_path: Path) -> None:
    saved = tmp_path / "cpu.json"
    assert run_cli("report", str(cpu_log), "-o", str(saved)).code == 0
    r = run_cli("compare", str(saved), "deepseek-v3", "--basis", "as-is")
    assert r.code == 0, r.err
    assert _unreadable(r.out) == []
    energy_row = next(line for line in r.out.splitlines() if line.startswith("  energy"))
    assert " mWh " in energy_row and energy_row.rstrip().endswith(" MWh")


def test_html_and_statements_of_a_short_run_read_in_small_units(cpu_log: Path, tmp_path: Path) -> None:
    page = tmp_path / "cpu.html"
    assert run_cli("report", str(cpu_log), "--html", str(page)).code == 0
    html = page.read_text(encoding="utf-8")
    assert _unreadable(re.sub(r"<[^>]+>", " ", html)) == []
    assert "mWh" in html
    for style in ("text", "markdown"):
        text = run_cli("report", str(cpu_log), "--statement", style).out.replace("\n", " ")
        assert _unreadable(text.replace("CO₂", "CO2")) == [], style
        assert " mWh of electricity" in text


def test_a_short_window_reads_in_milliseconds_in_the_summary() -> None:
    import footprint
    from footprint.meter.fake_nvml import FakeClock, FakeGpu, fake_nvml
    from footprint.meter.nvml import NvmlGpuMeter
    from footprint.plugins.contract import MeterSettings

    clock = FakeClock()
    no_host = MeterSettings(powercap_root=Path("/nonexistent"), proc_root=Path("/nonexistent"))
    with fake_nvml([FakeGpu(power="300 W")], clock=clock.now):
        with footprint.track(interval="5s", clock=clock, settings=no_host, factories=[NvmlGpuMeter()], quiet=True) as t:
            clock.advance(10)
            with t.window("warm-up"):
                clock.advance(0.5)
            clock.advance(5)
    line = next(x for x in t.result.summary().splitlines() if x.startswith("  warm-up: "))
    assert line.startswith("  warm-up: 500 ms, "), line
    assert _unreadable(line) == [], line
    assert " mWh (GPU " in line  # 300 W x 0.5 s = 41.67 mWh
