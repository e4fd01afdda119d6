"""The work a metered run did (steps, tokens, samples, FLOPs), and what it gives: efficiency, a forecast of the whole
run, budgets and the plan, live each interval and rebuilt from the log.

- ``WorkSetup``: the user's options (totals, budgets, precision, plan), checked before the command starts.
- ``WorkMonitor``: in the meter, each interval: reads the progress channel, forecasts, checks budgets and the plan,
  and gives the ``work`` records the log keeps and the live snapshot (``footprint.live()``).
- ``WorkTrail``: reads those records back (live or from a log), so ``footprint report`` rebuilds the same figures.
- ``work_sections``: the ``work``, ``efficiency``, ``forecast``, ``plan`` and ``budget`` parts of a result.

Energy per step, token and sample is the run's facility energy (IT x PUE, the result's ``energy``) per unit; energy
per FLOP is the energy of the devices that did the FLOPs: the GPUs', or the CPU's on a run without a GPU (labelled
so). MFU is achieved FLOP/s over the run against the GPUs' dense peak at the run's precision, where the profile gives
one.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from footprint.errors import FootprintError
from footprint.meter.budget import Budget, BudgetWatch, check_on_budget, parse_budgets, parse_signal, shown
from footprint.meter.forecast import Forecast, forecast
from footprint.meter.progress import read_channel

J_PER_KWH = 3.6e6
CHECKS = (0.1, 0.25, 0.5)  # fractions of the work at which the forecast is kept, to set against the actual
MAX_TRACE = 4096  # trace points kept for the forecast; beyond, every other one is dropped (the newest stays)
UNITS = ("steps", "tokens", "flops")  # what a forecast counts work in, first choice first
WORK_KEYS = ("steps", "total_steps", "tokens", "samples", "flops")


def _total(value: Any, what: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FootprintError(f"{what}: {value!r} is not a number; expected a positive count such as 10000 or 1e12") from None
    if not (math.isfinite(number) and number > 0):
        raise FootprintError(f"{what}: {value!r} is out of range; expected a positive count such as 10000 or 1e12")
    return number


def read_plan(path: str, what: str = "--plan") -> dict[str, Any]:
    """The figures of a saved ``footprint estimate --json``: energy, emissions, cost, GPU-hours (each central, low,
    high), GPU power and its fraction of TDP, MFU, with the file named."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise FootprintError(f"{what}: cannot read {path!r}: {exc.strerror}; expected a file saved from 'footprint estimate --json'") from None
    except ValueError:
        raise FootprintError(f"{what}: {path!r} is not JSON; expected a file saved from 'footprint estimate --json'") from None
    if not isinstance(data, dict) or data.get("kind") != "estimate" or not isinstance(data.get("energy"), dict):
        raise FootprintError(f"{what}: {path!r} is not an estimate; expected a file saved from 'footprint estimate --json'")

    def span(q: Any, units: str) -> list[float] | None:
        if not isinstance(q, dict) or q.get("units") != units:
            return None
        values = [q.get("magnitude"), q.get("low", q.get("magnitude")), q.get("high", q.get("magnitude"))]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in values):
            return None
        return [float(v) for v in values]

    energy = span(data.get("energy"), "kWh")
    if energy is None:
        raise FootprintError(f"{what}: {path!r} has no energy in kWh; expected a file saved from 'footprint estimate --json'")
    inputs = data.get("inputs") if isinstance(data.get("inputs"), dict) else {}
    plan: dict[str, Any] = {"file": path, "profile": data.get("profile"), "gpus": data.get("gpus"), "energy_kwh": energy,
                            "emissions_kg": span(data.get("emissions"), "kgCO2e"), "cost_usd": span(data.get("cost"), "USD"),
                            "gpu_hours": span(data.get("gpu_hours"), "h"),
                            "mfu": span(inputs.get("mfu"), "") or span(data.get("implied_mfu"), ""),
                            "gpu_power_w": span(inputs.get("gpu_power"), "W")}
    tdp = _tdp(data.get("profile"))
    if tdp and plan["gpu_power_w"]:
        plan["power_fraction"] = [round(w / tdp, 4) for w in plan["gpu_power_w"]]
    return plan


