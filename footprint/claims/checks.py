"""Checks of the claims about DeepSeek's training, each with inputs, method, result and a verdict.

Every number a check uses comes from data: the references (footprint/data/references.toml), the hardware
profiles, or the claim's own figures in footprint/data/claims.toml, each with its source. The checks run the same
estimator, compare and MFU code the commands use. Verdicts:

- "holds" / "does not hold": the claim against published figures;
- "consistent with an estimate" / "not consistent with the estimate": one side exists only as a third-party
  estimate, so agreement says no more than the estimate does; every input's range is carried through;
- "holds only for some inputs": the answer turns on a choice the claim does not state (a price, a date);
- "cannot be checked": no source gives the figures the claim needs.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from footprint.errors import FootprintError, suggest

HOLDS, FAILS, UNCHECKABLE = "holds", "does not hold", "cannot be checked"
CONSISTENT, INCONSISTENT = "consistent with an estimate", "not consistent with the estimate"
SOME_INPUTS = "holds only for some inputs"
VERDICTS = (HOLDS, FAILS, CONSISTENT, INCONSISTENT, SOME_INPUTS, UNCHECKABLE)


@dataclass(frozen=True)
class Claim:
    """One claim checked: what was said and by whom, the inputs with sources, the method, result and verdict."""

    id: str
    text: str
    said_by: str
    inputs: tuple[tuple[str, str, str], ...]  # (name, value, source); a derived or inferred source says so
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


@dataclass(frozen=True)
class Figure:
    """A number a claim check uses, with its source: a Span, a plain number or a date."""

    name: str
    value: Any
    source: str
    note: str = ""
    key: str = ""  # the short name of the source, where it is a key of a [sources] table

    def text(self) -> str:
        from footprint.core.span import Span
        from footprint.render.report import number, show

        if isinstance(self.value, Span):
            return show(self.value)
        if isinstance(self.value, (int, float)):
            return number(self.value)
        return str(self.value)


def _data_path() -> Path:
    return Path(__file__).resolve().parents[1].joinpath("data").joinpath("claims.toml")


@functools.cache
def _data() -> dict[str, Any]:
    from footprint.core.tomlfile import read_toml

    return read_toml(_data_path(), "claims file")


@functools.cache
def _sources() -> dict[str, str]:
    """Source keys of claims.toml and of the shipped references.toml (claims cite both)."""
    from footprint.claims.references import shipped_reference_file
    from footprint.core.tomlfile import read_toml

    refs = read_toml(shipped_reference_file(), "references file").get("sources", {})
    return {**{str(k): str(v) for k, v in refs.items()}, **{str(k): str(v) for k, v in _data().get("sources", {}).items()}}


def parse_figure(claim_id: str, name: str, raw: Any) -> Figure:
    """One [claims.ID.figures] entry; FootprintError naming it when the value or the source is missing."""
    from footprint.core.span import Span
    from footprint.core.units import Q

    where = f"{_data_path().name}: claims.{claim_id}.figures.{name}"
    if not isinstance(raw, dict) or "value" not in raw:
        raise FootprintError(f"{where}: expected {{ value = ..., source = ... }}")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise FootprintError(f"{where}: missing source; every figure needs one")
    value = raw["value"]
    if isinstance(value, str):
        parts = [p.strip() for p in value.split("..")]
        try:
            qs = [Q(p) for p in parts]
        except Exception:
            raise FootprintError(f"{where}: cannot read {value!r}; expected a quantity such as '2 USD/h' or LOW..HIGH") from None
        value = Span(qs[0]) if len(qs) == 1 else Span.between(qs[0], qs[1], where)
    elif isinstance(value, bool) or not isinstance(value, (int, float, datetime.date)):
        raise FootprintError(f"{where}: {value!r} is not a number, quantity or date")
    key = source if source in _sources() else ""
    return Figure(name, value, _sources().get(source, source), str(raw.get("note", "")), key)


@functools.cache
def claim_texts() -> dict[str, dict[str, str]]:
    """Claim id -> {text, said_by}, from footprint/data/claims.toml."""
    return {k: {"text": str(v["text"]), "said_by": str(v["said_by"])} for k, v in _data()["claims"].items()}


@functools.cache
def figures(claim_id: str) -> dict[str, Figure]:
    """The claim's own figures (claims.toml [claims.ID.figures]), each with its source."""
    raw = _data()["claims"][claim_id].get("figures", {})
    return {name: parse_figure(claim_id, name, value) for name, value in raw.items()}


def _fig(claim_id: str, name: str) -> Any:
    """A figure's value: a Quantity for a single quantity, else as read (a Span range, a number, a date)."""
    value = figures(claim_id)[name].value
    return value.central if hasattr(value, "central") and not value.is_range else value


def _num(claim_id: str, name: str) -> float:
    value = _fig(claim_id, name)
    return float(value.to("").magnitude) if hasattr(value, "to") else float(value)


def _fig_input(claim_id: str, name: str) -> tuple[str, str, str]:
    f = figures(claim_id)[name]
    return (name.replace("_", " "), f.text() + (f" ({f.note})" if f.note else ""), f.key or f.source)


def _source_key(text: str) -> str:
    """The short name of a source text, where a [sources] table names it."""
    return next((k for k, v in _sources().items() if v == text), text)


