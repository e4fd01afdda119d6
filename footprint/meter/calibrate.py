"""Calibration: run a sized matmul load on the local GPU while metering it, and write a measured profile.

For each precision the load runs for a fixed time (after a warm-up that is not counted); the achieved FLOP/s and
the GPU's average board power over that window become a ``[measured.<precision>]`` table of a profile TOML that
copies the matching datasheet profile (TDP, memory, peaks, node, with their sources), so that
``footprint estimate --profile-file PATH`` uses measured throughput and power instead of datasheet figures.

The load generator is pluggable (``LoadBackend``): PyTorch on the GPU for real calibrations; a pure-Python CPU
matmul to test the pipeline anywhere (with ``FOOTPRINT_FAKE_GPUS``; its throughput is the CPU's, not the GPU's).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from footprint.core.profiles import PRECISIONS, HardwareProfile
from footprint.errors import FootprintError
from footprint.plugins.contract import LoadBackend

WARMUP_SHARE = 0.2  # of the measured time, spent first at full load so clocks, power and cuBLAS settle


class TorchBackend:
    """Square matmuls on CUDA device 0 (the first GPU in CUDA_VISIBLE_DEVICES), synchronised after each batch."""

    name = "torch"
    supported = ("fp64", "fp32", "tf32", "bf16", "fp16", "fp8")

    def __init__(self, batch: int = 10) -> None:
        self.batch = batch
        self.torch: Any = None
        self.run: Any = None
        self.size = 0

    def check(self) -> None:
        try:
            import torch
        except ImportError:
            raise FootprintError("calibrate needs PyTorch: install it with pip install 'footprint[torch]'") from None
        if not torch.cuda.is_available():
            raise FootprintError("calibrate: PyTorch sees no CUDA GPU (torch.cuda.is_available() is False); expected a machine with an NVIDIA GPU")
        self.torch = torch

    def prepare(self, precision: str, size: int) -> None:
        torch = self.torch
        if precision not in self.supported:
            raise FootprintError(f"--precision: {precision!r} is not supported by the torch load; expected one of {', '.join(self.supported)}")
        self.size = size
        device = torch.device("cuda", 0)
        torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
        if precision == "fp8":
            if not hasattr(torch, "float8_e4m3fn") or not hasattr(torch, "_scaled_mm"):
                raise FootprintError("--precision fp8: this PyTorch has no float8 matmul (torch._scaled_mm); expected PyTorch >= 2.1 on Hopper or newer")
            a = torch.randn(size, size, device=device).to(torch.float8_e4m3fn)
            b = torch.randn(size, size, device=device).to(torch.float8_e4m3fn).t()  # column-major, as _scaled_mm wants
            one = torch.tensor(1.0, device=device)

            def run() -> None:
                torch._scaled_mm(a, b, scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
        else:
            dtype = {"fp64": torch.float64, "fp32": torch.float32, "tf32": torch.float32, "bf16": torch.bfloat16,
                     "fp16": torch.float16}[precision]
            a = torch.randn(size, size, device=device, dtype=dtype)
            b = torch.randn(size, size, device=device, dtype=dtype)
            out = torch.empty(size, size, device=device, dtype=dtype)

            def run() -> None:
                torch.matmul(a, b, out=out)
        try:
            run()
            torch.cuda.synchronize()
        except RuntimeError as exc:
            raise FootprintError(f"--precision {precision}: the GPU cannot run this matmul ({str(exc).splitlines()[0]})") from None
        self.run = run

    def step(self) -> float:
        for _ in range(self.batch):
            self.run()
        self.torch.cuda.synchronize()
        return self.batch * 2.0 * self.size**3

    def describe(self, precision: str, size: int) -> str:
        return f"torch {self.torch.__version__} {size}x{size} {precision} matmuls on cuda:0"


class PythonBackend:
    """A pure-Python matmul on the CPU: no dependency, for testing the calibration pipeline (not the GPU)."""

    name = "python"

    def __init__(self) -> None:
        self.a: list[list[float]] = []
        self.b: list[list[float]] = []

    def check(self) -> None:
        pass

    def prepare(self, precision: str, size: int) -> None:
        n = min(size, 64)  # pure Python: keep a step around a millisecond or two
        self.a = [[(i * n + j) % 7 / 7 for j in range(n)] for i in range(n)]
        self.b = [[(i + j) % 5 / 5 for j in range(n)] for i in range(n)]

    def step(self) -> float:
        n = len(self.a)
        columns = list(zip(*self.b, strict=True))
        for row in self.a:
            [sum(x * y for x, y in zip(row, col, strict=True)) for col in columns]
        return 2.0 * n**3

    def describe(self, precision: str, size: int) -> str:
        return f"pure-Python {min(size, 64)}x{min(size, 64)} matmuls on the CPU (pipeline test; {precision} label only)"


def _backend_problem(value: Any) -> str | None:
    if not isinstance(value, type) or not isinstance(getattr(value, "name", None), str) or not value.name:
        return f"{value!r}, not a LoadBackend class with a name"
    missing = [m for m in ("check", "prepare", "step", "describe") if not callable(getattr(value, m, None))]
    return f"load backend {value.name!r} without {', '.join(missing)}" if missing else None


def registered_backends() -> dict[str, type[LoadBackend]]:
    """Every load backend registered through ``footprint_register_load_backends``, by name (first one wins)."""
    from footprint.plugins import manager as plugins

    def build() -> dict[str, type[LoadBackend]]:
        found: dict[str, type[LoadBackend]] = {}
        for _, backend in plugins.collect("footprint_register_load_backends", _backend_problem):
            found.setdefault(backend.name, backend)
        return found

    return plugins.memo("load-backends", build)


def load_backend(name: str) -> LoadBackend:
    """A new instance of the backend called ``name``; unknown names list the registered ones."""
    from footprint.errors import suggest

    backends = registered_backends()
    if name not in backends:
        raise FootprintError(f"--backend: {name!r} is not a load backend{suggest(name, backends)}; "
                             f"expected one of {', '.join(sorted(backends))}")
    return backends[name]()


@dataclass
class Calibration:
    """One precision's measurement."""

    precision: str
    seconds: float
    flops: float
    energy_j: float
    method: str
    load: str

    @property
    def throughput_tflops(self) -> float:
        return self.flops / self.seconds / 1e12

    @property
    def power_w(self) -> float:
        return self.energy_j / self.seconds


