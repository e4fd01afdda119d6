"""The meter loop: opens the registered meters, reads every channel each interval (polling those that need it in
between), and hands one small record per interval to a sink (the log writer, the ledger, the live status).

It runs in a thread of the metering process, never in the metered job; it sleeps between deadlines, so its own
CPU use is a few NVML calls per interval. Any error inside a channel is recorded and the loop goes on: the meter
must never take the job down.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from footprint.meter.nvml import NO_DRIVER
from footprint.plugins.contract import COMPONENTS, Channel, MeterFactory, MeterSettings, Opened, Reading
from footprint.plugins.manager import PluginTimeoutError, within_deadline

# what a channel or meter may not take down (as for plugin hooks): everything but a user's Ctrl-C
_PASS_THROUGH = (KeyboardInterrupt, GeneratorExit)

DEFAULT_INTERVAL_S = 5.0  # the counter is read in mJ, so 1-5 s loses nothing; 5 s keeps the log small


class Clock(Protocol):
    """Time source of the loop: real (monotonic + Event.wait) or fake (footprint.meter.fake_nvml.FakeClock)."""

    def now(self) -> float: ...
    def wait(self, event: threading.Event, timeout: float) -> bool: ...


class RealClock:
    """time.monotonic, sleeping on an Event so that stop() wakes the loop at once."""

    def now(self) -> float:
        return time.monotonic()

    def wait(self, event: threading.Event, timeout: float) -> bool:
        return event.wait(max(0.0, timeout))


def registered_meters() -> list[MeterFactory]:
    """Every meter factory registered through the ``footprint_register_meters`` hook, in call order."""
    from footprint.plugins.manager import collect

    found: list[MeterFactory] = []
    for plugin, factory in collect("footprint_register_meters", _meter_problem):
        factory.plugin = plugin
        found.append(factory)
    return found


def _reading_problem(reading: Any) -> str | None:
    """What is wrong with a channel's reading (not a Reading; NaN, infinite or negative energy), or None."""
    if not isinstance(reading, Reading):
        return f"{type(reading).__name__} {reading!r:.60}, not a footprint Reading"
    if not (math.isfinite(reading.energy) and math.isfinite(reading.estimated)) or reading.energy < 0:
        return f"{reading.energy!r} J, not a finite energy >= 0"
    return None


def _meter_problem(value: Any) -> str | None:
    if not isinstance(value, MeterFactory):
        return f"{type(value).__name__} {value!r:.60}, not a footprint MeterFactory"
    if value.component not in COMPONENTS:
        return f"meter {value.name!r} with component {value.component!r}; expected one of {', '.join(COMPONENTS)}"
    return None


@dataclass
class OpenedMeters:
    """The opened channels, with the notes to show and the facts for the log header."""

    channels: list[Channel] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def gpus(self) -> list[Channel]:
        return [c for c in self.channels if c.component == "gpu"]

    def close(self) -> None:
        for channel in self.channels:
            try:
                channel.close()
            except Exception:  # closing is best effort
                pass
        for close in self.closers:
            try:
                close()
            except Exception:
                pass
        self.closers.clear()


def _is_builtin(plugin: str | None) -> bool:
    from footprint.plugins.manager import plugin_manager

    return not plugin or plugin in plugin_manager().builtin


def _call_plugin(plugin: str | None, call: Callable[..., Any], *args: Any) -> Any:
    """``call(*args)``; a third-party plugin's code is waited for at most the plugin deadline (PluginTimeoutError after)."""
    if _is_builtin(plugin):
        return call(*args)
    return within_deadline(call, *args, plugin=str(plugin))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"SystemExit({exc.code!r})"
    return f"{type(exc).__name__}: {exc}"


