"""Built-in plugin: the load generators of ``footprint calibrate`` (PyTorch matmuls on the GPU; a pure-Python CPU
load that tests the pipeline). Another vendor's load (JAX on a TPU, a Gaudi kernel) is registered the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from footprint import hookimpl


@hookimpl(trylast=True)
def footprint_register_load_backends(register: Callable[[Any], None]) -> None:
    from footprint.meter.calibrate import PythonBackend, TorchBackend

    register(TorchBackend)
    register(PythonBackend)
