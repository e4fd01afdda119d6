"""What every callback shares, without a framework: budgets and on_budget read as footprint.track reads them, and
figures carried over a resume checked before use."""

from __future__ import annotations

import math

import pytest

from footprint.errors import FootprintError
from footprint.integrations.session import Session


@pytest.mark.parametrize(("options", "message"), [
    ({"budget": "5 m"}, "budget: cannot read '5 m' as a budget"),
    ({"budget": 5}, "budget: 5 is not a budget; expected an energy, emissions or cost"),
    ({"on_budget": "halt"}, "on_budget: 'halt' is not a budget action; expected one of warn, stop"),
])
def test_bad_budget_options_are_named_before_training(options: dict, message: str) -> None:
    with pytest.raises(FootprintError) as caught:
        Session(**options)
    assert str(caught.value).startswith(message)


def test_budgets_of_each_kind() -> None:
    kinds = [(b.kind, b.limit) for b in Session(budget=["5 MWh", "2 tCO2e", "10000 USD"]).budgets]
    assert kinds == [("energy", 5000.0), ("emissions", 2000.0), ("cost", 10000.0)]


@pytest.mark.parametrize("value", [math.nan, -1.0, "3 kWh", True])
def test_a_damaged_carried_figure_is_refused_by_name(value: object) -> None:
    with pytest.raises(FootprintError, match="footprint state in the checkpoint: energy_kwh"):
        Session().restore({"energy_kwh": value})


def test_carried_figures_are_kept_without_a_meter() -> None:
    session = Session()
    session.restore({"energy_kwh": 1.5, "emissions_kg": 0.7})
    assert session.state() == {"energy_kwh": 1.5, "emissions_kg": 0.7}
    assert session.metrics() == {}  # nothing meters: no snapshot to log