def _tdp(profile_id: Any) -> float | None:
    if not isinstance(profile_id, str):
        return None
    try:
        from footprint.plugins.catalog import get_profile

        profile = get_profile(profile_id)
    except Exception:  # a plan naming a profile not installed here: no fraction, the rest stands
        return None
    return float(profile.tdp.value.to("W").magnitude) if profile.tdp is not None else None


@dataclass
class WorkSetup:
    """The work options of a run, checked: a bad budget, total or plan fails here, before the command starts."""

    total_steps: float | None = None
    total_tokens: float | None = None
    total_flops: float | None = None
    budgets: list[Budget] = field(default_factory=list)
    on_budget: str = "warn"
    budget_signal: str = "SIGTERM"
    precision: str = "bf16"
    plan: dict[str, Any] | None = None
    channel: str | None = None  # the progress file
    live_path: str | None = None  # where the live snapshot is published for the command

    @classmethod
    def build(cls, *, total_steps: Any = None, total_tokens: Any = None, total_flops: Any = None, budget: Any = None,
              on_budget: Any = "warn", budget_signal: Any = "SIGTERM", precision: Any = "bf16", plan: Any = None,
              prefix: str = "--") -> WorkSetup:
        """Check every option; ``prefix`` names them as the user wrote them ('--' for run, '' for track())."""
        from footprint.core.precisions import PRECISIONS

        def name(option: str) -> str:
            return f"--{option.replace('_', '-')}" if prefix == "--" else f"track: {option}"

        if str(precision).lower() not in PRECISIONS:
            raise FootprintError(f"{name('precision')}: {precision!r} is unknown; expected one of {', '.join(PRECISIONS)}")
        return cls(_total(total_steps, name("total_steps")), _total(total_tokens, name("total_tokens")),
                   _total(total_flops, name("total_flops")), parse_budgets(budget, name("budget")),
                   check_on_budget(on_budget or "warn", name("on_budget")), parse_signal(budget_signal or "SIGTERM", name("budget_signal")).name,
                   str(precision).lower(), read_plan(plan, name("plan")) if plan else None)

    def header(self) -> dict[str, Any]:
        """What the log header keeps, so that a report rebuilds the same figures."""
        return {"total_steps": self.total_steps, "total_tokens": self.total_tokens, "total_flops": self.total_flops,
                "budgets": [b.text for b in self.budgets], "on_budget": self.on_budget, "budget_signal": self.budget_signal,
                "precision": self.precision, "plan": self.plan}


@dataclass
class Site:
    """The site figures as plain floats: the live figures use the same values as the final result."""

    pue: float
    intensity: float  # gCO2e/kWh
    price: float | None  # USD per GPU-hour
    energy_price: float | None  # USD/kWh

    @classmethod
    def resolve(cls, site: dict[str, Any]) -> Site:
        from footprint.estimates.inputs import resolve_site

        r = resolve_site(**{k: v for k, v in site.items() if v is not None})
        return cls(float(r.pue.central.magnitude), float(r.intensity.central.to("gCO2e/kWh").magnitude),
                   float(r.price.central.to("USD/h").magnitude) if r.price is not None else None,
                   float(r.energy_price.central.to("USD/kWh").magnitude) if r.energy_price is not None else None)

    def emissions_kg(self, facility_kwh: float) -> float:
        return facility_kwh * self.intensity / 1000

    def cost(self, facility_kwh: float, gpu_hours: float) -> float | None:
        if self.price is None and self.energy_price is None:
            return None
        return (self.price or 0.0) * gpu_hours + (self.energy_price or 0.0) * facility_kwh


def device_peak(header: dict[str, Any], precision: str) -> tuple[float | None, str, str]:
    """Dense FLOP/s per GPU at ``precision`` of the run's GPU profile, what it is and its source ('' where none)."""
    profiles = {c.get("profile") for c in header.get("channels", []) if c.get("component") == "gpu"}
    if len(profiles) != 1 or None in profiles:
        return None, "", ""
    profile_id = next(iter(profiles))
    try:
        from footprint.plugins.catalog import get_profile

        peak = get_profile(str(profile_id)).peak(precision)
    except Exception:  # no such precision on this GPU, or a broken profile plugin: no MFU, said so
        return None, "", ""
    flops = float(peak.value.to("FLOP/s").magnitude)
    return flops, f"{profile_id} dense {precision} peak {flops / 1e12:g} TFLOP/s per GPU", peak.source


