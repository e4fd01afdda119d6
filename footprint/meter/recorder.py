"""Records a metered run: opens the meters, writes the log header, feeds every record to the log, the ledger
and the live status, and at the end turns the ledger into a Footprint. Shared by ``footprint run``,
``footprint.track`` and ``footprint calibrate``.
"""

from __future__ import annotations

import os
import platform
import re
import socket
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from footprint.core.result import Footprint
from footprint.errors import FootprintError
from footprint.meter.checkpoint import Checkpoints
from footprint.meter.ledger import Ledger
from footprint.meter.log import FORMAT, VERSION, LogWriter
from footprint.meter.sampler import DEFAULT_INTERVAL_S, Clock, Meter, MeterThread, OpenedMeters, open_session
from footprint.plugins.contract import VISIBLE_DEVICES_VARIABLES, MeterFactory, MeterSettings

_PLAIN_TIME = re.compile(r"\s*((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\s*([a-z]*)\s*", re.ASCII)
_SECONDS_PER = {"": 1.0, "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0, "ms": 1e-3,
                "millisecond": 1e-3, "milliseconds": 1e-3, "min": 60.0, "minute": 60.0, "minutes": 60.0,
                "h": 3600.0, "hr": 3600.0, "hour": 3600.0, "hours": 3600.0}


def parse_interval(value: Any, what: str = "--interval") -> float:
    """A sampling period as a time ('2s', '500ms', '1 min'), in seconds; bare numbers are seconds.

    The common spellings are read here without pint: building the unit registry starts numpy's thread pool, and
    ``footprint run`` reads its interval before it blocks signals for the child. Anything else goes to pint.
    """
    seconds: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        plain = _PLAIN_TIME.fullmatch(value)
        if plain and plain.group(2) in _SECONDS_PER:
            seconds = float(plain.group(1)) * _SECONDS_PER[plain.group(2)]
    if seconds is None:
        from footprint.core.units import Kind, parse_quantity

        period = Kind("a time", "[time]", "'2s' or '500ms'", bare_unit="s", canonical="s")
        seconds = float(parse_quantity(value, period, what).to("s").magnitude)
    if not 0.05 <= seconds <= 3600:  # also refuses NaN
        raise FootprintError(f"{what}: {value!r} is out of range; expected a time from 50 ms to 1 h, such as '2s' or '500ms'")
    return seconds


def default_log_path(now: datetime | None = None) -> Path:
    """footprint-runs/<UTC time>-<host>-<pid>.jsonl in the current directory: next to the job, easy to find."""
    now = now or datetime.now(UTC)
    host = socket.gethostname().split(".")[0] or "host"
    return Path("footprint-runs") / f"{now:%Y%m%dT%H%M%SZ}-{host}-{os.getpid()}.jsonl"


def platform_text() -> str:
    """What ``platform.platform()`` says ('Linux-6.1.0-x86_64-with-glibc2.36'), without the `uname -p` child
    process it starts for the processor field (a delay before the command could start), which on Linux repeats
    the machine's architecture or says 'unknown', and is left out either way."""
    if sys.platform != "linux":
        return platform.platform()
    u = os.uname()
    libc, version = platform.libc_ver()
    return "-".join(part for part in (u.sysname, u.release, u.machine, "with", f"{libc}{version}") if part).replace(" ", "_")


@dataclass
class RecorderOptions:
    """Everything a recording needs; site values are the user's raw options (validated at start)."""

    interval: float = DEFAULT_INTERVAL_S
    log_path: str | Path | None = None  # None: keep no log file (track() without log=)
    site: dict[str, Any] = field(default_factory=dict)
    all_gpus: bool = False
    require_gpu: bool = False
    label: str = ""
    command: list[str] = field(default_factory=list)
    poll_hz: float = 10.0
    settings: MeterSettings | None = None
    factories: list[MeterFactory] | None = None
    clock: Clock | None = None
    header_extra: dict[str, Any] = field(default_factory=dict)  # e.g. job, node, launcher of a multi-node run
    work: Any = None  # a footprint.meter.work.WorkSetup: the run's work is read, forecast and budgeted
    say: Callable[[str], None] | None = None  # where budget and plan warnings go (one line each)
    on_budget_stop: Callable[[str], None] | None = None  # called once, with the signal name, when a budget stops the run


