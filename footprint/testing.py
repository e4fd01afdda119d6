"""Fakes for plugin authors' tests and ours: a fake NVML below pynvml, with programmable power traces, energy
counters and faults (see ``footprint.meter.fake_nvml`` for the details).

    from footprint.testing import FakeGpu, fake_nvml

    with fake_nvml([FakeGpu(name="NVIDIA H100 80GB HBM3", power="350 W")]):
        ...  # pynvml (and footprint's NVML meter) now see one H100 drawing 350 W
"""

from footprint.meter.fake_nvml import (
    FakeClock,
    FakeConfig,
    FakeGpu,
    FakeNvmlLib,
    fake_nvml,
    install_fake_nvml,
    load_fake_file,
    uninstall_fake_nvml,
)

__all__ = ["FakeClock", "FakeConfig", "FakeGpu", "FakeNvmlLib", "fake_nvml", "install_fake_nvml", "load_fake_file",
           "uninstall_fake_nvml"]
