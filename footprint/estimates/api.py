"""The Python API behind ``footprint.estimate``: the same inputs as the CLI, the same Footprint result."""

from __future__ import annotations

import inspect
from typing import Any

from footprint.core.estimator import compute
from footprint.core.profiles import HardwareProfile
from footprint.core.result import Footprint
from footprint.estimates.inputs import build_spec
from footprint.estimates.schema import INPUTS, check_names
from footprint.plugins.catalog import resolve_profile


def estimate(profile: str | HardwareProfile | None = None, **inputs: Any) -> Footprint:
    """Estimate a run's energy, emissions and cost.

    Values may be strings with units ("54 days", "550 W", "582 g/kWh"), numbers where the option's unit is
    implied (hours, GPU-hours, FLOPs, PUE, MFU, a fraction of TDP), Quantities, or ranges ("1.1..1.4").
    An unknown keyword raises FootprintError (also a TypeError) naming the valid ones.

    >>> fp = estimate("h800", gpus=2048, hours=1300, gpu_power=1, host_power="0 W", pue=1, intensity="500 g/kWh")
    >>> round(fp.energy.central.to("MWh").magnitude, 2)
    1863.68
    """
    check_names(inputs, "estimate()")  # profile, the positional one, never lands in inputs
    profile_file = inputs.pop("profile_file", None)
    chosen = profile if isinstance(profile, HardwareProfile) else resolve_profile(profile, profile_file)
    spec, notes = build_spec(profile=chosen, **inputs)
    return compute(spec, notes)


def _signature() -> inspect.Signature:
    """estimate(profile=None, *, <every other schema input>=None): what help() and editors show."""
    params = [inspect.Parameter("profile", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                                annotation="str | HardwareProfile | None")]
    params += [inspect.Parameter(i.name, inspect.Parameter.KEYWORD_ONLY, default=None if i.cli_default is None else i.cli_default,
                                 annotation="Any") for i in INPUTS if i.name != "profile"]
    return inspect.Signature(params, return_annotation="Footprint")


def _inputs_doc() -> str:
    lines = ["", "    Inputs (the options of 'footprint estimate', with dashes; the keys of a scenario file):"]
    for i in INPUTS:
        lines.append(f"        {i.name}: {i.help}" + (f" Default: {i.default}." if i.default else ""))
    return "\n".join(lines) + "\n"


estimate.__signature__ = _signature()  # type: ignore[attr-defined]
estimate.__doc__ = (estimate.__doc__ or "") + _inputs_doc()
