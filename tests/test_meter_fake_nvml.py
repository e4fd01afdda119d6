"""The fake NVML sits below pynvml: pynvml's real wrappers, ctypes handling and error classes run against it."""

from __future__ import annotations

from pathlib import Path

import pynvml
import pytest

from footprint.errors import FootprintError
from footprint.meter.fake_nvml import FakeClock, FakeGpu, fake_nvml, load_fake_file


def test_real_pynvml_wrappers_read_the_fake_devices() -> None:
    clock = FakeClock()
    gpu = FakeGpu(name="NVIDIA A100-SXM4-80GB", arch="ampere", trace=[(0, "100 W"), (1, "650 W")], uuid="GPU-1234")
    with fake_nvml([gpu], clock=clock.now, driver_version="555.42.06") as lib:
        pynvml.nvmlInit()
        assert pynvml.nvmlDeviceGetCount() == 1
        assert pynvml.nvmlSystemGetDriverVersion() == "555.42.06"
        handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        assert pynvml.nvmlDeviceGetName(handle) == "NVIDIA A100-SXM4-80GB"
        assert pynvml.nvmlDeviceGetUUID(handle) == "GPU-1234"
        assert pynvml.nvmlDeviceGetArchitecture(handle) == pynvml.NVML_DEVICE_ARCH_AMPERE
        assert pynvml.nvmlDeviceGetEnforcedPowerLimit(handle) == 650_000
        start = pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
        clock.advance(3.04)
        # the counter updates every 100 ms: at 3.04 s it shows the integral up to 3.0 s
        assert pynvml.nvmlDeviceGetTotalEnergyConsumption(handle) - start == 100_000 + 650_000 * 2
        value = pynvml.nvmlDeviceGetFieldValues(handle, [(pynvml.NVML_FI_DEV_POWER_INSTANT, pynvml.NVML_POWER_SCOPE_GPU)])[0]
        assert (value.nvmlReturn, value.value.uiVal) == (pynvml.NVML_SUCCESS, 650_000)
        assert pynvml.nvmlDeviceGetPowerUsage(handle) == 650_000  # 1 s average on Ampere
        assert lib.calls["nvmlDeviceGetTotalEnergyConsumption"] == 2
        pynvml.nvmlShutdown()
    assert pynvml.nvmlLib is None  # restored


def test_nvml_error_codes_become_pynvml_exception_classes() -> None:
    clock = FakeClock()
    with fake_nvml([FakeGpu(energy_counter=False, lost=[(5.0, None)])], clock=clock.now):
        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        with pytest.raises(pynvml.NVMLError_NotSupported):
            pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
        clock.advance(5.0)
        with pytest.raises(pynvml.NVMLError_GpuIsLost) as lost:
            pynvml.nvmlDeviceGetPowerUsage(handle)
        assert str(lost.value) == "GPU is lost"
        assert pynvml.nvmlErrorString(999) == "fake NVML error 999"
        with pytest.raises(pynvml.NVMLError_FunctionNotFound):
            pynvml.nvmlDeviceGetTemperatureV(handle, 0)
        pynvml.nvmlShutdown()


def test_missing_driver_fails_init_like_a_machine_without_one() -> None:
    with fake_nvml([], driver=False), pytest.raises(pynvml.NVMLError_DriverNotLoaded):
        pynvml.nvmlInit()


def test_pre_volta_has_no_energy_counter_but_field_186() -> None:
    with fake_nvml([FakeGpu(arch="pascal", power="180 W")], clock=FakeClock().now):
        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        with pytest.raises(pynvml.NVMLError_NotSupported):
            pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
        value = pynvml.nvmlDeviceGetFieldValues(handle, [(186, 0)])[0]
        assert value.value.uiVal == 180_000
        pynvml.nvmlShutdown()


def test_fake_file_with_every_key(tmp_path: Path) -> None:
    path = tmp_path / "gpus.toml"
    path.write_text('''
driver_version = "550.54.15"
[[gpu]]
name = "NVIDIA H100 80GB HBM3"
trace = [[0, "100 W"], [1, "650 W"], [3, "200 W"]]
uuid = "GPU-abc"
arch = "hopper"
power_limit = "700 W"
counter_reset_at = [2.5]
lost_at = 4.0
lost_until = 5.0
mig_uuids = ["MIG-1"]
power_window = 0.025
[[gpu]]
power = "0.35 kW"
energy_counter = false
instant_power = false
error = "NoPermission"
error_at = 1.0
error_until = 2.0
''')
    config = load_fake_file(path)
    first, second = config.gpus
    assert config.driver and config.driver_version == "550.54.15"
    assert first.energy_between(0, 4) == pytest.approx(100 + 650 * 2 + 200)
    assert first.counter_resets == [2.5] and first.lost == [(4.0, 5.0)] and first.power_window == 0.025
    assert second.power_at(10) == 350.0 and second.errors == [(1.0, 2.0, 4)]


