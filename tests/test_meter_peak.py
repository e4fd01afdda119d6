"""Peak power is the highest power over a window of at least half an interval, and never below the average:
short intervals (the last one, window marks) count together with their neighbour, and a run shorter than one
interval has its average as its peak."""

from __future__ import annotations

import pytest

from footprint.meter.fake_nvml import FakeGpu
from footprint.meter.ledger import Ledger
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


def test_a_run_shorter_than_half_an_interval_has_its_average_as_peak() -> None:
    peak, average = _peak_and_average(2.0, 5.0)
    assert peak == pytest.approx(average) and peak > 0


def test_a_short_last_interval_is_read_with_the_one_before() -> None:
    ledger = Ledger({"settings": {"interval_s": 5.0}, "channels": [{"key": "g", "component": "gpu"}]})
    for t, dt, e in [(5.0, 5.0, 2000.0), (10.0, 5.0, 2000.0), (10.4, 0.4, 400.0)]:
        ledger.add({"type": "interval", "t": t, "dt": dt, "e": [e]})
    (channel,) = ledger.totals().channels
    assert channel.peak_w == pytest.approx(2400 / 5.4)  # 444 W over the last 5.4 s; 400 W over each whole one
    assert channel.peak_w >= channel.energy / 10.4


def test_short_intervals_at_the_start_are_read_with_the_first_whole_one() -> None:
    ledger = Ledger({"settings": {"interval_s": 5.0}, "channels": [{"key": "g", "component": "gpu"}]})
    for t, dt, e in [(1.0, 1.0, 900.0), (6.0, 5.0, 2000.0)]:
        ledger.add({"type": "interval", "t": t, "dt": dt, "e": [e]})
    (channel,) = ledger.totals().channels
    assert channel.peak_w == pytest.approx(2900 / 6.0)


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
