"""Budgets that act: an energy, emissions or cost limit on a run, checked against the actual totals and the forecast
each interval. The first time the forecast passes a budget, and the first time the actual reaches it, one line is
said; with ``on_budget="stop"`` reaching it also stops the run (``footprint run`` signals its command,
``footprint.track`` sets ``Tracker.should_stop``).
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from typing import Any

from footprint.errors import FootprintError

KINDS = ("energy", "emissions", "cost")
UNITS = {"energy": "kWh", "emissions": "kgCO2e", "cost": "USD"}
ON_BUDGET = ("warn", "stop")


def shown(value: float, kind: str) -> str:
    """A budget-kind figure for a message: '4.21 MWh', '1.3 tCO2e', '9,870 USD'."""
    if kind == "energy":
        for unit, scale in (("GWh", 1e6), ("MWh", 1e3), ("kWh", 1.0), ("Wh", 1e-3)):
            if abs(value) >= scale or unit == "Wh":
                return f"{value / scale:.3g} {unit}"
    if kind == "emissions":
        for unit, scale in (("tCO2e", 1e3), ("kgCO2e", 1.0), ("gCO2e", 1e-3)):
            if abs(value) >= scale or unit == "gCO2e":
                return f"{value / scale:.3g} {unit}"
    return f"{value:,.2f} USD" if value < 100 else f"{value:,.0f} USD"

@dataclass(frozen=True)
class Budget:
    """One limit, as the user wrote it, with its kind and its value in UNITS[kind]."""

    text: str
    kind: str
    limit: float


def parse_budget(text: Any, what: str = "--budget") -> Budget:
    """'5 MWh', '2 tCO2e' or '10000 USD' as a Budget; FootprintError naming the value otherwise."""
    from footprint.core.units import EMISSIONS, ENERGY, MONEY, parse_quantity

    expected = "an energy, emissions or an amount of money such as '5 MWh', '2 tCO2e' or '10000 USD'"
    if not isinstance(text, str) or not text.strip():
        raise FootprintError(f"{what}: {text!r} is not a budget; expected {expected}")
    for kind, quantity_kind in zip(KINDS, (ENERGY, EMISSIONS, MONEY), strict=True):
        try:
            value = parse_quantity(text, quantity_kind, what)
        except FootprintError:
            continue
        limit = float(value.to(UNITS[kind]).magnitude)
        if not limit > 0 or limit == float("inf"):
            raise FootprintError(f"{what}: {text!r} is not above zero; expected {expected}")
        return Budget(text.strip(), kind, limit)
    raise FootprintError(f"{what}: cannot read {text!r} as a budget; expected {expected}")


def parse_budgets(values: Any, what: str = "--budget") -> list[Budget]:
    """A budget string or a list of them (None: no budget)."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [parse_budget(v, what) for v in values]


def check_on_budget(value: Any, what: str = "--on-budget") -> str:
    if value not in ON_BUDGET:
        raise FootprintError(f"{what}: {value!r} is not a budget action; expected one of {', '.join(ON_BUDGET)}")
    return str(value)


def parse_signal(value: Any, what: str = "--budget-signal") -> signal.Signals:
    """A signal by name ('SIGTERM', 'TERM', 'usr1') or number."""
    text = str(value).strip().upper()
    if text.isdigit():
        try:
            return signal.Signals(int(text))
        except ValueError:
            pass
    name = text if text.startswith("SIG") else f"SIG{text}"
    try:
        return signal.Signals[name]
    except KeyError:
        raise FootprintError(f"{what}: {value!r} is not a signal; expected a name such as SIGTERM or SIGUSR1") from None


@dataclass
class BudgetWatch:
    """The state of the budgets through a run; ``check`` says what to tell the user and whether to stop now."""

    budgets: list[Budget]
    on_budget: str = "warn"
    forecast_passed: list[str] = field(default_factory=list)
    reached: list[str] = field(default_factory=list)
    stopped_by: str | None = None  # the budget that stopped the run
    stopped_at: float | None = None  # seconds into the run
    basis: str | None = None  # how a node's meter counts for the job, under a multi-node launcher

    def check(self, t: float, actual: dict[str, float | None], forecast: dict[str, float | None]) -> tuple[list[str], bool]:
        """(lines to say, stop now) for the actual totals and the forecast of the whole run, in UNITS by kind."""
        lines: list[str] = []
        stop = False
        for budget in self.budgets:
            now = actual.get(budget.kind)
            ahead = forecast.get(budget.kind)
            if ahead is not None and ahead > budget.limit and budget.text not in self.forecast_passed \
                    and budget.text not in self.reached:
                self.forecast_passed.append(budget.text)
                lines.append(f"budget {budget.text}: the forecast for the whole run, {shown(ahead, budget.kind)}, passes it "
                             f"({shown(now or 0.0, budget.kind)} so far)")
            if now is not None and now >= budget.limit and budget.text not in self.reached:
                self.reached.append(budget.text)
                if self.on_budget == "stop" and self.stopped_by is None:
                    self.stopped_by, self.stopped_at = budget.text, t
                    stop = True
                    lines.append(f"budget {budget.text} reached ({shown(now, budget.kind)} at {t:.0f} s): stopping the run")
                else:
                    lines.append(f"budget {budget.text} reached ({shown(now, budget.kind)} at {t:.0f} s)")
        return lines, stop

    def listed(self) -> list[str]:
        """The budgets reached or forecast to be passed, in the order they were."""
        return [*self.reached, *(b for b in self.forecast_passed if b not in self.reached)]

    def state(self) -> dict[str, Any]:
        state = {"budgets": [b.text for b in self.budgets], "on_budget": self.on_budget, "reached": list(self.reached),
                 "forecast_passed": list(self.forecast_passed), "stopped_by": self.stopped_by, "stopped_at_s": self.stopped_at}
        if self.basis is not None:
            state["basis"] = self.basis
        return state
