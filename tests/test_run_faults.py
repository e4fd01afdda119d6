"""A fault of the meter never stops, slows or outlives the job's result: GPUs or meter plugins that fail at
once, output paths that cannot be written, a log that cannot be written, and codecarbon CSV files shared by
runs that end together."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from footprint.meter.fake_nvml import FakeGpu, fake_nvml
from footprint.meter.nvml import NvmlGpuMeter
from footprint.meter.recorder import Recorder, RecorderOptions
from footprint.plugins.contract import ChannelBase, MeterFactory, MeterSettings, Opened, Reading
from tests.test_run_cli import PY, env, footprint

NO_HOST = MeterSettings(powercap_root=Path("/nonexistent"), proc_root=Path("/nonexistent"))


@pytest.mark.parametrize("lost_at", ["0.005", "0.02", "0.05", "0.1"])
def test_a_gpu_lost_in_the_first_ms_is_labelled_and_the_command_runs(tmp_path: Path, lost_at: str) -> None:
    fake = tmp_path / "lost-at-once.toml"
    fake.write_text(f'[[gpu]]\nname = "NVIDIA H100 80GB HBM3"\npower = "350 W"\nlost_at = {lost_at}\n\n'
                    '[[gpu]]\nname = "NVIDIA H100 80GB HBM3"\npower = "350 W"\n')
    done = subprocess.run([PY, "-m", "footprint", "run", "--json", "--", PY, "-c", "import time; open('ran', 'w'); time.sleep(1)"],
                          cwd=tmp_path, env=env(str(fake)), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "ran").exists()
    gpus = json.loads(done.stdout)["details"]["gpus"]
    # lost before the meter looked at it: named and not metered; lost after: a gap on that GPU
    assert "GPU 0: GpuIsLost at start; not metered" in done.stderr or gpus[0]["gap"]["magnitude"] > 0
    assert gpus[-1]["gap"]["magnitude"] == 0 and gpus[-1]["energy"]["magnitude"] > 0


def test_a_gpu_lost_between_probing_and_the_first_reading_is_a_gap_until_it_answers() -> None:
    import threading

    from footprint.meter.fake_nvml import FakeClock

    clock = FakeClock(stop_at=20.0)
    lost_from = {"t": 0.0}

    class LoseAfterOpening(NvmlGpuMeter):
        def open(self, settings: MeterSettings) -> Opened:
            opened = super().open(settings)
            lost_from["t"] = 1.0  # the device's time jumps into its lost window once it has been probed
            return opened

    gpu = FakeGpu(power="300 W", lost=[(1.0, 1.3)])
    options = RecorderOptions(interval=5.0, clock=clock, settings=NO_HOST, factories=[LoseAfterOpening()])
    with fake_nvml([gpu], clock=lambda: lost_from["t"] + clock.now()):
        recorder = Recorder(options)
        recorder.start(threaded=False)
        assert recorder.meter is not None and recorder.meter.unstarted == {0}
        recorder.meter.run(threading.Event())
        fp = recorder.stop()
    (detail,) = fp.details["gpus"]
    assert detail["gap"]["magnitude"] == pytest.approx(5.0)  # the first interval: nothing measured
    assert detail["energy"]["magnitude"] * 3.6e6 == pytest.approx(300 * 15, rel=0.02)  # measured from the retry on


class BrokenOpen(MeterFactory):
    name = "broken-open"
    component = "gpu"

    def open(self, settings: MeterSettings) -> Opened:
        raise RuntimeError("vendor library missing")


class FailingStart(ChannelBase):
    component = "gpu"
    key = "ACC-1"
    method = "a vendor counter (plugin)"

    def __init__(self) -> None:
        self.starts = 0
        self.last = 0.0

    def info(self) -> dict[str, Any]:
        raise KeyError("name")  # a plugin bug in describing the channel: recorded, never fatal

    def start(self, now: float) -> None:
        self.starts += 1
        if self.starts == 1:
            raise OSError("device busy")
        self.last = now

    def read(self, now: float) -> Reading:
        dt, self.last = now - self.last, now
        return Reading(100.0 * dt)


class FailingStartMeter(MeterFactory):
    name = "failing-start"
    component = "gpu"

    def open(self, settings: MeterSettings) -> Opened:
        return Opened(channels=[FailingStart()])


def test_meter_plugins_that_fail_to_open_or_start_are_named_and_the_rest_is_metered(tmp_path: Path) -> None:
    from footprint.meter.fake_nvml import FakeClock

    clock = FakeClock(stop_at=20.0)
    options = RecorderOptions(interval=5.0, clock=clock, settings=NO_HOST, log_path=tmp_path / "run.jsonl",
                              factories=[NvmlGpuMeter(), BrokenOpen(), FailingStartMeter()])
    with fake_nvml([FakeGpu(power="300 W")], clock=clock.now):
        recorder = Recorder(options)
        recorder.start(threaded=False)
        assert recorder.meter is not None
        import threading

        recorder.meter.run(threading.Event())
        fp = recorder.stop()
    assert any("broken-open" in n and "RuntimeError: vendor library missing" in n for n in recorder.notes)
    nvml_gpu, accelerator = fp.details["gpus"]
    assert nvml_gpu["energy"]["magnitude"] * 3.6e6 == pytest.approx(300 * 20, rel=0.01)
    assert accelerator["gap"]["magnitude"] == pytest.approx(5.0)  # the first interval, until a retry worked
    assert accelerator["energy"]["magnitude"] * 3.6e6 == pytest.approx(100 * 15, rel=0.01)
    lines = [json.loads(x) for x in (tmp_path / "run.jsonl").read_text().splitlines()]
    assert lines[0]["channels"][1]["info_error"] == "KeyError: 'name'"
    notes = [x for x in lines if x["type"] == "note"]
    assert notes and "OSError: device busy" in notes[0]["error"]


@pytest.mark.parametrize("option", ["--csv", "--json-file"])
def test_unwritable_output_paths_fail_before_the_command_starts(tmp_path: Path, option: str) -> None:
    (tmp_path / "a-file").write_text("")
    done = footprint("run", option, "a-file/out", "--", PY, "-c", "open('ran', 'w')", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (f"footprint run: error: {option}: cannot write 'a-file/out': "
                                                     "'a-file' is not a directory; expected a writable file path")
    assert not (tmp_path / "ran").exists()


def test_report_checks_its_output_path_first(tmp_path: Path) -> None:
    from tests.cli_run import run_cli

    result = run_cli("report", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path))
    assert result.code == 2
    assert result.err.strip() == f"footprint report: error: -o: '{tmp_path}' is a directory; expected a file path"


def test_a_log_that_cannot_be_written_loses_the_log_not_the_result(tmp_path: Path) -> None:
    done = footprint("run", "--log", "/dev/full", "--json-file", "result.json", "--", PY, "-c", "import sys; sys.exit(5)",
                     cwd=tmp_path)
    assert done.returncode == 5
    assert "Traceback" not in done.stderr
    assert "writing the log /dev/full failed at 0 s into the run (No space left on device)" in done.stderr
    assert "(exit 5)" in done.stdout and "energy, GPU" in done.stdout
    assert "is complete" not in done.stdout + done.stderr
    assert json.loads((tmp_path / "result.json").read_text())["gpus"] == 2
    assert not Path("/dev/full.summary.json").exists()


APPENDER = """
import sys
from footprint.meter.codecarbon_csv import append_row
from footprint.meter.from_log import footprint_from_log
fp = footprint_from_log(sys.argv[1])
for _ in range(25):
    append_row(sys.argv[2], fp, project=sys.argv[3])
