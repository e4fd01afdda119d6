"""``compare --basis work``: a metered run's energy per FLOP (per token where FLOPs are unknown) carried to every
side's work.

"At this run's efficiency, DeepSeek-V3's 3.29e24 FLOPs would take X MWh, against V3's Y MWh at TDP." The energy
carried is the compute device's own: the GPUs' for a GPU run, the CPU's for a run that metered no GPU (labelled
so), as the TDP basis counts the GPUs only (no host, PUE 1). Beside it each side keeps its own figure: the TDP
basis where it has GPU-hours and a profile, else its own result (published, estimated or measured).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from footprint.claims.compare import ComparisonBasis, cpu_only, method_of, on_basis, parse_basis
from footprint.claims.sides import Side
from footprint.core.span import Span
from footprint.errors import FootprintError

if TYPE_CHECKING:
    import pint

    from footprint.core.result import Footprint


@dataclass(frozen=True)
class Efficiency:
    """A metered run's device energy per unit of work."""

    run: Side
    per: str  # "FLOP" or "token"
    device: str  # "GPU" or "CPU"
    energy: Span  # the run's device energy (kWh)
    work: Span  # the run's FLOPs or tokens
    value: pint.Quantity  # J per FLOP, or J per token

    def describe(self) -> str:
        from footprint.core.numbers import number

        joules = float(self.value.to("J" if self.per == "token" else "J/FLOP").magnitude)
        unit = "J/token" if self.per == "token" else "J/FLOP"
        what = ("GPU energy only, like the TDP basis (no host, PUE 1)" if self.device == "GPU"
                else "CPU energy only: the run metered no GPU, so this is a CPU's efficiency, not a GPU's")
        return f"work: {_sci(joules)} {unit}, the measured {self.device} energy per {self.per} of {self.run.label} " \
               f"({number(float(self.energy.central.to('kWh').magnitude))} kWh over {_work_text(self.work, self.per)}; {what})"


@dataclass(frozen=True)
class WorkComparison:
    """Every side's work at one run's efficiency, beside each side's own energy."""

    basis: ComparisonBasis
    efficiency: Efficiency
    sides: tuple[Side, ...]
    work: tuple[Span, ...]  # each side's FLOPs (or tokens)
    work_from: tuple[str, ...]
    energy: tuple[Span, ...]  # each side's work x the run's efficiency
    ratios: tuple[Span, ...]  # energy, each side / first
    own: tuple[Footprint, ...]  # each side's own energy: the TDP basis where it has one, else its own result
    own_method: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def sentences(self) -> list[str]:
        """'At this run's efficiency, deepseek-v3's 3.29e24 FLOPs would take X MWh, against deepseek-v3's Y MWh at TDP.'"""
        from footprint.render.text import show

        out = []
        for side, work, energy, own, how in zip(self.sides, self.work, self.energy, self.own, self.own_method, strict=True):
            if side is self.efficiency.run:
                continue
            out.append(f"at {self.efficiency.run.label}'s efficiency, {side.label}'s {_work_text(work, self.efficiency.per)} "
                       f"would take {show(energy, 'MWh')}, against {side.label}'s {show(own.energy, 'MWh')} ({how})")
        return out

    def as_json(self) -> dict[str, Any]:
        e = self.efficiency
        per_unit = "J/FLOP" if e.per == "FLOP" else "J"
        return {
            "basis": {"name": "work", "description": self.basis_text(), "per": e.per, "device": e.device,
                      "run": e.run.label, "energy_per_work": {"magnitude": float(f"{float(e.value.to(per_unit).magnitude):.12g}"),
                                                             "units": per_unit}},
            "sides": [
                {"label": s.label, "kind": s.kind, "origin": s.origin, "status": s.status,
                 "work": {"magnitude": float(f"{float(w.central.magnitude):.12g}"), "units": e.per, "from": src},
                 "energy": en.as_json("kWh"), "own_energy": own.energy.as_json("kWh"), "own_method": how}
                for s, w, src, en, own, how in zip(self.sides, self.work, self.work_from, self.energy, self.own, self.own_method, strict=True)
            ],
            "ratios": [float(f"{float(r.central.magnitude):.12g}") for r in self.ratios],
            "ratio_ranges": [r.as_json("") for r in self.ratios],
            "sentences": self.sentences(),
            "notes": list(self.notes),
        }

    def basis_text(self) -> str:
        return self.efficiency.describe()


def _sci(x: float) -> str:
    return f"{x:.3g}".replace("e+", "e")


def _work_text(work: Span, per: str) -> str:
    from footprint.core.numbers import number

    def one(q: Any) -> str:
        x = float(q.magnitude)
        return _sci(x) if x >= 1e6 else number(x)

    text = one(work.central) if not work.is_range else f"{one(work.central)} ({one(work.lo)}..{one(work.hi)})"
    return f"{text} {'FLOPs' if per == 'FLOP' else 'tokens'}"