def _ref(ref_id: str) -> Any:
    from footprint.claims.references import get_reference

    return get_reference(ref_id)


def _input(ref: Any, name: str) -> tuple[str, str, str]:
    f = ref.inputs[name]
    return (f"{ref.id} {name}", f.text(), f.key or f.source)


def _profile_input(profile_id: str, what: str) -> tuple[str, str, str]:
    from footprint.plugins.catalog import get_profile
    from footprint.render.report import number

    p = get_profile(profile_id)
    if what == "tdp":
        return (f"{p.id} TDP", f"{p.tdp.value:~P}", f"profiles/{p.id}.toml")
    peaks = [f"{x.upper()} {number(float(p.peaks[x].value.to('TFLOP/s').magnitude))}" for x in ("bf16", "fp8") if x in p.peaks]
    return (f"{p.id} dense peak", " / ".join(peaks) + " TFLOP/s", f"profiles/{p.id}.toml")


def _h(span: Any) -> float:
    return float(span.central.to("h").magnitude)


def _usd(q: Any) -> str:
    from footprint.render.report import number

    return "$" + number(float(q.to("USD").magnitude))


def _claim(claim_id: str, **kwargs: Any) -> Claim:
    meta = claim_texts()[claim_id]
    return Claim(id=claim_id, text=meta["text"], said_by=meta["said_by"], **kwargs)


def _pct(span: Any) -> str:
    from footprint.core.fmt import percent

    return percent(span)


def _mwh(span: Any) -> str:
    from footprint.render.report import show

    return show(span, "MWh")


def _h_span(lo: float, hi: float) -> Any:
    from footprint.core.span import Span
    from footprint.core.units import Q

    return Span.between(Q(lo, "h"), Q(hi, "h"), "GPU-hours")


def _ratio_span(lo: float, hi: float) -> Any:
    from footprint.core.span import Span
    from footprint.core.units import Q

    return Span.between(Q(lo, ""), Q(hi, ""), "ratio")


# ------------------------------------------------------------------------------------------------ costs
def _cost_claim(claim_id: str, ref_id: str) -> Claim:
    from footprint.claims.reproduce import publisher_estimate

    ref = _ref(ref_id)
    fp = publisher_estimate(ref)
    price = ref.value("price").central
    claimed, step = _fig(claim_id, "claimed"), _fig(claim_id, "printed_to")
    cost = fp.cost.central.to("USD") if fp.cost is not None else None
    holds = cost is not None and round(float(((cost - claimed) / step).to("").magnitude)) == 0  # to the printed step
    return _claim(
        claim_id,
        inputs=(_input(ref, "gpu_hours"), _input(ref, "price"), _fig_input(claim_id, "claimed")),
        method=f"cost = GPU-hours x price per GPU-hour (footprint estimate --gpu-hours X --price '{_show(price)}')",
        result={"gpu_hours": _h(fp.gpu_hours), "price_usd_per_h": float(price.to("USD/h").magnitude),
                "cost_usd": float(cost.magnitude) if cost is not None else None, "claimed_usd": float(claimed.to("USD").magnitude)},
        findings=(f"{_h(fp.gpu_hours):,.0f} GPU-h x {_usd(price * _one('h'))}/GPU-h = {_usd(cost)} (claimed {_usd(claimed)})",),
        verdict=HOLDS if holds else FAILS,
        why="the arithmetic reproduces the claim exactly" if holds else "the arithmetic does not give the claimed dollars",
        caveats=(f"{_usd(price * _one('h'))} per GPU-hour is an assumed rental price, not a bill: no hardware purchase, staff, "
                 "data or electricity", *((ref.notes,) if ref.notes else ())),
    )


def _one(unit: str) -> Any:
    from footprint.core.units import Q

    return Q(1, unit)


def check_v3_cost() -> Claim:
    return _cost_claim("v3-cost", "deepseek-v3")


def check_r1_cost() -> Claim:
    claim = _cost_claim("r1-cost", "deepseek-r1")
    r1, v3 = _ref("deepseek-r1"), _ref("deepseek-v3")
    price = r1.value("price").central
    stages = [_ref(s) for s in r1.stages]
    rl = [s for s in stages if s.value("gpus") is not None]  # the two RL stages ran on the cluster; data creation did not
    other = [s for s in stages if s not in rl]
    rl_h = sum(_h(s.value("gpu_hours")) for s in rl)
    other_h = sum(_h(s.value("gpu_hours")) for s in other)
    parts = " + ".join(f"{s.id} {_h(s.value('gpu_hours')):,.0f}" for s in stages)
    with_base = (_h(v3.value("gpu_hours")) + _h(r1.value("gpu_hours"))) * _one("h") * price
    return replace(claim, findings=(
        *claim.findings, f"stages: {parts} GPU-h",
        f"reinforcement learning alone ({' + '.join(s.id for s in rl)}): {rl_h:,.0f} GPU-h = {_usd(rl_h * _one('h') * price)}; "
        f"{' + '.join(s.id for s in other)}: {other_h:,.0f} GPU-h = {_usd(other_h * _one('h') * price)}",
        f"with the DeepSeek-V3 base it builds on: {_usd(with_base)} in GPU rental"),
        inputs=(*claim.inputs, *(_input(s, "gpu_hours") for s in stages)),
        result={**claim.result, "rl_gpu_hours": rl_h, "rl_cost_usd": float((rl_h * _one("h") * price).to("USD").magnitude),
                "with_base_usd": float(with_base.to("USD").magnitude)},
        caveats=(*claim.caveats, f"the total includes {other_h:,.0f} GPU-h of SFT data creation: 'R1's reinforcement learning "
                 f"cost {_usd(_fig('r1-cost', 'claimed'))}' overstates the RL stages, which cost {_usd(rl_h * _one('h') * price)}",
                 f"'64*8 H800 GPUs' = {r1.value('gpus'):,} GPUs; reports of '648 GPUs' lost the asterisk"))


