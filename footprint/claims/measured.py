"""``footprint claims --measured RUN``: the energy claims with a metered run's efficiency beside the TDP basis.

The TDP basis (GPU-hours x TDP) is how the claims are checked; a measurement adds one thing it cannot: an energy
per FLOP that was measured. Carried to both sides of a claim, it gives each side's energy at one efficiency, so the
ratio becomes the ratio of the work. What it shows and what it cannot show is said per claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from footprint.claims.compare import compare, parse_basis
from footprint.claims.sides import Side, reference_side
from footprint.claims.work_basis import Efficiency, WorkComparison, compare_work, efficiency_of
from footprint.errors import FootprintError

# The energy claims and the references on their two sides (as footprint.claims.checks compares them).
PAIRS = {
    "energy-tenth-llama": ("deepseek-v3", "llama-3.1-405b"),
    "energy-tenth-gpt4": ("deepseek-v3", "gpt-4-estimate"),
}
PRECISION_CLAIMS = ("fp8-halves-energy",)
ENERGY_CLAIMS = (*PAIRS, *PRECISION_CLAIMS)


@dataclass(frozen=True)
class MeasuredView:
    """One energy claim: its two sides at TDP and at the run's efficiency, and what the measurement can show."""

    claim_id: str
    text: str
    verdict: str  # the claim's verdict on the TDP basis
    tdp: Any | None  # the Comparison on the TDP basis (None for a precision claim)
    measured: WorkComparison | None
    can_show: str
    cannot_show: str

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.claim_id, "claim": self.text, "verdict_at_tdp": self.verdict,
                               "can_show": self.can_show, "cannot_show": self.cannot_show}
        if self.tdp is not None and self.measured is not None:
            out["sides"] = [s.label for s in self.tdp.sides]
            out["energy_at_tdp"] = [fp.energy.as_json("MWh") for fp in self.tdp.footprints]
            out["ratio_at_tdp"] = float(f"{float(self.tdp.ratios[1].central.magnitude):.12g}")
            work = self.measured.as_json()
            out["work"] = [s["work"] for s in work["sides"][1:]]
            out["energy_at_measured_efficiency"] = [e.as_json("MWh") for e in self.measured.energy[1:]]
            out["ratio_at_measured_efficiency"] = float(f"{_ratio(self.measured):.12g}")
        return out


def _ratio(w: WorkComparison) -> float:
    return float((w.energy[2].central / w.energy[1].central).to("").magnitude)


def measured_views(run: Side, claim_ids: list[str] | None = None) -> tuple[Efficiency, list[MeasuredView]]:
    """The run's efficiency and, for each energy claim (all of them by default), the view with it."""
    from footprint.claims.checks import check, claim_texts
    from footprint.claims.references import find_reference

    efficiency = efficiency_of(run)
    if efficiency is None:
        what = "is not a metered run" if run.given is None or run.given.kind != "measurement" else "reported no work"
        raise FootprintError(f"--measured {run.origin}: {what}; expected the summary JSON or log of a run whose code "
                             "called footprint.progress(flops=... or tokens=...)")
    ids = list(claim_ids) if claim_ids else list(ENERGY_CLAIMS)
    for cid in ids:
        if cid not in ENERGY_CLAIMS:
            raise FootprintError(f"--measured: {cid!r} is not an energy claim; expected one of {', '.join(ENERGY_CLAIMS)}")
    texts = claim_texts()
    verdicts = {c.id: c.verdict for c in check(ids)}
    views = []
    for cid in ids:
        if cid in PRECISION_CLAIMS:
            views.append(_precision_view(cid, texts[cid]["text"], verdicts[cid], efficiency))
            continue
        first, second = (reference_side(find_reference(r)) for r in PAIRS[cid])
        tdp = compare([first, second], parse_basis("tdp"))
        measured = compare_work([run, first, second])
        views.append(_pair_view(cid, texts[cid]["text"], verdicts[cid], tdp, measured))
    return efficiency, views


def _pct(x: float) -> str:
    return f"{x:.1%}"


def _pair_view(cid: str, text: str, verdict: str, tdp: Any, measured: WorkComparison) -> MeasuredView:
    a, b = tdp.sides
    per = measured.efficiency.per
    at_tdp = float(tdp.ratios[1].central.magnitude)
    ratio_a_to_b = 1 / at_tdp  # the claims put the first side (DeepSeek-V3) over the second
    at_run = 1 / _ratio(measured)
    estimate = " (GPT-4's FLOPs are third-party estimates, so this ratio is only as good as they are)" if "gpt-4" in b.label else ""
    can = (f"at one energy per {per}, {a.label} takes {_pct(at_run)} of {b.label}'s energy: the ratio of their {per}s{estimate}; "
           f"at TDP it is {_pct(ratio_a_to_b)}: the two differ by how far the sides' TDP energies per {per} differ. "
           f"Your run puts each side's work at the energy it would take at your efficiency")
    cannot = (f"how efficiently {a.label}'s or {b.label}'s clusters ran: the claim turns on their energy per {per}, which "
              f"neither published; your run measures your {measured.efficiency.device}, its precision and its "
              "utilisation, none of which need match theirs, so it cannot confirm or refute the claim")
    return MeasuredView(cid, text, verdict, tdp, measured, can, cannot)


def _precision_view(cid: str, text: str, verdict: str, efficiency: Efficiency) -> MeasuredView:
    can = (f"your run's energy per {efficiency.per} at the precision it ran; a second run of the same work at the other "
           "precision, compared with 'footprint compare RUN_BF16 RUN_FP8 --basis as-is' (each run's own measured energy "
           "for the same work), gives the measured ratio the claim is about")
    cannot = ("the halving from one run: the claim compares two precisions, and one measurement sees one of them; the "
              "datasheet's doubled peak is not a measured saving")
    return MeasuredView(cid, text, verdict, None, None, can, cannot)
