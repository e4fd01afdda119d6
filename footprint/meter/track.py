"""``footprint.track``: meter a block or a function from Python; the result is the same Footprint as ``run``.

    with footprint.track(region="CHN") as t:
        for epoch in range(3):
            with t.window(f"epoch {epoch}"):
                train_one_epoch()
    print(t.result.energy, t.windows["epoch 2"].energy_gpu)

    @footprint.track(region="CHN")
    def train(): ...
    train(); print(train.footprint.emissions)

The training code tells the meter how far it is, and the tracker forecasts the run and holds its budgets:

    with footprint.track(total_steps=10_000, budget="5 MWh", on_budget="stop") as t:
        for step in range(10_000):
            train_step()
            footprint.progress(step=step + 1, tokens=(step + 1) * tokens_per_step)
            if t.should_stop:  # the budget is spent: save a checkpoint and leave
                break
    print(t.result.work["efficiency"]["energy_per_token"])

Under a launcher (Slurm, torchrun, MPI) it may be called from every rank: the ranks of a node elect one that
meters the whole node (the others get ``result = None``), and that one keeps metering until the node's last rank
has left its block. ``log_dir=`` names the log after the job and the node, as ``footprint run --log-dir`` does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

from footprint.core.result import Footprint
from footprint.errors import FootprintError, suggest
from footprint.meter.recorder import Recorder, RecorderOptions, parse_interval
from footprint.meter.sampler import DEFAULT_INTERVAL_S

# Every keyword footprint.track() takes, with its default: the options of 'footprint run' by their Python names
# (--cpu-scope is cpu_scope), then the meter's own hooks for tests and plugins (settings, factories, clock, poll_hz).
# A new option is one entry here, read from Tracker.options in start() or stop().
TRACK_OPTIONS: dict[str, Any] = {
    "region": None, "intensity": None, "pue": None, "price": None, "energy_price": None,
    "interval": None, "log": None, "log_dir": None, "json": False, "json_file": None, "csv": None, "quiet": False,
    "all_gpus": False, "require_gpu": False, "label": "", "cpu_scope": "process", "cpu_power": None, "ram_power": None,
    "prometheus_port": None, "prometheus_addr": "0.0.0.0", "prometheus_push": None,
    "total_steps": None, "total_tokens": None, "total_flops": None, "budget": None, "on_budget": "warn",
    "budget_signal": "SIGTERM", "precision": "bf16", "plan": None,
    "settings": None, "factories": None, "clock": None, "poll_hz": 10.0,
}
SITE_OPTIONS = ("pue", "region", "intensity", "price", "energy_price")


class UnknownOptionError(FootprintError, TypeError):
    """A keyword that track() does not take; also a TypeError, as an unknown keyword argument always was."""


def check_options(options: dict[str, Any], where: str = "track()") -> dict[str, Any]:
    """The options with every default filled in; UnknownOptionError names an unknown one, the closest and the rest."""
    for name in options:
        if name not in TRACK_OPTIONS:
            raise UnknownOptionError(f"{where}: unknown option {name!r}{suggest(str(name), TRACK_OPTIONS)}; expected the "
                                     f"options of 'footprint run': {', '.join(TRACK_OPTIONS)}")
    return {**TRACK_OPTIONS, **options}


class Tracker:
    """A metering context manager (and decorator). ``result`` is set on exit; ``windows`` maps window names to
    Footprints of their energy (a window entered several times adds up). ``start()`` and ``stop()`` do what
    ``with`` does, for code that cannot hold a block open."""

    def __init__(self, **options: Any) -> None:
        """Check every option now (see TRACK_OPTIONS), before any metering starts."""
        from footprint.meter.host_model import host_settings

        self.kwargs = dict(options)  # as given: the decorator builds a fresh tracker from them for every call
        self.given = check_options(options)
        o = self.given
        self.quiet = bool(o["quiet"])
        seconds = parse_interval(o["interval"], "interval") if o["interval"] is not None else DEFAULT_INTERVAL_S
        scope = host_settings(o["cpu_scope"], o["cpu_power"], o["ram_power"])  # a bad scope or power fails here
        settings = o["settings"]
        if settings is None:
            settings = scope
        elif "cpu_scope" in options or o["cpu_power"] is not None or o["ram_power"] is not None:
            settings = dataclasses.replace(settings, cpu_scope=scope.cpu_scope, cpu_power_w=scope.cpu_power_w,
                                           ram_power_w=scope.ram_power_w)
        if o["prometheus_port"] is not None:
            from footprint.meter.exporter import check_port

            check_port(o["prometheus_port"])
        from footprint.meter.work import WorkSetup

        # a bad budget, total or plan fails where the tracker is made, before any training
        self.work = WorkSetup.build(total_steps=o["total_steps"], total_tokens=o["total_tokens"], total_flops=o["total_flops"],
                                    budget=o["budget"], on_budget=o["on_budget"], budget_signal=o["budget_signal"],
                                    precision=o["precision"], plan=str(o["plan"]) if o["plan"] is not None else None, prefix="")
        self._stop = False  # a budget with on_budget="stop" was reached (this rank meters)
        self._own_channel: str | None = None
        self._node_live: str | None = None  # the metering rank's snapshot, for the node's other ranks
        self._read_at = 0.0
        self._read: dict[str, Any] | None = None
        self.options = RecorderOptions(
            interval=seconds, log_path=o["log"], all_gpus=o["all_gpus"], require_gpu=o["require_gpu"], label=o["label"],
            site={k: o[k] for k in SITE_OPTIONS}, poll_hz=o["poll_hz"], settings=settings, factories=o["factories"],
            clock=o["clock"],
        )
        self.recorder: Recorder | None = None
        self.result: Footprint | None = None
        self.windows: dict[str, Footprint] = {}
        self.notes: list[str] = []
        self.log_dir = o["log_dir"]
        self.node: Any = None
        self.exporter: Any = None
        self.metering = False  # False on a rank whose node another rank meters

    def __enter__(self) -> Tracker:
        return self.start()

    def start(self) -> Tracker:
        """Start metering (``with`` calls it); returns the tracker. Output paths and the site are checked first."""
        if self.recorder is not None:
            raise FootprintError("this tracker is already running; use a new footprint.track(...) for each run")
        from footprint.meter.node_run import NodeRun

        if self.node is not None:
            raise FootprintError("this tracker is already running; use a new footprint.track(...) for each run")
        if self.log_dir is not None and self.options.log_path is not None:
            raise FootprintError("track: log and log_dir: give one; log_dir names the log <dir>/<job>/<node>.jsonl itself")
        o = self.given
        if o["json_file"] is not None:
            from footprint.meter.outfiles import check_writable

            check_writable(o["json_file"], "json_file")
        if o["csv"] is not None:
            from footprint.meter.codecarbon_csv import check_csv_path

            check_csv_path(o["csv"])
        from footprint.meter import progress
        from footprint.meter.progress import create_channel

        self.node = NodeRun()
        shared = self.node.progress_path()
        channel = create_channel(shared)
        self._own_channel = channel if shared is None else None
        self.work.channel = channel
        if shared is not None:  # the node's other ranks read the meter's snapshot (and its budget stop) from here
            self.work.live_path = self._node_live = f"{channel}.live.json"
        if not self.node.join():
            progress.activate(channel, self.live)  # this rank's progress() still reaches the node's meter
            if not self.quiet:
                print(f"footprint: {self.node.who_meters()}; this rank is not metered", file=sys.stderr)
            return self
        self.metering = True
        self._forget_node_live()  # an earlier block's snapshot (and its budget stop) must not speak for this one
        self.options.work = self.work
        self.options.say = lambda line: print(f"footprint: {line}", file=sys.stderr, flush=True)
        self.options.on_budget_stop = self._budget_stop
        try:
            if self.log_dir is not None:
                self.options.log_path = self.node.log_path(self.log_dir)
            self.options.header_extra = self.node.header()
            on_record = None
            if o["prometheus_port"] is not None or o["prometheus_push"]:
                from footprint.meter.exporter import make_exporter

                self.exporter = make_exporter(str(self.node.launch.job or ""), self.node.launch.node, self.options.site,
                                              o["prometheus_port"], o["prometheus_addr"], o["prometheus_push"])
                self.exporter.start()
                on_record = self.exporter.collector.update
            self.recorder = Recorder(self.options, on_record=on_record)
            # with a fake clock (tests) no thread runs: it would move the clock itself; reads happen at window edges
            self.recorder.start(threaded=self.options.clock is None)
            if self.exporter is not None:
                self.exporter.collector.work = self.recorder.work  # work and forecast series
        except BaseException:
            if self.exporter is not None:
                self.exporter.close()
            self.node.release()  # a process that lives on must not keep the node's meter lock
            self._close_channel()
            raise
        progress.activate(channel, self.live)
        self.notes = list(self.recorder.notes)
        if not self.quiet:
            for note in self.notes:  # e.g. "no NVIDIA driver found: metering CPU and RAM only"
                print(f"footprint: {note}", file=sys.stderr)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _budget_stop(self, signal_name: str) -> None:
        self._stop = True

    @property
    def should_stop(self) -> bool:
        """True once a budget with on_budget="stop" is reached: on the metering rank at once, on the node's other
        ranks within a second (they read the meter's snapshot), so that every rank can leave at the same step."""
        if self._stop or self.metering or self._node_live is None:
            return self._stop
        live = self.live()
        return bool(live and live.get("budget_stop"))

    def progress(self, step: float | None = None, total_steps: float | None = None, tokens: float | None = None,
                 flops: float | None = None, samples: float | None = None) -> None:
        """Tell the meter how far the run is (as ``footprint.progress``)."""
        from footprint.meter.progress import progress

        progress(step=step, total_steps=total_steps, tokens=tokens, flops=flops, samples=samples)

    def live(self) -> dict[str, Any] | None:
        """The latest live snapshot (work, efficiency, forecast, budgets), refreshed each interval; None before the
        first interval or on a rank that does not meter."""
        if self.recorder is not None and self.recorder.work is not None:
            return self.recorder.work.snapshot()
        if self._node_live is None or self.metering:
            return None
        import time

        now = time.monotonic()
        if now - self._read_at >= 1.0:  # a rank that asks every step reads the file once a second
            self._read_at = now
            import json

            try:
                with open(self._node_live, encoding="utf-8") as fh:
                    data = json.load(fh)
                self._read = data if isinstance(data, dict) else None
            except (OSError, ValueError):
                pass  # not written yet, or replaced while read: the last one read stands
        return self._read

    def _forget_node_live(self) -> None:
        if self._node_live is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._node_live)

    def _close_channel(self) -> None:
        from footprint.meter import progress

        progress.activate(None)
        if self.metering:
            self._forget_node_live()
        if self._own_channel is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._own_channel)
            self._own_channel = None

    def stop(self) -> Footprint | None:
        """Stop metering and build the results (called by ``with`` on exit); None on a rank that did not meter."""
        if self.node is not None and not self.metering:
            self._close_channel()
            self.node.rank_done()
            return None
        if self.recorder is None:
            raise FootprintError("this tracker was never started; use it as 'with footprint.track(...) as t:'")
        if self.result is None:
            try:
                extra = self.node.wait_ranks() if self.node is not None else {}
                self.result = self.recorder.stop(**extra)
            finally:
                if self.node is not None:
                    self.node.release()
                self._close_channel()
            self.windows = self._window_results()
            from footprint.meter.measured import problems

            for problem in problems(self.result):  # a device never read, a reading above TDP: said even when quiet
                self.notes.append(f"warning: {problem}")
                print(f"footprint: warning: {problem}", file=sys.stderr)
            loss = self.recorder.log_loss()
            if loss is not None:  # the result is whole; the log is not, and whoever reads it later must know
                self._warn(loss)
            self._write_outputs(self.result)
        return self.result

    def _warn(self, problem: str) -> None:
        self.notes.append(f"warning: {problem}")
        if not self.quiet:
            print(f"footprint: warning: {problem}", file=sys.stderr)

    def _write_outputs(self, result: Footprint) -> None:
        """The exporter's last push, json, json_file and csv, as 'footprint run' gives them; a file that cannot be
        written is a warning, as the result is whole in ``result``."""
        o = self.given
        if self.exporter is not None:
            problem = self.exporter.close()
            self.exporter = None
            if problem:
                self._warn(problem)
        if not (o["json"] or o["json_file"] or o["csv"]):
            return
        import json

        text = json.dumps(result.as_json(), indent=2, ensure_ascii=False)  # as 'footprint run --json' prints it
        if o["json"]:
            print(text)
        if o["json_file"] is not None:
            from footprint.meter.outfiles import write_file

            try:
                write_file(o["json_file"], text + "\n")
            except FootprintError as exc:
                self._warn(f"json_file: {exc}")
        if o["csv"] is not None:
            from footprint.meter.codecarbon_csv import append_row

            try:
                append_row(o["csv"], result, project=result.label or "footprint")
            except FootprintError as exc:
                self._warn(str(exc))

    def _window_results(self) -> dict[str, Footprint]:
        from footprint.meter.ledger import Totals
        from footprint.meter.measured import build_footprint

        assert self.recorder is not None and self.recorder.ledger is not None
        grouped: dict[str, list[Totals]] = {}
        for name, totals in self.recorder.ledger.windows:
            grouped.setdefault(name, []).append(totals)
        out = {}
        for name, parts in grouped.items():
            merged = parts[0]
            for extra in parts[1:]:
                for mine, theirs in zip(merged.channels, extra.channels, strict=True):
                    mine.energy += theirs.energy
                    mine.estimated += theirs.estimated
                    mine.gap_s += theirs.gap_s
                merged = Totals(merged.header, merged.channels, merged.duration + extra.duration)
            out[name] = build_footprint([merged], self.options.site, name, compare=False)
        return out

    @contextlib.contextmanager
    def window(self, name: str) -> Iterator[None]:
        """Meter a named part of the run (an epoch, an evaluation); windows may nest or repeat."""
        if self.node is not None and not self.metering and self.result is None:
            yield  # another rank meters this node
            return
        if self.recorder is None or self.result is not None:
            raise FootprintError(f"window {name!r}: the tracker is not running; open windows inside 'with footprint.track(...) as t:'")
        self.recorder.mark(name, "start")
        try:
            yield
        finally:
            self.recorder.mark(name, "end")

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Use as a decorator: every call is metered by a fresh tracker; the last result is ``func.footprint``."""
        kwargs = self.kwargs

        @functools.wraps(func)
        def wrapper(*args: Any, **kw: Any) -> Any:
            with Tracker(**kwargs) as tracker:
                wrapper.tracker = tracker  # type: ignore[attr-defined]
                value = func(*args, **kw)
            wrapper.footprint = tracker.result  # type: ignore[attr-defined]
            return value

        wrapper.footprint = None  # type: ignore[attr-defined]
        return wrapper


def track(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Meter the node's GPUs, CPU and RAM around a block (``with``) or a function (decorator).

    Options are those of ``footprint run``, by their Python names (see TRACK_OPTIONS): region, intensity, pue,
    price, energy_price, interval ('2s'), log (a path for the JSON-lines log; none by default), log_dir (a
    directory shared by the job's nodes), json (print the result as JSON on stdout), json_file, csv (append a
    codecarbon row), quiet (no notes on stderr), all_gpus, require_gpu, label, cpu_scope ('process' or 'machine'),
    cpu_power, ram_power, prometheus_port, prometheus_addr, prometheus_push; and for the run's work
    (``footprint.progress``): total_steps, total_tokens, total_flops (where the code does not say), precision (of
    the dense peak for MFU, 'bf16'), plan (a saved ``estimate --json``), budget ('5 MWh', '2 tCO2e', '10000 USD', or
    a list), on_budget ('warn' or 'stop': then ``should_stop`` turns True), budget_signal. An unknown one is a FootprintError
    naming the closest. ``@footprint.track`` works without parentheses too; ``track(...).start()`` and ``.stop()``
    work without a block.
    """
    if func is not None:
        if not callable(func):
            raise FootprintError(f"track: {func!r} is not a function; pass options by name, e.g. track(region='CHN')")
        return Tracker(**options)(func)
    return Tracker(**options)
