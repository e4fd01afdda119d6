"""Footprint: the one result type. Estimates and measurements both produce it; reports only read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from footprint.core.span import Span
from footprint.errors import FootprintError

# JSON units are fixed per key so that scripts can read magnitudes without converting.
JSON_UNITS = {
    "gpu_hours": "h",
    "duration": "h",
    "energy": "kWh",
    "energy_gpu": "kWh",
    "energy_host": "kWh",
    "energy_cpu": "kWh",
    "energy_ram": "kWh",
    "energy_overhead": "kWh",
    "emissions": "kgCO2e",
    "cost": "USD",
    "cost_gpu_rental": "USD",
    "cost_electricity": "USD",
    "flops": "FLOP",
}


# How a Footprint reads as text, by what is asked: "rows" (str()), "estimate" and "measurement" (summary()).
# Text is render's job: footprint.render.as_text fills this when it is loaded (footprint.estimate, footprint.track
# and footprint.Footprint load it), so core never imports the layer above it.
_TEXT: dict[str, Callable[[Footprint, str], str]] = {}


def register_text(kind: str, text: Callable[[Footprint, str], str]) -> None:
    """Make ``text(footprint, heading)`` the text of a Footprint for `kind` ("rows", "estimate", "measurement")."""
    _TEXT[kind] = text


@dataclass(frozen=True)
class GridUsed:
    """The grid factor a result's emissions rest on: its value, the gases it counts and the region it is for."""

    intensity: Span  # gCO2e/kWh (gCO2/kWh where `gases` is "CO2")
    gases: str = "CO2e"  # "CO2e", or "CO2" for a factor that counts CO2 only: its figures are then printed as CO2
    region: str | None = None  # the region's code; None where the user gave the intensity itself

    @property
    def co2_only(self) -> bool:
        return self.gases == "CO2"


@dataclass(frozen=True)
class Assumption:
    """One input that produced the result: its value, where it came from (origin) and the source text."""

    name: str
    value: Span | str
    origin: str  # "user", "profile", "default", "region data", "derived", "measured"
    source: str = ""

    def as_json(self) -> dict[str, Any]:
        value: Any = self.value.as_json() if isinstance(self.value, Span) else self.value
        return {"name": self.name, "value": value, "origin": self.origin, "source": self.source}

    def value_text(self) -> str:
        return format(self.value) if isinstance(self.value, Span) else str(self.value)


@dataclass(frozen=True)
class Footprint:
    """Energy by component, emissions, cost and GPU-hours of a run, with the assumptions behind each number.

    ``energy`` is the facility total: (GPU + host) x PUE; ``energy_overhead`` is its non-IT part. For a measured
    run ``energy_host`` is CPU + RAM, also given separately as ``energy_cpu`` and ``energy_ram``. ``cost`` is the
    sum of ``cost_gpu_rental`` and ``cost_electricity``, those of the two that were priced.
    """

    kind: str  # "estimate" or "measurement"
    gpu_hours: Span
    energy_gpu: Span
    energy_host: Span
    energy_overhead: Span
    energy: Span
    emissions: Span
    assumptions: tuple[Assumption, ...]
    cost: Span | None = None  # the total: GPU rental + electricity, where priced
    cost_gpu_rental: Span | None = None  # GPU-hours x price per GPU-hour
    cost_electricity: Span | None = None  # facility energy x electricity price
    gpus: int | None = None
    duration: Span | None = None
    profile: str | None = None
    flops: Span | None = None
    implied_mfu: Span | None = None
    energy_cpu: Span | None = None
    energy_ram: Span | None = None
    label: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    grid: GridUsed | None = None  # the grid factor behind `emissions`, where known
    device_kind: str = "gpu"  # the profile's device_kind: "gpu", or "accelerator" (TPUs and other non-GPUs)
    # every input as it was used, given or defaulted, by its schema name (footprint.estimates.schema):
    # a Span, an int (gpus) or a str (profile, region, precision, label). Comparisons and renderers read these
    # values, never the printed assumptions.
    inputs: dict[str, Any] = field(default_factory=dict)
    # a measured run's work and what it gives, as JSON: "work", "efficiency", "forecast" (and "plan", "budget"
    # where the run had them); footprint.meter.work builds them
    work: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        """The result rows (energy, emissions, cost, ...) in readable units; ``summary()`` adds the assumptions."""
        text = _TEXT.get("rows")
        return text(self, "") if text is not None else repr(self)

    def summary(self, heading: str = "") -> str:
        """The text the CLI prints for this result: rows, per-GPU lines of a metered run, every assumption."""
        text = _TEXT.get(self.kind)
        if text is None:
            raise FootprintError(f"no text for a {self.kind!r} Footprint: import footprint.render.as_text "
                                 "(footprint.estimate and footprint.track load it)")
        return text(self, heading)

    def assumption(self, name: str) -> Assumption | None:
        return next((a for a in self.assumptions if a.name == name), None)

    def input(self, name: str) -> Any:
        """The value an input was used at (a Span, int or str), or None where it played no part."""
        return self.inputs.get(name)

    def as_json(self) -> dict[str, Any]:
        """The JSON object: quantities as {"magnitude", "units"} (+ "low"/"high" for ranges)."""
        out: dict[str, Any] = {"kind": self.kind, "label": self.label, "profile": self.profile, "gpus": self.gpus}
        for key, units in JSON_UNITS.items():
            value = getattr(self, key)
            if value is not None:
                out[key] = value.as_json(units)
        if self.implied_mfu is not None:
            out["implied_mfu"] = self.implied_mfu.as_json("")
        out.update(self.work)
        out["assumptions"] = [a.as_json() for a in self.assumptions]
        if self.inputs:
            out["inputs"] = {k: v.as_json() if isinstance(v, Span) else v for k, v in self.inputs.items()}
        if self.details:
            out["details"] = self.details
        return out
