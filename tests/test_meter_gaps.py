"""A gap is never a measured zero: every device's seconds are counted as measured, filled (estimated across a gap)
or unknown, in the ledger, the log, the text, --json and the page; a device never read is "not measured", left
out of the power fraction and named on stderr; a reading above a device's TDP is flagged."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from footprint.core.result import Footprint
from footprint.meter.fake_nvml import FakeClock, FakeGpu, fake_nvml
from footprint.meter.nvml import NvmlGpuMeter
from footprint.meter.recorder import Recorder, RecorderOptions
from footprint.plugins.contract import ChannelBase, MeterFactory, MeterSettings, Opened, Reading
from footprint.render.summary import problems, summary
from tests.cli_run import run_cli
from tests.fixtures.meter.helpers import metered


class PowerFile(ChannelBase):
    """A plugin's device read from a power file, which may vanish for a while (reads then raise)."""

    component = "gpu"
    method = "power file (plugin)"

    def __init__(self, key: str, watts: float, missing: tuple[float, float] | None, tdp_w: float | None = None) -> None:
        self.key, self.watts, self.missing, self.tdp_w, self.last = key, watts, missing, tdp_w, 0.0

    def info(self) -> dict[str, Any]:
        return {"name": f"plugin device {self.key}", "index": int(self.key[-1]), **({"power_limit_w": self.tdp_w} if self.tdp_w else {})}

    def start(self, now: float) -> None:
        if self.missing and self.missing[0] <= now < self.missing[1]:
            raise FileNotFoundError("power file gone")
        self.last = now

    def read(self, now: float) -> Reading:
        if self.missing and self.missing[0] < now <= self.missing[1]:
            raise FileNotFoundError("power file gone")
        dt, self.last = now - self.last, now
        return Reading(self.watts * dt)


class Files(MeterFactory):
    name = "power-files"
    component = "gpu"

    def __init__(self, *channels: PowerFile) -> None:
        self.channels = list(channels)

    def open(self, settings: MeterSettings) -> Opened:
        return Opened(channels=list(self.channels))


def _meter(factory: MeterFactory, seconds: float, log: Path, interval: float = 1.0) -> Recorder:
    clock = FakeClock(stop_at=seconds)
    settings = MeterSettings(powercap_root=Path("/nonexistent"), proc_root=Path("/nonexistent"))
    recorder = Recorder(RecorderOptions(interval=interval, log_path=log, clock=clock, settings=settings, factories=[factory]))
    recorder.start(threaded=False)
    assert recorder.meter is not None
    recorder.meter.run(threading.Event())
    recorder.stop()
    return recorder


def _seconds(gpu: dict[str, Any]) -> tuple[float, float, float]:
    s = gpu["seconds"]
    return s["measured"]["magnitude"], s["filled"]["magnitude"], s["unknown"]["magnitude"]


