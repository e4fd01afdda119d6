"""The estimator: a pure function from a RunSpec (Quantities only, no I/O) to a Footprint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from footprint.core.result import Assumption, Footprint, GridUsed
from footprint.core.span import Span
from footprint.core.units import Q, unit
from footprint.errors import FootprintError

if TYPE_CHECKING:
    import pint


@dataclass(frozen=True)
class RunSpec:
    """Everything the estimate needs, already resolved to Quantities (see footprint.estimates.inputs for parsing).

    Time comes from exactly one of: gpus x duration, gpu_hours, or compute (flops / (peak x mfu)).
    """

    gpu_power: Span  # W per GPU
    host_power: Span  # W per GPU, non-GPU IT
    pue: Span  # dimensionless, >= 1
    intensity: Span  # gCO2e/kWh
    gpus: int | None = None
    duration: Span | None = None
    gpu_hours: Span | None = None
    flops: Span | None = None
    peak: pint.Quantity | None = None  # dense FLOP/s per GPU at the chosen precision
    mfu: Span | None = None
    price: Span | None = None  # USD per GPU-hour
    energy_price: Span | None = None  # USD per kWh of facility energy
    profile: str | None = None
    label: str = ""
    # every input as used (given or defaulted), by its schema name: Span, int or str; carried to the Footprint
    inputs: dict[str, Any] = field(default_factory=dict, hash=False)
    grid: GridUsed | None = None  # the intensity's gases and region, carried to the Footprint
    device_kind: str = "gpu"  # the profile's device_kind, carried to the Footprint


def compute(spec: RunSpec, assumptions: tuple[Assumption, ...] = ()) -> Footprint:
    """Energy = GPU-hours x (GPU + host power) x PUE; emissions = energy x intensity; cost = GPU-hours x price."""
    extra: list[Assumption] = []
    gpu_hours, duration, implied_mfu = _time(spec, extra)
    kwh = unit("kWh")
    energy_gpu = (gpu_hours * spec.gpu_power).to(kwh)
    energy_host = (gpu_hours * spec.host_power).to(kwh)
    energy, overhead, emissions, _ = site_totals(energy_gpu + energy_host, gpu_hours, spec.pue, spec.intensity)
    rental, electricity = cost_parts(gpu_hours, energy, spec.price, spec.energy_price)
    cost = total_cost(rental, electricity)
    check_outputs({"GPU-hours": gpu_hours, "duration": duration, "GPU energy": energy_gpu, "host energy": energy_host,
                    "facility overhead": overhead, "energy": energy, "emissions": emissions, "cost": cost,
                    "implied MFU": implied_mfu})
    return Footprint(
        kind="estimate",
        gpu_hours=gpu_hours,
        energy_gpu=energy_gpu,
        energy_host=energy_host,
        energy_overhead=overhead,
        energy=energy,
        emissions=emissions,
        cost=cost,
        cost_gpu_rental=rental,
        cost_electricity=electricity,
        gpus=spec.gpus,
        duration=duration,
        profile=spec.profile,
        flops=spec.flops,
        implied_mfu=implied_mfu,
        assumptions=tuple(assumptions) + tuple(extra),
        label=spec.label,
        inputs=dict(spec.inputs),
        grid=spec.grid,
        device_kind=spec.device_kind,
    )


def check_outputs(outputs: dict[str, Span | None]) -> None:
    """Raise FootprintError unless every figure (name -> Span, None skipped) is a finite number of 0 or more.

    Inputs each within bounds can still multiply past float range (inf), and a published figure must never
    read 'inf TWh' or a negative energy.
    """
    import math

    for name, span in outputs.items():
        if span is None:
            continue
        for q in (span.lo, span.central, span.hi):
            m = float(q.magnitude)
            if not math.isfinite(m) or m < 0:
                shown = "too large to represent" if not math.isfinite(m) else f"negative ({q:~P})"
                raise FootprintError(f"the {name} would be {shown}; expected inputs of a real training run "
                                     "(check the sizes and units of --gpus, --hours, --gpu-power, --flops, ...)")


def site_totals(it_energy: Span, gpu_hours: Span, pue: Span, intensity: Span, price: Span | None = None,
                energy_price: Span | None = None) -> tuple[Span, Span, Span, Span | None]:
    """From IT energy to (facility energy, its overhead part, emissions, cost): shared by estimates and meters."""
    kwh = unit("kWh")
    energy = (it_energy * pue).to(kwh)
    # one as a Quantity: pint subtracts a bare 1 from a dimensionless Quantity via its root units, 3x slower
    overhead = (it_energy * (pue - Q(1, unit("")))).to(kwh)
    emissions = (energy * intensity).to(unit("kgCO2e"))
    return energy, overhead, emissions, total_cost(*cost_parts(gpu_hours, energy, price, energy_price))


def cost_parts(gpu_hours: Span, energy: Span, price: Span | None = None,
               energy_price: Span | None = None) -> tuple[Span | None, Span | None]:
    """(GPU rental = GPU-hours x price per GPU-hour, electricity = facility energy x its price); None where unpriced."""
    usd = unit("USD")
    rental = None if price is None else (gpu_hours * price).to(usd)
    electricity = None if energy_price is None else (energy * energy_price).to(usd)
    return rental, electricity


def total_cost(rental: Span | None, electricity: Span | None) -> Span | None:
    """The sum of the priced parts, or None when neither is priced."""
    if rental is None or electricity is None:
        return rental if electricity is None else electricity
    return rental + electricity


def _time(spec: RunSpec, extra: list[Assumption]) -> tuple[Span, Span | None, Span | None]:
    """GPU-hours, wall time and (when FLOPs and time are both known) the implied MFU."""
    if spec.gpu_hours is not None and spec.duration is not None:
        raise FootprintError("give either --gpu-hours or --hours/--duration, not both")
    implied_mfu = None
    hour = unit("h")
    if spec.gpu_hours is not None:
        gpu_hours = spec.gpu_hours.to(hour)
    elif spec.duration is not None:
        if spec.gpus is None:
            raise FootprintError("--hours/--duration needs --gpus N (or give --gpu-hours)")
        gpu_hours = (spec.duration * spec.gpus).to(hour)
    elif spec.flops is not None and spec.mfu is not None:
        if spec.peak is None:
            raise FootprintError("compute mode needs a --profile with a dense peak at the chosen --precision")
        gpu_hours = (spec.flops / (Span(spec.peak) * spec.mfu)).to(hour)
        extra.append(Assumption("gpu_hours (from compute)", gpu_hours, "derived", "FLOPs / (dense peak x MFU)"))
    elif spec.flops is not None:
        raise FootprintError("compute mode needs --mfu X (0 < X <= 1), or give the time with --hours/--gpu-hours")
    else:
        raise FootprintError(
            "no run length: give --gpus N with --hours H or --duration TEXT, or --gpu-hours X, "
            "or compute mode (--flops or --params/--tokens with --mfu)"
        )
    if spec.flops is not None and spec.mfu is None and spec.peak is not None:
        implied_mfu = (spec.flops / (gpu_hours * Span(spec.peak))).to(unit(""))
    duration = None
    if spec.duration is not None:
        duration = spec.duration.to(hour)
    elif spec.gpus:
        duration = (gpu_hours / spec.gpus).to(hour)
    return gpu_hours, duration, implied_mfu
