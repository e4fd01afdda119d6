"""Does our estimator, fed a reference's published inputs and its publisher's formula, give its published outputs?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from footprint.claims.references import find_reference
from footprint.core.result import Assumption, Footprint
from footprint.core.span import Span
from footprint.errors import FootprintError
from footprint.plugins.contract import Output, Reference

# Relative slack for float noise when a result sits exactly on a rounding boundary.
_EPS = 1e-9


@dataclass(frozen=True)
class Row:
    """One published output next to ours: the relative difference and whether it is within the source's rounding."""

    name: str
    published: Span
    ours: Span
    difference: float  # ours / published - 1 (central values)
    within: bool
    verdict: str  # "reproduced", "known gap" or "NOT reproduced"
    allowance: str  # what "within" means here (the source's rounding)
    reason: str = ""
    source: str = ""

    def as_json(self) -> dict[str, Any]:
        units = f"{self.published.central.units:~C}"
        return {
            "output": self.name, "published": self.published.as_json(units), "ours": self.ours.as_json(units),
            "difference": round(self.difference, 6), "within_rounding": self.within, "verdict": self.verdict,
            "allowance": self.allowance, "reason": self.reason, "source": self.source,
        }


def arg(value: Any) -> Any:
    """A Span as build_spec input: its Quantity, or a (low, high) pair for a range."""
    if isinstance(value, Span):
        return (value.lo, value.hi) if value.is_range else value.central
    return value


def _factor(ref: Reference, output: Output | None, name: str) -> Any:
    """The publisher's factor: the output's own override, the method's, else the published input (or None)."""
    if output is not None and name in output.method:
        return output.method[name]
    if name in ref.method.factors:
        return ref.method.factors[name]
    return arg(ref.value(name))


def publisher_estimate(ref: Reference, output: Output | None = None) -> Footprint:
    """Our estimator on the reference's published inputs, with the publisher's factors (host power 0 W unless given)."""
    from footprint.plugins.manager import memo

    # the same reference is estimated again and again (for each output, each claim, each side of a compare): the
    # result depends only on the reference and the four factors, and on the profiles, so it is kept per plugin set
    key = (id(ref), tuple(repr(_factor(ref, output, name)) for name in ("gpu_power", "host_power", "pue", "intensity")))
    estimates: dict[Any, tuple[Reference, Footprint]] = memo("publisher estimates", dict)
    found = estimates.get(key)
    if found is not None and found[0] is ref:  # the object itself: another Reference may reuse a freed id()
        return found[1]
    fp = _estimate(ref, output)
    estimates[key] = (ref, fp)  # holds the reference, so its id() is not reused while the entry lives
    return fp


def _estimate(ref: Reference, output: Output | None) -> Footprint:
    from footprint.core.estimator import compute
    from footprint.estimates.inputs import build_spec
    from footprint.plugins.catalog import get_profile

    profile = get_profile(ref.profile) if ref.profile else None
    extra: list[Assumption] = []
    gpu_power = _factor(ref, output, "gpu_power")
    time: dict[str, Any] = {}
    if ref.value("gpu_hours") is not None:
        time["gpu_hours"] = arg(ref.value("gpu_hours"))
    elif ref.value("duration") is not None and ref.value("gpus") is not None:
        time["duration"] = arg(ref.value("duration"))
    elif ref.value("energy_gpu") is not None:
        # Measured GPU energy with no GPU-hours: enter it as one GPU-hour at that average power, so the same
        # formula (x PUE x intensity) applies; GPU-hours and wall time are then meaningless and not shown.
        energy = ref.value("energy_gpu")
        time["gpu_hours"] = "1 h"
        gpu_power = arg((energy / Span.of(_one_hour())).to("W"))
        extra.append(Assumption("energy_gpu", energy, "published", "measured GPU energy entered as 1 GPU-hour at its average power"))
        profile = None  # that "power" is a whole run's energy per hour, not one board's draw: no TDP applies
    else:
        raise FootprintError(f"reference {ref.id!r} publishes no GPU-hours, GPUs x time or energy to estimate from")
    compute_inputs: dict[str, Any] = {}
    if ref.value("flops") is not None:
        compute_inputs["flops"] = arg(ref.value("flops"))
    elif ref.value("tokens") is not None and (ref.value("params") is not None or ref.value("active_params") is not None):
        key = "active_params" if ref.value("active_params") is not None else "params"
        compute_inputs = {key: arg(ref.value(key)), "tokens": arg(ref.value("tokens"))}
    if compute_inputs and profile is not None and "energy_gpu" not in ref.inputs:
        compute_inputs["precision"] = "bf16"
    else:
        compute_inputs = {}
    spec, notes = build_spec(
        profile=profile, gpus=ref.value("gpus"), gpu_power=gpu_power,
        host_power=_factor(ref, output, "host_power") or "0 W", pue=_factor(ref, output, "pue") or 1,
        intensity=_factor(ref, output, "intensity"), price=arg(ref.value("price")), label=ref.id, **time, **compute_inputs,
    )
    return compute(spec, tuple(extra) + notes)


