"""Plausibility from compute: the MFU a run's claimed GPU-hours imply, judged against what published runs achieve.

implied MFU = FLOPs / (GPU-hours x dense peak at the chosen precision), with FLOPs as published or
6 x (active) parameters x tokens. Above 100% is impossible; more than a factor FAR outside the range that
published runs imply (each at BF16 dense peak, from its own published FLOPs or parameters and tokens) is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from footprint.claims.references import all_references
from footprint.core.span import Span
from footprint.errors import FootprintError
from footprint.plugins.contract import Reference

FAR = 2.0  # "far outside": below half the lowest, or above twice the highest, published implied MFU


@dataclass(frozen=True)
class Band:
    """The implied MFUs of published runs (BF16 dense), lowest and highest, with the runs they came from."""

    low: float
    high: float
    low_id: str
    high_id: str
    members: dict[str, float]


@dataclass(frozen=True)
class MfuCheck:
    """One run's implied MFU at one precision, with a verdict and the arithmetic written out."""

    label: str
    precision: str
    flops: Span
    flops_how: str
    gpu_hours: Span
    peak: Any  # pint.Quantity, FLOP/s per GPU
    peak_source: str
    mfu: Span
    verdict: str  # "plausible", "far outside published runs", "impossible (above 100%)"
    why: str

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label, "precision": self.precision, "flops": self.flops.as_json("FLOP"),
            "flops_how": self.flops_how, "gpu_hours": self.gpu_hours.as_json("h"),
            "peak": {"magnitude": float(self.peak.to("TFLOP/s").magnitude), "units": "TFLOP/s", "source": self.peak_source},
            "implied_mfu": self.mfu.as_json(""), "verdict": self.verdict, "why": self.why,
        }


def implied_mfu(flops: Span, gpu_hours: Span, peak: Any) -> Span:
    """FLOPs / (GPU-hours x peak), dimensionless."""
    return (Span.of(flops) / (Span.of(gpu_hours) * Span.of(peak))).to("")


def reference_flops(ref: Reference) -> tuple[Span, str] | None:
    """The run's training FLOPs: as published, else 6 x active (or total) parameters x tokens; None if unknown."""
    from footprint.core.units import Q

    if ref.value("flops") is not None:
        return ref.value("flops"), "published"
    key = "active_params" if ref.value("active_params") is not None else "params"
    n, t = ref.value(key), ref.value("tokens")
    if n is None or t is None:
        return None
    flops = (n * t * 6 * Q(1.0, "FLOP")).to("FLOP")
    return flops, f"6 x {key.replace('_', ' ')} {_sci(n.central.magnitude)} x tokens {_sci(t.central.magnitude)}"


def _sci(x: float) -> str:
    return f"{float(x):.4g}".replace("e+", "e")


def reference_gpu_hours(ref: Reference) -> Span | None:
    if ref.value("gpu_hours") is not None:
        return ref.value("gpu_hours")
    if ref.value("gpus") is not None and ref.value("duration") is not None:
        return (ref.value("duration") * ref.value("gpus")).to("h")
    return None


def _family(ref: Reference) -> set[str]:
    """The reference, its parent, its stages and its siblings: excluded from the band it is judged against."""
    names = {ref.id, *ref.stages}
    if ref.part_of:
        names.add(ref.part_of)
        names.update(r.id for r in all_references() if r.part_of == ref.part_of)
    names.update(r.id for r in all_references() if r.part_of == ref.id)
    return names


def published_band(exclude: Reference | None = None) -> Band:
    """The range of implied BF16 MFU over primary references with compute and GPU-hours (minus `exclude`'s family)."""
    skip = _family(exclude) if exclude is not None else set()
    members = {ref_id: mfu for ref_id, mfu in _primary_mfus().items() if ref_id not in skip}
    if not members:
        raise FootprintError("no published run has both compute and GPU-hours to judge an MFU against")
    low_id = min(members, key=members.__getitem__)
    high_id = max(members, key=members.__getitem__)
    return Band(members[low_id], members[high_id], low_id, high_id, members)


def _primary_mfus() -> dict[str, float]:
    """Implied BF16 MFU of every primary reference with compute and GPU-hours (once per plugin set)."""
    from footprint.plugins.catalog import get_profile
    from footprint.plugins.manager import memo

    def build() -> dict[str, float]:
        members: dict[str, float] = {}
        for ref in all_references():
            if ref.status != "primary" or not ref.profile:
                continue
            flops, hours = reference_flops(ref), reference_gpu_hours(ref)
            if flops is None or hours is None:
                continue
            peak = get_profile(ref.profile).peak("bf16").value
            members[ref.id] = float(implied_mfu(flops[0], hours, peak).central.magnitude)
        return members

    return memo("primary MFUs", build)


def judge(mfu: Span, band: Band) -> tuple[str, str]:
    """(verdict, why) for an implied MFU against the band of published runs."""
    m = float(mfu.central.magnitude)
    hi = float(mfu.hi.magnitude)
    published = f"published runs imply {band.low:.1%} ({band.low_id}) to {band.high:.1%} ({band.high_id})"
    if hi > 1.0:
        return "impossible (above 100%)", f"the claimed GPU-hours cannot deliver these FLOPs even at the dense peak; {published}"
    if m < band.low / FAR or m > min(1.0, band.high * FAR):
        return "far outside published runs", f"more than a factor {FAR:g} outside: {published}"
    return "plausible", f"within a factor {FAR:g} of what {published}"


def check_reference(ref: Reference, precision: str = "bf16", gpu_hours: Span | None = None) -> MfuCheck:
    """The implied MFU of a reference's claimed GPU-hours at `precision`, judged against the other published runs."""
    from footprint.plugins.catalog import get_profile

    flops = reference_flops(ref)
    hours = gpu_hours if gpu_hours is not None else reference_gpu_hours(ref)
    if flops is None or hours is None or not ref.profile:
        raise FootprintError(f"reference {ref.id!r} lacks FLOPs (or parameters and tokens), GPU-hours or a profile for an MFU check")
    figure = get_profile(ref.profile).peak(precision)
    mfu = implied_mfu(flops[0], hours, figure.value)
    verdict, why = judge(mfu, published_band(ref))
    return MfuCheck(ref.id, precision, flops[0], flops[1], hours, figure.value, f"{ref.profile} dense {precision}; {figure.source}",
                    mfu, verdict, why)
