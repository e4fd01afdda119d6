"""Checks of the claims from the DeepSeek coverage, each with inputs, method, result and a verdict.

Every number comes from the references (footprint/data/references.toml) and hardware profiles through the same
estimator, compare and MFU code the commands use; the claim texts and who made them are in
footprint/data/claims.toml. A verdict is "holds", "does not hold" or "cannot be checked", always with why.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from footprint.errors import FootprintError, suggest

HOLDS, FAILS, UNCHECKABLE = "holds", "does not hold", "cannot be checked"
ABOUT = 0.25  # "about one-tenth" holds for ratios within 25% of 1/10 (7.5%..12.5%)
DAYS_PER_MONTH = 365.25 / 12  # a calendar month on average (30.44 days)


@dataclass(frozen=True)
class Claim:
    """One claim checked: what was said and by whom, the inputs with sources, the method, result and verdict."""

    id: str
    text: str
    said_by: str
    inputs: tuple[tuple[str, str, str], ...]  # (name, value, source)
    method: str
    result: dict[str, Any]  # plain numbers, units in the key names
    findings: tuple[str, ...]  # the result in words, one line each
    verdict: str
    why: str
    mixed_methods: str = ""
    caveats: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "claim": self.text, "said_by": self.said_by,
            "inputs": [{"name": n, "value": v, "source": s} for n, v, s in self.inputs],
            "method": self.method, "result": self.result, "findings": list(self.findings), "verdict": self.verdict,
            "why": self.why, "mixed_methods": self.mixed_methods, "caveats": list(self.caveats),
        }


@functools.cache
def claim_texts() -> dict[str, dict[str, str]]:
    """Claim id -> {text, said_by}, from footprint/data/claims.toml."""
    with Path(__file__).with_name("data").joinpath("claims.toml").open("rb") as fh:
        return {k: dict(v) for k, v in tomllib.load(fh)["claims"].items()}


def _ref(ref_id: str) -> Any:
    from footprint.references import get_reference

    return get_reference(ref_id)


def _input(ref: Any, name: str) -> tuple[str, str, str]:
    f = ref.inputs[name]
    return (f"{ref.id} {name}", f.text(), f.key or f.source)


def _h(span: Any) -> float:
    return float(span.central.to("h").magnitude)


def _claim(claim_id: str, **kwargs: Any) -> Claim:
    meta = claim_texts()[claim_id]
    return Claim(id=claim_id, text=meta["text"], said_by=meta["said_by"], **kwargs)


def _cost_claim(claim_id: str, ref_id: str, claimed_usd: float) -> Claim:
    from footprint.reproduce import publisher_estimate

    ref = _ref(ref_id)
    fp = publisher_estimate(ref)
    usd = float(fp.cost.central.to("USD").magnitude) if fp.cost is not None else float("nan")
    holds = abs(usd - claimed_usd) <= 500  # the claim is printed to the nearest $1K
    return _claim(
        claim_id,
        inputs=(_input(ref, "gpu_hours"), _input(ref, "price")),
        method="cost = GPU-hours x price per GPU-hour (footprint estimate --gpu-hours X --price '2 USD/h')",
        result={"gpu_hours": _h(fp.gpu_hours), "price_usd_per_h": 2.0, "cost_usd": usd, "claimed_usd": claimed_usd},
        findings=(f"{_h(fp.gpu_hours):,.0f} GPU-h x $2/GPU-h = ${usd:,.0f} (claimed ${claimed_usd:,.0f})",),
        verdict=HOLDS if holds else FAILS,
        why="the arithmetic reproduces the claim exactly" if holds else "the arithmetic does not give the claimed dollars",
        caveats=("$2 per GPU-hour is an assumed rental price, not a bill: no hardware purchase, staff, data or electricity",
                 *((ref.notes,) if ref.notes else ())),
    )


def check_v3_cost() -> Claim:
    return _cost_claim("v3-cost", "deepseek-v3", 5_576_000)


def check_r1_cost() -> Claim:
    claim = _cost_claim("r1-cost", "deepseek-r1", 294_000)
    stages = [_ref(s) for s in _ref("deepseek-r1").stages]
    parts = " + ".join(f"{s.id} {_h(s.value('gpu_hours')):,.0f}" for s in stages)
    base = _h(_ref("deepseek-v3").value("gpu_hours"))
    with_base = (base + _h(_ref("deepseek-r1").value("gpu_hours"))) * 2
    return _replace(claim, findings=(*claim.findings, f"stages: {parts} GPU-h",
                                     f"with the DeepSeek-V3 base it builds on: ${with_base:,.0f} in GPU rental"),
                    caveats=(*claim.caveats, "'64*8 H800 GPUs' = 512 GPUs; reports of '648 GPUs' lost the asterisk"))


def _replace(claim: Claim, **changes: Any) -> Claim:
    from dataclasses import replace

    return replace(claim, **changes)


def _tdp_ratio(first: str, second: str) -> Any:
    from footprint.compare import compare, parse_basis
    from footprint.sides import reference_side

    return compare([reference_side(_ref(first)), reference_side(_ref(second))], parse_basis("tdp"))


def _about_tenth(ratio: Any) -> bool:
    lo, hi = float(ratio.lo.magnitude), float(ratio.hi.magnitude)
    return 0.1 * (1 - ABOUT) <= lo and hi <= 0.1 * (1 + ABOUT)


def _pct(span: Any) -> str:
    from footprint.render.fmt import percent

    return percent(span)


def _mwh(span: Any) -> str:
    from footprint.report import show

    return show(span, "MWh")


def check_energy_tenth_llama() -> Claim:
    from footprint.api import estimate

    result = _tdp_ratio("llama-3.1-405b", "deepseek-v3")
    llama, v3 = result.footprints
    ratio = result.ratios[1]
    # The mixed reading: Llama's published figure (TDP x Meta's factors, PUE 1.1) against DeepSeek estimated at
    # server power (node nameplate) and the default PUE.
    llama_own = result.sides[0].given.energy
    v3_server = estimate("h800", gpu_hours=_ref("deepseek-v3").value("gpu_hours").central).energy
    mixed = (v3_server / llama_own).to("")
    holds = _about_tenth(ratio)
    return _claim(
        "energy-tenth-llama",
        inputs=(_input(_ref("llama-3.1-405b"), "gpu_hours"), _input(_ref("llama-3.1-405b"), "gpu_power"),
                _input(_ref("deepseek-v3"), "gpu_hours"), ("h800-sxm TDP", "700 W", "profiles/h800-sxm.toml")),
        method="both sides on one basis: energy = GPU-hours x TDP, host 0 W, PUE 1 (footprint compare llama-3.1-405b deepseek-v3)",
        result={"llama_mwh": float(llama.energy.central.to("MWh").magnitude), "v3_mwh": float(v3.energy.central.to("MWh").magnitude),
                "ratio": float(ratio.central.magnitude), "mixed_ratio": float(mixed.central.magnitude)},
        findings=(f"Llama 3.1 405B {_mwh(llama.energy)}, DeepSeek-V3 {_mwh(v3.energy)}: {_pct(ratio)} of Llama's energy",),
        verdict=HOLDS if holds else FAILS,
        why=(f"{_pct(ratio)} is within {ABOUT:.0%} of one-tenth; both GPUs are 700 W parts, so on this basis the energy ratio "
             "is the GPU-hour ratio (2.788M / 30.84M)") if holds else f"{_pct(ratio)} is not within {ABOUT:.0%} of one-tenth",
        mixed_methods=(f"mixing methods changes the answer: Llama's own figure ({_mwh(llama_own)}, TDP x PUE 1.1) against "
                       f"DeepSeek-V3 at server power (node nameplate, PUE 1.1: {_mwh(v3_server)}) gives {_pct(mixed)}"),
        caveats=("DeepSeek published no energy, power or PUE: TDP is an upper bound for both sides",
                 "DeepSeek-V3 counts the final run only (no research or ablations); Llama 3.1 405B's GPU-hours are its pre-training"),
    )


def check_energy_tenth_gpt4() -> Claim:
    result = _tdp_ratio("gpt-4-estimate", "deepseek-v3")
    gpt4, v3 = result.footprints
    ratio = result.ratios[1]
    gpu_hour_ratio = (v3.gpu_hours / gpt4.gpu_hours).to("")
    holds = _about_tenth(ratio)
    ref = _ref("gpt-4-estimate")
    return _claim(
        "energy-tenth-gpt4",
        inputs=(_input(ref, "gpus"), _input(ref, "duration"), _input(ref, "mfu"), _input(ref, "flops"),
                ("a100-sxm4-80gb TDP", "400 W", "profiles/a100-sxm4-80gb.toml"), _input(_ref("deepseek-v3"), "gpu_hours"),
                ("h800-sxm TDP", "700 W", "profiles/h800-sxm.toml")),
        method="both sides on one basis: energy = GPU-hours x TDP, host 0 W, PUE 1; the estimate's 90..100 days kept as a range",
        result={"gpt4_mwh_low": float(gpt4.energy.lo.to("MWh").magnitude), "gpt4_mwh_high": float(gpt4.energy.hi.to("MWh").magnitude),
                "v3_mwh": float(v3.energy.central.to("MWh").magnitude), "ratio": float(ratio.central.magnitude),
                "ratio_low": float(ratio.lo.magnitude), "ratio_high": float(ratio.hi.magnitude),
                "gpu_hour_ratio_low": float(gpu_hour_ratio.lo.magnitude), "gpu_hour_ratio_high": float(gpu_hour_ratio.hi.magnitude)},
        findings=(f"GPT-4 (estimate: 25,000 A100 x 90..100 days) {_mwh(gpt4.energy)}; DeepSeek-V3 {_mwh(v3.energy)}",
                  f"DeepSeek-V3 at {_pct(ratio)} of GPT-4's energy over the estimate's whole input range",
                  f"in GPU-hours only {_pct(gpu_hour_ratio)}: an H800 draws 700 W at TDP against the A100's 400 W"),
        verdict=HOLDS if holds else FAILS,
        why=(f"every value in {_pct(ratio)} is within {ABOUT:.0%} of one-tenth, but GPT-4's side is a third-party estimate"
             if holds else f"{_pct(ratio)} is not within {ABOUT:.0%} of one-tenth over the estimate's range"),
        mixed_methods="comparing GPU-hours instead of energy would mix methods across GPU generations: it gives ~5%, not ~9%",
        caveats=("OpenAI publishes nothing: GPT-4's GPUs, days, MFU and FLOPs are SemiAnalysis's estimate",),
    )


def _days(ref_id: str, gpus: int | None = None) -> float:
    ref = _ref(ref_id)
    from footprint.plausibility import reference_gpu_hours

    n = gpus or ref.value("gpus")
    return _h(reference_gpu_hours(ref)) / n / 24


def check_six_days() -> Claim:
    readings = {
        "deepseek-v3-pretrain": _days("deepseek-v3-pretrain"),
        "deepseek-v3": _days("deepseek-v3", 2048),
        "deepseek-r1 (on 512 GPUs)": _days("deepseek-r1"),
        "deepseek-r1-zero": _days("deepseek-r1-zero"),
        "deepseek-r1-rl": _days("deepseek-r1-rl"),
        "llama-3.1-405b": _days("llama-3.1-405b"),
    }
    gpt4 = _ref("gpt-4-estimate").value("duration")
    gpt4_days = (float(gpt4.lo.to("day").magnitude), float(gpt4.hi.to("day").magnitude))
    return _claim(
        "six-days-six-months",
        inputs=(_input(_ref("deepseek-v3-pretrain"), "gpu_hours"), _input(_ref("deepseek-v3"), "gpus"),
                _input(_ref("deepseek-r1"), "gpu_hours"), _input(_ref("deepseek-r1"), "gpus"),
                _input(_ref("llama-3.1-405b"), "gpu_hours"), _input(_ref("llama-3.1-405b"), "gpus"),
                _input(_ref("gpt-4-estimate"), "duration")),
        method="wall time = GPU-hours / GPUs (every GPU busy all the time: the shortest wall time the GPU-hours allow)",
        result={**{f"{k}_days": v for k, v in readings.items()}, "gpt-4-estimate_days_low": gpt4_days[0],
                "gpt-4-estimate_days_high": gpt4_days[1]},
        findings=(*(f"{k}: {v:.1f} days" for k, v in readings.items()),
                  f"gpt-4-estimate: {gpt4_days[0]:.0f}..{gpt4_days[1]:.0f} days (third-party estimate)"),
        verdict=UNCHECKABLE,
        why=(f"no source publishes a 6-day or a 6-month training: DeepSeek-V3 pre-training took "
             f"{readings['deepseek-v3-pretrain']:.1f} days on 2,048 GPUs, the R1 increment {readings['deepseek-r1 (on 512 GPUs)']:.1f} "
             f"days on 512 GPUs (on top of V3-Base), Llama 3.1 405B {readings['llama-3.1-405b']:.1f} days on 16,384 GPUs and "
             f"GPT-4 an estimated {gpt4_days[0]:.0f}..{gpt4_days[1]:.0f} days; none is near 6 days or 6 months, and wall time "
             "depends on cluster size, so GPU-hours or energy (the claims above) are the comparable measure"),
        mixed_methods="comparing wall times mixes cluster sizes: 2,048 (V3) or 512 (R1) GPUs against 16,384 (Llama 3.1 405B)",
    )


def check_v3_two_months() -> Claim:
    ref = _ref("deepseek-v3-pretrain")
    days = _days("deepseek-v3-pretrain")
    per_trillion = 180_000 / ref.value("gpus") / 24
    limit = 2 * DAYS_PER_MONTH
    holds = days < limit
    return _claim(
        "v3-two-months",
        inputs=(_input(ref, "gpu_hours"), _input(ref, "gpus"), _input(ref, "tokens")),
        method="wall time = pre-training GPU-hours / GPUs; two months = 2 x 30.44 days",
        result={"days": days, "limit_days": limit, "days_per_trillion_tokens": per_trillion},
        findings=(f"{_h(ref.value('gpu_hours')):,.0f} GPU-h / {ref.value('gpus'):,} GPUs = {days:.1f} days (limit {limit:.1f})",
                  f"180K GPU-h per trillion tokens / 2,048 GPUs = {per_trillion:.2f} days (the report says 3.7)"),
        verdict=HOLDS if holds else FAILS,
        why=(f"{days:.1f} days is under two months, with every GPU busy all the time; the full 2.788M GPU-h would take "
             f"{_days('deepseek-v3', 2048):.1f} days, also under two months") if holds else f"{days:.1f} days is not under two months",
    )


def check_v3_compute() -> Claim:
    from footprint.plausibility import check_reference

    ref = _ref("deepseek-v3")
    checks = {p: check_reference(ref, p) for p in ("bf16", "fp8")}
    pre = {p: check_reference(_ref("deepseek-v3-pretrain"), p) for p in ("bf16", "fp8")}
    worst = [c for c in (*checks.values(), *pre.values()) if c.verdict != "plausible"]
    b, f = checks["bf16"], checks["fp8"]
    return _claim(
        "v3-compute-plausible",
        inputs=(_input(ref, "active_params"), _input(ref, "tokens"), _input(ref, "gpu_hours"),
                ("h800-sxm dense peak", "BF16 989.5 / FP8 1,979 TFLOP/s", "profiles/h800-sxm.toml")),
        method="implied MFU = 6 x active parameters x tokens / (GPU-hours x dense peak); judged against the implied BF16 MFU "
               "of the other published runs (footprint references show deepseek-v3)",
        result={"flops": float(b.flops.central.magnitude), "mfu_bf16": float(b.mfu.central.magnitude),
                "mfu_fp8": float(f.mfu.central.magnitude), "mfu_bf16_pretrain": float(pre["bf16"].mfu.central.magnitude),
                "mfu_fp8_pretrain": float(pre["fp8"].mfu.central.magnitude)},
        findings=(f"6 x 37e9 x 14.8e12 = {float(b.flops.central.magnitude):.4g} FLOP".replace("e+", "e"),
                  f"on 2.788M H800-h: {_pct(b.mfu)} of the BF16 peak, {_pct(f.mfu)} of the FP8 peak",
                  f"on the 2.664M pre-training GPU-h: {_pct(pre['bf16'].mfu)} BF16, {_pct(pre['fp8'].mfu)} FP8",
                  b.why),
        verdict=HOLDS if not worst else FAILS,
        why=("the implied utilisation is ordinary at either precision: neither above 100% nor far outside published runs"
             if not worst else "; ".join(f"{c.precision}: {c.verdict}" for c in worst)),
        mixed_methods="the MFU depends on the peak it is measured against: DeepSeek-V3 trained in FP8 mixed precision, "
                      "and its FP8 figure is half its BF16 figure",
        caveats=("6 x active parameters x tokens ignores attention FLOPs and MoE routing, so the true MFU is somewhat higher",),
    )


def check_fp8() -> Claim:
    from footprint.api import estimate
    from footprint.catalog import get_profile

    profile = get_profile("h800")
    ref = _ref("deepseek-v3")
    common = {"active_params": ref.value("active_params").central.magnitude, "tokens": ref.value("tokens").central.magnitude,
              "gpus": 2048, "mfu": 0.33, "gpu_power": 1.0, "host_power": "0 W", "pue": 1}
    bf16 = estimate(profile, precision="bf16", **common)
    fp8 = estimate(profile, precision="fp8", **common)
    ratio = (fp8.energy / bf16.energy).to("")
    measured = {p: m for p, m in profile.measured.items() if p in ("bf16", "fp8")}
    result = {"bf16_mwh": float(bf16.energy.central.to("MWh").magnitude), "fp8_mwh": float(fp8.energy.central.to("MWh").magnitude),
              "ratio_datasheet": float(ratio.central.magnitude)}
    findings = [f"same MFU (33%), same power (TDP): BF16 {_mwh(bf16.energy)}, FP8 {_mwh(fp8.energy)}: FP8 at {_pct(ratio)}"]
    if len(measured) == 2:
        jr = float((measured["fp8"].energy_per_flop / measured["bf16"].energy_per_flop).to("").magnitude)
        result["ratio_measured"] = jr
        findings.append(f"measured J/FLOP on this profile: FP8 at {jr:.1%} of BF16")
        verdict = HOLDS if abs(jr - 0.5) <= 0.05 else FAILS
        why = f"measured energy per FLOP gives FP8 at {jr:.1%} of BF16"
    else:
        verdict = UNCHECKABLE
        why = ("the datasheet says at most a halving (dense peaks 1,979 vs 989.5 TFLOP/s at equal MFU and power); the real "
               "saving needs the achieved FLOP/s and power at each precision: run 'footprint calibrate --precision bf16,fp8' "
               "and compare scenarios with profile_file = the measured profile")
    return _claim(
        "fp8-halves-energy",
        inputs=(_input(ref, "active_params"), _input(ref, "tokens"),
                ("h800-sxm dense peak", "BF16 989.5 / FP8 1,979 TFLOP/s", "profiles/h800-sxm.toml")),
        method="footprint estimate --profile h800 --active-params 37e9 --tokens 14.8e12 --mfu 0.33 --precision bf16 vs fp8",
        result=result, findings=tuple(findings), verdict=verdict, why=why,
        mixed_methods="DeepSeek-V3 kept some operations in BF16/FP32 (mixed precision), so not all FLOPs ran at the FP8 rate",
    )


CHECKS: dict[str, Callable[[], Claim]] = {
    "v3-cost": check_v3_cost,
    "r1-cost": check_r1_cost,
    "energy-tenth-llama": check_energy_tenth_llama,
    "energy-tenth-gpt4": check_energy_tenth_gpt4,
    "six-days-six-months": check_six_days,
    "v3-two-months": check_v3_two_months,
    "v3-compute-plausible": check_v3_compute,
    "fp8-halves-energy": check_fp8,
}


def check(claim_ids: list[str] | None = None) -> list[Claim]:
    """Check the named claims (all when none are named); unknown ids get the closest valid ones."""
    ids = claim_ids or list(CHECKS)
    for claim_id in ids:
        if claim_id not in CHECKS:
            raise FootprintError(f"claim {claim_id!r} is unknown{suggest(claim_id, CHECKS)}; expected one of {', '.join(CHECKS)}")
    return [CHECKS[c]() for c in ids]