class Recorder:
    """start() -> (the job runs) -> stop() -> Footprint. ``notes`` are the lines to show the user."""

    def __init__(self, options: RecorderOptions, on_record: Callable[[dict[str, Any], Ledger], None] | None = None) -> None:
        self.options = options
        self.on_record = on_record
        self.notes: list[str] = []
        self.writer: LogWriter | None = None
        self.ledger: Ledger | None = None
        self.meter: Meter | None = None
        self.thread: MeterThread | None = None
        self.opened: OpenedMeters | None = None
        self.header: dict[str, Any] = {}
        self.log_failed_at: float | None = None  # seconds into the run when writing the log stopped
        self.checkpoints = Checkpoints()  # the running totals appended every few minutes of run time
        self.work: Any = None  # the WorkMonitor, when the run's work is metered
        self.work_failed = False

    def start(self, threaded: bool = True) -> None:
        """Validate the site, open the meters, write the header and take the baseline reading."""
        from footprint.estimates.inputs import resolve_site

        opts = self.options
        given = {k: v for k, v in opts.site.items() if v is not None}
        if given:  # a bad --region etc. fails before the job starts; the defaults need no check (nor the unit registry)
            resolve_site(**given)
        settings = opts.settings or MeterSettings()
        settings.all_gpus = opts.all_gpus or settings.all_gpus
        settings.poll_hz = opts.poll_hz
        for variable in VISIBLE_DEVICES_VARIABLES:
            if variable in os.environ:
                settings.visible.setdefault(variable, os.environ[variable])
        if opts.clock is not None and settings.clock is None:
            settings.clock = opts.clock.now
        self.opened = open_session(settings, opts.factories, require_gpu=opts.require_gpu)
        self.notes = list(self.opened.notes)
        try:
            if opts.log_path is not None:
                self.writer = LogWriter(opts.log_path)
            self.header = self._header(settings)
            self.ledger = Ledger(self.header)
            if opts.work is not None:
                from footprint.meter.work import WorkMonitor

                self.work = WorkMonitor(opts.work, self.header, opts.site, opts.say, opts.on_budget_stop)
            self.meter = Meter(self.opened.channels, self._sink, opts.interval, opts.clock)
            self._emit(self.header)
            if self.log_failed_at is not None:
                self.notes.append(f"warning: {self.log_loss()}")
            self.meter.begin()
            if self.writer is not None:
                self.writer.sync()  # the header on disk, now that its start_unix and the meter's zero agree
        except BaseException:
            self.opened.close()
            if self.writer is not None:
                self.writer.close()
            raise
        if threaded:
            self.start_thread()

    def start_thread(self) -> None:
        """Run the meter loop in a thread (``footprint run`` starts it once the child is running)."""
        assert self.meter is not None
        self.thread = MeterThread(self.meter)
        self.thread.start()

    def _header(self, settings: MeterSettings) -> dict[str, Any]:
        from footprint import __version__

        assert self.opened is not None
        channels = []
        for channel in self.opened.channels:
            try:
                described = dict(channel.info())
            except Exception as exc:  # a plugin's bug in describing a channel must not stop the job
                described = {"info_error": f"{type(exc).__name__}: {exc}"}
            info = {"key": channel.key, "component": channel.component, "method": channel.method, **described}
            if channel.component == "gpu":
                info["profile"] = _profile_for(str(info.get("name", "")))
            channels.append(info)
        return {
            "type": "header", "format": FORMAT, "version": VERSION, "run_id": uuid.uuid4().hex, "footprint": __version__,
            "python": platform.python_version(), "platform": platform_text(), "host": socket.gethostname(),
            "pid": os.getpid(), "started": datetime.now(UTC).isoformat(timespec="seconds"), "start_unix": round(time.time(), 3),
            "command": self.options.command, "label": self.options.label,
            "log": str(self.options.log_path) if self.options.log_path is not None else None,
            "settings": {"interval_s": self.options.interval, "poll_hz": settings.poll_hz, "all_gpus": settings.all_gpus,
                         "cuda_visible_devices": settings.visible.get("CUDA_VISIBLE_DEVICES"), "cpu_scope": settings.cpu_scope,
                         "site": dict(self.options.site)},
            "facts": self.opened.facts, "notes": self.opened.notes, "channels": channels,
            **({"work": self.options.work.header()} if self.options.work is not None else {}),
            **self.options.header_extra,
        }

    def _emit(self, record: dict[str, Any]) -> None:
        # a log that cannot be written (a full disk) loses the log, never the metering: the ledger keeps counting
        if self.writer is not None and not self.writer.write(record) and self.log_failed_at is None:
            self.log_failed_at = float(record.get("t", self.ledger.t if self.ledger is not None else 0.0))

    def _checkpoint(self) -> None:
        """Append the ledger's running totals, so that a reader of this log, if it is cut short, starts from here."""
        assert self.ledger is not None and self.writer is not None
        writer = self.writer
        self._emit(self.checkpoints.record(self.ledger, self.header.get("run_id"), writer.start, writer.start + writer.written,
                                           writer.count + 1))

    def log_loss(self) -> str | None:
        """One line naming what the log lost and since when, or None when the log is whole."""
        if self.writer is None or self.log_failed_at is None:
            return None
        return (f"writing the log {self.writer.path} failed at {self.log_failed_at:g} s into the run ({self.writer.failed}); "
                "the log stops there, metering went on in memory")

    def _sink(self, record: dict[str, Any]) -> None:
        self._emit(record)
        assert self.ledger is not None
        self.ledger.add(record)
        if record.get("type") == "interval" and self.work is not None:
            try:
                for extra in self.work.on_interval(record, self.ledger):
                    self._emit(extra)
                    self.ledger.add(extra)
            except Exception as exc:  # the work figures must never break metering: say so once, meter on
                if not self.work_failed:
                    self.work_failed = True
                    self._emit({"type": "note", "t": record.get("t", 0.0), "channel": "work",
                                "error": f"{type(exc).__name__}: {exc}"})
        if record.get("type") == "interval" and self.checkpoints.due(self.ledger.t) and self.writer is not None:
            self._checkpoint()
        if self.on_record is not None:
            try:
                self.on_record(record, self.ledger)
            except Exception:  # a status display must never break metering
                pass

    def mark(self, window: str, edge: str) -> None:
        if self.meter is not None:
            self.meter.mark(window, edge)

    def stop(self, **final: Any) -> Footprint:
        """Read the last interval, write the final record, close everything, and build the result."""
        assert self.meter is not None and self.ledger is not None and self.opened is not None
        try:
            if self.thread is not None:
                self.thread.stop()
                if self.thread.crash:
                    final["meter_error"] = self.thread.crash
            else:
                self.meter.finish()
            from footprint.meter.ledger import totals_record

            record = {"type": "final", "t": round(self.ledger.t, 3), "ended": datetime.now(UTC).isoformat(timespec="seconds"),
                      "totals": totals_record(self.ledger), **final}
            if self.writer is not None:  # placed and resumable as a checkpoint is, so a reader may start from it
                writer = self.writer
                place = self.checkpoints.record(self.ledger, self.header.get("run_id"), writer.start,
                                                writer.start + writer.written, writer.count + 1)
                record.update((key, value) for key, value in place.items() if key not in record)
            self._emit(record)
        finally:
            self.opened.close()
            if self.writer is not None:
                self.writer.close()
        return self.result()

    def result(self, compare: bool = True) -> Footprint:
        from footprint.meter.measured import build_footprint

        assert self.ledger is not None
        return build_footprint([self.ledger.totals()], self.options.site, self.options.label, compare=compare,
                               extra_details=self.window_details())

    def window_details(self) -> dict[str, Any]:
        if self.ledger is None or not self.ledger.windows:
            return {}
        from footprint.meter.measured import J_PER_KWH

        out: dict[str, Any] = {}
        for name, totals in self.ledger.windows:
            entry = out.setdefault(name, {"duration_s": 0.0, "energy_gpu_kwh": 0.0, "energy_cpu_kwh": 0.0, "energy_ram_kwh": 0.0})
            entry["duration_s"] = round(entry["duration_s"] + totals.duration, 3)
            for component in ("gpu", "cpu", "ram"):
                entry[f"energy_{component}_kwh"] += totals.energy(component) / J_PER_KWH
        return {"windows": out}


def _profile_for(name: str) -> str | None:
    try:
        from footprint.plugins.catalog import profile_for_device

        profile = profile_for_device(name)
    except Exception:  # a broken profile plugin must not stop metering
        return None
    return profile.id if profile else None


def stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
