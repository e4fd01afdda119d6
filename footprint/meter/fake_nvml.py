"""Fakes for tests and plugin authors: a fake NVML C library under pynvml, fake GPU power traces, a fake clock.

The fake replaces ``pynvml.nvmlLib`` (the ctypes handle of libnvidia-ml) rather than pynvml's Python functions,
so pynvml's real wrappers, its ctypes argument handling and its error mapping (``NVMLError_GpuIsLost`` ...)
all run in tests, exactly as they do on a GPU machine::

    from footprint.meter.fake_nvml import FakeGpu, fake_nvml

    with fake_nvml([FakeGpu(name="NVIDIA H100 80GB HBM3", power="350 W")]):
        import pynvml
        pynvml.nvmlInit()
        h = pynvml.nvmlDeviceGetHandleByIndex(0)
        pynvml.nvmlDeviceGetTotalEnergyConsumption(h)   # mJ, from the trace

A device has a power trace P(t) (steps: ``[(0, 100.0), (1, 650.0)]`` = 100 W from t=0 s, 650 W from t=1 s), an
energy counter equal to the integral of P that updates every ``update_period`` (100 ms, like real counters), and
injectable faults: no energy counter (NotSupported, as before Volta), no instant-power field, counter resets
(driver reloads) at given times, GpuIsLost (or any NVML error code) during time windows, and a missing driver.

``FOOTPRINT_FAKE_GPUS=file.toml`` makes ``footprint run`` use this fake; the file holds one ``[[gpu]]`` table per
device (see ``load_fake_file`` for the keys).
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import itertools
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from footprint.errors import FootprintError, suggest

# NVML return codes and architecture numbers, as in nvml.h (nvidia-ml-py 13.615.71 pynvml.py lines 224-254, 391-405).
SUCCESS = 0
ERROR_UNINITIALIZED = 1
ERROR_INVALID_ARGUMENT = 2
ERROR_NOT_SUPPORTED = 3
ERROR_DRIVER_NOT_LOADED = 9
ERROR_LIBRARY_NOT_FOUND = 12
ERROR_GPU_IS_LOST = 15
ERROR_INSUFFICIENT_SIZE = 7
ERROR_NOT_FOUND = 6

ERROR_NAMES = {
    "Uninitialized": 1, "InvalidArgument": 2, "NotSupported": 3, "NoPermission": 4, "DriverNotLoaded": 9,
    "Timeout": 10, "LibraryNotFound": 12, "FunctionNotFound": 13, "GpuIsLost": 15, "ResetRequired": 16,
    "NoData": 21, "NotReady": 27, "Unknown": 999,
}

ARCHITECTURES = {"kepler": 2, "maxwell": 3, "pascal": 4, "volta": 5, "turing": 6, "ampere": 7, "ada": 8,
                 "hopper": 9, "blackwell": 10}
_VOLTA, _AMPERE = 5, 7

FIELD_POWER_AVERAGE = 185  # NVML_FI_DEV_POWER_AVERAGE: 1 s average
FIELD_POWER_INSTANT = 186  # NVML_FI_DEV_POWER_INSTANT: "current GPU power, supported on all architectures"
FIELD_ENERGY = 191  # NVML_FI_DEV_ENERGY: the total energy counter, mJ
_VALUE_TYPE_UINT, _VALUE_TYPE_ULL = 1, 3  # NVML_VALUE_TYPE_UNSIGNED_INT / _UNSIGNED_LONG_LONG

# Names of real parts, by architecture, so that a fake device maps to a shipped profile.
DEFAULT_NAMES = {9: "NVIDIA H100 80GB HBM3", 7: "NVIDIA A100-SXM4-80GB", 10: "NVIDIA B200"}


@dataclass
class FakeGpu:
    """One simulated device. ``power`` (constant) or ``trace`` (steps of (seconds, watts)) gives P(t).

    ``lost`` holds (start, end) windows in seconds (end None = for good) during which every call on the device
    fails with GpuIsLost; ``errors`` holds (start, end, code) windows for any other NVML error code.
    """

    name: str = "NVIDIA H100 80GB HBM3"
    power: float | str | None = None
    trace: Sequence[tuple[float, float | str]] | None = None
    uuid: str = ""
    arch: int | str = 9
    energy_counter: bool = True
    instant_power: bool = True
    power_limit: float | str | None = None
    counter_resets: Sequence[float] = ()
    lost: Sequence[tuple[float, float | None]] = ()
    errors: Sequence[tuple[float, float | None, int]] = ()
    mig_uuids: Sequence[str] = ()
    counter_start_mj: int = 123_456_789
    update_period: float = 0.1
    power_window: float | None = None  # averaging window of instant power; None = the whole update period

    def __post_init__(self) -> None:
        if isinstance(self.arch, str):
            key = self.arch.strip().lower()
            if key not in ARCHITECTURES:
                raise FootprintError(f"fake GPU arch {self.arch!r} is unknown; expected one of {', '.join(ARCHITECTURES)}")
            self.arch = ARCHITECTURES[key]
        if self.trace is None:
            self.trace = [(0.0, _watts(350.0 if self.power is None else self.power, "power"))]
        elif self.power is not None:
            raise FootprintError("fake GPU: give either 'power' or 'trace', not both")
        steps = [(float(t), _watts(p, "trace")) for t, p in self.trace]
        if not steps or steps[0][0] != 0 or any(b[0] <= a[0] for a, b in itertools.pairwise(steps)):
            raise FootprintError("fake GPU trace: expected steps [[0, '100 W'], [1, '650 W'], ...] with times rising from 0")
        self.trace = steps
        self._times = [t for t, _ in steps]
        self._cum = [0.0]  # energy (J) at each step start
        for (t0, p0), (t1, _) in itertools.pairwise(steps):
            self._cum.append(self._cum[-1] + p0 * (t1 - t0))
        self.power_limit_w = _watts(self.power_limit, "power_limit") if self.power_limit is not None else max(
            max(p for _, p in steps), 700.0 if self.arch == 9 else 400.0)

    # --- the analytic truth that tests compare against
    def power_at(self, t: float) -> float:
        """P(t) in W (the step in force at time t)."""
        i = max(0, bisect.bisect_right(self._times, t) - 1)
        return self.trace[i][1]  # type: ignore[index]

    def energy_until(self, t: float) -> float:
        """Integral of P from 0 to t, in J."""
        if t <= 0:
            return 0.0
        i = bisect.bisect_right(self._times, t) - 1
        return self._cum[i] + self.trace[i][1] * (t - self._times[i])  # type: ignore[index]

    def energy_between(self, a: float, b: float) -> float:
        """Exact energy between a and b seconds, in J."""
        return self.energy_until(b) - self.energy_until(a)

    # --- what the device reports at time t
    def counter_mj(self, t: float) -> int:
        """The energy counter: updated every update_period; restarts from 0 at each reset."""
        tq = _quantise(t, self.update_period)
        resets = [r for r in self.counter_resets if r <= tq]
        if resets:
            return int(self.energy_between(max(resets), tq) * 1000)
        return self.counter_start_mj + int(self.energy_until(tq) * 1000)

    def instant_mw(self, t: float) -> int:
        """Instant power: the average over the ``power_window`` before the latest update (100 ms windows see all
        of the time, as on Turing and Ampere's instant field; 0.025 s models A100/H100's 25% coverage)."""
        tq = _quantise(t, self.update_period)
        window = self.power_window or self.update_period
        if tq < window:
            return int(self.power_at(tq) * 1000)
        return int(self.energy_between(tq - window, tq) / window * 1000)

    def average_mw(self, t: float) -> int:
        """A 1 s trailing average, as field 185 and GetPowerUsage give on Ampere and newer."""
        tq = _quantise(t, self.update_period)
        if tq < 1.0:
            return self.instant_mw(t)
        return int(self.energy_between(tq - 1.0, tq) * 1000)

    def failure(self, t: float) -> int:
        for start, end in self.lost:
            if start <= t and (end is None or t < end):
                return ERROR_GPU_IS_LOST
        for start, end, code in self.errors:
            if start <= t and (end is None or t < end):
                return int(code)
        return SUCCESS


def _quantise(t: float, period: float) -> float:
    # a tiny epsilon so that t=0.3 (stored as 0.29999...) counts as the 0.3 update
    return int(t / period + 1e-9) * period


def _watts(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise FootprintError(f"fake GPU {what}: {value!r} is not a power; expected a power such as '350 W'")
    if isinstance(value, (int, float)):
        watts = float(value)
    else:
        from footprint.core.units import POWER, parse_quantity

        watts = float(parse_quantity(value, POWER, f"fake GPU {what}").to("W").magnitude)
    if not 0 <= watts <= _MAX_WATTS:  # also refuses nan and inf
        raise FootprintError(f"fake GPU {what}: {value!r} is not a power from 0 to {_MAX_WATTS:g} W")
    return watts


_MAX_WATTS = 100_000.0  # a sanity bound far above any single accelerator (the largest draw ~1.2 kW)


class FakeClock:
    """A clock that moves only when told: ``now()`` in seconds, ``wait()`` advances instead of sleeping.

    ``stop_at`` makes ``wait`` report a stop once that time is reached, so a meter loop can be run for a
    simulated month in a few seconds.
    """

    def __init__(self, start: float = 0.0, stop_at: float | None = None) -> None:
        self.t = start
        self.stop_at = stop_at

    def now(self) -> float:
        return self.t

    def advance(self, dt: float) -> None:
        self.t += dt

    def wait(self, event: threading.Event, timeout: float) -> bool:
        if timeout > 0:
            self.t += timeout
        return event.is_set() or (self.stop_at is not None and self.t >= self.stop_at - 1e-9)


class FakeNvmlLib:
    """Stands in for the ctypes CDLL of libnvidia-ml: attribute lookup returns C-like functions that take
    ctypes arguments, write outputs through ``byref`` and return NVML codes. Unknown names raise AttributeError,
    which pynvml turns into NVMLError_FunctionNotFound, as with an old driver.
    """

    def __init__(self, gpus: Sequence[FakeGpu], clock: Callable[[], float] | None = None, driver: bool = True,
                 driver_version: str = "570.86.15") -> None:
        self.gpus = list(gpus)
        for i, g in enumerate(self.gpus):
            if not g.uuid:
                g.uuid = f"GPU-{i:08x}-fake-4000-8000-{i:012x}"
        start = time.monotonic()
        self.clock = clock or (lambda: time.monotonic() - start)
        self.driver = driver
        self.driver_version = driver_version
        self.initialised = 0
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Callable[..., Any]:
        impl = getattr(type(self), "_" + name, None)
        if impl is None:
            raise AttributeError(name)

        # a plain function (not a bound method) because pynvml sets attributes such as ``restype`` on it
        def c_function(*args: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return impl(self, *args)

        return c_function

    # --- helpers
    def _device(self, handle: Any) -> tuple[FakeGpu | None, int]:
        """(device, code): the device behind a handle, or an error code."""
        if not self.initialised:
            return None, ERROR_UNINITIALIZED
        address = ctypes.cast(handle, ctypes.c_void_p).value or 0
        index = address - 1 if address < 1000 else (address - 1000) // 100
        if not 0 <= index < len(self.gpus):
            return None, ERROR_INVALID_ARGUMENT
        gpu = self.gpus[index]
        code = gpu.failure(self.clock())
        return (gpu, code) if code == SUCCESS else (None, code)

    @staticmethod
    def _set_handle(ref: Any, address: int) -> None:
        ctypes.cast(ctypes.pointer(ref._obj), ctypes.POINTER(ctypes.c_void_p)).contents.value = address

    # --- library
    def _nvmlInitWithFlags(self, flags: Any) -> int:  # noqa: N802 - the C name in nvml.h
        if not self.driver:
            return ERROR_DRIVER_NOT_LOADED
        self.initialised += 1
        return SUCCESS

    def _nvmlInit_v2(self) -> int:  # noqa: N802 - the C name in nvml.h
        return self._nvmlInitWithFlags(0)

    def _nvmlShutdown(self) -> int:  # noqa: N802 - the C name in nvml.h
        if not self.initialised:
            return ERROR_UNINITIALIZED
        self.initialised -= 1
        return SUCCESS

    def _nvmlErrorString(self, code: int) -> bytes:  # noqa: N802 - the C name in nvml.h
        return f"fake NVML error {code}".encode()

    def _nvmlSystemGetDriverVersion(self, buffer: Any, size: Any) -> int:  # noqa: N802 - the C name in nvml.h
        buffer.value = self.driver_version.encode()
        return SUCCESS

    def _nvmlSystemGetNVMLVersion(self, buffer: Any, size: Any) -> int:  # noqa: N802 - the C name in nvml.h
        buffer.value = b"13.570.86.15"
        return SUCCESS

    def _nvmlDeviceGetCount_v2(self, count: Any) -> int:  # noqa: N802 - the C name in nvml.h
        if not self.initialised:
            return ERROR_UNINITIALIZED
        count._obj.value = len(self.gpus)
        return SUCCESS

    def _nvmlDeviceGetHandleByIndex_v2(self, index: Any, handle: Any) -> int:  # noqa: N802 - the C name in nvml.h
        if not self.initialised:
            return ERROR_UNINITIALIZED
        i = index.value
        if not 0 <= i < len(self.gpus):
            return ERROR_INVALID_ARGUMENT
        code = self.gpus[i].failure(self.clock())
        if code != SUCCESS:
            return code
        self._set_handle(handle, i + 1)
        return SUCCESS

    def _nvmlDeviceGetHandleByUUID(self, uuid: Any, handle: Any) -> int:  # noqa: N802 - the C name in nvml.h
        if not self.initialised:
            return ERROR_UNINITIALIZED
        wanted = (uuid.value if hasattr(uuid, "value") else uuid).decode()
        for i, g in enumerate(self.gpus):
            if g.uuid == wanted:
                self._set_handle(handle, i + 1)
                return SUCCESS
            if wanted in g.mig_uuids:
                self._set_handle(handle, 1000 + i * 100 + 1 + list(g.mig_uuids).index(wanted))
                return SUCCESS
        return ERROR_NOT_FOUND

    def _nvmlDeviceGetDeviceHandleFromMigDeviceHandle(self, mig: Any, parent: Any) -> int:  # noqa: N802 - the C name in nvml.h
        address = ctypes.cast(mig, ctypes.c_void_p).value or 0
        if address < 1000:
            return ERROR_INVALID_ARGUMENT
        self._set_handle(parent, (address - 1000) // 100 + 1)
        return SUCCESS

    def _write_text(self, handle: Any, buffer: Any, attribute: str) -> int:
        gpu, code = self._device(handle)
        if gpu is None:
            return code
        buffer.value = getattr(gpu, attribute).encode()
        return SUCCESS

    def _nvmlDeviceGetName(self, handle: Any, buffer: Any, size: Any) -> int:  # noqa: N802 - the C name in nvml.h
        return self._write_text(handle, buffer, "name")

    def _nvmlDeviceGetUUID(self, handle: Any, buffer: Any, size: Any) -> int:  # noqa: N802 - the C name in nvml.h
        return self._write_text(handle, buffer, "uuid")

    def _nvmlDeviceGetIndex(self, handle: Any, index: Any) -> int:  # noqa: N802 - the C name in nvml.h
        gpu, code = self._device(handle)
        if gpu is None:
            return code
        index._obj.value = self.gpus.index(gpu)
        return SUCCESS

    def _nvmlDeviceGetArchitecture(self, handle: Any, arch: Any) -> int:  # noqa: N802 - the C name in nvml.h
        gpu, code = self._device(handle)
        if gpu is None:
            return code
        arch._obj.value = int(gpu.arch)
        return SUCCESS

    def _nvmlDeviceGetEnforcedPowerLimit(self, handle: Any, limit: Any) -> int:  # noqa: N802 - the C name in nvml.h
        gpu, code = self._device(handle)
        if gpu is None:
            return code
        limit._obj.value = int(gpu.power_limit_w * 1000)
        return SUCCESS

    def _nvmlDeviceGetTotalEnergyConsumption(self, handle: Any, energy: Any) -> int:  # noqa: N802 - the C name in nvml.h
        gpu, code = self._device(handle)
        if gpu is None:
            return code
        if not gpu.energy_counter or int(gpu.arch) < _VOLTA:
            return ERROR_NOT_SUPPORTED
        energy._obj.value = gpu.counter_mj(self.clock())
        return SUCCESS

    def _nvmlDeviceGetPowerUsage(self, handle: Any, power: Any) -> int:  # noqa: N802 - the C name in nvml.h
        gpu, code = self._device(handle)
        if gpu is None:
            return code
        t = self.clock()
        power._obj.value = gpu.average_mw(t) if int(gpu.arch) >= _AMPERE else gpu.instant_mw(t)
        return SUCCESS

    def _nvmlDeviceGetUtilizationRates(self, handle: Any, util: Any) -> int:  # noqa: N802 - the C name in nvml.h
        gpu, code = self._device(handle)
        if gpu is None:
            return code
        # a plausible figure for tools that read it: the share of the power limit in use
        util._obj.gpu = min(100, int(100 * gpu.power_at(self.clock()) / gpu.power_limit_w))
        util._obj.memory = util._obj.gpu // 2
        return SUCCESS

    def _nvmlDeviceGetMemoryInfo(self, handle: Any, memory: Any) -> int:  # noqa: N802 - the C name in nvml.h
        gpu, code = self._device(handle)
        if gpu is None:
            return code
        memory._obj.total = 80 * 1024**3
        memory._obj.used = 1024**3
        memory._obj.free = memory._obj.total - memory._obj.used
        return SUCCESS

    def _nvmlDeviceGetTemperature(self, handle: Any, sensor: Any, temp: Any) -> int:  # noqa: N802 - the C name in nvml.h
        gpu, code = self._device(handle)
        if gpu is None:
            return code
        temp._obj.value = 30 + int(40 * gpu.power_at(self.clock()) / gpu.power_limit_w)
        return SUCCESS

    def _nvmlDeviceGetComputeMode(self, handle: Any, mode: Any) -> int:  # noqa: N802 - the C name in nvml.h
        gpu, code = self._device(handle)
        if gpu is None:
            return code
        mode._obj.value = 0  # NVML_COMPUTEMODE_DEFAULT
        return SUCCESS

    def _nvmlDeviceGetComputeRunningProcesses_v3(self, handle: Any, count: Any, procs: Any) -> int:  # noqa: N802 - the C name in nvml.h
        gpu, code = self._device(handle)
        if gpu is None:
            return code
        count._obj.value = 0  # no process runs on a simulated GPU
        return SUCCESS

    _nvmlDeviceGetGraphicsRunningProcesses_v3 = _nvmlDeviceGetComputeRunningProcesses_v3  # noqa: N815 - the C name

    def _nvmlDeviceGetFieldValues(self, handle: Any, count: Any, values: Any) -> int:  # noqa: N802 - the C name in nvml.h
        gpu, code = self._device(handle)
        if gpu is None:
            return code
        t = self.clock()
        stamp = int(time.time() * 1e6)
        for v in values._obj[: count.value]:
            v.timestamp = stamp
            v.latencyUsec = 0
            if v.fieldId == FIELD_POWER_INSTANT and gpu.instant_power:
                v.valueType, v.nvmlReturn = _VALUE_TYPE_UINT, SUCCESS
                v.value.uiVal = gpu.instant_mw(t)
            elif v.fieldId == FIELD_POWER_AVERAGE and int(gpu.arch) >= _AMPERE:
                v.valueType, v.nvmlReturn = _VALUE_TYPE_UINT, SUCCESS
                v.value.uiVal = gpu.average_mw(t)
            elif v.fieldId == FIELD_ENERGY and gpu.energy_counter and int(gpu.arch) >= _VOLTA:
                v.valueType, v.nvmlReturn = _VALUE_TYPE_ULL, SUCCESS
                v.value.ullVal = gpu.counter_mj(t)
            else:
                v.nvmlReturn = ERROR_NOT_SUPPORTED
        return SUCCESS


@contextlib.contextmanager
def fake_nvml(gpus: Sequence[FakeGpu], clock: Callable[[], float] | None = None, driver: bool = True,
              driver_version: str = "570.86.15") -> Iterator[FakeNvmlLib]:
    """Install a FakeNvmlLib under pynvml for the duration of the block (restoring the real state after)."""
    lib = install_fake_nvml(gpus, clock=clock, driver=driver, driver_version=driver_version)
    try:
        yield lib
    finally:
        uninstall_fake_nvml()


_saved: list[Any] = []


def install_fake_nvml(gpus: Sequence[FakeGpu], clock: Callable[[], float] | None = None, driver: bool = True,
                      driver_version: str = "570.86.15") -> FakeNvmlLib:
    """Replace pynvml's library handle with a fake (and clear its function cache); see ``fake_nvml``."""
    import pynvml

    lib = FakeNvmlLib(gpus, clock=clock, driver=driver, driver_version=driver_version)
    with pynvml.libLoadLock:
        _saved.append(pynvml.nvmlLib)
        pynvml.nvmlLib = lib
        pynvml._nvmlGetFunctionPointer_cache.clear()
    return lib