class WorkMonitor:
    """Each interval: the work so far, the forecast, budgets and the plan; ``records`` to log, ``snapshot`` to show."""

    def __init__(self, setup: WorkSetup, header: dict[str, Any], site: dict[str, Any],
                 say: Callable[[str], None] | None = None, stop: Callable[[str], None] | None = None) -> None:
        self.setup = setup
        self.site_options = site
        self._site: Site | None = None
        self.header = header
        self._peak: tuple[float | None] | None = None
        self.say = say or (lambda line: None)
        self.stop_action = stop
        costs = [b.text for b in setup.budgets if b.kind == "cost"]
        if costs and self.site.price is None and self.site.energy_price is None:
            raise FootprintError(f"--budget {costs[0]!r}: the run's cost is unknown; expected --price (per GPU-hour) or "
                                 "--energy-price with a budget in USD")
        self.start_unix = float(header.get("start_unix") or time.time())
        self.channels = header.get("channels", [])
        self.gpus = sum(1 for c in self.channels if c.get("component") == "gpu")
        self.watch = BudgetWatch(setup.budgets, setup.on_budget)
        nodes = header.get("num_nodes")
        # one meter per node sees one node: a budget is the job's, so this node's figures count for all of its nodes
        self.nodes = nodes if isinstance(nodes, int) and not isinstance(nodes, bool) and nodes > 1 else 1
        if self.nodes > 1:
            self.watch.basis = f"this node's figures x {self.nodes} nodes (the job's nodes taken alike)"
        self.values: dict[str, float] = {}
        self.trace: list[tuple[float, float, float, float, float]] = []  # t, IT J, steps, tokens, flops
        self.checks: dict[str, dict[str, Any]] = {}
        self.plan_warned = False
        self.last_forecast: dict[str, Any] | None = None
        self.latest: dict[str, Any] | None = None
        self.power_w: float | None = None
        self.should_stop = False

    @property
    def site(self) -> Site:
        """The site's figures, resolved on first use: in the meter's thread once the command runs, so that the unit
        registry is not built before the command starts (unless a budget needed it to be read)."""
        if self._site is None:
            self._site = Site.resolve(self.site_options)
        return self._site

    @property
    def peak(self) -> float | None:
        if self._peak is None:
            self._peak = (device_peak(self.header, self.setup.precision)[0],)
        return self._peak[0]

    def totals(self) -> dict[str, float | None]:
        """The work so far, with the planned totals the script or the options gave."""
        v = self.values
        return {"steps": v.get("steps"), "total_steps": v.get("total_steps") or self.setup.total_steps,
                "tokens": v.get("tokens"), "samples": v.get("samples"), "flops": v.get("flops")}

    def planned(self, unit: str) -> float | None:
        return {"steps": self.totals()["total_steps"], "tokens": self.setup.total_tokens, "flops": self.setup.total_flops}[unit]

    def on_interval(self, record: dict[str, Any], ledger: Any) -> list[dict[str, Any]]:
        """The records to log after an interval record (a ``work`` record when anything changed)."""
        t = float(record.get("t", 0.0))
        dt = float(record.get("dt") or 0.0)
        if dt > 0:
            self.power_w = sum(float(e) for e in record.get("e", [])) / dt
        it_j = sum(c.energy for c in ledger.channels)
        read = read_channel(self.setup.channel) if self.setup.channel else None
        changed = bool(read) and read != self.values
        if read:
            self.values = read
        if self.values:
            point = (t, it_j, self.values.get("steps", 0.0), self.values.get("tokens", 0.0), self.values.get("flops", 0.0))
            self.trace.append(point)
            if len(self.trace) > MAX_TRACE:
                self.trace = self.trace[-1::-2][::-1]
        facility_kwh = it_j / J_PER_KWH * self.site.pue
        gpu_hours = self.gpus * t / 3600
        made = self._forecast(t)
        out: dict[str, Any] = {"type": "work", "t": round(t, 3), **{k: v for k, v in self.totals().items() if v is not None}}
        if made is not None:
            out["forecast"] = made
            for f in CHECKS:
                key = f"{f:g}"
                if made["fraction"] >= f and key not in self.checks:
                    self.checks[key] = {"t": round(t, 3), **made}
                    out.setdefault("checks", {})[key] = self.checks[key]
                    changed = True
            self._plan_check(made)
        actual = {"energy": facility_kwh, "emissions": self.site.emissions_kg(facility_kwh),
                  "cost": self.site.cost(facility_kwh, gpu_hours)}
        ahead = {"energy": made["energy_kwh"], "emissions": made["emissions_kg"], "cost": made["cost_usd"]} if made else {}
        before = self.watch.state()
        n = self.nodes
        lines, stop = self.watch.check(t, {k: v * n if v is not None else None for k, v in actual.items()},
                                       {k: v * n if v is not None else None for k, v in ahead.items()})
        for line in lines:
            self.say(line)
        if self.watch.state() != before:
            out["budget"] = self.watch.state()
            changed = True
        if stop:
            self.should_stop = True
            if self.stop_action is not None:
                self.stop_action(self.setup.budget_signal)
        device = "gpu" if self.gpus else "cpu"
        device_j = sum(c.energy for c in ledger.channels if c.component == device)
        self.latest = self._snapshot(t, device_j, facility_kwh, actual, made)
        self._publish()
        return [out] if changed else []

    def _forecast(self, t: float) -> dict[str, Any] | None:
        for column, unit in enumerate(UNITS, start=2):
            total = self.planned(unit)
            if total is None or not self.values.get(unit):
                continue
            made: Forecast | None = forecast([(p[0], p[1], p[column]) for p in self.trace], total)
            if made is None:
                continue
            pue = self.site.pue
            kwh = [made.energy_j / J_PER_KWH * pue, made.low_j / J_PER_KWH * pue, made.high_j / J_PER_KWH * pue]
            end_s = made.end_s if math.isfinite(made.end_s) else None
            cost = self.site.cost(kwh[0], self.gpus * (end_s if end_s is not None else t) / 3600)
            self.last_forecast = {
                "unit": unit, "fraction": round(made.fraction, 6), "energy_kwh": kwh[0], "low_kwh": kwh[1], "high_kwh": kwh[2],
                "emissions_kg": self.site.emissions_kg(kwh[0]), "cost_usd": cost,
                "end_unix": round(self.start_unix + end_s, 3) if end_s is not None else None,
                "rate_j": made.rate_j if math.isfinite(made.rate_j) else None}
            return self.last_forecast
        return None

    def _plan_check(self, made: dict[str, Any]) -> None:
        plan = self.setup.plan
        if plan is None or self.plan_warned:
            return
        high = plan["energy_kwh"][2]
        if made["energy_kwh"] > high:
            self.plan_warned = True
            self.say(f"the forecast for the whole run, {shown(made['energy_kwh'], 'energy')}, is above the plan's high end "
                     f"({shown(high, 'energy')}, {plan['file']})")

    def _snapshot(self, t: float, device_j: float, facility_kwh: float, actual: dict[str, Any],
                  made: dict[str, Any] | None) -> dict[str, Any]:
        work = self.totals()
        facility_j = facility_kwh * J_PER_KWH

        def per(count: float | None, joules: float) -> float | None:
            return joules / count if count else None

        mfu = None
        if self.peak and self.gpus and t > 0 and work["flops"]:
            mfu = work["flops"] / t / (self.gpus * self.peak)
        return {
            "elapsed_s": round(t, 3), "energy_kwh": facility_kwh, "emissions_kg": actual["emissions"], "cost_usd": actual["cost"],
            **work,
            "energy_per_step_j": per(work["steps"], facility_j), "energy_per_token_j": per(work["tokens"], facility_j),
            "energy_per_sample_j": per(work["samples"], facility_j), "energy_per_flop_j": per(work["flops"], device_j),
            "mfu": mfu, "power_w": self.power_w,
            "forecast_energy_kwh": made["energy_kwh"] if made else None,
            "forecast_energy_kwh_low": made["low_kwh"] if made else None,
            "forecast_energy_kwh_high": made["high_kwh"] if made else None,
            "forecast_emissions_kg": made["emissions_kg"] if made else None,
            "forecast_cost_usd": made["cost_usd"] if made else None,
            "forecast_end_unix": made["end_unix"] if made else None,
            "forecast_fraction_done": made["fraction"] if made else None,
            "budget_reached": self.watch.listed(), "budget_stop": self.watch.stopped_by is not None,
        }

    def snapshot(self) -> dict[str, Any] | None:
        return dict(self.latest) if self.latest is not None else None

    def _publish(self) -> None:
        """Rewrite the live snapshot file for the command (atomically: a reader never sees half of it)."""
        path = self.setup.live_path
        if not path or self.latest is None:
            return
        try:
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".live-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.latest, fh)
            os.replace(tmp, path)
        except OSError:  # a full /tmp must not stop metering; live() then gives the last snapshot written
            with contextlib.suppress(OSError):
                os.unlink(tmp)