def check_r1_vs_openai() -> Claim:
    from footprint.claims.reproduce import publisher_estimate

    cid = "r1-vs-openai-cost"

    v3, r1, gpt4 = _ref("deepseek-v3"), _ref("deepseek-r1"), _ref("gpt-4-estimate")
    claimed, share = _fig(cid, "claimed_cost"), _fig(cid, "claimed_share")
    v3_cost = publisher_estimate(v3).cost.central.to("USD")
    r1_cost = publisher_estimate(r1).cost.central.to("USD")
    ds_price = v3.value("price").central
    routes = _gpt4_gpu_hours(cid)  # GPUs x days, and FLOPs / (peak x MFU) for each FLOP estimate
    gpt_h = _h_span(min(float(r.lo.to("h").magnitude) for r in routes.values()),
                    max(float(r.hi.to("h").magnitude) for r in routes.values()))
    sa_price = gpt4.value("price").central
    sa_output = next(o for o in gpt4.outputs if o.quantity == "cost")
    sa_total = sa_output.value.central.to("USD")
    v3_h = _h(v3.value("gpu_hours"))
    same_price = _ratio_span(v3_h / float(gpt_h.hi.to("h").magnitude), v3_h / float(gpt_h.lo.to("h").magnitude))
    at_sa_price = (_span(v3_cost) / (gpt_h * sa_price)).to("")
    vs_total = float((v3_cost / sa_total).to("").magnitude)
    lo, hi = float(share.lo.magnitude), float(share.hi.magnitude)

    def inside(span: Any) -> str:
        a, b = float(span.lo.magnitude), float(span.hi.magnitude)
        return "all" if lo <= a and b <= hi else ("part" if a <= hi and b >= lo else "none")

    readings = {"same": inside(same_price), "sa": inside(at_sa_price), "total": inside(_ratio_span(vs_total, vs_total))}
    holds_somewhere = any(v != "none" for v in readings.values())
    return _claim(
        cid,
        inputs=(_fig_input(cid, "claimed_cost"), _fig_input(cid, "claimed_share"), _input(v3, "gpu_hours"), _input(v3, "price"),
                _input(r1, "gpu_hours"), _input(gpt4, "gpus"), _input(gpt4, "duration"), _input(gpt4, "mfu"),
                _input(gpt4, "flops"), _fig_input(cid, "epoch_flops"), _input(gpt4, "price"),
                (f"{gpt4.id} cost", _show(sa_total), _source_key(sa_output.source))),
        method="DeepSeek-V3's final-run rental (GPU-hours x its assumed price) against GPT-4's estimated A100-hours "
               "(every route its estimates give: GPUs x days, FLOPs / (BF16 peak x MFU)) at one price per GPU-hour, at "
               "SemiAnalysis' own price, and against SemiAnalysis' total",
        result={"v3_cost_usd": float(v3_cost.magnitude), "r1_cost_usd": float(r1_cost.magnitude),
                "share_same_price_low": float(same_price.lo.magnitude), "share_same_price_high": float(same_price.hi.magnitude),
                "share_at_estimate_price_low": float(at_sa_price.lo.magnitude),
                "share_at_estimate_price_high": float(at_sa_price.hi.magnitude), "share_of_estimate_total": vs_total},
        findings=(f"{_usd(claimed)} is DeepSeek-V3's figure ({_usd(v3_cost)}); DeepSeek-R1's own increment is {_usd(r1_cost)}",
                  f"GPT-4: {_range_h(gpt_h)} A100-hours over the estimates' inputs",
                  f"at one price per GPU-hour ({_usd(ds_price * _one('h'))}/h both sides): {_pct(same_price)} of GPT-4's",
                  f"at SemiAnalysis' {_usd(sa_price * _one('h'))}/A100-hour for GPT-4 (DeepSeek at {_usd(ds_price * _one('h'))}/h): "
                  f"{_pct(at_sa_price)}",
                  f"against SemiAnalysis' own total ({_usd(sa_total)}): {vs_total:.1%}"),
        verdict=SOME_INPUTS if holds_somewhere else INCONSISTENT,
        why=(f"the claim's {lo:.0%}-{hi:.0%} holds only at one price per GPU-hour for both sides "
             f"({_pct(same_price)}, partly above {hi:.0%}); at the estimate's own price or total it is {_pct(at_sa_price)} "
             f"or {vs_total:.1%}; and the {_usd(claimed)} is DeepSeek-V3's, not R1's"),
        mixed_methods="it compares a final-run rental figure (no research, ablations, staff or hardware) with an estimate of "
                      "OpenAI's run, and OpenAI's side is a third-party estimate",
        caveats=("OpenAI publishes no cost: every GPT-4 figure is SemiAnalysis' or Epoch AI's estimate",
                 f"SemiAnalysis' {_usd(sa_total)} at {_usd(sa_price * _one('h'))}/h implies more A100-hours than its own "
                 "25,000 A100 x 90..100 days ('footprint references show gpt-4-estimate')"),
    )


