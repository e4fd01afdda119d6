"""The Python API behind ``footprint.estimate``: the same inputs as the CLI, the same Footprint result."""

from __future__ import annotations

from typing import Any

from footprint.core.estimator import compute
from footprint.core.profiles import HardwareProfile
from footprint.core.result import Footprint
from footprint.estimates.inputs import build_spec
from footprint.plugins.catalog import resolve_profile


def estimate(
    profile: str | HardwareProfile | None = None,
    *,
    profile_file: str | None = None,
    gpus: int | str | None = None,
    hours: Any = None,
    duration: Any = None,
    gpu_hours: Any = None,
    gpu_power: Any = None,
    host_power: Any = None,
    pue: Any = None,
    region: str | None = None,
    intensity: Any = None,
    price: Any = None,
    energy_price: Any = None,
    flops: Any = None,
    params: Any = None,
    active_params: Any = None,
    tokens: Any = None,
    precision: str | None = None,
    mfu: Any = None,
    label: str = "",
) -> Footprint:
    """Estimate a run's energy, emissions and cost.

    Values may be strings with units ("54 days", "550 W", "582 g/kWh"), numbers where the option's unit is
    implied (hours, GPU-hours, FLOPs, PUE, MFU, a fraction of TDP), Quantities, or ranges ("1.1..1.4").

    >>> fp = estimate("h800", gpus=2048, hours=1300, gpu_power=1, host_power="0 W", pue=1, intensity="500 g/kWh")
    >>> round(fp.energy.central.to("MWh").magnitude, 2)
    1863.68
    """
    chosen = profile if isinstance(profile, HardwareProfile) else resolve_profile(profile, profile_file)
    spec, notes = build_spec(
        profile=chosen, gpus=gpus, hours=hours, duration=duration, gpu_hours=gpu_hours, gpu_power=gpu_power,
        host_power=host_power, pue=pue, region=region, intensity=intensity, price=price, energy_price=energy_price,
        flops=flops, params=params, active_params=active_params, tokens=tokens, precision=precision, mfu=mfu,
        label=label,
    )
    return compute(spec, notes)