class WorkTrail:
    """The work of a run as its log tells it: the header's options, the latest work record, the forecast checks."""

    def __init__(self, header: dict[str, Any]) -> None:
        options = header.get("work")
        self.options: dict[str, Any] = dict(options) if isinstance(options, dict) else {}
        if "plan" in self.options and not _plan_ok(self.options["plan"]):
            self.options.pop("plan")  # a damaged header's plan is left out, never half read
        if not isinstance(self.options.get("budgets", []), list) or not all(isinstance(b, str) for b in self.options.get("budgets", [])):
            self.options.pop("budgets")
        if not _count_ok(self.options.get("total_steps")):
            self.options.pop("total_steps")
        self.values: dict[str, float] = {}
        self.forecast: dict[str, Any] | None = None
        self.checks: dict[str, dict[str, Any]] = {}
        self.budget: dict[str, Any] | None = None
        self.seen = False

    def add(self, record: dict[str, Any]) -> None:
        self.seen = True
        for key in WORK_KEYS:
            if isinstance(record.get(key), int | float) and not isinstance(record.get(key), bool):
                self.values[key] = float(record[key])
        if isinstance(record.get("forecast"), dict):
            self.forecast = record["forecast"]
        if isinstance(record.get("checks"), dict):
            self.checks.update({k: v for k, v in record["checks"].items() if isinstance(v, dict)})
        if isinstance(record.get("budget"), dict):
            self.budget = record["budget"]

    def record(self) -> dict[str, Any]:
        """The whole trail as one work record (without its type and time), for the final record: a reader that sums
        a finished log from its last line (a job report) gets the run's work from there."""
        out: dict[str, Any] = {k: v for k, v in self.values.items()}
        if self.forecast is not None:
            out["forecast"] = self.forecast
        if self.checks:
            out["checks"] = dict(self.checks)
        if self.budget is not None:
            out["budget"] = self.budget
        return out

    def summary(self) -> dict[str, Any]:
        """What a Totals carries: plain JSON, merged across nodes by ``merge``."""
        totals = {k: self.values.get(k) for k in WORK_KEYS}
        if totals["total_steps"] is None:
            totals["total_steps"] = self.options.get("total_steps")
        return {"work": totals, "forecast": self.forecast, "checks": dict(self.checks), "budget": self.budget,
                "options": self.options}