def _span(q: Any) -> Any:
    from footprint.core.span import Span

    return Span.of(q)


def _show(q: Any) -> str:
    from footprint.render.report import show

    return show(_span(q))


def check_api_prices() -> Claim:
    cid = "api-prices"
    f = figures(cid)
    v = {k: float(_fig(cid, k).to("USD").magnitude) for k in f if k != "promo_until"}
    until = f["promo_until"].value
    pairs = {
        f"deepseek-chat promotional (until {until})": ("promo_input", "promo_output"),
        "deepseek-chat list": ("list_input", "list_output"),
        "deepseek-reasoner (R1)": ("r1_input", "r1_output"),
    }
    ratios = {k: (v[i] / v["gpt4o_input"], v[o] / v["gpt4o_output"]) for k, (i, o) in pairs.items()}
    quoted_ok = (v["claimed_input"], v["claimed_output"]) == (v["promo_input"], v["promo_output"])
    rival_ok = (v["claimed_rival_input"], v["claimed_rival_output"]) == (v["gpt4o_input"], v["gpt4o_output"])
    return _claim(
        cid,
        inputs=tuple(_fig_input(cid, k) for k in f),
        method="price per million tokens, input and output, each DeepSeek price over GPT-4o's list price",
        result={f"{k} ratio input": a for k, (a, _) in ratios.items()} | {f"{k} ratio output": b for k, (_, b) in ratios.items()},
        findings=(*(f"{k}: ${v[i]:g} / ${v[o]:g} = {ratios[k][0]:.1%} / {ratios[k][1]:.1%} of GPT-4o's ${v['gpt4o_input']:g} / "
                    f"${v['gpt4o_output']:g}" for k, (i, o) in pairs.items()),),
        verdict=SOME_INPUTS if quoted_ok and rival_ok else FAILS,
        why=(f"the DeepSeek figures are deepseek-chat's promotional prices, valid until {until}; after it list prices are "
             f"${v['list_input']:g} / ${v['list_output']:g}, and R1 costs ${v['r1_input']:g} / ${v['r1_output']:g}. The "
             f"${v['claimed_rival_input']:g} / ${v['claimed_rival_output']:g} are GPT-4o's list prices, not GPT-4's"),
        mixed_methods="API prices are what a customer pays per token, set by each company: they say nothing about training cost",
    )


def check_gpu_counts() -> Claim:
    cid = "gpu-counts"
    v3, llama = _ref("deepseek-v3"), _ref("llama-3.1-405b")
    step = _num(cid, "step")
    found = {"deepseek": v3.value("gpus"), "rival": llama.value("gpus")}
    claimed = {"deepseek": _num(cid, "claimed_deepseek"), "rival": _num(cid, "claimed_rival")}
    rounded = {k: round(n / step) * step for k, n in found.items()}
    holds = all(rounded[k] == claimed[k] for k in found)
    return _claim(
        cid,
        inputs=(_fig_input(cid, "claimed_deepseek"), _fig_input(cid, "claimed_rival"), _input(v3, "gpus"), _input(llama, "gpus"),
                _fig_input(cid, "step")),
        method="the published GPU counts, rounded to the claim's step",
        result={"deepseek_gpus": found["deepseek"], "rival_gpus": found["rival"]},
        findings=(f"DeepSeek-V3: {found['deepseek']:,} H800 (claimed about {claimed['deepseek']:,.0f})",
                  f"Llama 3.1 405B: up to {found['rival']:,} H100 (claimed as many as {claimed['rival']:,.0f})"),
        verdict=HOLDS if holds else FAILS,
        why=("both counts round to the claimed figures" if holds else "the published counts do not round to the claimed figures"),
        caveats=("GPU counts alone say little: the GPU-hours (claims energy-tenth-llama, six-days-six-months) are the measure "
                 "of the work, and an H800 has the same Tensor Core peaks as an H100",),
    )


# ------------------------------------------------------------------------------------------------ energy
def _tdp_ratio(first: str, second: str) -> Any:
    from footprint.claims.compare import compare, parse_basis
    from footprint.claims.sides import reference_side

    return compare([reference_side(_ref(first)), reference_side(_ref(second))], parse_basis("tdp"))


def _about(cid: str, ratio: Any) -> tuple[float, float, str]:
    """The claim's band (target +/- 'about') and whether the ratio lies all, part or none inside it."""
    target, about = _num(cid, "claimed_ratio"), _num(cid, "about")
    lo, hi = target * (1 - about), target * (1 + about)
    a, b = float(ratio.lo.magnitude), float(ratio.hi.magnitude)
    inside = "all" if lo <= a and b <= hi else ("part" if a <= hi and b >= lo else "none")
    return lo, hi, inside


def _release_factors(cid: str) -> list[tuple[str, float]]:
    """kg CO2e per TDP-kWh each Meta model card implies (derived: tCO2e / (GPU-h x the cards' 700 W))."""
    power = _fig(cid, "card_power")
    out = []
    for name in figures(cid):
        if name.endswith("_gpu_hours"):
            model = name[: -len("_gpu_hours")]
            kwh = (_fig(cid, name) * power).to("kWh")
            out.append((model, float((_fig(cid, f"{model}_emissions") / kwh).to("kgCO2e/kWh").magnitude)))
    return out


