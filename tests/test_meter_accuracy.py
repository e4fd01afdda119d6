"""Metered energy against the exact integral of known power traces (fake NVML, fake clock): the counter path
within 0.5%, the polling path within 2% at 10 Hz, and the method chosen per architecture."""

from __future__ import annotations

import pytest

from footprint.meter.fake_nvml import FakeGpu
from tests.fixtures.meter.helpers import duration_s, gpu_joules, metered

STEADY = [(0.0, 350.0)]
SQUARE = [(round(t * 0.65, 2), 650.0 if t % 2 else 100.0) for t in range(0, 800)]  # bursty: 0.65 s on / 0.65 s off
RAMP = [(float(t), 100.0 + 600.0 * t / 300) for t in range(0, 300)] + [(300.0, 700.0)]  # 100 -> 700 W in 1 s steps
SLOW_SQUARE = [(float(t), 650.0 if (t // 7) % 2 else 100.0) for t in range(0, 600)]
TRACES = {"steady": STEADY, "square": SQUARE, "ramp": RAMP, "slow-square": SLOW_SQUARE}


@pytest.mark.parametrize("name", sorted(TRACES))
def test_counter_path_is_within_half_a_percent(name: str) -> None:
    gpu = FakeGpu(trace=TRACES[name])
    fp, recorder = metered([gpu], 400.0, interval=5.0, start=1000.0, phase=0.037)
    (measured,) = gpu_joules(recorder)
    exact = gpu.energy_between(0.037, 0.037 + duration_s(fp))
    assert fp.details["gpus"][0]["method"].startswith("energy counter")
    assert measured == pytest.approx(exact, rel=0.005)


@pytest.mark.parametrize("name", sorted(TRACES))
def test_polling_path_is_within_two_percent_at_10_hz(name: str) -> None:
    gpu = FakeGpu(trace=TRACES[name], energy_counter=False)
    fp, recorder = metered([gpu], 300.0, interval=5.0, poll_hz=10.0, start=7.0, phase=0.013)
    (measured,) = gpu_joules(recorder)
    exact = gpu.energy_between(0.013, 0.013 + duration_s(fp))
    assert "power polling (instant power field 186) at 10 Hz" in fp.details["gpus"][0]["method"]
    assert measured == pytest.approx(exact, rel=0.02)


def test_two_gpus_report_their_own_energy_and_the_total_is_their_sum() -> None:
    a, b = FakeGpu(power="350 W"), FakeGpu(power="200 W", energy_counter=False)
    fp, recorder = metered([a, b], 60.0, interval=2.0)
    ea, eb = gpu_joules(recorder)
    assert ea == pytest.approx(350 * 60, rel=0.005)
    assert eb == pytest.approx(200 * 60, rel=0.02)
    assert float(fp.energy_gpu.central.to("J").magnitude) == pytest.approx(ea + eb)
    assert fp.gpus == 2
    assert fp.details["gpus"][0]["average_power"]["magnitude"] == pytest.approx(350, rel=0.005)
    assert fp.details["gpus"][0]["peak_power"]["magnitude"] == pytest.approx(350, rel=0.05)


@pytest.mark.parametrize(("arch", "energy", "instant", "expected"), [
    ("hopper", True, True, "energy counter"),
    ("volta", True, True, "energy counter"),
    ("pascal", True, True, "power polling (instant power field 186)"),  # no counter before Volta
    ("ampere", False, True, "power polling (instant power field 186)"),
    ("ampere", False, False, "power polling (nvmlDeviceGetPowerUsage)"),
])
def test_method_is_chosen_per_device(arch: str, energy: bool, instant: bool, expected: str) -> None:
    gpu = FakeGpu(power="300 W", arch=arch, energy_counter=energy, instant_power=instant)
    fp, recorder = metered([gpu], 30.0, interval=5.0)
    assert fp.details["gpus"][0]["method"].startswith(expected)
    (measured,) = gpu_joules(recorder)
    assert measured == pytest.approx(300 * 30, rel=0.02)


def test_estimate_from_tdp_and_measured_power_fraction() -> None:
    fp, _ = metered([FakeGpu(name="NVIDIA H100 80GB HBM3", power="350 W")], 100.0, interval=5.0, site={"intensity": "500 g/kWh"})
    estimate = fp.details["estimate"]
    assert estimate["profile"] == "h100-sxm"
    assert estimate["measured_power_fraction"] == pytest.approx(0.5, rel=0.005)
    assert estimate["energy_gpu"]["magnitude"] == pytest.approx(700 * 100 / 3.6e6, rel=1e-6)
    assert fp.profile == "h100-sxm"
    assert fp.kind == "measurement"