def _count_ok(value: Any, optional: bool = True) -> bool:
    if value is None:
        return optional
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value) and value >= 0


FORECAST_NUMBERS = ("energy_kwh", "low_kwh", "high_kwh", "emissions_kg", "fraction")


def _forecast_problem(made: Any) -> str | None:
    if not isinstance(made, dict):
        return "is not an object"
    for key in FORECAST_NUMBERS:
        if not _count_ok(made.get(key), optional=False):
            return f"has '{key}' {made.get(key)!r:.40}; expected a number >= 0"
    if not made["low_kwh"] <= made["energy_kwh"] <= made["high_kwh"] or made["fraction"] > 1:
        return "is not ordered low <= central <= high, or is past the whole run"
    for key in ("cost_usd", "end_unix", "t"):
        if not _count_ok(made.get(key)):
            return f"has '{key}' {made.get(key)!r:.40}; expected a number >= 0 or null"
    return None


def check_work_record(record: dict[str, Any]) -> str | None:
    """What is wrong with a work record (None if it can be read): counts, forecasts and budget state are checked
    before a report uses them."""
    for key in WORK_KEYS:
        if not _count_ok(record.get(key)):
            return f"'{key}' is {record.get(key)!r:.40}; expected a count >= 0"
    if "forecast" in record and (wrong := _forecast_problem(record["forecast"])):
        return f"'forecast' {wrong}"
    checks = record.get("checks", {})
    if not isinstance(checks, dict):
        return "'checks' is not an object"
    for key, made in checks.items():
        if key not in {f"{f:g}" for f in CHECKS} or (wrong := _forecast_problem(made)):
            return f"'checks.{key}' {wrong or 'is not a check footprint makes'}"
    budget = record.get("budget")
    if budget is not None:
        lists = ("budgets", "reached", "forecast_passed")
        if not isinstance(budget, dict) or not all(isinstance(budget.get(k), list) and all(isinstance(x, str) for x in budget[k])
                                                   for k in lists) \
                or not isinstance(budget.get("stopped_by"), str | None) or not _count_ok(budget.get("stopped_at_s")) \
                or budget.get("on_budget") not in ("warn", "stop"):
            return "'budget' is not a budget state footprint writes"
    return None