def parse_precisions(text: str) -> list[str]:
    """'bf16,fp8' -> ['bf16', 'fp8'], each checked against the known precisions."""
    out = []
    for part in text.split(","):
        p = part.strip().lower()
        if not p:
            continue
        if p not in PRECISIONS:
            raise FootprintError(f"--precision: {part.strip()!r} is unknown; expected a comma-separated list of {', '.join(PRECISIONS)}")
        if p not in out:
            out.append(p)
    if not out:
        raise FootprintError(f"--precision: {text!r} names no precision; expected e.g. 'bf16,fp8'")
    return out


def calibrate(precisions: list[str], backend: LoadBackend, *, seconds: float = 30.0, size: int = 8192,
              interval: float = 1.0, log: str | Path | None = None, **recorder_options: Any) -> tuple[list[Calibration], dict[str, Any]]:
    """Meter the first GPU while ``backend`` loads it, per precision; returns the measurements and GPU facts
    (name, uuid, driver, profile id)."""
    from footprint.meter.recorder import Recorder, RecorderOptions

    backend.check()
    recorder = Recorder(RecorderOptions(interval=interval, log_path=log, label="calibrate", **recorder_options))
    recorder.start(threaded=True)
    results: list[Calibration] = []
    try:
        assert recorder.opened is not None
        gpus = recorder.opened.gpus
        if not gpus:
            reason = "no NVIDIA driver found" if recorder.opened.facts.get("no_driver") else "no GPU visible"
            raise FootprintError(f"calibrate needs an NVIDIA GPU: {reason}")
        target = recorder.opened.channels.index(gpus[0])
        info = recorder.header["channels"][target]
        for precision in precisions:
            backend.prepare(precision, size)
            _load_for(backend, seconds * WARMUP_SHARE)
            recorder.mark(precision, "start")
            start = time.monotonic()
            flops = _load_for(backend, seconds)
            recorder.mark(precision, "end")
            elapsed = time.monotonic() - start
            assert recorder.ledger is not None
            window = recorder.ledger.windows[-1][1]
            energy = window.channels[target].energy
            results.append(Calibration(precision, window.duration or elapsed, flops, energy, str(info["method"]),
                                       backend.describe(precision, size)))
    finally:
        recorder.stop()
    facts = {"name": info.get("name", ""), "uuid": info.get("key"), "driver": recorder.header["facts"].get("driver", "unknown"),
             "profile": info.get("profile"), "simulated": bool(recorder.header["facts"].get("simulated"))}
    return results, facts