def check_energy_tenth_llama() -> Claim:
    from footprint.estimates.api import estimate

    cid = "energy-tenth-llama"
    result = _tdp_ratio("llama-3.1-405b", "deepseek-v3")
    llama, v3 = result.footprints
    ratio = result.ratios[1]
    ref = _ref("llama-3.1-405b")
    v3_default = estimate("h800", gpu_hours=_ref("deepseek-v3").value("gpu_hours").central)
    mixed = (v3_default.energy / llama.energy).to("")
    lo, hi, inside = _about(cid, ratio)
    published_t = next(o for o in ref.outputs if o.quantity == "emissions").value
    factor = float((published_t.central / llama.energy.central).to("kgCO2e/kWh").magnitude)
    factors = _release_factors(cid)
    return _claim(
        cid,
        inputs=(_input(ref, "gpu_hours"), _input(ref, "gpu_power"), _input(_ref("deepseek-v3"), "gpu_hours"),
                _profile_input("h800-sxm", "tdp"), _fig_input(cid, "claimed_ratio"), _fig_input(cid, "about")),
        method="both sides on one basis: energy = GPU-hours x TDP, host 0 W, PUE 1 (footprint compare llama-3.1-405b "
               "deepseek-v3); Meta's card uses the same basis, its 700 W already adjusted for PUE",
        result={"llama_mwh": float(llama.energy.central.to("MWh").magnitude), "v3_mwh": float(v3.energy.central.to("MWh").magnitude),
                "ratio": float(ratio.central.magnitude), "mixed_ratio": float(mixed.central.magnitude),
                "llama31_kg_per_tdp_kwh": factor, **{f"{m}_kg_per_tdp_kwh": f for m, f in factors}},
        findings=(f"Llama 3.1 405B {_mwh(llama.energy)} (derived: GPU-h x 700 W; Meta publishes no MWh), DeepSeek-V3 "
                  f"{_mwh(v3.energy)}: {_pct(ratio)} of Llama's energy",
                  f"Llama 3.1's {_show(published_t.central)} (published) imply {factor:.4f} kg CO2e per TDP-kWh (derived); "
                  "other Meta cards imply " + ", ".join(f"{m} {f:.3f}" for m, f in factors) + " (derived): the unpublished "
                  "factor differs by release"),
        verdict=HOLDS if inside == "all" else FAILS,
        why=(f"{_pct(ratio)} is within {lo:.1%}..{hi:.1%}; both GPUs are 700 W parts, so on this basis the energy ratio is "
             f"the GPU-hour ratio") if inside == "all" else f"{_pct(ratio)} is not within {lo:.1%}..{hi:.1%}",
        mixed_methods=(f"mixing methods changes the answer: Llama at the card's basis ({_mwh(llama.energy)}) against DeepSeek-V3 "
                       f"estimated with our defaults (measured node power, PUE 1.1: {_mwh(v3_default.energy)}) gives {_pct(mixed)}"),
        caveats=("DeepSeek published no energy, power or PUE: TDP is an upper bound for both sides",
                 "DeepSeek-V3 counts the final run only (no research or ablations); Llama 3.1's card gives the 'total GPU "
                 "time required for training each model'"),
    )


def _gpt4_gpu_hours(cid: str) -> dict[str, Any]:
    """GPT-4's A100-hours by each route its estimates allow: GPUs x days, and FLOPs / (peak x MFU) per FLOP estimate."""
    from footprint.claims.reproduce import publisher_estimate
    from footprint.core.span import Span
    from footprint.plugins.catalog import get_profile

    ref = _ref("gpt-4-estimate")
    peak = Span(get_profile(ref.profile).peak("bf16").value)
    mfu = ref.value("mfu")
    routes = {"GPUs x days (SemiAnalysis)": publisher_estimate(ref).gpu_hours}
    for label, flops in (("FLOPs / (peak x MFU), SemiAnalysis' FLOPs", ref.value("flops")),
                         ("FLOPs / (peak x MFU), Epoch AI's FLOPs", Span.of(_fig(cid, "epoch_flops")))):
        routes[label] = (flops / (peak * mfu)).to("h")
    return routes