"""


def test_concurrent_csv_appends_keep_every_row(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    done = footprint("run", "--quiet", "--log", str(log), "--", PY, "-c", "pass", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    target = tmp_path / "emissions.csv"
    procs = [subprocess.Popen([PY, "-c", APPENDER, str(log), str(target), f"writer{i}"], env=env(None))
             for i in range(4)]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    with target.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 100
    assert sorted({r["project_name"] for r in rows}) == [f"writer{i}" for i in range(4)]


def test_csv_leaves_what_was_not_measured_empty(tmp_path: Path) -> None:
    done = footprint("run", "--quiet", "--csv", "emissions.csv", "--", PY, "-c", "import time; time.sleep(0.5)", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with (tmp_path / "emissions.csv").open(newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    for column in ("cpu_utilization_percent", "gpu_utilization_percent", "ram_utilization_percent", "ram_used_gb",
                   "water_consumed", "wue"):
        assert row[column] == "", column
    assert float(row["gpu_energy"]) > 0



def test_track_with_an_unwritable_log_keeps_the_result_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    import footprint
    from footprint.meter.fake_nvml import FakeClock

    clock = FakeClock(stop_at=10.0)
    with fake_nvml([FakeGpu(power="200 W")], clock=clock.now):
        with footprint.track(log="/dev/full", clock=clock, settings=NO_HOST, factories=[NvmlGpuMeter()]) as tracker:
            clock.advance(10.0)
    assert tracker.result is not None
    assert float(tracker.result.energy_gpu.central.to("J").magnitude) == pytest.approx(2000, rel=0.01)
    err = capsys.readouterr().err
    assert "writing the log /dev/full failed at 0 s into the run (No space left on device)" in err
    assert any("No space left on device" in n for n in tracker.notes)


def test_a_slow_disk_does_not_shift_the_logs_timeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """start_unix + t is the wall time of each record, even when flushing the header takes long (a busy file
    system): reports place the energy in hours and a job's nodes side by side from it."""
    import os
    import time

    from footprint.meter import log as meter_log

    fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        time.sleep(0.3)
        fsync(fd)

    monkeypatch.setattr(meter_log.os, "fsync", slow_fsync)
    options = RecorderOptions(interval=5.0, settings=NO_HOST, log_path=tmp_path / "run.jsonl", factories=[NvmlGpuMeter()])
    with fake_nvml([FakeGpu(power="300 W")]):
        recorder = Recorder(options)
        recorder.start(threaded=False)
        assert recorder.meter is not None
        elapsed, wall = recorder.meter.elapsed(), time.time()
        recorder.stop()
    header = json.loads((tmp_path / "run.jsonl").read_text().splitlines()[0])
    assert header["start_unix"] + elapsed == pytest.approx(wall, abs=0.1)  # the flush takes 0.3 s
