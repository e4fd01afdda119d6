"""``footprint.track``: meter a block or a function from Python; the result is the same Footprint as ``run``.

    with footprint.track(region="CHN") as t:
        for epoch in range(3):
            with t.window(f"epoch {epoch}"):
                train_one_epoch()
    print(t.result.energy, t.windows["epoch 2"].energy_gpu)

    @footprint.track(region="CHN")
    def train(): ...
    train(); print(train.footprint.emissions)

Under a launcher (Slurm, torchrun, MPI) it may be called from every rank: the ranks of a node elect one that
meters the whole node (the others get ``result = None``), and that one keeps metering until the node's last rank
has left its block. ``log_dir=`` names the log after the job and the node, as ``footprint run --log-dir`` does.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from footprint.core.result import Footprint
from footprint.errors import FootprintError
from footprint.meter.recorder import Recorder, RecorderOptions, parse_interval
from footprint.meter.sampler import DEFAULT_INTERVAL_S


class Tracker:
    """A metering context manager (and decorator). ``result`` is set on exit; ``windows`` maps window names to
    Footprints of their energy (a window entered several times adds up)."""

    def __init__(self, *, region: str | None = None, intensity: Any = None, pue: Any = None, price: Any = None,
                 energy_price: Any = None, interval: Any = None, log: str | Path | None = None, all_gpus: bool = False,
                 require_gpu: bool = False, label: str = "", quiet: bool = False, log_dir: str | Path | None = None,
                 **advanced: Any) -> None:
        self.kwargs = {"region": region, "intensity": intensity, "pue": pue, "price": price, "energy_price": energy_price,
                       "interval": interval, "log": log, "all_gpus": all_gpus, "require_gpu": require_gpu, "label": label,
                       "quiet": quiet, "log_dir": log_dir, **advanced}
        self.quiet = quiet
        seconds = parse_interval(interval, "interval") if interval is not None else DEFAULT_INTERVAL_S
        self.options = RecorderOptions(
            interval=seconds, log_path=log, all_gpus=all_gpus, require_gpu=require_gpu, label=label,
            site={"pue": pue, "region": region, "intensity": intensity, "price": price, "energy_price": energy_price},
            **advanced,
        )
        self.recorder: Recorder | None = None
        self.result: Footprint | None = None
        self.windows: dict[str, Footprint] = {}
        self.notes: list[str] = []
        self.log_dir = log_dir
        self.node: Any = None
        self.metering = False  # False on a rank whose node another rank meters

    def __enter__(self) -> Tracker:
        if self.recorder is not None:
            raise FootprintError("this tracker is already running; use a new footprint.track(...) for each run")
        from footprint.meter.node_run import NodeRun

        if self.node is not None:
            raise FootprintError("this tracker is already running; use a new footprint.track(...) for each run")
        if self.log_dir is not None and self.options.log_path is not None:
            raise FootprintError("track: log and log_dir: give one; log_dir names the log <dir>/<job>/<node>.jsonl itself")
        self.node = NodeRun()
        if not self.node.join():
            if not self.quiet:
                print(f"footprint: {self.node.who_meters()}; this rank is not metered", file=sys.stderr)
            return self
        self.metering = True
        if self.log_dir is not None:
            self.options.log_path = self.node.log_path(self.log_dir)
        self.options.header_extra = self.node.header()
        self.recorder = Recorder(self.options)
        try:
            # with a fake clock (tests) no thread runs: it would move the clock itself; reads happen at window edges
            self.recorder.start(threaded=self.options.clock is None)
        except BaseException:
            self.node.release()  # a process that lives on must not keep the node's meter lock
            raise
        self.notes = list(self.recorder.notes)
        if not self.quiet:
            for note in self.notes:  # e.g. "no NVIDIA driver found: metering CPU and RAM only"
                print(f"footprint: {note}", file=sys.stderr)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> Footprint | None:
        """Stop metering and build the results (called by ``with`` on exit); None on a rank that did not meter."""
        if self.node is not None and not self.metering:
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
            self.windows = self._window_results()
            from footprint.meter.measured import problems

            for problem in problems(self.result):  # a device never read, a reading above TDP: said even when quiet
                self.notes.append(f"warning: {problem}")
                print(f"footprint: warning: {problem}", file=sys.stderr)
            loss = self.recorder.log_loss()
            if loss is not None:  # the result is whole; the log is not, and whoever reads it later must know
                self.notes.append(f"warning: {loss}")
                if not self.quiet:
                    print(f"footprint: warning: {loss}", file=sys.stderr)
        return self.result

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

    Options as for ``footprint run``: region, intensity, pue, price, energy_price, interval ('2s'), log (a path for
    the JSON-lines log; none by default), log_dir (a directory shared by the job's nodes), all_gpus, require_gpu, label, quiet (no notes on stderr). ``@footprint.track`` works without
    parentheses too.
    """
    if func is not None:
        if not callable(func):
            raise FootprintError(f"track: {func!r} is not a function; pass options by name, e.g. track(region='CHN')")
        return Tracker(**options)(func)
    return Tracker(**options)