def _load_for(backend: LoadBackend, seconds: float) -> float:
    flops = 0.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        flops += backend.step()
    return flops


def measured_profile_toml(profile: HardwareProfile, results: list[Calibration], facts: dict[str, Any], today: date | None = None) -> str:
    """The datasheet profile's TOML with a new id and name, plus one ``[measured.<precision>]`` table per result.

    The datasheet file is edited as TOML (tomlkit keeps its comments, layout and sources), so any valid profile,
    a multi-line ``aliases`` array included, stays valid.
    """
    import tomlkit

    today = today or date.today()
    new_id = f"{profile.id}-measured"
    header = [f"# Written by 'footprint calibrate' on {today.isoformat()} from measurements on {facts.get('name')} "
              f"(driver {facts.get('driver')}){' with SIMULATED GPUs' if facts.get('simulated') else ''}.",
              f"# Datasheet figures copied from profile {profile.id!r}" + (f" ({profile.path})" if profile.path else "") + ".",
              "", ""]
    source_path = Path(profile.path) if profile.path else None
    if source_path is not None and source_path.is_file():
        doc = tomlkit.parse(source_path.read_text(encoding="utf-8"))
        doc.pop("measured", None)  # calibrating from a measured file replaces its old measurements
        doc["id"] = new_id
        doc["name"] = profile.name + " (measured)"
        aliases = tomlkit.array()
        aliases.comment("the datasheet profile keeps its aliases")
        doc["aliases"] = aliases
    else:
        doc = tomlkit.document()
        doc["schema"] = 1
        doc["id"] = new_id
        doc["name"] = profile.name + " (measured)"
        doc["nvml_names"] = list(profile.nvml_names)
        tdp = tomlkit.table()
        if profile.tdp is not None:
            tdp["value"] = f"{profile.tdp.value:~}"
            tdp["source"] = profile.tdp.source
        else:
            tdp["value"] = "unknown"
            tdp["source"] = profile.tdp_unknown
        doc["tdp"] = tdp
    if results:
        measured = tomlkit.table(is_super_table=True)
        for r in results:
            table = tomlkit.table()
            table["throughput"] = f"{r.throughput_tflops:.6g} TFLOP/s"
            table["power"] = f"{r.power_w:.4g} W"
            table["source"] = f"footprint calibrate: {r.load} for {r.seconds:.3g} s; GPU energy by {r.method}"
            table["note"] = "achieved dense matmul throughput (not the datasheet peak) and average board power during that load"
            table["date"] = today.isoformat()
            table["gpu_name"] = str(facts.get("name", ""))
            table["driver"] = str(facts.get("driver", ""))
            measured[r.precision] = table
        doc["measured"] = measured
    return "\n".join(header[:-1]) + "\n" + tomlkit.dumps(doc).strip() + "\n"
