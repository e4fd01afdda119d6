"""Peak power is the highest average power over windows of at least PEAK_WINDOW_S (and one interval), and never
below the average: the run's last stretch counts with the window before it, a run shorter than one window has its
average as its peak, and reads delayed against their timestamps (a loaded CPU) do not make a spike."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest

from footprint.meter.fake_nvml import FakeClock, FakeGpu, fake_nvml
from footprint.meter.ledger import PEAK_WINDOW_S, Ledger
from footprint.meter.nvml import NvmlGpuMeter
from footprint.meter.recorder import Recorder, RecorderOptions
from footprint.plugins.contract import MeterSettings
from tests.fixtures.meter.helpers import metered


def _peak_and_average(seconds: float, interval: float, power: str = "420 W") -> tuple[float, float]:
    fp, _ = metered([FakeGpu(power=power)], seconds, interval=interval, phase=0.05)
    gpu = fp.details["gpus"][0]
    return gpu["peak_power"]["magnitude"], gpu["average_power"]["magnitude"]


@pytest.mark.parametrize("seconds", [2.0, 5.2, 10.07, 12.34, 31.0])
def test_constant_power_has_a_peak_no_lower_than_its_average(seconds: float) -> None:
    peak, average = _peak_and_average(seconds, 5.0)
    assert peak >= average
    assert peak == pytest.approx(420, rel=0.05)


def test_a_run_shorter_than_one_window_has_its_average_as_peak() -> None:
    peak, average = _peak_and_average(2.0, 5.0)
    assert peak == pytest.approx(average) and peak > 0


def _ledger(records: list[tuple[float, float, float]], interval: float = 5.0) -> float:
    ledger = Ledger({"settings": {"interval_s": interval}, "channels": [{"key": "g", "component": "gpu"}]})
    for t, dt, e in records:
        ledger.add({"type": "interval", "t": t, "dt": dt, "e": [e]})
    (channel,) = ledger.totals().channels
    assert channel.peak_w >= channel.energy / ledger.t
    return channel.peak_w


def test_a_short_last_stretch_is_read_with_the_window_before() -> None:
    per_window = int(PEAK_WINDOW_S // 5)
    whole = [(5.0 * (i + 1), 5.0, 2000.0) for i in range(per_window)]  # 400 W for one window
    end = 5.0 * per_window
    assert _ledger([*whole, (end + 0.4, 0.4, 400.0)]) == pytest.approx((2000.0 * per_window + 400) / (end + 0.4))


def test_a_peak_is_never_one_short_interval() -> None:
    # 1 s intervals at 350 W whose boundaries were stamped up to 0.8 s before the read: one interval alone would
    # read 630 W; windows of PEAK_WINDOW_S average the shift away
    rng = random.Random(3)
    delays = [rng.uniform(0, 0.8) for _ in range(301)]
    records = [(float(i), 1.0, 350.0 * (1.0 + delays[i] - delays[i - 1])) for i in range(1, 301)]
    assert _ledger(records, interval=1.0) <= 350 * (1 + 0.8 / PEAK_WINDOW_S) + 1e-6


def test_a_real_spike_of_a_window_is_the_peak() -> None:
    records = [(float(i), 1.0, 700.0 if 40 < i <= 80 else 300.0) for i in range(1, 201)]
    assert _ledger(records, interval=1.0) == pytest.approx(700.0)


def test_the_meter_under_a_loaded_cpu_reports_no_spike() -> None:
    """The cause, reproduced: each NVML call happens a random while after the meter stamped the interval's end."""
    rng = random.Random(7)
    clock = FakeClock(stop_at=300.0)
    settings = MeterSettings(powercap_root=Path("/nonexistent"), proc_root=Path("/nonexistent"))
    options = RecorderOptions(interval=1.0, clock=clock, settings=settings, factories=[NvmlGpuMeter()])
    with fake_nvml([FakeGpu(power="350 W")], clock=lambda: clock.now() + rng.uniform(0.0, 0.6)):
        recorder = Recorder(options)
        recorder.start(threaded=False)
        assert recorder.meter is not None
        recorder.meter.run(threading.Event())
        fp = recorder.stop()
    peak = fp.details["gpus"][0]["peak_power"]["magnitude"]
    assert peak <= 350 * (1 + 0.6 / PEAK_WINDOW_S) + 1


def test_a_real_run_shorter_than_half_an_interval_reports_a_peak(tmp_path) -> None:
    import json
    import subprocess
    import sys

    from tests.test_run_cli import env

    done = subprocess.run([sys.executable, "-m", "footprint", "run", "--json", "--interval", "5s", "--", "sleep", "1"],
                          cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for gpu in json.loads(done.stdout)["details"]["gpus"]:
        assert gpu["peak_power"]["magnitude"] >= gpu["average_power"]["magnitude"] > 300  # two 350 W fake GPUs