def uninstall_fake_nvml() -> None:
    """Undo the last ``install_fake_nvml``."""
    import pynvml

    with pynvml.libLoadLock:
        pynvml.nvmlLib = _saved.pop() if _saved else None
        pynvml._nvmlGetFunctionPointer_cache.clear()


@dataclass
class FakeConfig:
    """What a FOOTPRINT_FAKE_GPUS file describes."""

    gpus: list[FakeGpu] = field(default_factory=list)
    driver: bool = True
    driver_version: str = "570.86.15"
    path: str = ""


_GPU_KEYS = {"name", "power", "trace", "uuid", "arch", "energy_counter", "instant_power", "power_limit",
             "counter_reset_at", "lost_at", "lost_until", "error", "error_at", "error_until", "mig_uuids",
             "update_period", "power_window"}
_TOP_KEYS = {"gpu", "driver", "driver_version"}


def load_fake_file(path: str | Path) -> FakeConfig:
    """Read a fake-GPU TOML file. Top level: ``driver = false`` (no driver), ``driver_version``. Per ``[[gpu]]``:

    - ``name`` (an NVML device name), and ``power = "350 W"`` or ``trace = [[0, "100 W"], [1, "650 W"]]``;
    - ``uuid``, ``arch`` ("volta" .. "blackwell" or the NVML number), ``power_limit = "700 W"``;
    - faults: ``energy_counter = false`` (NotSupported, as pre-Volta), ``instant_power = false`` (no field 186),
      ``counter_reset_at = [5.0]`` (driver reloads), ``lost_at = 3.0`` / ``lost_until = 6.0`` (GpuIsLost),
      ``error = "NoPermission"``, ``error_at``, ``error_until`` (any NVML error by name), ``mig_uuids``;
    - ``update_period`` (s, default 0.1) and ``power_window`` (s: instant power averages this much before each
      update; default the whole period, 0.025 models A100/H100's 25% coverage).
    """
    from footprint.core.tomlfile import read_toml

    p = Path(path)
    data = read_toml(p, "FOOTPRINT_FAKE_GPUS: file", "a TOML file with [[gpu]] tables")
    for key in data:
        if key not in _TOP_KEYS:
            raise FootprintError(f"{p}: unknown key {key!r}{suggest(key, _TOP_KEYS)}; expected [[gpu]] tables, driver, driver_version")
    tables = data.get("gpu", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise FootprintError(f"{p}: 'gpu' must be [[gpu]] tables")
    driver = data.get("driver", True)
    if not isinstance(driver, bool):
        raise FootprintError(f"{p}: key 'driver': {driver!r} is not true or false")
    driver_version = data.get("driver_version", "570.86.15")
    if not isinstance(driver_version, str):
        raise FootprintError(f"{p}: key 'driver_version': {driver_version!r} is not a string such as '570.86.15'")
    gpus = []
    for n, table in enumerate(tables):
        where = f"{p}: gpu {n}"
        for key in table:
            if key not in _GPU_KEYS:
                raise FootprintError(f"{where}: unknown key {key!r}{suggest(key, _GPU_KEYS)}; expected one of {', '.join(sorted(_GPU_KEYS))}")
        try:
            gpus.append(_fake_gpu(table))
        except FootprintError as exc:
            raise FootprintError(f"{where}: {exc}") from None
        except (TypeError, ValueError) as exc:  # a shape FakeGpu cannot use, such as a trace step of three items
            raise FootprintError(f"{where}: {exc}") from None
    return FakeConfig(gpus, driver, driver_version, str(p))


def _fake_gpu(table: dict[str, Any]) -> FakeGpu:
    """One [[gpu]] table as a FakeGpu; every value's type and range is checked, naming its key."""
    arch = table.get("arch", 9)
    if isinstance(arch, bool) or not isinstance(arch, (int, str)):
        raise FootprintError(f"key 'arch': {arch!r} is not an architecture name such as 'hopper' or its NVML number")
    name = table.get("name") or DEFAULT_NAMES.get(arch if isinstance(arch, int) else ARCHITECTURES.get(arch.lower(), 9),
                                                  "NVIDIA H100 80GB HBM3")
    for key in ("name", "uuid"):
        if key in table and not isinstance(table[key], str):
            raise FootprintError(f"key {key!r}: {table[key]!r} is not a string")
    for key in ("energy_counter", "instant_power"):
        if key in table and not isinstance(table[key], bool):
            raise FootprintError(f"key {key!r}: {table[key]!r} is not true or false")
    mig = table.get("mig_uuids", [])
    if not isinstance(mig, list) or not all(isinstance(m, str) for m in mig):
        raise FootprintError(f"key 'mig_uuids': {mig!r} is not a list of strings")
    trace = table.get("trace")
    if trace is not None:
        if not isinstance(trace, list) or not all(isinstance(step, list) and len(step) == 2 for step in trace):
            raise FootprintError("key 'trace': expected steps [[0, '100 W'], [1, '650 W'], ...]")
        trace = [(_time(f"trace[{i}]", t), power) for i, (t, power) in enumerate(trace)]
    lost = []
    if "lost_at" in table:
        lost.append((_time("lost_at", table["lost_at"]),
                     _time("lost_until", table["lost_until"]) if "lost_until" in table else None))
    errors = []
    if "error" in table:
        code = table["error"]
        if isinstance(code, str):
            if code not in ERROR_NAMES:
                raise FootprintError(f"error {code!r} is unknown{suggest(code, ERROR_NAMES)}; expected an NVML error name such as 'GpuIsLost'")
            code = ERROR_NAMES[code]
        if isinstance(code, bool) or not isinstance(code, int) or not 0 < code < 2**31:
            raise FootprintError(f"key 'error': {code!r} is not an NVML error name such as 'GpuIsLost' or its code")
        errors.append((_time("error_at", table.get("error_at", 0.0)),
                       _time("error_until", table["error_until"]) if "error_until" in table else None, code))
    resets = table.get("counter_reset_at", [])
    resets = resets if isinstance(resets, list) else [resets]
    update_period = _time("update_period", table.get("update_period", 0.1), positive=True)
    return FakeGpu(
        name=str(name), power=table.get("power"), trace=trace, uuid=table.get("uuid", ""), arch=arch,
        energy_counter=table.get("energy_counter", True), instant_power=table.get("instant_power", True),
        power_limit=table.get("power_limit"), counter_resets=[_time("counter_reset_at", r) for r in resets], lost=lost,
        errors=errors, mig_uuids=mig, update_period=update_period,
        power_window=_time("power_window", table["power_window"], positive=True) if "power_window" in table else None,
    )


_MAX_SECONDS = 10 * 365 * 86400.0  # a fake run of ten years is already a thousand times longer than any test


def _time(key: str, value: Any, positive: bool = False) -> float:
    """A time in seconds from a fake-GPU file: a finite number, at least 0 (above 0 where `positive`)."""
    low_ok = (value > 0 if positive else value >= 0) if isinstance(value, (int, float)) else False
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low_ok or not value <= _MAX_SECONDS:
        least = "above 0" if positive else "0 or more"
        raise FootprintError(f"key {key!r}: {value!r} is not a time in seconds {least} (at most {_MAX_SECONDS:g})")
    return float(value)