@pytest.mark.parametrize(("text", "message"), [
    ('[[gpu]]\npower = "350 kg"', "gpu 0: fake GPU power: '350 kg' is in kg; expected a power"),
    ('[[gpu]]\npowr = "350 W"', "unknown key 'powr' (did you mean: power"),
    ('[[gpu]]\ntrace = [[1, "100 W"]]', "times rising from 0"),
    ('[[gpu]]\narch = "fermi"', "arch 'fermi' is unknown"),
    ('[[gpu]]\nerror = "GpuIsLots"', "error 'GpuIsLots' is unknown (did you mean: GpuIsLost?)"),
    ("[[gpu]\n", "not valid TOML"),
])
def test_bad_fake_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(FootprintError) as error:
        load_fake_file(path)
    assert message in str(error.value)


def test_missing_fake_file() -> None:
    with pytest.raises(FootprintError, match=r"FOOTPRINT_FAKE_GPUS: file 'nope\.toml' does not exist"):
        load_fake_file("nope.toml")


def test_what_other_tools_read_is_there_too() -> None:
    # codecarbon, for one, reads these; the fake answers them so such tools can be compared on the same traces
    with fake_nvml([FakeGpu(power="350 W")], clock=FakeClock().now):
        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        assert pynvml.nvmlDeviceGetUtilizationRates(handle).gpu == 50
        assert pynvml.nvmlDeviceGetMemoryInfo(handle).total == 80 * 1024**3
        assert 30 <= pynvml.nvmlDeviceGetTemperature(handle, 0) <= 70
        assert pynvml.nvmlDeviceGetComputeMode(handle) == 0
        assert pynvml.nvmlDeviceGetComputeRunningProcesses(handle) == []
        assert pynvml.nvmlDeviceGetGraphicsRunningProcesses(handle) == []
        pynvml.nvmlShutdown()


def test_without_an_nvml_library_the_meter_says_so_without_importing_pynvml(tmp_path: Path) -> None:
    """On a machine with no NVIDIA driver the GPU meter reports what pynvml.nvmlInit() would (library not found)
    without importing pynvml, which costs 30-50 ms before the command can start."""
    import json
    import subprocess
    import sys

    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from footprint.meter import nvml\n"
        "from footprint.plugins.contract import MeterSettings\n"
        "nvml.NVML_LIBRARY = 'libfootprint-no-such-library.so.1'\n"
        "opened = nvml.NvmlGpuMeter().open(MeterSettings(powercap_root=Path('/nonexistent'), proc_root=Path('/nonexistent')))\n"
        "imported = 'pynvml' in sys.modules\n"
        "import pynvml\n"
        "expected = 'unavailable: ' + nvml.error_name(pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND))\n"
        "print(json.dumps({'imported': imported, 'facts': opened.facts, 'channels': len(opened.channels), 'expected': expected}))\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "FOOTPRINT_FAKE_GPUS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    assert seen["imported"] is False
    assert seen["facts"]["nvml"] == seen["expected"]
    assert seen["facts"]["no_driver"] is True
    assert seen["channels"] == 0


def test_a_fake_installed_under_pynvml_is_still_metered_when_no_library_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The library check asks pynvml when a library is already in place (the fake): the fake GPUs are metered."""
    from footprint.meter import nvml
    from footprint.plugins.contract import MeterSettings

    monkeypatch.delenv("FOOTPRINT_FAKE_GPUS", raising=False)
    monkeypatch.setattr(nvml, "NVML_LIBRARY", "libfootprint-no-such-library.so.1")
    with fake_nvml([FakeGpu(name="NVIDIA H100 80GB HBM3", power="350 W")]):
        opened = nvml.NvmlGpuMeter().open(MeterSettings(powercap_root=Path("/nonexistent"), proc_root=Path("/nonexistent")))
        try:
            assert len(opened.channels) == 1
            assert "no_driver" not in opened.facts
        finally:
            opened.close()
