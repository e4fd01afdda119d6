"""What the three framework callbacks share: one meter (their own or the enclosing one), the work they report,
the figures they log, the budgets they watch and the state they carry over a resume.

A callback calls ``begin()`` when training starts, ``step(...)`` after each optimizer step (cheap: a progress
report and a look at the latest live snapshot), ``metrics()`` at its logging steps, ``state()`` when the framework
saves a checkpoint, ``restore(state)`` when it resumes from one, and ``end()`` when training ends.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any

from footprint.core.numbers import count_read_back
from footprint.errors import FootprintError

# the live snapshot's figures that add up over the segments of a resumed run, and how each budget reads them
CARRIED = ("energy_kwh", "emissions_kg", "cost_usd", "elapsed_s")
FORECASTS = {"forecast_energy_kwh": "energy_kwh", "forecast_energy_kwh_low": "energy_kwh",
             "forecast_energy_kwh_high": "energy_kwh", "forecast_emissions_kg": "emissions_kg",
             "forecast_cost_usd": "cost_usd"}
SNAPSHOT_KEY = {"energy": "energy_kwh", "emissions": "emissions_kg", "cost": "cost_usd"}  # a budget's kind -> key
# the meter publishes a snapshot each interval (1 s or more); looking more often than this only costs the loop
WATCH_EVERY_S = 0.2


class Session:
    """One training loop's metering, shared by the callbacks."""

    def __init__(self, *, budget: str | list[str] | None = None, on_budget: str = "warn", quiet: bool = False,
                 track_options: dict[str, Any] | None = None) -> None:
        from footprint.meter.budget import check_on_budget, parse_budgets

        # read as footprint.track and footprint run read them; checked here, against the figures the earlier
        # segments of a resumed run add, since the meter of this segment knows only its own
        self.on_budget = check_on_budget(on_budget, "on_budget")
        if budget is not None and not isinstance(budget, (str, list, tuple)):
            raise FootprintError(f"budget: {budget!r} is not a budget; expected an energy, emissions or cost such as "
                                 "'5 MWh', '2 tCO2e' or '10000 USD', or a list of them")
        self.budgets = parse_budgets(budget, "budget") if budget is not None else []
        self.quiet = quiet
        self.track_options = dict(track_options or {})
        self.tracker: Any = None  # our own tracker, when nothing else meters this process
        self.carried: dict[str, float] = {}  # figures of the segments before a resume
        self.base: dict[str, float] = {}  # the work counters at the resume point
        self.warned: set[str] = set()
        self.should_stop = False
        self.stop_reason = ""
        self.result: Any = None
        self.watched_at = -math.inf

    # -- the meter ---------------------------------------------------------------------------------------------
    def begin(self, total_steps: int | None = None) -> None:
        """Start our own tracker unless a ``footprint run`` or an outer ``footprint.track()`` meters this process."""
        import footprint

        if self.tracker is not None:
            return
        if metered_here():
            return  # the enclosing meter gets our progress and publishes the snapshot
        options = dict(self.track_options)
        options.setdefault("quiet", self.quiet)
        remaining = None if total_steps is None else max(total_steps - int(self.base.get("step", 0)), 0)
        if remaining:
            options.setdefault("total_steps", remaining)
        self.tracker = footprint.track(**options).start()

    def end(self) -> Any:
        """Stop our own tracker (nothing to do under an enclosing meter); its Footprint, or None. The segment's
        figures join the carried ones, so a later ``begin()`` with the same callback (Keras's next ``fit``) goes on."""
        tracker, self.tracker = self.tracker, None
        if tracker is None:
            return self.result
        self.result = tracker.stop()
        if self.result is not None:
            fp = self.result
            segment = {"energy_kwh": fp.energy.central.to("kWh").magnitude, "emissions_kg": fp.emissions.central.to("kgCO2e").magnitude,
                       "cost_usd": None if fp.cost is None else fp.cost.central.to("USD").magnitude,
                       "elapsed_s": None if fp.duration is None else fp.duration.central.to("s").magnitude}
            for key, value in segment.items():
                if value is not None:
                    self.carried[key] = self.carried.get(key, 0.0) + float(value)
        return self.result

    def fresh(self) -> None:
        """A new training from step 0: nothing carried from an earlier one."""
        self.carried, self.base = {}, {}

    # -- work and figures ----------------------------------------------------------------------------------------
    def resume_at(self, **counters: float | None) -> None:
        """The work counters where a resumed run starts: this segment's meter counts from there."""
        self.base = {k: float(v) for k, v in counters.items() if v is not None}

    def step(self, *, step: int | None = None, total_steps: int | None = None, tokens: float | None = None,
             flops: float | None = None, samples: float | None = None) -> bool:
        """Report the cumulative work (as the loop counts it; a resumed run's counts included) and watch the
        budgets; True when training should stop."""
        import footprint

        given = {"step": step, "total_steps": total_steps, "tokens": tokens, "flops": flops, "samples": samples}
        work = {}
        for key, value in given.items():
            if value is None:
                continue
            base = self.base.get("step" if key == "total_steps" else key, 0.0)
            work[key] = max(value - base, 0)
        if work:
            target = self.tracker if self.tracker is not None else footprint
            target.progress(**work)
        now = time.monotonic()
        if now - self.watched_at < WATCH_EVERY_S:
            return self.should_stop
        self.watched_at = now
        return self.watch()

    def snapshot(self) -> dict[str, Any] | None:
        """The latest live snapshot with the earlier segments' figures added; None with no meter."""
        import footprint

        live = self.tracker.live() if self.tracker is not None else footprint.live()
        if live is None:
            return None
        if not self.carried and not self.base:
            return live
        out = dict(live)
        for key, base in (("steps", "step"), ("total_steps", "step"), ("tokens", "tokens"), ("flops", "flops"),
                          ("samples", "samples")):
            if out.get(key) is not None and base in self.base:
                out[key] = out[key] + self.base[base]  # the loop's own counts, the earlier segments included
        for key in CARRIED:
            if key in self.carried:
                out[key] = (out.get(key) or 0.0) + self.carried[key]
        for key, base in FORECASTS.items():
            if out.get(key) is not None and base in self.carried:
                out[key] = out[key] + self.carried[base]
        return out

    def metrics(self, prefix: str = "footprint/") -> dict[str, float]:
        """The snapshot's numeric figures as ``footprint/<key>`` (what the callbacks put into the logs)."""
        snap = self.snapshot()
        if snap is None:
            return {}
        return {prefix + key: float(value) for key, value in snap.items()
                if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)}

    # -- budgets ---------------------------------------------------------------------------------------------------
    def watch(self) -> bool:
        """Check the budgets against the snapshot (the earlier segments included); True once training should stop."""
        if self.should_stop:
            return True
        if self.tracker is not None and getattr(self.tracker, "should_stop", False):
            self._stop("the meter's budget is reached")
        if not self.budgets and self.tracker is not None:
            return self.should_stop
        snap = self.snapshot()
        if snap is None:
            return self.should_stop
        if snap.get("budget_stop"):
            self._stop("the enclosing meter's budget is reached: " + ", ".join(map(str, snap.get("budget_reached") or [])))
        for b in self.budgets:
            key = SNAPSHOT_KEY[b.kind]
            used = snap.get(key)
            if used is not None and used >= b.limit:
                if self.on_budget == "stop":
                    self._stop(f"budget {b.text} reached ({_used(b, used)})")
                else:
                    self._warn(b.text, f"budget {b.text} reached ({_used(b, used)}); training goes on (on_budget='warn')")
                continue
            forecast = snap.get("forecast_" + key)
            if forecast is not None and forecast > b.limit:
                self._warn(b.text + " forecast", f"budget {b.text} is forecast to be passed ({_used(b, forecast)} at the end)")
        return self.should_stop

    def _stop(self, why: str) -> None:
        if not self.should_stop:
            self.should_stop, self.stop_reason = True, why
            if not self.quiet:
                print(f"footprint: {why}: stopping training at this step", file=sys.stderr)

    def _warn(self, key: str, text: str) -> None:
        if key not in self.warned:
            self.warned.add(key)
            if not self.quiet:
                print(f"footprint: warning: {text}", file=sys.stderr)

    # -- resume ------------------------------------------------------------------------------------------------------
    def state(self) -> dict[str, float]:
        """The figures so far (earlier segments included), to carry over a resume from the checkpoint saved now."""
        snap = self.snapshot() or {}
        out = {key: float(snap[key]) for key in CARRIED if isinstance(snap.get(key), (int, float))}
        for key, value in self.carried.items():
            out.setdefault(key, value)
        return out

    def restore(self, state: dict[str, Any] | None) -> None:
        """Carry a checkpoint's figures on; values that are not finite numbers of at least 0 are refused by name."""
        if not state:
            return
        carried = {}
        for key in CARRIED:
            value = state.get(key)
            if value is None:
                continue
            count = count_read_back(value)
            if count is None:
                raise FootprintError(f"footprint state in the checkpoint: {key} {value!r} is not a finite number of at least 0")
            carried[key] = count
        self.carried = carried


def metered_here() -> bool:
    """Whether a ``footprint run`` (its channel in the environment) or a ``footprint.track()`` in this process
    already takes this process's progress: then a callback reports to it instead of starting a second meter."""
    from footprint.meter import progress

    return progress.reporting()


def _used(b: Any, value: float) -> str:
    from footprint.core.numbers import number
    from footprint.meter.budget import UNITS

    return f"{number(value)} {UNITS[b.kind]}"