def open_session(settings: MeterSettings, factories: list[MeterFactory] | None = None, require_gpu: bool = False) -> OpenedMeters:
    """Open every component: all GPU meters; the first CPU and RAM meter that has channels.

    With no GPU channel, a note says so ("no NVIDIA driver found: metering CPU and RAM only"); with
    ``require_gpu`` that is a FootprintError instead.
    """
    from footprint.errors import FootprintError

    factories = registered_meters() if factories is None else factories
    session = OpenedMeters()
    for component in COMPONENTS:
        for factory in (f for f in factories if f.component == component):
            name = f"meter {factory.name or type(factory).__name__} (plugin {factory.plugin or 'builtin'})"
            try:
                opened: Opened = _call_plugin(factory.plugin, factory.open, settings)
            except FootprintError as exc:
                # footprint's own meters raise this only for the user's input (a malformed FOOTPRINT_FAKE_GPUS
                # file, a bad visible-devices value): that is refused before the command starts, like any bad input
                if _is_builtin(factory.plugin):
                    raise
                session.notes.append(f"{name} failed to open ({exc}); its devices are not metered")
                continue
            except PluginTimeoutError as hung:
                session.notes.append(f"{name} open() {hung}; its devices are not metered")
                continue
            except _PASS_THROUGH:
                raise
            except BaseException as exc:  # a broken meter plugin (SystemExit too) must not stop the job: meter the rest
                session.notes.append(f"{name} failed to open ({_describe(exc)}); its devices are not metered")
                continue
            if not isinstance(opened, Opened):
                session.notes.append(f"{name} open() returned {type(opened).__name__}, not a footprint Opened; "
                                     "its devices are not metered")
                continue
            if opened.close is not None:
                session.closers.append(opened.close)
            session.notes.extend(opened.notes)
            session.facts.update(opened.facts)
            session.facts.setdefault("meters", {}).setdefault(component, [])
            for channel in opened.channels:
                with contextlib.suppress(AttributeError):  # lets a bad reading be traced to its plugin
                    channel.plugin = factory.plugin  # type: ignore[attr-defined]
            if opened.channels:
                session.facts["meters"][component].append(f"{factory.name} (plugin {factory.plugin or 'builtin'})")
                session.channels.extend(opened.channels)
                if component != "gpu":
                    break
    if not session.gpus:
        gpu_meters = [f.name for f in factories if f.component == "gpu"]
        if gpu_meters == ["nvml"]:
            why = NO_DRIVER if session.facts.get("no_driver") else "no GPU to meter: metering CPU and RAM only"
        elif gpu_meters:  # another vendor's meter is installed: the note must not blame NVIDIA alone
            why = f"no GPU found by the GPU meters ({', '.join(gpu_meters)}): metering CPU and RAM only"
        else:
            why = "no GPU meter is installed: metering CPU and RAM only"
        if require_gpu:
            session.close()
            reason = session.facts.get("nvml", "")
            raise FootprintError(f"--require-gpu: {why.split(':')[0]}" + (f" (NVML {reason})" if reason else ""))
        session.notes.append(why)
    return session