def efficiency_of(side: Side) -> Efficiency | None:
    """A metered side's device energy per FLOP (or per token where it reported no FLOPs); None for other sides."""
    fp = side.given
    if fp is None or fp.kind != "measurement" or not side.work:
        return None
    if cpu_only(side):
        device, energy = "CPU", fp.energy_cpu if fp.energy_cpu is not None else fp.energy_host
    else:
        device, energy = "GPU", fp.energy_gpu
    if side.work.flops is not None:
        per, work = "FLOP", side.work.flops
        value = (energy.central / work.central).to("J/FLOP")
    else:
        assert side.work.tokens is not None
        per, work = "token", side.work.tokens
        value = (energy.central / work.central).to("J")
    if float(work.central.magnitude) <= 0 or float(energy.central.magnitude) <= 0:
        raise FootprintError(f"{side.label}: its metered {device} energy or its work is zero, so it has no energy per {per}")
    return Efficiency(side, per, device, energy, work, value)


def _work_for(side: Side, per: str) -> tuple[Span, str]:
    w = side.work
    if per == "FLOP" and w.flops is not None:
        return w.flops, w.flops_from
    if per == "token" and w.tokens is not None:
        return w.tokens, w.tokens_from
    if per == "FLOP":
        advice = ("a reference with published FLOPs or parameters and tokens, a scenario with flops (or active_params "
                  "and tokens), or a run that reported footprint.progress(flops=...)")
    else:
        advice = ("a reference or scenario with tokens, or a run that reported footprint.progress(tokens=...)")
    has = " (it has tokens only: the run must report FLOPs, or both sides tokens)" if per == "FLOP" and w.tokens is not None else ""
    raise FootprintError(f"{side.label}: its {per}s are unknown{has}, so --basis work cannot carry the run's energy per "
                         f"{per} to it; give {advice}")


def _own(side: Side) -> tuple[Footprint, str]:
    """The side's own energy: the TDP basis where it has GPU-hours and a profile (how model cards count), else its own."""
    if side.given is not None and side.given.kind == "measurement":
        return side.given, "measured: CPU, RAM and PUE (no GPU)" if cpu_only(side) else "measured: GPU, host and PUE"
    if side.gpu_hours is not None and side.profile is not None and side.profile.tdp is not None:
        return on_basis(side, parse_basis("tdp")), "at TDP"
    if side.given is None:
        raise FootprintError(f"{side.label}: no energy of its own to set beside the carried one")
    return side.given, method_of(side.given)


def compare_work(sides: list[Side], basis: ComparisonBasis | None = None) -> WorkComparison:
    """Every side at the first metered side's efficiency (energy per FLOP, else per token), ratios to the first side."""
    basis = basis or parse_basis("work")
    if len(sides) < 2:
        raise FootprintError("compare needs at least two sides: reference IDs, scenario .toml files or saved results")
    efficiency = None
    for side in sides:
        efficiency = efficiency_of(side)
        if efficiency is not None:
            break
    if efficiency is None:
        measured = [s.label for s in sides if s.given is not None and s.given.kind == "measurement"]
        if measured:
            raise FootprintError(f"{measured[0]}: its work is unknown, so it has no energy per FLOP for --basis work; "
                                 "report it from the training code with footprint.progress(flops=... or tokens=...) "
                                 "and compare the run's summary JSON or log")
        raise FootprintError("--basis work needs a metered run with its work: the summary JSON or log of a 'footprint run' "
                             "or footprint.track() whose code called footprint.progress(flops=... or tokens=...)")
    works, sources, energies, owns, hows = [], [], [], [], []
    for side in sides:
        work, source = _work_for(side, efficiency.per)
        energy = (work * efficiency.value).to("kWh")
        own, how = _own(side)
        works.append(work)
        sources.append(source)
        energies.append(energy)
        owns.append(own)
        hows.append(how)
    first = float(energies[0].central.magnitude)
    if first == 0:
        raise FootprintError(f"{sides[0].label}: its work is zero, so ratios to it are undefined; put another side first")
    ratios = [Span(energies[0].central / energies[0].central)] + [(e / energies[0]).to("") for e in energies[1:]]
    notes = [f"{s.label}: {n}" for s in sides for n in s.notes]
    others = [s.label for s in sides if s is not efficiency.run and efficiency_of(s) is not None]
    if others:
        notes.append(f"efficiency from {efficiency.run.label} (the first metered side); {', '.join(others)} "
                     "carried at it too")
    if efficiency.device == "CPU":
        notes.append(f"{efficiency.run.label} metered no GPU: the energies above are what the other sides' work would take "
                     "at a CPU's energy per FLOP, not a GPU's; measure on the GPU you mean to compare")
    notes.append("the carried energy counts the compute device only; the hardware, precision and utilisation of "
                 f"{efficiency.run.label} set it, and none of them need match the other sides'")
    return WorkComparison(basis, efficiency, tuple(sides), tuple(works), tuple(sources), tuple(energies), tuple(ratios),
                          tuple(owns), tuple(hows), tuple(notes))
