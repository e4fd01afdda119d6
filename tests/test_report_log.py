"""``footprint report``: the result rebuilt from complete, cut-short and several nodes' logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from footprint.meter.fake_nvml import FakeGpu
from tests.cli_run import run_cli
from tests.fixtures.meter.helpers import metered


@pytest.fixture
def two_logs(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "node1.jsonl", tmp_path / "node2.jsonl"
    metered([FakeGpu(power="400 W"), FakeGpu(power="400 W")], 60.0, interval=5.0, log=a, site={"region": "FRA"})
    metered([FakeGpu(power="200 W")], 30.0, interval=5.0, log=b, site={"region": "FRA"})
    return a, b


def test_report_of_a_complete_log(two_logs: tuple[Path, Path]) -> None:
    result = run_cli("report", str(two_logs[0]), "--json")
    assert result.code == 0, result.err
    assert result.err == ""
    data = json.loads(result.out)
    assert data["kind"] == "measurement" and data["gpus"] == 2
    assert data["energy_gpu"]["magnitude"] == pytest.approx(2 * 400 * 60 / 3.6e6, rel=0.005)
    assert next(a for a in data["assumptions"] if a["name"] == "region")["value"] == "FRA"


def test_several_nodes_merge_into_one_result(two_logs: tuple[Path, Path]) -> None:
    result = run_cli("report", *map(str, two_logs), "--json")
    data = json.loads(result.out)
    assert data["gpus"] == 3
    assert data["energy_gpu"]["magnitude"] == pytest.approx((2 * 400 * 60 + 200 * 30) / 3.6e6, rel=0.005)
    assert data["gpu_hours"]["magnitude"] == pytest.approx((2 * 60 + 30) / 3600, rel=0.01)
    assert data["duration"]["magnitude"] == pytest.approx(60 / 3600, rel=0.01)
    assert len(data["details"]["nodes"]) == 2


def test_site_options_given_to_report_replace_the_recorded_ones(two_logs: tuple[Path, Path]) -> None:
    data = json.loads(run_cli("report", str(two_logs[0]), "--json", "--intensity", "1000 g/kWh", "--pue", "1.5").out)
    energy = data["energy"]["magnitude"]
    assert energy == pytest.approx((data["energy_gpu"]["magnitude"] + data["energy_host"]["magnitude"]) * 1.5)
    assert data["emissions"]["magnitude"] == pytest.approx(energy * 1.0)


def test_logs_that_disagree_on_the_site_need_a_choice(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    metered([FakeGpu()], 10.0, log=a, site={"region": "FRA"})
    metered([FakeGpu()], 10.0, log=b, site={"region": "CHN"})
    result = run_cli("report", str(a), str(b))
    assert result.code == 2
    assert result.err.strip() == "footprint report: error: the logs were metered with different --region (CHN, FRA); pass --region to choose one"
    assert run_cli("report", str(a), str(b), "--region", "DEU").code == 0


def test_cut_short_log_reports_what_it_has_and_says_so(tmp_path: Path) -> None:
    log = tmp_path / "cut.jsonl"
    metered([FakeGpu(power="300 W")], 60.0, interval=5.0, log=log)
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:7]) + lines[7][:10])  # header + 6 intervals + half a line; no final record
    result = run_cli("report", str(log), "--json")
    assert result.code == 0
    assert "did not finish" in result.err and "last line cut mid-write" in result.err
    data = json.loads(result.out)
    assert data["duration"]["magnitude"] * 3600 == pytest.approx(30.0)
    assert data["energy_gpu"]["magnitude"] * 3.6e6 == pytest.approx(300 * 30, rel=0.005)
    assert data["details"]["nodes"][0]["complete"] is False


def test_text_report_and_atomic_output(two_logs: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "out" / "result.json"
    result = run_cli("report", str(two_logs[0]), "-o", str(out))
    assert result.code == 0
    assert result.out.startswith(f"footprint report: {two_logs[0]}")
    assert "per GPU" in result.out and "same run estimated from TDP" in result.out
    assert json.loads(out.read_text())["gpus"] == 2


def test_not_a_log_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text("hello\n")
    result = run_cli("report", str(path))
    assert result.code == 2
    assert result.err.strip() == f"footprint report: error: {path}: not a footprint meter log (no header line); expected a log written by 'footprint run'"