def check_energy_tenth_gpt4() -> Claim:
    cid = "energy-tenth-gpt4"
    result = _tdp_ratio("gpt-4-estimate", "deepseek-v3")
    v3 = result.footprints[1]
    ref = _ref("gpt-4-estimate")
    from footprint.plugins.catalog import get_profile

    tdp = get_profile(ref.profile).tdp.value
    routes = _gpt4_gpu_hours(cid)
    low = min(float(r.lo.to("h").magnitude) for r in routes.values())
    high = max(float(r.hi.to("h").magnitude) for r in routes.values())
    v3_mwh = float(v3.energy.central.to("MWh").magnitude)
    tdp_mw = float(tdp.to("MW").magnitude)
    ratio = _ratio_span(v3_mwh / (high * tdp_mw), v3_mwh / (low * tdp_mw))
    lo, hi, inside = _about(cid, ratio)
    # how far GPT-4's A100-hours may move before the verdict flips
    need_lo, need_hi = v3_mwh / (hi * tdp_mw), v3_mwh / (lo * tdp_mw)
    gpu_hour_ratio = _ratio_span(_h(v3.gpu_hours) / high, _h(v3.gpu_hours) / low)
    verdict = {"all": CONSISTENT, "part": SOME_INPUTS, "none": INCONSISTENT}[inside]
    return _claim(
        cid,
        inputs=(_input(ref, "gpus"), _input(ref, "duration"), _input(ref, "mfu"), _input(ref, "flops"), _fig_input(cid, "epoch_flops"),
                _profile_input(ref.profile, "tdp"), _profile_input(ref.profile, "peak"), _input(_ref("deepseek-v3"), "gpu_hours"),
                _profile_input("h800-sxm", "tdp"), _fig_input(cid, "claimed_ratio"), _fig_input(cid, "about")),
        method="both sides on one basis: energy = GPU-hours x TDP, host 0 W, PUE 1; GPT-4's A100-hours taken over every "
               "route its estimates give (GPUs x days, and FLOPs / (BF16 peak x MFU) for each FLOP estimate), ranges kept",
        result={"gpt4_gpu_hours_low": low, "gpt4_gpu_hours_high": high, "gpt4_mwh_low": low * tdp_mw,
                "gpt4_mwh_high": high * tdp_mw, "v3_mwh": v3_mwh, "ratio_low": float(ratio.lo.magnitude),
                "ratio_high": float(ratio.hi.magnitude), "gpu_hour_ratio_low": float(gpu_hour_ratio.lo.magnitude),
                "gpu_hour_ratio_high": float(gpu_hour_ratio.hi.magnitude), "verdict_holds_for_gpu_hours_low": need_lo,
                "verdict_holds_for_gpu_hours_high": need_hi},
        findings=(*(f"GPT-4 A100-hours by {k}: {_range_h(r)}" for k, r in routes.items()),
                  f"over all of them: {low:,.0f}..{high:,.0f} A100-h, {low * tdp_mw:,.0f}..{high * tdp_mw:,.0f} MWh; "
                  f"DeepSeek-V3 {_mwh(v3.energy)}",
                  f"DeepSeek-V3 at {_pct(ratio)} of GPT-4's energy",
                  f"'about one-tenth' ({lo:.1%}..{hi:.1%}) needs GPT-4 between {need_lo:,.0f} and {need_hi:,.0f} "
                  f"A100-hours",
                  f"in GPU-hours only {_pct(gpu_hour_ratio)}: an H800 draws 700 W at TDP against the A100's 400 W"),
        verdict=verdict,
        why=(f"{_pct(ratio)} lies {'within' if inside == 'all' else 'partly outside' if inside == 'part' else 'outside'} "
             f"{lo:.1%}..{hi:.1%} over every input's range, but GPT-4's side is a third-party estimate: the claim is only as "
             f"good as the estimate, whose GPU count and FLOPs carry no published error bars"),
        mixed_methods="comparing GPU-hours instead of energy would mix methods across GPU generations: it gives ~5%, not ~9%",
        caveats=("OpenAI publishes nothing: GPT-4's GPUs, days, MFU and FLOPs are SemiAnalysis' and Epoch AI's estimates",),
    )


def _range_h(span: Any) -> str:
    a, b = float(span.lo.to("h").magnitude), float(span.hi.to("h").magnitude)
    return f"{a:,.0f}..{b:,.0f}" if span.is_range else f"{a:,.0f}"


# ------------------------------------------------------------------------------------------------ time
def _days(ref_id: str, gpus: int | None = None) -> float:
    from footprint.claims.plausibility import reference_gpu_hours

    ref = _ref(ref_id)
    n = gpus or ref.value("gpus")
    return float((reference_gpu_hours(ref).central / n).to("day").magnitude)