def _plan_ok(plan: Any) -> bool:
    """A plan as the header keeps it (read_plan's dict); one that is not is left out of the report."""
    if not isinstance(plan, dict) or not isinstance(plan.get("file"), str):
        return False
    for key in ("energy_kwh", "emissions_kg", "cost_usd", "gpu_hours", "mfu", "gpu_power_w", "power_fraction"):
        value = plan.get(key)
        if key == "energy_kwh" or value is not None:
            if not (isinstance(value, list) and len(value) == 3 and all(_count_ok(v, optional=False) for v in value)):
                return False
    return True


def _sig(value: float) -> float:
    return float(f"{value:.9g}")


def _q(value: float, units: str) -> dict[str, Any]:
    return {"magnitude": _sig(value), "units": units}


def work_sections(parts: list[Any], energy_kwh: float, gpu_j: float, cpu_j: float, duration_s: float, n_gpus: int,
                  emissions_kg: float, cost_usd: float | None, gpu_hours: float, power_fraction: float | None,
                  header: dict[str, Any]) -> dict[str, Any]:
    """The work, efficiency, forecast, plan and budget sections of a measured result (JSON-ready)."""
    trails = [p.work for p in parts if getattr(p, "work", None)]
    options = next((t["options"] for t in trails if t.get("options")), {})
    work: dict[str, float | None] = dict.fromkeys(WORK_KEYS)
    for trail in trails:  # every node keeps the job's counts (rank 0's): the highest of them
        for key in WORK_KEYS:
            value = trail["work"].get(key)
            if value is not None and (work[key] is None or value > work[key]):
                work[key] = value
    plain = {k: (int(v) if v is not None and float(v).is_integer() and abs(v) < 2**53 else v) for k, v in work.items()}
    facility_j = energy_kwh * J_PER_KWH
    device_j, basis = (gpu_j, "GPU energy") if n_gpus else (cpu_j, "CPU energy (no GPU metered)")
    efficiency: dict[str, Any] = {
        "energy_per_step": _q(facility_j / work["steps"], "J") if work["steps"] else None,
        "energy_per_token": _q(facility_j / work["tokens"], "J") if work["tokens"] else None,
        "energy_per_sample": _q(facility_j / work["samples"], "J") if work["samples"] else None,
        "energy_per_flop": _q(device_j / work["flops"], "J/FLOP") if work["flops"] else None,
        "mfu": None,
        "energy_basis": "facility energy (IT x PUE) per unit of work",
    }
    if work["flops"]:
        efficiency["energy_per_flop_basis"] = basis
        if duration_s > 0:
            efficiency["flops_per_s"] = _q(work["flops"] / duration_s, "FLOP/s")
    precision = str(options.get("precision") or "bf16")
    peak, peak_text, peak_source = device_peak(header, precision) if n_gpus else (None, "", "")
    if work["flops"] and peak and duration_s > 0:
        efficiency["mfu"] = round(work["flops"] / duration_s / (n_gpus * peak), 6)
        efficiency["mfu_basis"] = f"achieved FLOP/s over the run / ({n_gpus} GPU(s) x {peak_text})"
        efficiency["peak_source"] = peak_source
    elif work["flops"]:
        efficiency["mfu_basis"] = ("no GPU metered: no MFU" if not n_gpus
                                   else f"no dense {precision} peak known for these GPUs: no MFU")
    if power_fraction is not None:
        efficiency["power_fraction"] = power_fraction
    out: dict[str, Any] = {"work": plain, "efficiency": efficiency, "forecast": None}
    last = next((t["forecast"] for t in trails if t.get("forecast")), None)
    checks = next((t["checks"] for t in trails if t.get("checks")), {})
    if last is not None:
        out["forecast"] = _forecast_section(last, checks, energy_kwh, emissions_kg, cost_usd)
    plan = options.get("plan")
    if isinstance(plan, dict):
        out["plan"] = _plan_section(plan, energy_kwh, emissions_kg, cost_usd, gpu_hours, power_fraction, efficiency["mfu"],
                                    out["forecast"])
    budget = next((t["budget"] for t in trails if t.get("budget")), None)
    if options.get("budgets"):
        out["budget"] = budget or {"budgets": options["budgets"], "on_budget": options.get("on_budget", "warn"),
                                   "reached": [], "forecast_passed": [], "stopped_by": None, "stopped_at_s": None}
        if out["budget"].get("stopped_by"):
            out["budget"]["signal"] = options.get("budget_signal")
    return out


