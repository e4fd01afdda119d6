"""``footprint.track``: a context manager and a decorator, with named windows; results are Footprints."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import footprint
from footprint.core.result import Footprint
from footprint.errors import FootprintError
from footprint.meter.fake_nvml import FakeClock, FakeGpu, fake_nvml
from footprint.meter.nvml import NvmlGpuMeter
from footprint.plugins.contract import MeterSettings

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


def test_every_option_of_footprint_run_is_a_keyword_of_track() -> None:
    from footprint.cli.run import run
    from footprint.meter.track import TRACK_OPTIONS

    flags = [p.opts[0] for p in run.params if p.opts[0].startswith("--")]
    assert "--cpu-scope" in flags and "--region" in flags
    assert [f for f in flags if f[2:].replace("-", "_") not in TRACK_OPTIONS] == []


def test_an_unknown_keyword_names_the_closest_and_the_valid_ones() -> None:
    from footprint.meter.track import TRACK_OPTIONS

    with pytest.raises(FootprintError) as caught:
        footprint.track(regoin="FRA")
    message = str(caught.value)
    assert message.startswith("track(): unknown option 'regoin' (did you mean: region")  # the closest first
    assert "?); expected the options of 'footprint run': " in message
    assert message.endswith(", ".join(TRACK_OPTIONS)) and "\n" not in message
    assert isinstance(caught.value, TypeError)  # what an unknown keyword argument always raised


@pytest.mark.parametrize(("options", "message"), [
    ({"cpu_scope": "node"}, "--cpu-scope: 'node' is unknown; expected one of process, machine"),
    ({"cpu_power": "lots"}, "--cpu-power: cannot read 'lots'"),
    ({"prometheus_port": 0}, "--prometheus-port: 0 is out of range"),
])
def test_options_are_checked_when_the_tracker_is_made(options: dict[str, object], message: str) -> None:
    with pytest.raises(FootprintError, match=message.replace("(", r"\(").replace(")", r"\)")):
        footprint.track(**options)


@pytest.mark.parametrize("scope", ["process", "machine"])
def test_cpu_scope_and_powers_reach_the_meters(scope: str) -> None:
    with fake_nvml([FakeGpu(power="200 W")]):
        tracker = footprint.track(cpu_scope=scope, cpu_power="150 W", ram_power="10 W", interval="100ms", quiet=True)
        with tracker:
            threading.Event().wait(0.2)
    assert tracker.recorder is not None and tracker.recorder.header["facts"]["cpu_scope"] == scope
    assert tracker.result is not None and tracker.result.details["cpu"][0]["scope"] == scope
    ram_w = tracker.result.details["ram"][0]["average_power"]["magnitude"]
    assert ram_w == pytest.approx(10, rel=0.01)


def test_start_and_stop_without_a_block(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with fake_nvml([FakeGpu(power="200 W")]):
        tracker = footprint.track(interval="100ms", settings=NO_HOST, factories=[NvmlGpuMeter()], quiet=True,
                                  json=True, json_file=tmp_path / "out" / "result.json", csv=tmp_path / "emissions.csv")
        assert tracker.start() is tracker
        threading.Event().wait(0.2)
        result = tracker.stop()
    assert isinstance(result, Footprint) and result is tracker.result and result.gpus == 1
    import json

    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((tmp_path / "out" / "result.json").read_text()) == json.loads(json.dumps(printed))
    assert printed["gpus"] == 1
    assert (tmp_path / "emissions.csv").read_text().count("\n") == 2  # header and one row


def test_an_output_path_that_cannot_be_written_fails_at_start(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    tracker = footprint.track(json_file=tmp_path / "a-file" / "x.json", quiet=True)
    with pytest.raises(FootprintError, match=r"json_file: cannot write .*a-file' is not a directory"):
        tracker.start()
    assert tracker.recorder is None