def check_six_days() -> Claim:
    cid = "six-days-six-months"
    v3_gpus = _ref("deepseek-v3").value("gpus")
    readings = {
        "deepseek-v3-pretrain": _days("deepseek-v3-pretrain"),
        "deepseek-v3": _days("deepseek-v3", v3_gpus),
        f"deepseek-r1 (on {_ref('deepseek-r1').value('gpus'):,} GPUs)": _days("deepseek-r1"),
        "deepseek-r1-zero": _days("deepseek-r1-zero"),
        "deepseek-r1-rl": _days("deepseek-r1-rl"),
        "llama-3.1-405b": _days("llama-3.1-405b"),
    }
    gpt4 = _ref("gpt-4-estimate").value("duration")
    gpt4_days = (float(gpt4.lo.to("day").magnitude), float(gpt4.hi.to("day").magnitude))
    short, long = (figures(cid)[k].text() for k in ("claimed_deepseek", "claimed_rivals"))
    r1_key = next(k for k in readings if k.startswith("deepseek-r1 ("))
    return _claim(
        cid,
        inputs=(_input(_ref("deepseek-v3-pretrain"), "gpu_hours"), _input(_ref("deepseek-v3"), "gpus"),
                _input(_ref("deepseek-r1"), "gpu_hours"), _input(_ref("deepseek-r1"), "gpus"),
                _input(_ref("llama-3.1-405b"), "gpu_hours"), _input(_ref("llama-3.1-405b"), "gpus"),
                _input(_ref("gpt-4-estimate"), "duration"), _fig_input(cid, "claimed_deepseek"), _fig_input(cid, "claimed_rivals")),
        method="wall time = GPU-hours / GPUs (every GPU busy all the time: the shortest wall time the GPU-hours allow)",
        result={**{f"{k}_days": v for k, v in readings.items()}, "gpt-4-estimate_days_low": gpt4_days[0],
                "gpt-4-estimate_days_high": gpt4_days[1],
                "claimed_days": float(_fig(cid, "claimed_deepseek").to("day").magnitude),
                "claimed_rival_days": float(_fig(cid, "claimed_rivals").to("day").magnitude)},
        findings=(*(f"{k}: {v:.1f} days" for k, v in readings.items()),
                  f"gpt-4-estimate: {gpt4_days[0]:.0f}..{gpt4_days[1]:.0f} days (third-party estimate)"),
        verdict=UNCHECKABLE,
        why=(f"no source publishes a training of {short} or of {long}: DeepSeek-V3 pre-training took "
             f"{readings['deepseek-v3-pretrain']:.1f} days on {v3_gpus:,} GPUs, the R1 increment {readings[r1_key]:.1f} days "
             f"(on top of V3-Base), Llama 3.1 405B {readings['llama-3.1-405b']:.1f} days on {_ref('llama-3.1-405b').value('gpus'):,} "
             f"GPUs and GPT-4 an estimated {gpt4_days[0]:.0f}..{gpt4_days[1]:.0f} days; wall time depends on cluster size, so "
             "GPU-hours or energy (the claims above) are the comparable measure"),
        mixed_methods=f"comparing wall times mixes cluster sizes: {v3_gpus:,} (V3) or {_ref('deepseek-r1').value('gpus'):,} (R1) "
                      f"GPUs against {_ref('llama-3.1-405b').value('gpus'):,} (Llama 3.1 405B)",
    )


def check_v3_two_months() -> Claim:
    cid = "v3-two-months"
    ref = _ref("deepseek-v3-pretrain")
    gpus = ref.value("gpus")
    days = _days("deepseek-v3-pretrain")
    per_trillion = float((_fig(cid, "per_trillion_tokens") / gpus).to("day").magnitude)
    reported = float(_fig(cid, "reported_days_per_trillion").to("day").magnitude)
    limit = float(_fig(cid, "claimed_limit").to("day").magnitude)
    holds = days < limit
    return _claim(
        cid,
        inputs=(_input(ref, "gpu_hours"), _input(ref, "gpus"), _input(ref, "tokens"), _fig_input(cid, "per_trillion_tokens"),
                _fig_input(cid, "reported_days_per_trillion"), _fig_input(cid, "claimed_limit")),
        method=f"wall time = pre-training GPU-hours / GPUs; {_fig(cid, 'claimed_limit'):~P} = {limit:.1f} days (average months)",
        result={"days": days, "limit_days": limit, "days_per_trillion_tokens": per_trillion},
        findings=(f"{_h(ref.value('gpu_hours')):,.0f} GPU-h / {gpus:,} GPUs = {days:.1f} days (limit {limit:.1f})",
                  f"{_h(_span(_fig(cid, 'per_trillion_tokens'))):,.0f} GPU-h per trillion tokens / {gpus:,} GPUs = "
                  f"{per_trillion:.2f} days (the report says {reported:g})"),
        verdict=HOLDS if holds else FAILS,
        why=(f"{days:.1f} days is under {limit:.1f}, with every GPU busy all the time; the full "
             f"{_h(_ref('deepseek-v3').value('gpu_hours')):,.0f} GPU-h would take {_days('deepseek-v3', gpus):.1f} days, also "
             "under it") if holds else f"{days:.1f} days is not under {limit:.1f}",
    )