class Meter:
    """Drives the channels: ``begin()``, then ``run(stop)`` in a thread (or ``tick()`` by hand), then ``finish()``.

    Each interval produces ``{"type": "interval", "t": end, "dt": length, "e": [J per channel]}`` plus sparse
    ``"est"`` (estimated J) and ``"flags"`` by channel position; ``mark()`` closes the interval early and adds a
    window mark, so window energies are sums of whole intervals.
    """

    def __init__(self, channels: list[Channel], sink: Callable[[dict[str, Any]], None], interval: float = DEFAULT_INTERVAL_S,
                 clock: Clock | None = None) -> None:
        self.channels = channels
        self.sink = sink
        self.interval = interval
        self.clock = clock or RealClock()
        self.lock = threading.Lock()
        self.t0 = 0.0
        self.last_tick = 0.0
        self.errors: dict[str, str] = {}
        self.finished = False
        self.unstarted: set[int] = set()  # channels whose start() failed; retried at every interval
        self.abandoned: set[int] = set()  # plugin channels whose start(), read() or poll() hung: never called again
        self.hung: dict[int, str] = {}  # the gap flag of a channel abandoned after its start

    def begin(self) -> float:
        """Take the baseline reading of every channel; returns the start time (clock seconds).

        A channel whose first reading fails (a GPU lost at once, a plugin's bug) is a gap until a retry works;
        the job starts either way."""
        self.t0 = self.last_tick = self.clock.now()
        for i, channel in enumerate(self.channels):
            if self._safe(channel, lambda now, c=channel, n=i: self._start(n, c, now), self.t0) is None:
                self.unstarted.add(i)
        return self.t0

    def _start(self, i: int, channel: Channel, now: float) -> bool:
        """A channel's baseline reading; a plugin's start() that hangs is abandoned and its channel a gap for good
        (a thread cannot be stopped, and a retry would hang the meter loop too)."""
        self._within_deadline(i, channel, "start", now)
        return True

    def _within_deadline(self, i: int, channel: Channel, method: str, now: float) -> Any:
        """``channel.<method>(now)``; a third-party channel that hangs there is abandoned for good, as at start,
        so that no plugin's read or poll can stall the meter loop or the end of a run."""
        try:
            return _call_plugin(getattr(channel, "plugin", None), getattr(channel, method), now)
        except PluginTimeoutError as hung:
            self.abandoned.add(i)
            if method != "start":
                self.hung[i] = f"gap:{method}-hung"
            raise RuntimeError(f"{method}() {hung}") from None

    def elapsed(self) -> float:
        return self.clock.now() - self.t0

    def _safe(self, channel: Channel, call: Callable[[float], Any], now: float) -> Any:
        try:
            return call(now)
        except _PASS_THROUGH:
            raise
        except BaseException as exc:  # a bug, an unexpected error or a SystemExit in one channel must not stop the others
            message = _describe(exc)
            if self.errors.get(channel.key) != message:
                self.errors[channel.key] = message
                self.sink({"type": "note", "t": round(now - self.t0, 3), "channel": channel.key, "error": message})
            return None

    def _reject(self, channel: Channel, now: float, problem: str) -> None:
        """A reading that is not a finite energy (NaN from a plugin's meter) is dropped, noted and warned about."""
        plugin = getattr(channel, "plugin", "") or ""
        message = f"read {problem}" + (f" (plugin {plugin!r})" if plugin else "")
        if self.errors.get(channel.key) != message:
            self.errors[channel.key] = message
            self.sink({"type": "note", "t": round(now - self.t0, 3), "channel": channel.key, "error": message})
            if plugin:
                from footprint.plugins.manager import state

                state().drop(plugin, f"meter channel {channel.key!r} read {problem}", f"channel {channel.key}")

    def tick(self, now: float | None = None) -> dict[str, Any]:
        """Close the current interval at ``now`` and emit its record."""
        with self.lock:
            return self._tick(self.clock.now() if now is None else now)

    def _tick(self, now: float) -> dict[str, Any]:
        energies: list[float] = []
        estimated: dict[str, float] = {}
        flags: dict[str, list[str]] = {}
        for i, channel in enumerate(self.channels):
            if i in self.abandoned:
                reading: Reading | None = Reading(0.0, 0.0, (self.hung.get(i, "gap:start-failed"),))
            elif i in self.unstarted:
                # nothing was measured on it since the start; from now on its readings are deltas from here
                if self._safe(channel, lambda t, c=channel, n=i: self._start(n, c, t), now) is not None:
                    self.unstarted.discard(i)
                reading = Reading(0.0, 0.0, ("gap:start-failed",))
            else:
                reading = self._safe(channel, lambda t, c=channel, n=i: self._within_deadline(n, c, "read", t), now)
                if reading is not None and _reading_problem(reading) is not None:
                    self._reject(channel, now, str(_reading_problem(reading)))
                    reading = None
            if reading is None:
                reading = Reading(0.0, 0.0, ("error",))
            energies.append(round(reading.energy, 3))
            if reading.estimated:
                estimated[str(i)] = round(reading.estimated, 3)
            if reading.flags:
                flags[str(i)] = list(reading.flags)
        record: dict[str, Any] = {"type": "interval", "t": round(now - self.t0, 3), "dt": round(now - self.last_tick, 3),
                                  "e": energies}
        if estimated:
            record["est"] = estimated
        if flags:
            record["flags"] = flags
        self.last_tick = now
        self.sink(record)
        return record

    def poll(self, now: float) -> None:
        with self.lock:
            for i, channel in enumerate(self.channels):
                if channel.poll_period is not None and i not in self.unstarted and i not in self.abandoned:
                    self._safe(channel, lambda t, c=channel, n=i: self._within_deadline(n, c, "poll", t), now)

    def mark(self, window: str, edge: str) -> None:
        """Close the interval now and record a window edge ("start" or "end")."""
        with self.lock:
            now = self.clock.now()
            self._tick(now)
            self.sink({"type": "mark", "t": round(now - self.t0, 3), "window": window, "edge": edge})

    def run(self, stop: threading.Event) -> None:
        """Loop until ``stop`` is set (or a fake clock's stop time): poll at the fastest channel period, tick
        every interval. Late deadlines are skipped, never bunched, so a stalled machine gets no burst of reads."""
        periods = [c.poll_period for c in self.channels if c.poll_period]
        poll_period = min(periods) if periods else None
        next_tick = self.last_tick + self.interval
        next_poll = self.t0 + poll_period if poll_period else float("inf")
        while True:
            now = self.clock.now()
            if now >= next_tick:
                self.tick(now)
                next_tick += self.interval
                if next_tick <= now:
                    next_tick = now + self.interval
            elif now >= next_poll:
                self.poll(now)
            if poll_period and now >= next_poll:
                next_poll += poll_period
                if next_poll <= now:
                    next_poll = now + poll_period
            deadline = min(next_tick, next_poll)
            if self.clock.wait(stop, deadline - self.clock.now()):
                return

    def finish(self) -> dict[str, Any]:
        """The last (partial) interval, read now."""
        with self.lock:
            self.finished = True
            return self._tick(self.clock.now())


class MeterThread:
    """Runs a Meter's loop in a daemon thread; ``stop()`` ends it and reads the last interval."""

    def __init__(self, meter: Meter) -> None:
        self.meter = meter
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="footprint-meter", daemon=True)
        self.crash: str | None = None

    def _run(self) -> None:
        try:
            self.meter.run(self.stop_event)
        except Exception as exc:  # keep the job running; the final read still happens in stop()
            self.crash = f"{type(exc).__name__}: {exc}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> dict[str, Any]:
        self.stop_event.set()
        self.thread.join()
        return self.meter.finish()
