"""Helpers for the metering tests: run the real meter loop over fake GPUs on a fake clock, in milliseconds."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from footprint.meter.channels import MeterSettings
from footprint.meter.nvml import NvmlGpuMeter
from footprint.meter.recorder import Recorder, RecorderOptions
from footprint.result import Footprint
from footprint.testing import FakeClock, FakeGpu, fake_nvml


def fake_host(root: Path, load_busy: int = 0) -> MeterSettings:
    """Settings pointing at a fake /proc (fixed CPU, 64 GiB) and an empty powercap tree: deterministic host power."""
    proc = root / "proc"
    proc.mkdir(parents=True, exist_ok=True)
    (proc / "cpuinfo").write_text("processor\t: 0\nmodel name\t: AMD EPYC 7543 32-Core Processor\nphysical id\t: 0\n")
    (proc / "stat").write_text(f"cpu  {load_busy} 0 0 1000 0 0 0 0 0 0\n")
    (proc / "meminfo").write_text(f"MemTotal:       {64 * 1024 * 1024} kB\n")
    return MeterSettings(powercap_root=root / "powercap", proc_root=proc)


def metered(gpus: list[FakeGpu], seconds: float, *, interval: float = 5.0, poll_hz: float = 10.0, start: float = 0.0,
            settings: MeterSettings | None = None, log: Path | None = None, driver: bool = True,
            gpu_only: bool = True, **options: Any) -> tuple[Footprint, Recorder]:
    """Meter ``gpus`` for ``seconds`` of fake time (the loop really runs; sleeping only moves the clock)."""
    clock = FakeClock(start=start, stop_at=start + seconds)
    settings = settings or MeterSettings(powercap_root=Path("/nonexistent"), proc_root=Path("/nonexistent"))
    factories = [NvmlGpuMeter()] if gpu_only else None
    opts = RecorderOptions(interval=interval, log_path=log, clock=clock, poll_hz=poll_hz, settings=settings,
                           factories=factories, **options)
    with fake_nvml(gpus, clock=lambda: clock.now() - start, driver=driver):
        recorder = Recorder(opts)
        recorder.start(threaded=False)
        assert recorder.meter is not None
        recorder.meter.run(threading.Event())
        fp = recorder.stop()
    return fp, recorder


def gpu_joules(recorder: Recorder) -> list[float]:
    """Per-GPU energy in J, unrounded, from the recorder's ledger."""
    assert recorder.ledger is not None
    return [c.energy for c in recorder.ledger.channels if c.component == "gpu"]


def duration_s(fp: Footprint) -> float:
    assert fp.duration is not None
    return float(fp.duration.central.to("s").magnitude)
