"""Put runs, references and scenarios on one method and compare them: energy, emissions and cost with ratios.

The default basis is the model-card convention, applied to every side alike: GPU-hours x TDP, host power 0 W,
PUE 1. A given power fraction, power, host power or PUE replaces it; ``as-is`` keeps each side's own method
(published, estimated or measured) and says so when the methods differ. ``work`` carries a metered run's energy
per FLOP (per token where FLOPs are unknown) to every side's work (``footprint.claims.work_basis``).

A metered run without GPUs has no GPU-hours to put on a GPU basis: it stays as measured (CPU and RAM), labelled
so, and the notes point at ``--basis work``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from footprint.claims.sides import Side
from footprint.core.result import Footprint
from footprint.core.span import Span
from footprint.errors import FootprintError


@dataclass(frozen=True)
class ComparisonBasis:
    """How every side is re-estimated: a GPU power (fraction of TDP or W), host power and PUE; or 'as-is'."""

    name: str  # "tdp", "fraction", "power" or "as-is"
    gpu_power: Any = 1.0
    host_power: Any = "0 W"
    pue: Any = 1
    intensity: Any = None
    region: str | None = None
    price: Any = None
    own_intensity: bool = False  # each side's own grid intensity instead of one for all

    def describe(self) -> str:
        if self.name == "as-is":
            return "as-is: each side's own method (published, estimated or measured)"
        power = {"tdp": "GPU-hours x TDP", "fraction": f"GPU-hours x {self.gpu_power} x TDP",
                 "power": f"GPU-hours x {self.gpu_power} per GPU"}[self.name]
        return f"{power}, host power {self.host_power}, PUE {self.pue}"

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "gpu_power": None if self.name == "as-is" else str(self.gpu_power),
                "host_power": None if self.name == "as-is" else str(self.host_power),
                "pue": None if self.name == "as-is" else str(self.pue), "description": self.describe()}


def parse_basis(text: str = "tdp", *, host_power: Any = None, pue: Any = None, intensity: Any = None,
                region: str | None = None, price: Any = None, own_intensity: bool = False) -> ComparisonBasis:
    """'tdp' (default), 'as-is', a fraction of TDP ('0.8', '80%') or a power ('550 W'); host power and PUE apply to all.

    Emissions use one grid intensity for every side (the one given, else the default region) unless
    `own_intensity` asks for each side's own.
    """
    from footprint.estimates.inputs import parse_fraction_or_power

    key = text.strip().lower()
    if own_intensity and (intensity is not None or region is not None):
        raise FootprintError("--own-intensity keeps each side's grid intensity; do not also give --intensity or --region")
    site = {"intensity": intensity, "region": region, "price": price, "own_intensity": own_intensity}
    if key in ("as-is", "work"):
        if host_power is not None or pue is not None:
            keeps = "keeps each side's own method" if key == "as-is" else "carries a run's measured energy per FLOP"
            raise FootprintError(f"--basis {key} {keeps}; do not also give --host-power or --pue")
        return ComparisonBasis(key, None, None, None, **site)
    extra = {"host_power": host_power if host_power is not None else "0 W", "pue": pue if pue is not None else 1}
    if key == "tdp":
        return ComparisonBasis("tdp", 1.0, **extra, **site)
    try:
        kind, _ = parse_fraction_or_power(text, "--basis")
    except FootprintError:
        raise FootprintError(f"--basis: cannot read {text!r}; expected tdp, as-is, a fraction of TDP such as 0.8 or '80%', "
                             "or a power per GPU such as '550 W'") from None
    return ComparisonBasis(kind, text, **extra, **site)


def on_basis(side: Side, basis: ComparisonBasis) -> Footprint:
    """The side's footprint under the basis (the side's own intensity and price unless the basis sets them)."""
    from footprint.claims.reproduce import arg
    from footprint.core.estimator import compute
    from footprint.estimates.inputs import build_spec

    if basis.name == "as-is":
        if side.given is None:
            raise FootprintError(f"{side.label}: no result of its own to compare as-is")
        return side.given
    if basis.name == "work":
        raise FootprintError("--basis work is compared by footprint.claims.work_basis.compare_work")
    if cpu_only(side):
        assert side.given is not None
        return side.given  # no GPU-hours to put on a GPU basis: as measured, and the notes say so
    if side.gpu_hours is None:
        raise FootprintError(f"{side.label}: publishes no GPU-hours, so it cannot be put on the {basis.name} basis; use --basis as-is")
    if basis.name in ("tdp", "fraction") and side.profile is None:
        raise FootprintError(f"{side.label}: has no hardware profile, so its TDP is unknown; use --basis '550 W' (a power) or as-is")
    intensity, region = basis.intensity, basis.region
    if basis.own_intensity and side.intensity is not None:
        intensity = arg(side.intensity)
    price = basis.price if basis.price is not None else arg(side.price)
    compute_inputs: dict[str, Any] = {}
    if side.flops is not None and side.profile is not None:
        compute_inputs = {"flops": arg(side.flops), "precision": side.precision or "bf16"}
    spec, notes = build_spec(
        profile=side.profile, gpus=side.gpus, gpu_hours=arg(side.gpu_hours), gpu_power=basis.gpu_power,
        host_power=basis.host_power, pue=basis.pue, intensity=intensity, region=region, price=price,
        energy_price=arg(side.energy_price), label=side.label, **compute_inputs,
    )
    return compute(spec, notes)


@dataclass(frozen=True)
class Comparison:
    """Sides on one basis, with each side's energy, emissions and cost ratio to the first side."""

    basis: ComparisonBasis
    sides: tuple[Side, ...]
    footprints: tuple[Footprint, ...]
    ratios: tuple[Span, ...]  # energy, each side / first
    emissions_ratios: tuple[Span | None, ...]
    cost_ratios: tuple[Span | None, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        def num(span: Span | None) -> float | None:
            return None if span is None else float(f"{float(span.central.magnitude):.12g}")

        return {
            "basis": self.basis.as_json(),
            "sides": [
                {"label": s.label, "kind": s.kind, "origin": s.origin, "status": s.status,
                 "profile": s.profile.id if s.profile else None, "footprint": fp.as_json()}
                for s, fp in zip(self.sides, self.footprints, strict=True)
            ],
            "ratios": [num(r) for r in self.ratios],
            "ratio_ranges": [r.as_json("") for r in self.ratios],
            "emissions_ratios": [num(r) for r in self.emissions_ratios],
            "cost_ratios": [num(r) for r in self.cost_ratios],
            "notes": list(self.notes),
        }


def _ratio(a: Span | None, b: Span | None) -> Span | None:
    if a is None or b is None or float(b.central.magnitude) == 0:
        return None
    return (a / b).to("")


def method_of(fp: Footprint) -> str:
    """A short description of how a footprint counted energy (to flag comparisons that mix methods)."""
    if fp.kind == "measurement":
        return "measured"
    power, host, pue = fp.input("gpu_power"), fp.input("host_power"), fp.input("pue")
    how = fp.assumption("gpu_power")
    gpu = "GPU at a given power"
    if how is not None and how.origin == "measured":
        gpu = "GPU at measured power"
    elif isinstance(power, Span):
        watts = float(power.central.to("W").magnitude)
        tdp = _tdp_watts(fp.profile)
        if tdp is not None and abs(watts - tdp) < 1e-6 * tdp:
            gpu = "GPU at TDP"
        elif tdp is not None:
            gpu = f"GPU at {watts / tdp:.0%} of TDP"
    counted_host = isinstance(host, Span) and float(host.central.magnitude) > 0
    pue_text = "?" if pue is None else format(pue)
    return f"{gpu}, {'host counted' if counted_host else 'no host'}, PUE {pue_text}"


def _tdp_watts(profile_id: str | None) -> float | None:
    from footprint.plugins.catalog import get_profile

    if not profile_id:
        return None
    try:
        tdp = get_profile(profile_id).tdp
        return None if tdp is None else float(tdp.value.to("W").magnitude)
    except FootprintError:
        return None


def cpu_only(side: Side) -> bool:
    """A metered run that metered no GPU (a CPU-only run): nothing of it can be put on a GPU basis."""
    fp = side.given
    return fp is not None and fp.kind == "measurement" and not fp.gpus and float(fp.energy_gpu.central.magnitude) == 0


def _notes(sides: list[Side], fps: list[Footprint], basis: ComparisonBasis) -> list[str]:
    notes = [f"{s.label}: {n}" for s in sides for n in s.notes]
    if basis.name != "as-is":
        for s in sides:
            if cpu_only(s):
                notes.append(f"{s.label}: a CPU-only run (no GPU metered): shown as measured (CPU, RAM and PUE), not on the "
                             f"GPU basis; {'use --basis work to carry its CPU energy per FLOP to the other sides' if s.work else 'report its work (footprint.progress) and use --basis work to compare by energy per FLOP'}")
    if basis.name == "as-is":
        methods = {s.label: method_of(fp) for s, fp in zip(sides, fps, strict=True)}
        if len(set(methods.values())) > 1:
            notes.append("MIXED METHODS: " + "; ".join(f"{k}: {v}" for k, v in methods.items())
                         + ". Ratios mix methods; use --basis tdp (or a power) to compare like with like")
    intensities = {s.label: fp.input("intensity") for s, fp in zip(sides, fps, strict=True)}
    shown = {k: ("?" if v is None else format(v)) for k, v in intensities.items()}
    if len({_key(v) for v in intensities.values()}) > 1:
        notes.append("emissions use each side's own grid intensity (" + ", ".join(f"{k}: {v}" for k, v in shown.items())
                     + "): the emissions ratio mixes grids; "
                     + ("use --basis tdp" if basis.name == "as-is" else "leave out --own-intensity") + " to compare at one intensity")
    prices = {s.label: s.price for s in sides if s.price is not None}
    if basis.price is None and len({_key(p) for p in prices.values()}) > 1:
        from footprint.render.text import show

        notes.append("cost uses each side's own price per GPU-hour (" + ", ".join(f"{k}: {show(v)}" for k, v in prices.items())
                     + "): the cost ratio mixes prices; pass --price to compare at one price")
    if basis.name != "as-is":
        notes.extend(_publisher_notes(sides, fps))
    return notes


def _key(value: Any) -> Any:
    """A value to tell equal inputs by (low, central, high in one unit), whatever unit each side gave it in."""
    if not isinstance(value, Span):
        return value
    units = value.central.units
    return tuple(round(float(q.to(units).magnitude), 9) for q in (value.lo, value.central, value.hi))


def _publisher_notes(sides: list[Side], fps: list[Footprint]) -> list[str]:
    """Where a reference published energy or emissions by its own method, say what that method gives."""
    from footprint.claims.references import find_reference
    from footprint.render.text import show

    out = []
    for s, fp in zip(sides, fps, strict=True):
        ref = find_reference(s.origin) if s.kind == "reference" else None
        if ref is None or s.given is None or not any(o.quantity in ("energy", "emissions") for o in ref.outputs):
            continue
        own, here = s.given.energy, fp.energy
        if abs(float((own.central / here.central).to("").magnitude) - 1) > 0.005:
            out.append(f"{s.label}: the publisher's own method ({ref.method.text}) gives {show(own, 'MWh')}; "
                       f"re-estimated here on the common basis")
    return out


def compare(sides: list[Side], basis: ComparisonBasis) -> Comparison:
    """Every side on `basis`, with ratios to the first side."""
    if len(sides) < 2:
        raise FootprintError("compare needs at least two sides: reference IDs, scenario .toml files or saved results")
    fps = [on_basis(s, basis) for s in sides]

    def ratios_of(key: str) -> tuple[Span | None, ...]:
        first = getattr(fps[0], key)
        out = [_ratio(getattr(fp, key), first) for fp in fps]
        # the first side against itself is exactly 1, even when it is a range
        return tuple(None if r is None else (Span(r.central / r.central) if i == 0 else r) for i, r in enumerate(out))

    energy = ratios_of("energy")
    if any(r is None for r in energy):
        raise FootprintError(f"{sides[0].label}: energy is zero, so ratios to it are undefined; put another side first")
    return Comparison(
        basis, tuple(sides), tuple(fps), tuple(r for r in energy if r is not None), ratios_of("emissions"),
        ratios_of("cost"), tuple(_notes(sides, fps, basis)),
    )