def _forecast_section(last: dict[str, Any], checks: dict[str, Any], energy_kwh: float, emissions_kg: float,
                      cost_usd: float | None) -> dict[str, Any]:
    end = last.get("end_unix")
    section: dict[str, Any] = {
        "energy": {"magnitude": float(f"{last['energy_kwh']:.9g}"), "units": "kWh", "low": float(f"{last['low_kwh']:.9g}"),
                   "high": float(f"{last['high_kwh']:.9g}")},
        "emissions": _q(last["emissions_kg"], "kgCO2e"),
        "cost": _q(last["cost_usd"], "USD") if last.get("cost_usd") is not None else None,
        "end": datetime.fromtimestamp(end, UTC).isoformat(timespec="seconds") if isinstance(end, int | float) else None,
        "fraction_done": last.get("fraction"), "unit": last.get("unit"),
        "method": "energy so far + remaining work x recent energy per unit of work (since the last change; pauses at "
                  "the rate they recur); range from the variation of energy per unit of work",
        "checks": [],
    }
    finished = (last.get("fraction") or 0) >= 0.999
    for key in sorted(checks, key=float):
        made = checks[key]
        entry = {"at": float(key), "t_s": made.get("t"),
                 "energy": {"magnitude": _sig(made["energy_kwh"]), "units": "kWh", "low": _sig(made["low_kwh"]),
                            "high": _sig(made["high_kwh"])},
                 "actual": _q(energy_kwh, "kWh") if finished else None,
                 "error": round(made["energy_kwh"] / energy_kwh - 1, 6) if finished and energy_kwh > 0 else None,
                 "within_range": (made["low_kwh"] <= energy_kwh <= made["high_kwh"]) if finished else None}
        section["checks"].append(entry)
    if not finished:
        section["checks_note"] = (f"the run ended at {(last.get('fraction') or 0):.0%} of its planned work: "
                                  "the forecasts are not set against an actual of the whole run")
    return section


def _plan_section(plan: dict[str, Any], energy_kwh: float, emissions_kg: float, cost_usd: float | None, gpu_hours: float,
                  power_fraction: float | None, mfu: float | None, fc: dict[str, Any] | None) -> dict[str, Any]:
    rows = {
        "gpu_hours": (plan.get("gpu_hours"), gpu_hours, "h"),
        "power_fraction": (plan.get("power_fraction"), power_fraction, ""),
        "mfu": (plan.get("mfu"), mfu, ""),
        "energy": (plan.get("energy_kwh"), energy_kwh, "kWh"),
        "emissions": (plan.get("emissions_kg"), emissions_kg, "kgCO2e"),
        "cost": (plan.get("cost_usd"), cost_usd, "USD"),
    }
    out: dict[str, Any] = {"file": plan.get("file"), "profile": plan.get("profile"), "gpus": plan.get("gpus"), "rows": {}}
    for key, (planned, measured, units) in rows.items():
        out["rows"][key] = {"plan": planned, "measured": measured, "units": units,
                            "ratio": round(measured / planned[0], 4) if planned and measured is not None and planned[0] else None}
    if fc is not None:
        out["forecast_above_plan"] = fc["energy"]["magnitude"] > plan["energy_kwh"][2]
    return out