def _one_hour() -> Any:
    from footprint.core.units import Q

    return Q(1.0, "h")


def _check(published: Span, ours: Span, output: Output) -> tuple[bool, str]:
    units = published.central.units
    ours = ours.to(f"{units}")
    half = 0.0
    allowance = "exact"
    if output.step is not None:
        step = float(output.step.to(units).magnitude)
        half = step / 2
        allowance = f"rounded to {output.step:~P}" if output.mode == "round" else f"truncated to {output.step:~P}"
    lo_p, hi_p = float(published.lo.magnitude), float(published.hi.magnitude)
    lo_o, hi_o = float(ours.lo.magnitude), float(ours.hi.magnitude)
    eps = _EPS * max(abs(hi_p), 1e-300)
    if output.mode == "truncate" and output.step is not None:
        within = lo_p - eps <= lo_o and hi_o < hi_p + 2 * half + eps
    else:
        within = lo_p - half - eps <= lo_o and hi_o <= hi_p + half + eps
    if output.tolerance is not None:
        rel = max(abs(lo_o / lo_p - 1), abs(hi_o / hi_p - 1))
        within = within or rel <= output.tolerance + _EPS
        allowance += f", or within {output.tolerance:.1%}"
    return within, allowance


def check_output(ref: Reference, output: Output) -> Row:
    """Compare one published output with our estimate under the publisher's formula."""
    fp = publisher_estimate(ref, output)
    ours = getattr(fp, output.quantity)
    if ours is None:
        raise FootprintError(f"reference {ref.id!r}: our estimate has no {output.quantity} to compare with {output.name}")
    ours = ours.to(f"{output.value.central.units}")
    within, allowance = _check(output.value, ours, output)
    diff = float((ours.central / output.value.central).to("").magnitude) - 1
    if within:
        verdict = "reproduced" if output.expect == "match" else "reproduced (a gap was expected)"
    else:
        verdict = "known gap" if output.expect == "differs" else "NOT reproduced"
    return Row(output.name, output.value, ours, diff, within, verdict, allowance, output.reason, output.source)


def _stage_rows(ref: Reference) -> list[Row]:
    """A total whose stages are also references must equal their sum (GPU-hours, and cost where both are given)."""
    if not ref.stages:
        return []
    stages = [find_reference(s) for s in ref.stages]
    if any(s is None for s in stages):
        return []
    rows = []
    for name in ("gpu_hours",):
        total = ref.value(name)
        parts = [s.value(name) for s in stages if s is not None]
        if total is None or any(p is None for p in parts):
            continue
        summed = parts[0]
        for p in parts[1:]:
            summed = summed + p
        summed = summed.to(f"{total.central.units}")
        diff = float((summed.central / total.central).to("").magnitude) - 1
        within = abs(diff) <= _EPS
        rows.append(Row(f"{name} = sum of stages ({' + '.join(ref.stages)})", total, summed, diff, within,
                        "reproduced" if within else "NOT reproduced", "exact", "", ref.inputs[name].source))
    return rows


def reproduce(ref: Reference) -> list[Row]:
    """Every published output of `ref` next to ours, plus the stage-sum check of a total."""
    return [check_output(ref, o) for o in ref.outputs] + _stage_rows(ref)