def test_a_power_file_gone_for_3_of_6_seconds_is_3_unknown_seconds_everywhere(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    _meter(Files(PowerFile("dev0", 300.0, (2.0, 5.0))), 6.0, log)
    report = run_cli("report", str(log), "--json")
    assert report.code == 0, report.err
    (gpu,) = json.loads(report.out)["details"]["gpus"]
    assert _seconds(gpu) == pytest.approx((3.0, 0.0, 3.0))
    assert gpu["measured"] is True
    text = run_cli("report", str(log))
    assert "3 s measured, 0 s filled, 3 s unknown" in text.out
    # the log's final record carries them too, for a reader of its last line
    final = json.loads(log.read_text().splitlines()[-1])
    assert final["type"] == "final" and final["totals"]["channels"][0][6][:3] == pytest.approx([3.0, 0.0, 3.0])


def test_a_device_never_read_is_not_measured_and_left_out_of_the_power_fraction(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    # dev0 reads 450 W; dev1's every read fails: it must not halve the power fraction nor read as 0 W measured
    _meter(Files(PowerFile("dev0", 450.0, None), PowerFile("dev1", 450.0, (0.0, 99.0))), 6.0, log)
    report = run_cli("report", str(log), "--json")
    data = json.loads(report.out)
    read, never = data["details"]["gpus"]
    assert (read["measured"], never["measured"]) == (True, False)
    assert _seconds(never) == pytest.approx((0.0, 0.0, 6.0))
    assert "dev1" in report.err and "never read: not measured" in report.err
    text = run_cli("report", str(log)).out
    assert "GPU 1  plugin device dev1: NOT MEASURED" in text
    assert "1 of 2 GPUs not measured" in text


def _lost_after_opening(seconds: float, healthy: int = 1) -> Footprint:
    """A 350 W fake GPU lost once the meter has opened it and before its first reading, and ``healthy`` others."""
    clock = FakeClock(stop_at=seconds)
    lost_from = [1e9]

    class OpenThenLose(NvmlGpuMeter):
        def open(self, settings: MeterSettings) -> Opened:
            opened = super().open(settings)
            lost_from[0] = 0.0  # from now on the first GPU is lost
            return opened

    gpus = [FakeGpu(power="350 W", lost=[(1.0, None)])] + [FakeGpu(power="350 W") for _ in range(healthy)]
    settings = MeterSettings(powercap_root=Path("/nonexistent"), proc_root=Path("/nonexistent"))
    options = RecorderOptions(interval=5.0, clock=clock, settings=settings, factories=[OpenThenLose()])
    with fake_nvml(gpus, clock=lambda: clock.now() + 0.05 + (1.0 if lost_from[0] == 0.0 else 0.0)):
        recorder = Recorder(options)
        recorder.start(threaded=False)
        assert recorder.meter is not None
        recorder.meter.run(threading.Event())
        return recorder.stop()


def test_a_gpu_lost_at_start_is_not_measured_not_zero_watts() -> None:
    fp = _lost_after_opening(10.0)
    lost, fine = fp.details["gpus"]
    assert lost["measured"] is False and fine["measured"] is True
    assert _seconds(lost)[0] == 0 and _seconds(lost)[2] == pytest.approx(10.0)
    text = summary(fp, "run")
    assert "GPU 0  NVIDIA H100 80GB HBM3: NOT MEASURED" in text
    # the power fraction is the read GPU's: 350 W of the H100's 700 W TDP, not half of it
    assert fp.details["estimate"]["measured_power_fraction"] == pytest.approx(0.5, rel=0.01)
    assert any("GPU 0" in line and "never read" in line for line in problems(fp))


def test_a_run_whose_only_gpu_was_never_read_offers_no_power_fraction() -> None:
    fp = _lost_after_opening(10.0, healthy=0)
    assert "measured_power_fraction" not in fp.details["estimate"]
    text = summary(fp, "run")
    assert "% of TDP" not in text and "no GPU was ever read" in text
    assert "NOT MEASURED" in next(line for line in text.splitlines() if line.strip().startswith("energy, GPU"))


def test_a_peak_above_the_device_tdp_is_flagged(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    _meter(Files(PowerFile("dev0", 1200.0, None, tdp_w=900.0)), 30.0, log, interval=2.0)
    report = run_cli("report", str(log), "--json")
    (gpu,) = json.loads(report.out)["details"]["gpus"]
    assert set(gpu["above_tdp"]) == {"peak", "average"}
    assert "above its TDP of 900 W" in report.err
    assert "above TDP 900 W" in run_cli("report", str(log)).out


def test_a_gap_filled_and_then_measured_by_the_counter_is_measured() -> None:
    gpu = FakeGpu(trace=[(0, 300.0), (20, 600.0)], lost=[(15.0, 35.0)])
    fp, _ = metered([gpu], 60.0, interval=5.0)
    measured, filled, unknown = _seconds(fp.details["gpus"][0])
    assert (measured, filled, unknown) == pytest.approx((60.0, 0.0, 0.0), abs=1e-6)


def test_a_gap_filled_for_good_is_filled_seconds() -> None:
    fp, _ = metered([FakeGpu(power="300 W", lost=[(20.0, None)])], 60.0, interval=5.0)
    measured, filled, unknown = _seconds(fp.details["gpus"][0])
    assert measured == pytest.approx(20, abs=5) and filled == pytest.approx(40, abs=5) and unknown == 0
    assert measured + filled == pytest.approx(60)


def test_a_run_too_short_for_a_power_figure_is_not_flagged(tmp_path: Path) -> None:
    # 50 ms of a 350 W GPU whose counter moves in 100 ms steps can read 700 W: no figure to hold against its TDP
    log = tmp_path / "run.jsonl"
    _meter(Files(PowerFile("dev0", 1200.0, None, tdp_w=900.0)), 0.05, log, interval=2.0)
    report = run_cli("report", str(log), "--json")
    assert json.loads(report.out)["details"]["gpus"][0]["above_tdp"] == [] and report.err == ""


def test_the_page_shows_each_device_seconds(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    _meter(Files(PowerFile("dev0", 300.0, (2.0, 5.0))), 6.0, log)
    page = tmp_path / "run.html"
    assert run_cli("report", str(log), "--html", str(page)).code == 0
    text = page.read_text()
    assert "seconds measured / filled / unknown" in text and "3 s / 0 s / 3 s" in text


def test_prometheus_leaves_out_the_power_of_a_gpu_not_read_and_counts_its_unknown_seconds() -> None:
    pytest.importorskip("prometheus_client")
    from footprint.meter.exporter import MeterCollector
    from footprint.meter.ledger import Ledger

    ledger = Ledger({"settings": {"interval_s": 2.0}, "channels": [{"key": "GPU-a", "component": "gpu", "index": 0},
                                                                   {"key": "GPU-b", "component": "gpu", "index": 1}]})
    collector = MeterCollector("7", "n1", 1.0, 400.0)
    for t in (2.0, 4.0):
        record = {"type": "interval", "t": t, "dt": 2.0, "e": [600.0, 0.0], "flags": {"1": ["error"]}}
        ledger.add(record)
        collector.update(record, ledger)
    samples = [s for family in collector.collect() for s in family.samples]
    power = {s.labels["index"]: s.value for s in samples if s.name == "footprint_gpu_power_watts"}
    assert power == {"0": 300.0}  # GPU 1 has no power sample, not 0 W
    seconds = {(s.labels["index"], s.labels["coverage"]): s.value for s in samples if s.name == "footprint_gpu_seconds_total"}
    assert seconds[("1", "unknown")] == 4.0 and seconds[("1", "measured")] == 0.0 and seconds[("0", "measured")] == 4.0


def test_the_gpu_energy_row_says_what_no_reading_covered(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    _meter(Files(PowerFile("dev0", 300.0, (2.0, 5.0))), 6.0, log)
    row = next(line for line in run_cli("report", str(log)).out.splitlines() if line.strip().startswith("energy, GPU"))
    assert "3 s of GPU time not read, counted as 0" in row


def test_the_methods_statement_calls_a_figure_with_unread_time_a_lower_bound(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    _meter(Files(PowerFile("dev0", 450.0, None), PowerFile("dev1", 450.0, (0.0, 99.0))), 6.0, log)
    text = " ".join(run_cli("report", str(log), "--statement", "text").out.split())
    assert "1 of 2 accelerators were never read; 6 s of accelerator time had no reading" in text
    assert "lower bound" in text
