"""``footprint.track``: a context manager and a decorator, with named windows; results are Footprints."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import footprint
from footprint.core.result import Footprint
from footprint.errors import FootprintError
from footprint.meter.channels import MeterSettings
from footprint.meter.fake_nvml import FakeClock, FakeGpu, fake_nvml
from footprint.meter.nvml import NvmlGpuMeter

NO_HOST = MeterSettings(powercap_root=Path("/nonexistent"), proc_root=Path("/nonexistent"))


def test_with_block_windows_and_result_on_a_fake_clock() -> None:
    clock = FakeClock()
    gpus = [FakeGpu(trace=[(0, 100.0), (10, 500.0)]), FakeGpu(power="300 W")]
    with fake_nvml(gpus, clock=clock.now):
        with footprint.track(region="CHN", interval="5s", clock=clock, settings=NO_HOST, factories=[NvmlGpuMeter()],
                             quiet=True) as t:
            clock.advance(10)
            with t.window("epoch 1"):
                clock.advance(20)
            with t.window("eval"):
                clock.advance(4)
            with t.window("epoch 1"):  # a repeated window adds up
                clock.advance(6)
    assert isinstance(t.result, Footprint) and t.result.kind == "measurement"
    assert t.result.gpus == 2
    total_j = float(t.result.energy_gpu.central.to("J").magnitude)
    assert total_j == pytest.approx(gpus[0].energy_between(0, 40) + 300 * 40, rel=0.005)
    epoch = t.windows["epoch 1"]
    assert float(epoch.duration.central.to("s").magnitude) == pytest.approx(26)
    assert float(epoch.energy_gpu.central.to("J").magnitude) == pytest.approx((500 + 300) * 26, rel=0.01)
    assert float(t.windows["eval"].energy_gpu.central.to("J").magnitude) == pytest.approx(800 * 4, rel=0.05)
    assert t.result.assumption("region").value == "CHN"
    assert set(t.result.details["windows"]) == {"epoch 1", "eval"}


def test_real_thread_and_clock() -> None:
    with fake_nvml([FakeGpu(power="350 W")]):
        with footprint.track(interval="100ms", settings=NO_HOST, factories=[NvmlGpuMeter()], quiet=True) as t:
            done = threading.Event()
            done.wait(0.5)
    seconds = float(t.result.duration.central.to("s").magnitude)
    assert seconds >= 0.5
    assert float(t.result.energy_gpu.central.to("J").magnitude) == pytest.approx(350 * seconds, rel=0.3)


def test_decorator_with_and_without_parentheses() -> None:
    with fake_nvml([FakeGpu(power="200 W")]):
        @footprint.track(interval="1s", settings=NO_HOST, factories=[NvmlGpuMeter()], quiet=True)
        def train(x: int) -> int:
            return x * 2

        assert train(21) == 42
        assert isinstance(train.footprint, Footprint) and train.footprint.gpus == 1

        @footprint.track
        def plain() -> str:
            return "ok"

        assert plain() == "ok" and isinstance(plain.footprint, Footprint)


def test_track_writes_a_log_that_report_reads(tmp_path: Path) -> None:
    from tests.cli_run import run_cli

    log = tmp_path / "track.jsonl"
    with fake_nvml([FakeGpu(power="200 W")]):
        with footprint.track(log=log, interval="100ms", settings=NO_HOST, factories=[NvmlGpuMeter()], quiet=True) as t:
            threading.Event().wait(0.3)
    result = run_cli("report", str(log), "--json")
    assert result.code == 0 and '"kind": "measurement"' in result.out
    assert t.result is not None


def test_no_gpu_prints_the_note(capsys: pytest.CaptureFixture[str]) -> None:
    with fake_nvml([], driver=False):
        with footprint.track(interval="1s", settings=NO_HOST):
            pass
    assert "footprint: no NVIDIA driver found: metering CPU and RAM only" in capsys.readouterr().err


def test_misuse_is_a_clear_error() -> None:
    tracker = footprint.track(interval="1s")
    with pytest.raises(FootprintError, match="the tracker is not running"), tracker.window("x"):
        pass
    with pytest.raises(FootprintError, match="interval: cannot read 'soon'; expected a time such as '2s' or '500ms'"):
        footprint.track(interval="soon")
    with pytest.raises(FootprintError, match="region 'NOWHERE' is unknown"), footprint.track(region="NOWHERE"):
        pass
