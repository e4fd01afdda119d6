"""GPU metering through NVML (module ``pynvml`` of nvidia-ml-py): device selection, method probing, channels.

Per device (keyed by UUID) the total energy counter (mJ, Volta and newer) is read at each interval; where it is
missing, instant power (field 186, else ``nvmlDeviceGetPowerUsage``) is polled at ``poll_hz`` and integrated with
the trapezoid rule. A counter that goes backwards (driver reload) starts a new epoch; an error on one device
(GpuIsLost, ...) is a gap on that device, filled at its last known power and flagged, while the others go on.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

from footprint.plugins.contract import ChannelBase, MeterFactory, MeterSettings, Opened, Reading

NO_DRIVER = "no NVIDIA driver found: metering CPU and RAM only"
FIELD_POWER_INSTANT = 186  # NVML_FI_DEV_POWER_INSTANT (nvml.h; pynvml.py line 752)
SCOPE_GPU = 0  # NVML_POWER_SCOPE_GPU
GAP_FACTOR = 3  # a polling gap longer than this many periods is flagged
MIN_POWER_WINDOW_S = 0.5  # shorter windows see the ~100 ms counter updates as noise; keep the last power


def error_name(exc: BaseException) -> str:
    """'GpuIsLost' for NVMLError_GpuIsLost; the class name otherwise."""
    return type(exc).__name__.removeprefix("NVMLError_")


@dataclass
class Device:
    """A selected GPU: NVML index and handle, identity, and how it will be metered."""

    index: int
    handle: Any
    uuid: str
    name: str
    arch: int | None
    power_limit_w: float | None
    method: str = ""


class CounterGpu(ChannelBase):
    """Energy from the total energy counter; gaps and resets handled as described in the module docstring."""

    component = "gpu"

    def __init__(self, nvml: Any, device: Device) -> None:
        self.nvml = nvml
        self.device = device
        self.key = device.uuid
        self.method = "energy counter (nvmlDeviceGetTotalEnergyConsumption)"
        self.prev = 0  # counter (mJ) at the last good read
        self.prev_t = 0.0
        self.last_call_t = 0.0
        self.filled = 0.0  # J reported as gap estimates since the last good read
        self.last_power = 0.0

    def info(self) -> dict[str, Any]:
        return _info(self.device, self.method)

    def start(self, now: float) -> None:
        self.prev = self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.device.handle)
        self.prev_t = self.last_call_t = now
        try:  # a prior for the gap fill, should the GPU fail before the first interval ends
            self.last_power = self.nvml.nvmlDeviceGetPowerUsage(self.device.handle) / 1000
        except self.nvml.NVMLError:
            self.last_power = 0.0


    def read(self, now: float) -> Reading:
        try:
            counter = self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.device.handle)
        except self.nvml.NVMLError as exc:
            fill = self.last_power * max(0.0, now - self.last_call_t)
            self.filled += fill
            self.last_call_t = now
            return Reading(fill, fill, (f"gap:{error_name(exc)}",))
        window = now - self.prev_t
        self.last_call_t = now
        flags: tuple[str, ...] = ()
        if counter >= self.prev:
            total = (counter - self.prev) / 1000
            estimated = -self.filled  # a measurement across the gap replaces its estimate
            if self.filled:
                flags = ("gap-measured",)
            if window >= MIN_POWER_WINDOW_S:
                self.last_power = total / window
        else:
            # driver reload: the counter restarted at 0 some time in the window; what it shows is measured,
            # the rest of the window is estimated at the last power (never a negative delta)
            measured = counter / 1000
            total = max(measured, self.last_power * window)
            estimated = (total - measured) - self.filled
            flags = ("counter-reset",)
        energy = total - self.filled
        self.prev, self.prev_t, self.filled = counter, now, 0.0
        return Reading(energy, estimated, flags)



class PollingGpu(ChannelBase):
    """Energy from polled instant power, trapezoid rule; the interval boundaries are polled too."""

    component = "gpu"

    def __init__(self, nvml: Any, device: Device, poll_hz: float, use_field: bool) -> None:
        self.nvml = nvml
        self.device = device
        self.key = device.uuid
        self.use_field = use_field
        self.poll_period = 1.0 / poll_hz
        source = "instant power field 186" if use_field else "nvmlDeviceGetPowerUsage"
        self.method = f"power polling ({source}) at {poll_hz:g} Hz, trapezoid rule"
        self.last_t = 0.0
        self.last_p = 0.0
        self.acc = 0.0
        self.est = 0.0
        self.flags: set[str] = set()
        self.error: str | None = None

    def info(self) -> dict[str, Any]:
        return _info(self.device, self.method)

    def sample(self) -> float:
        """Power now, in W."""
        if self.use_field:
            value = self.nvml.nvmlDeviceGetFieldValues(self.device.handle, [(FIELD_POWER_INSTANT, SCOPE_GPU)])[0]
            if value.nvmlReturn != 0:
                raise self.nvml.NVMLError(value.nvmlReturn)
            return value.value.uiVal / 1000
        return self.nvml.nvmlDeviceGetPowerUsage(self.device.handle) / 1000

    def start(self, now: float) -> None:
        self.last_t, self.last_p = now, self.sample()

    def poll(self, now: float) -> None:
        try:
            p = self.sample()
        except self.nvml.NVMLError as exc:
            self.error = error_name(exc)
            return
        gap = now - self.last_t
        energy = (self.last_p + p) / 2 * gap
        if gap > GAP_FACTOR * self.poll_period:
            self.est += energy
            self.flags.add(f"gap:{self.error or 'late'}")
        self.acc += energy
        self.last_t, self.last_p = now, p
        self.error = None

    def read(self, now: float) -> Reading:
        self.poll(now)
        if self.error is not None and now > self.last_t:
            fill = self.last_p * (now - self.last_t)
            self.acc += fill
            self.est += fill
            self.flags.add(f"gap:{self.error}")
            self.last_t = now
        reading = Reading(self.acc, self.est, tuple(sorted(self.flags)))
        self.acc, self.est, self.flags = 0.0, 0.0, set()
        return reading



def _info(device: Device, method: str) -> dict[str, Any]:
    return {"index": device.index, "name": device.name, "uuid": device.uuid, "arch": device.arch,
            "power_limit_w": device.power_limit_w, "method": method}


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def select_devices(nvml: Any, visible: str | None, all_gpus: bool) -> tuple[list[Device], list[str]]:
    """The GPUs to meter: every device with --all-gpus or when CUDA_VISIBLE_DEVICES is unset, else the listed ones.

    CUDA_VISIBLE_DEVICES entries may be indices, GPU UUIDs (or unique prefixes) or MIG UUIDs ('MIG-GPU-<uuid>/g/c'
    or 'MIG-<uuid>'); a MIG slice is metered as its whole parent GPU, since NVML reports no power per slice.
    Like CUDA, an invalid entry ends the list.
    """
    notes: list[str] = []
    devices: list[Device] = []
    for index in range(nvml.nvmlDeviceGetCount()):
        try:
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            devices.append(_describe(nvml, index, handle))
        except nvml.NVMLError as exc:
            notes.append(f"GPU {index}: {error_name(exc)} at start; not metered")
    if all_gpus or visible is None:
        return devices, notes
    by_uuid = {d.uuid: d for d in devices}
    chosen: list[Device] = []
    for raw in visible.split(","):
        entry = raw.strip()
        if not entry:
            continue
        device: Device | None = None
        if entry.isdigit():
            device = next((d for d in devices if d.index == int(entry)), None)
        elif entry.startswith("MIG-"):
            device = _mig_parent(nvml, entry, by_uuid)
            if device is not None:
                notes.append(f"{entry}: a MIG slice; NVML gives no per-slice power, so its parent GPU {device.uuid} is metered whole")
        elif entry.startswith("GPU-"):
            matches = [d for d in devices if d.uuid.startswith(entry)]
            device = matches[0] if len(matches) == 1 else None
        if device is None:
            notes.append(f"CUDA_VISIBLE_DEVICES entry {entry!r} matches no GPU; it and any after it are ignored, as CUDA does")
            break
        if device not in chosen:
            chosen.append(device)
    return chosen, notes


def _mig_parent(nvml: Any, entry: str, by_uuid: dict[str, Device]) -> Device | None:
    if entry.startswith("MIG-GPU-"):  # the pre-R470 form names the parent: MIG-GPU-<uuid>/<gi>/<ci>
        return by_uuid.get(entry[len("MIG-"):].split("/")[0])
    try:
        mig = nvml.nvmlDeviceGetHandleByUUID(entry)
        parent = nvml.nvmlDeviceGetDeviceHandleFromMigDeviceHandle(mig)
        return by_uuid.get(_text(nvml.nvmlDeviceGetUUID(parent)))
    except nvml.NVMLError:
        return None


def _describe(nvml: Any, index: int, handle: Any) -> Device:
    arch: int | None
    try:
        arch = int(nvml.nvmlDeviceGetArchitecture(handle))
    except nvml.NVMLError:
        arch = None
    try:
        limit: float | None = nvml.nvmlDeviceGetEnforcedPowerLimit(handle) / 1000
    except nvml.NVMLError:
        limit = None
    return Device(index, handle, _text(nvml.nvmlDeviceGetUUID(handle)), _text(nvml.nvmlDeviceGetName(handle)), arch, limit)


def probe(nvml: Any, device: Device, poll_hz: float) -> CounterGpu | PollingGpu | None:
    """The best method this device supports: the energy counter, else field 186, else GetPowerUsage."""
    try:
        nvml.nvmlDeviceGetTotalEnergyConsumption(device.handle)
        return CounterGpu(nvml, device)
    except nvml.NVMLError:
        pass
    for use_field in (True, False):
        channel = PollingGpu(nvml, device, poll_hz, use_field)
        try:
            channel.sample()
            return channel
        except nvml.NVMLError:
            continue
    return None


NVML_LIBRARY = "libnvidia-ml.so.1"  # the name pynvml loads on Linux


def nvml_library_loads() -> bool:
    """Whether pynvml's nvmlInit() could find the NVML library: the same load it makes on Linux (elsewhere, and
    when a library is already in place, such as a fake installed under pynvml, pynvml is asked)."""
    if not sys.platform.startswith("linux"):
        return True
    loaded = sys.modules.get("pynvml")
    if loaded is not None and getattr(loaded, "nvmlLib", None) is not None:
        return True
    import ctypes

    try:
        ctypes.CDLL(NVML_LIBRARY)
    except OSError:
        return False
    return True


class NvmlGpuMeter(MeterFactory):
    """Built-in GPU meter. With FOOTPRINT_FAKE_GPUS=file.toml the NVML library is replaced by the fake one."""

    name = "nvml"
    component = "gpu"

    def open(self, settings: MeterSettings) -> Opened:
        opened = Opened()
        fake_file = os.environ.get("FOOTPRINT_FAKE_GPUS")
        faked = False
        if fake_file:
            from footprint.meter.fake_nvml import install_fake_nvml, load_fake_file

            config = load_fake_file(fake_file)
            install_fake_nvml(config.gpus, clock=_relative(settings), driver=config.driver,
                              driver_version=config.driver_version)
            faked = True
            opened.notes.append(f"warning: GPUs are simulated (FOOTPRINT_FAKE_GPUS={fake_file}); no real GPU is metered")
            opened.facts["simulated"] = fake_file
        if not faked and not nvml_library_loads():
            # what pynvml.nvmlInit() would say, without importing pynvml (a cost on every start, benchmarks/RESULTS.md) on a machine with no driver
            opened.facts["nvml"] = "unavailable: LibraryNotFound"
            opened.facts["no_driver"] = True
            return opened
        try:
            import pynvml
        except ImportError:
            opened.facts["nvml"] = "nvidia-ml-py is not installed"
            opened.facts["no_driver"] = True
            return opened
        initialised = False

        def close() -> None:
            if initialised:
                try:
                    pynvml.nvmlShutdown()
                except pynvml.NVMLError:
                    pass
            if faked:
                from footprint.meter.fake_nvml import uninstall_fake_nvml

                uninstall_fake_nvml()

        opened.close = close
        try:
            pynvml.nvmlInit()
            initialised = True
        except pynvml.NVMLError as exc:
            opened.facts["nvml"] = f"unavailable: {error_name(exc)}"
            opened.facts["no_driver"] = True
            return opened
        try:
            opened.facts["driver"] = _text(pynvml.nvmlSystemGetDriverVersion())
        except pynvml.NVMLError:
            opened.facts["driver"] = "unknown"
        from importlib.metadata import PackageNotFoundError, version

        try:
            opened.facts["nvidia-ml-py"] = version("nvidia-ml-py")
        except PackageNotFoundError:
            opened.facts["nvidia-ml-py"] = "unknown"
        devices, notes = select_devices(pynvml, settings.visible.get("CUDA_VISIBLE_DEVICES"), settings.all_gpus)
        opened.notes.extend(notes)
        for device in devices:
            channel = probe(pynvml, device, settings.poll_hz)
            if channel is None:
                opened.notes.append(f"GPU {device.index} ({device.name}): no energy counter and no power reading; not metered")
                continue
            device.method = channel.method
            opened.channels.append(channel)
        return opened


def _relative(settings: MeterSettings) -> Any:
    """The fake's clock: the meter's clock when given (fake-clock tests), else seconds since now."""
    if settings.clock is not None:
        return settings.clock
    import time

    start = time.monotonic()
    return lambda: time.monotonic() - start
