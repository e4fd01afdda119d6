"""``footprint.track``: meter a block or a function from Python; the result is the same Footprint as ``run``.

    with footprint.track(region="CHN") as t:
        for epoch in range(3):
            with t.window(f"epoch {epoch}"):
                train_one_epoch()
    print(t.result.energy, t.windows["epoch 2"].energy_gpu)

    @footprint.track(region="CHN")
    def train(): ...
    train(); print(train.footprint.emissions)

Use it in one process per node (rank 0, say): every tracker meters the whole node, so one per rank would count
the node several times.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from footprint.errors import FootprintError
from footprint.meter.recorder import Recorder, RecorderOptions, parse_interval
from footprint.meter.sampler import DEFAULT_INTERVAL_S
from footprint.result import Footprint


class Tracker:
    """A metering context manager (and decorator). ``result`` is set on exit; ``windows`` maps window names to
    Footprints of their energy (a window entered several times adds up)."""

    def __init__(self, *, region: str | None = None, intensity: Any = None, pue: Any = None, price: Any = None,
                 energy_price: Any = None, interval: Any = None, log: str | Path | None = None, all_gpus: bool = False,
                 require_gpu: bool = False, label: str = "", quiet: bool = False, **advanced: Any) -> None:
        self.kwargs = {"region": region, "intensity": intensity, "pue": pue, "price": price, "energy_price": energy_price,
                       "interval": interval, "log": log, "all_gpus": all_gpus, "require_gpu": require_gpu, "label": label,
                       "quiet": quiet, **advanced}
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

    def __enter__(self) -> Tracker:
        if self.recorder is not None:
            raise FootprintError("this tracker is already running; use a new footprint.track(...) for each run")
        self.recorder = Recorder(self.options)
        # with a fake clock (tests) no thread runs: it would move the clock itself; reads happen at window edges
        self.recorder.start(threaded=self.options.clock is None)
        self.notes = list(self.recorder.notes)
        if not self.quiet:
            for note in self.notes:  # e.g. "no NVIDIA driver found: metering CPU and RAM only"
                print(f"footprint: {note}", file=sys.stderr)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> Footprint:
        """Stop metering and build the results (called by ``with`` on exit)."""
        if self.recorder is None:
            raise FootprintError("this tracker was never started; use it as 'with footprint.track(...) as t:'")
        if self.result is None:
            self.result = self.recorder.stop()
            self.windows = self._window_results()
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
    the JSON-lines log; none by default), all_gpus, require_gpu, label, quiet (no notes on stderr). ``@footprint.track`` works without
    parentheses too.
    """
    if func is not None:
        if not callable(func):
            raise FootprintError(f"track: {func!r} is not a function; pass options by name, e.g. track(region='CHN')")
        return Tracker(**options)(func)
    return Tracker(**options)
