"""Built-in plugin: the meters behind ``footprint run`` and ``footprint.track`` (NVML GPUs, RAPL or modelled CPU,
modelled RAM).

A third-party meter (another vendor's GPUs, a BMC or a PDU) is a ``footprint.plugins.contract.MeterFactory``
registered the same way; plugins registered later are asked first, so a CPU or RAM meter from a plugin replaces
the built-in model, and a GPU meter from a plugin adds its devices::

    @footprint.hookimpl
    def footprint_register_meters(register):
        register(MyPduMeter())
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from footprint import hookimpl


@hookimpl(trylast=True)
def footprint_register_meters(register: Callable[[Any], None]) -> None:
    from footprint.meter.host_model import ModelCpuMeter, ModelRamMeter
    from footprint.meter.nvml import NvmlGpuMeter
    from footprint.meter.rapl import RaplCpuMeter

    register(NvmlGpuMeter())
    register(RaplCpuMeter())  # before the model: a measurement wins over a model
    register(ModelCpuMeter())
    register(ModelRamMeter())
