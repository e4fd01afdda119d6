"""Every fault the meter must survive: counter resets, lost GPUs, missing counters, no driver, and the choice of
GPUs through CUDA_VISIBLE_DEVICES (indices, UUIDs, MIG UUIDs)."""

from __future__ import annotations

import pynvml
import pytest

from footprint.errors import FootprintError
from footprint.meter.fake_nvml import ERROR_NAMES, FakeGpu, fake_nvml
from footprint.meter.nvml import NO_DRIVER, select_devices
from tests.fixtures.meter.helpers import duration_s, gpu_joules, metered


def test_counter_reset_starts_a_new_epoch_never_a_negative_delta() -> None:
    gpu = FakeGpu(power="400 W", counter_resets=[12.34, 31.0])
    fp, recorder = metered([gpu], 60.0, interval=5.0)
    (measured,) = gpu_joules(recorder)
    detail = fp.details["gpus"][0]
    assert detail["counter_resets"] == 2
    assert measured == pytest.approx(400 * duration_s(fp), rel=0.005)  # the gap is filled at the last power
    assert detail["estimated_energy"]["magnitude"] > 0
    assert fp.assumption("estimated_energy") is not None


def test_counter_reset_record_is_flagged_and_positive(tmp_path) -> None:
    from footprint.meter.log import read_log

    log = tmp_path / "reset.jsonl"
    metered([FakeGpu(power="400 W", counter_resets=[7.5])], 20.0, interval=5.0, log=log)
    records = read_log(log).records
    flagged = [r for r in records if r.get("flags")]
    assert [r["flags"]["0"] for r in flagged] == [["counter-reset"]]
    assert all(e >= 0 for r in records if r["type"] == "interval" for e in r["e"])


def test_a_lost_gpu_is_a_gap_on_that_gpu_only_and_is_filled_at_its_last_power() -> None:
    lost = FakeGpu(power="300 W", lost=[(20.0, None)])
    fine = FakeGpu(power="500 W")
    fp, recorder = metered([lost, fine], 60.0, interval=5.0)
    e_lost, e_fine = gpu_joules(recorder)
    assert e_fine == pytest.approx(500 * 60, rel=0.005)
    assert e_lost == pytest.approx(300 * 60, rel=0.005)  # 20 s measured + 40 s filled at 300 W
    lost_detail, fine_detail = fp.details["gpus"]
    assert lost_detail["gap"]["magnitude"] == pytest.approx(40, abs=5)
    assert lost_detail["estimated_energy"]["magnitude"] * 3.6e6 == pytest.approx(300 * 40, rel=0.15)
    assert fine_detail["gap"]["magnitude"] == 0


def test_a_gpu_that_comes_back_has_its_gap_measured_by_the_counter() -> None:
    gpu = FakeGpu(trace=[(0, 300.0), (20, 600.0)], lost=[(15.0, 35.0)])  # power doubles while it is lost
    fp, recorder = metered([gpu], 60.0, interval=5.0)
    (measured,) = gpu_joules(recorder)
    assert measured == pytest.approx(gpu.energy_between(0, duration_s(fp)), rel=0.005)
    assert fp.details["gpus"][0]["estimated_energy"]["magnitude"] == pytest.approx(0, abs=1e-6)


def test_polling_gpu_lost_for_a_while_is_flagged_and_filled() -> None:
    gpu = FakeGpu(power="250 W", energy_counter=False, lost=[(10.0, 20.0)])
    fp, recorder = metered([gpu], 40.0, interval=5.0)
    (measured,) = gpu_joules(recorder)
    assert measured == pytest.approx(250 * 40, rel=0.02)
    assert fp.details["gpus"][0]["gap"]["magnitude"] >= 10


def test_other_nvml_errors_are_gaps_too() -> None:
    gpu = FakeGpu(power="250 W", errors=[(10.0, 12.0, ERROR_NAMES["Unknown"])])
    fp, recorder = metered([gpu], 30.0, interval=2.0)
    (measured,) = gpu_joules(recorder)
    assert measured == pytest.approx(250 * 30, rel=0.005)
    assert fp.details["gpus"][0]["gap"]["magnitude"] > 0


def test_a_gpu_lost_before_the_start_is_not_metered_and_said_so() -> None:
    fp, recorder = metered([FakeGpu(lost=[(0.0, None)]), FakeGpu(power="100 W")], 10.0)
    assert fp.gpus == 1
    assert any("GpuIsLost at start" in n for n in recorder.notes)


def test_no_driver_meters_cpu_and_ram_only(tmp_path) -> None:
    from tests.fixtures.meter.helpers import fake_host

    fp, recorder = metered([], 30.0, driver=False, gpu_only=False, settings=fake_host(tmp_path))
    assert NO_DRIVER in recorder.notes
    assert fp.gpus == 0
    assert float(fp.energy_gpu.central.magnitude) == 0
    assert float(fp.energy_cpu.central.to("J").magnitude) > 0
    assert float(fp.energy_ram.central.to("J").magnitude) > 0


def test_no_driver_with_require_gpu_is_an_error() -> None:
    with pytest.raises(FootprintError, match="--require-gpu: no NVIDIA driver found"):
        metered([], 10.0, driver=False, require_gpu=True)


def _devices(visible: str | None, all_gpus: bool = False) -> tuple[list[int], list[str]]:
    gpus = [FakeGpu(uuid="GPU-aaaa1111-0000-0000-0000-000000000000"),
            FakeGpu(uuid="GPU-bbbb2222-0000-0000-0000-000000000000", mig_uuids=["MIG-11112222-3333-4444-5555-666677778888"]),
            FakeGpu(uuid="GPU-cccc3333-0000-0000-0000-000000000000")]
    with fake_nvml(gpus):
        pynvml.nvmlInit()
        try:
            devices, notes = select_devices(pynvml, visible, all_gpus)
        finally:
            pynvml.nvmlShutdown()
    return [d.index for d in devices], notes


@pytest.mark.parametrize(("visible", "expected"), [
    (None, [0, 1, 2]),
    ("", []),
    ("2,0", [2, 0]),
    ("GPU-cccc3333-0000-0000-0000-000000000000", [2]),
    ("GPU-bbbb", [1]),  # a unique prefix, as CUDA accepts
    ("MIG-GPU-aaaa1111-0000-0000-0000-000000000000/1/0", [0]),
    ("MIG-11112222-3333-4444-5555-666677778888", [1]),
    ("MIG-11112222-3333-4444-5555-666677778888,GPU-bbbb2222-0000-0000-0000-000000000000", [1]),  # one parent, once
    ("1,7,0", [1]),  # an invalid entry ends the list, as in CUDA
    ("GPU-", [1, 0][:0]),  # ambiguous prefix: invalid
])
def test_cuda_visible_devices(visible: str | None, expected: list[int]) -> None:
    indices, notes = _devices(visible)
    assert indices == expected
    if visible and visible.startswith("MIG-"):
        assert any("MIG slice" in n for n in notes)


def test_all_gpus_ignores_cuda_visible_devices() -> None:
    assert _devices("1", all_gpus=True)[0] == [0, 1, 2]


def test_cuda_visible_devices_reaches_the_meter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    fp, _ = metered([FakeGpu(power="100 W"), FakeGpu(power="200 W")], 10.0)
    assert fp.gpus == 1
    assert fp.details["gpus"][0]["index"] == 1