# ------------------------------------------------------------------------------------------------ compute
def check_v3_compute() -> Claim:
    from footprint.claims.plausibility import check_reference
    from footprint.plugins.catalog import get_profile
    from footprint.render.report import number

    cid = "v3-compute-plausible"
    ref, pre_ref = _ref("deepseek-v3"), _ref("deepseek-v3-pretrain")
    checks = {p: check_reference(ref, p) for p in ("bf16", "fp8")}
    pre = {p: check_reference(pre_ref, p) for p in ("bf16", "fp8")}
    worst = [c for c in (*checks.values(), *pre.values()) if c.verdict != "plausible"]
    b, f = checks["bf16"], checks["fp8"]
    six_nd = float(b.flops.central.magnitude)
    tokens = float(ref.value("tokens").central.magnitude)
    own_flops = float((_fig(cid, "flops_per_token") * tokens).to("FLOP").magnitude)
    peak = get_profile(ref.profile).peak("bf16").value
    own_mfu = own_flops / float((pre_ref.value("gpu_hours").central * peak).to("FLOP").magnitude)
    per_gpu = _fig(cid, "per_gpu")
    table_mfu = float((per_gpu / peak).to("").magnitude)
    reported = _num(cid, "mfu_reported")
    return _claim(
        cid,
        inputs=(_input(ref, "active_params"), _input(ref, "tokens"), _input(ref, "gpu_hours"), _input(pre_ref, "gpu_hours"),
                _profile_input("h800-sxm", "peak"), _fig_input(cid, "flops_per_token"), _fig_input(cid, "per_gpu"),
                _fig_input(cid, "mfu_reported")),
        method="implied MFU = training FLOPs / (GPU-hours x dense peak), with FLOPs from 6 x active parameters x tokens and "
               "from DeepSeek's own FLOPs per token; judged against the implied BF16 MFU of the other published runs and "
               "DeepSeek's reported MFU",
        result={"flops_6nd": six_nd, "flops_deepseek": own_flops, "undercount_6nd": 1 - six_nd / own_flops,
                "mfu_bf16": float(b.mfu.central.magnitude), "mfu_fp8": float(f.mfu.central.magnitude),
                "mfu_bf16_pretrain": float(pre["bf16"].mfu.central.magnitude),
                "mfu_fp8_pretrain": float(pre["fp8"].mfu.central.magnitude), "mfu_deepseek_flops_pretrain": own_mfu,
                "mfu_from_table_throughput": table_mfu, "mfu_reported": reported},
        findings=(f"6 x active params x tokens = {six_nd:.4g} FLOP; DeepSeek's {_show(_fig(cid, 'flops_per_token'))} per token x "
                  f"{number(tokens)} tokens = {own_flops:.4g} FLOP: 6ND undercounts by {1 - six_nd / own_flops:.0%}".replace("e+", "e"),
                  f"6ND on {_h(ref.value('gpu_hours')):,.0f} H800-h: {_pct(b.mfu)} of the BF16 peak, {_pct(f.mfu)} of the FP8 peak",
                  f"DeepSeek's FLOPs on the {_h(pre_ref.value('gpu_hours')):,.0f} pre-training GPU-h: {own_mfu:.1%} of the BF16 peak",
                  f"DeepSeek reports {_show(per_gpu)} per GPU = {table_mfu:.1%} of the BF16 peak and an MFU of {reported:.2%}",
                  b.why),
        verdict=HOLDS if not worst else FAILS,
        why=(f"the implied utilisation is ordinary and matches DeepSeek's own figure: {own_mfu:.1%} from the published "
             f"GPU-hours against a reported {reported:.2%}" if not worst else "; ".join(f"{c.precision}: {c.verdict}" for c in worst)),
        mixed_methods="the MFU depends on the peak it is measured against: DeepSeek measures it against the BF16 peak though "
                      "it trained in FP8 mixed precision, and the FP8 figure is half the BF16 one",
    )


def check_fp8() -> Claim:
    from footprint.estimates.api import estimate
    from footprint.plugins.catalog import get_profile

    cid = "fp8-halves-energy"
    profile = get_profile("h800")
    ref = _ref("deepseek-v3")
    mfu = _num(cid, "mfu")
    common = {"active_params": ref.value("active_params").central.magnitude, "tokens": ref.value("tokens").central.magnitude,
              "gpus": ref.value("gpus"), "mfu": mfu, "gpu_power": 1, "host_power": "0 W", "pue": 1}
    bf16 = estimate(profile, precision="bf16", **common)
    fp8 = estimate(profile, precision="fp8", **common)
    ratio = (fp8.energy / bf16.energy).to("")
    target, tolerance = _num(cid, "claimed_ratio"), _num(cid, "tolerance")
    measured = {p: m for p, m in profile.measured.items() if p in ("bf16", "fp8")}
    result = {"bf16_mwh": float(bf16.energy.central.to("MWh").magnitude), "fp8_mwh": float(fp8.energy.central.to("MWh").magnitude),
              "ratio_datasheet": float(ratio.central.magnitude)}
    findings = [f"same MFU ({mfu:.2%}), same power (TDP): BF16 {_mwh(bf16.energy)}, FP8 {_mwh(fp8.energy)}: FP8 at {_pct(ratio)}"]
    if set(measured) == {"bf16", "fp8"}:
        jr = float((measured["fp8"].energy_per_flop / measured["bf16"].energy_per_flop).to("").magnitude)
        result["ratio_measured"] = jr
        findings.append(f"measured J/FLOP on this profile: FP8 at {jr:.1%} of BF16")
        verdict = HOLDS if abs(jr - target) <= tolerance else FAILS
        why = f"measured energy per FLOP gives FP8 at {jr:.1%} of BF16"
    else:
        verdict = UNCHECKABLE
        why = ("the datasheet says at most a halving (the dense FP8 peak is twice the BF16 one at equal MFU and power); the "
               "real saving needs the achieved FLOP/s and power at each precision: run 'footprint calibrate --precision "
               "bf16,fp8' and compare scenarios with profile_file = the measured profile")
    return _claim(
        cid,
        inputs=(_input(ref, "active_params"), _input(ref, "tokens"), _input(ref, "gpus"), _profile_input("h800-sxm", "peak"),
                _fig_input(cid, "mfu"), _fig_input(cid, "claimed_ratio"), _fig_input(cid, "tolerance")),
        method=f"footprint estimate --profile h800 --active-params A --tokens T --mfu {mfu:g} --precision bf16 vs fp8",
        result=result, findings=tuple(findings), verdict=verdict, why=why,
        mixed_methods="DeepSeek-V3 kept some operations in BF16/FP32 (mixed precision), so not all FLOPs ran at the FP8 rate",
    )


CHECKS: dict[str, Callable[[], Claim]] = {
    "v3-cost": check_v3_cost,
    "r1-cost": check_r1_cost,
    "r1-vs-openai-cost": check_r1_vs_openai,
    "api-prices": check_api_prices,
    "gpu-counts": check_gpu_counts,
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
