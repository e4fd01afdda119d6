"""Checks of the claims about DeepSeek's training, each with inputs, method, result and a verdict.

Every number a check uses comes from data: the references (footprint/data/references.toml), the hardware
profiles, or the claim's own figures in footprint/data/claims.toml, each with its source. The checks run the same
estimator, compare and MFU code the commands use. Verdicts:

- "holds" / "does not hold": the claim against published figures;
- "consistent with the claimant's own figures": the claim re-derives from the claimant's own published figures, and
  no independent source exists to test it: it shows the figures agree with each other, not that the claim is true;
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
SELF_CONSISTENT = "consistent with the claimant's own figures"
VERDICTS = (HOLDS, FAILS, SELF_CONSISTENT, CONSISTENT, INCONSISTENT, SOME_INPUTS, UNCHECKABLE)


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
        from footprint.render.text import number, show

        if isinstance(self.value, Span):
            q = self.value.central
            if not self.value.is_range and q.check("[time]") and str(q.units) != "h":
                return _as_said(q)  # '6 days', '2 months': as the source words it, not in hours
            if not self.value.is_range and q.check("1/[time]"):
                return f"{float(q.magnitude):.4g}".replace("e+", "e") + f" per {q.units ** -1:P}"
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
    from footprint.claims.references import field_text

    f = ref.inputs[name]
    return (f"{ref.id} {name}", field_text(f), f.key or f.source)


def _profile_input(profile_id: str, what: str) -> tuple[str, str, str]:
    from footprint.plugins.catalog import get_profile
    from footprint.render.text import number

    p = get_profile(profile_id)
    if what == "tdp":
        return (f"{p.id} TDP", f"{p.tdp.value:~P}", f"profiles/{p.id}.toml")
    peaks = [f"{x.upper()} {number(float(p.peaks[x].value.to('TFLOP/s').magnitude))}" for x in ("bf16", "fp8") if x in p.peaks]
    return (f"{p.id} dense peak", " / ".join(peaks) + " TFLOP/s", f"profiles/{p.id}.toml")


def _h(span: Any) -> float:
    return float(span.central.to("h").magnitude)


def _usd(q: Any) -> str:
    from footprint.render.text import number

    return "$" + number(float(q.to("USD").magnitude))


def _claim(claim_id: str, **kwargs: Any) -> Claim:
    meta = claim_texts()[claim_id]
    return Claim(id=claim_id, text=meta["text"], said_by=meta["said_by"], **kwargs)


def _pct(span: Any) -> str:
    from footprint.core.fmt import percent

    return percent(span)


def _pct_range(span: Any) -> str:
    """'8.9%..10.7%': a range by its ends, where a central value would be only their midpoint."""
    return f"{float(span.lo.to('').magnitude):.1%}..{float(span.hi.to('').magnitude):.1%}"


def _days_text(span: Any) -> str:
    a, b = float(span.lo.to("day").magnitude), float(span.hi.to("day").magnitude)
    return f"{a:,.0f}..{b:,.0f} days" if span.is_range else f"{a:,.1f} days"


def _mwh(span: Any) -> str:
    from footprint.render.text import show

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

    # the sourced readings: SemiAnalysis' own price per A100-hour, and its own total; DeepSeek's $2 per H800-hour
    # applied to A100s is a price no source gives, so that reading is shown but decides nothing
    sourced = _ratio_span(min(float(at_sa_price.lo.magnitude), vs_total), max(float(at_sa_price.hi.magnitude), vs_total))
    where = inside(sourced)
    verdict = {"all": CONSISTENT, "part": SOME_INPUTS, "none": FAILS}[where]
    sa_h = f"{_usd(sa_price * _one('h'))} per A100-hour"
    ds_h = f"{_usd(ds_price * _one('h'))} per H800-hour"
    return _claim(
        cid,
        inputs=(_fig_input(cid, "claimed_cost"), _fig_input(cid, "claimed_share"), _input(v3, "gpu_hours"), _input(v3, "price"),
                _input(r1, "gpu_hours"), _input(gpt4, "gpus"), _input(gpt4, "duration"), _input(gpt4, "mfu"),
                _input(gpt4, "flops"), _fig_input(cid, "epoch_flops"), _input(gpt4, "price"),
                (f"{gpt4.id} cost", _show(sa_total), _source_key(sa_output.source))),
        method="DeepSeek-V3's final-run rental (GPU-hours x its assumed price) against GPT-4's estimated A100-hours "
               "(every route its estimates give: GPUs x days, FLOPs / (BF16 peak x MFU)) at SemiAnalysis' own price per "
               "A100-hour, and against SemiAnalysis' own total; GPT-4 stands in for 'OpenAI's costing'",
        result={"v3_cost_usd": float(v3_cost.magnitude), "r1_cost_usd": float(r1_cost.magnitude),
                "share_sourced_low": float(sourced.lo.magnitude), "share_sourced_high": float(sourced.hi.magnitude),
                "share_at_estimate_price_low": float(at_sa_price.lo.magnitude),
                "share_at_estimate_price_high": float(at_sa_price.hi.magnitude), "share_of_estimate_total": vs_total,
                "share_same_price_low": float(same_price.lo.magnitude), "share_same_price_high": float(same_price.hi.magnitude)},
        findings=(f"{_usd(claimed)} is DeepSeek-V3's figure ({_usd(v3_cost)}); DeepSeek-R1's own increment is {_usd(r1_cost)}",
                  f"GPT-4: {_range_h(gpt_h)} A100-hours over the estimates' inputs",
                  f"at SemiAnalysis' {sa_h} for GPT-4 (DeepSeek at its {ds_h}): {_pct_range(at_sa_price)}",
                  f"against SemiAnalysis' own total ({_usd(sa_total)}): {vs_total:.1%}",
                  f"on sourced inputs: {_pct_range(sourced)}",
                  f"only with GPT-4's A100-hours at DeepSeek's {ds_h}, a price no source gives for A100s: {_pct_range(same_price)}"),
        verdict=verdict,
        why=(f"on sourced inputs the share is {_pct_range(sourced)} ({sa_h}: {_pct_range(at_sa_price)}; SemiAnalysis' "
             f"{_usd(sa_total)}: {vs_total:.1%}), {'inside' if where == 'all' else 'partly inside' if where == 'part' else 'not'} "
             f"{lo:.0%}-{hi:.0%}; only pricing GPT-4's A100-hours at DeepSeek's {ds_h}, a price no source gives for "
             f"A100s, reaches {_pct_range(same_price)}. The claim names no OpenAI model: GPT-4, itself a third-party estimate, "
             f"stands in for 'OpenAI's costing', and o1, R1's actual rival, has no published or estimated training cost; "
             f"the {_usd(claimed)} is DeepSeek-V3's, not R1's"),
        mixed_methods="it compares a final-run rental figure (no research, ablations, staff or hardware) with an estimate of "
                      "OpenAI's run, and OpenAI's side is a third-party estimate",
        caveats=("OpenAI publishes no cost: every GPT-4 figure is SemiAnalysis' or Epoch AI's estimate; for o1 neither a "
                 "published nor an estimated training cost exists in footprint's sources",
                 f"SemiAnalysis' {_usd(sa_total)} at {_usd(sa_price * _one('h'))}/h implies more A100-hours than its own "
                 f"{gpt4.value('gpus'):,} A100 x {_days_text(gpt4.value('duration'))} ('footprint references show gpt-4-estimate')"),
    )


def _span(q: Any) -> Any:
    from footprint.core.span import Span

    return Span.of(q)


def _show(q: Any) -> str:
    from footprint.render.text import show

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
        why=(f"${v['claimed_input']:g} / ${v['claimed_output']:g} was deepseek-chat's price before DeepSeek-V3, carried over "
             f"as a promotion until {until}, and ${v['claimed_input']:g} is the input rate on a cache miss; after it "
             f"DeepSeek-V3's list prices are ${v['list_input']:g} / ${v['list_output']:g}, and R1 costs "
             f"${v['r1_input']:g} / ${v['r1_output']:g}. The ${v['claimed_rival_input']:g} / ${v['claimed_rival_output']:g} "
             "are GPT-4o's list prices, not GPT-4's"),
        mixed_methods="API prices are what a customer pays per token, set by each company: they say nothing about training cost",
    )


def check_gpu_counts() -> Claim:
    cid = "gpu-counts"
    v3, llama, gpt4 = _ref("deepseek-v3"), _ref("llama-3.1-405b"), _ref("gpt-4-estimate")
    step = _num(cid, "step")
    found = {"deepseek": v3.value("gpus"), "rival": llama.value("gpus")}
    claimed = {"deepseek": _num(cid, "claimed_deepseek"), "rival": _num(cid, "claimed_rival")}
    rounded = {k: round(n / step) * step for k, n in found.items()}
    holds = all(rounded[k] == claimed[k] for k in found)
    return _claim(
        cid,
        inputs=(_fig_input(cid, "claimed_deepseek"), _fig_input(cid, "claimed_rival"), _input(v3, "gpus"), _input(llama, "gpus"),
                _input(gpt4, "gpus"), _fig_input(cid, "step")),
        method="the published GPU counts, rounded to the claim's step; the estimated ones beside them",
        result={"deepseek_gpus": found["deepseek"], "rival_gpus": found["rival"], "gpt4_estimated_gpus": gpt4.value("gpus")},
        findings=(f"DeepSeek-V3: {found['deepseek']:,} H800 (claimed about {claimed['deepseek']:,.0f})",
                  f"Llama 3.1 405B: up to {found['rival']:,} H100 (claimed as many as {claimed['rival']:,.0f})",
                  f"GPT-4: about {gpt4.value('gpus'):,} A100 by SemiAnalysis' estimate (OpenAI publishes no count)"),
        verdict=HOLDS if holds else FAILS,
        why=(("both published counts round to the claimed figures" if holds else
              "the published counts do not round to the claimed figures") +
             f"; SemiAnalysis estimates GPT-4 at about {gpt4.value('gpus'):,} A100, more than the claimed 'as many as "
             f"{claimed['rival']:,.0f}', but that is a third-party estimate"),
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
        inputs=(_input(ref, "gpu_hours"), _input(ref, "gpu_power"), _fig_input(cid, "card_power"),
                (f"{ref.id} method intensity", str(ref.method.factors["intensity"]), _source_key(ref.method.source)),
                _input(_ref("deepseek-v3"), "gpu_hours"), _profile_input("h800-sxm", "tdp"), _fig_input(cid, "claimed_ratio"),
                _fig_input(cid, "about")),
        method="both sides on one basis: energy = GPU-hours x TDP, host 0 W, PUE 1 (footprint compare llama-3.1-405b "
               "deepseek-v3); Meta's card prints the same basis, 700 W, the H100's bare TDP (its text calls the column "
               "'adjusted for power usage efficiency', but no PUE shows in the figure); footprint's reference applies "
               f"{ref.method.factors['intensity']} to it, the Llama 2 cards' factor, in which a PUE sits "
               f"({_source_key(ref.method.source)})",
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
                       f"estimated with footprint's defaults (host at the node's maximum measured draw, PUE "
                       f"{v3_default.input('pue').central.magnitude:g}: {_mwh(v3_default.energy)}) gives {_pct(mixed)}"),
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
        mixed_methods=(f"comparing GPU-hours instead of energy would mix methods across GPU generations: it gives "
                       f"{_pct_range(gpu_hour_ratio)}, not {_pct_range(ratio)}"),
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


def _published_duration(ref_id: str) -> Any:
    """A stage's published wall time (its duration output), as a Quantity."""
    return next(o for o in _ref(ref_id).outputs if o.quantity == "duration").value.central


def check_six_days() -> Claim:
    cid = "six-days-six-months"
    v3_gpus = _ref("deepseek-v3").value("gpus")
    r1 = _ref("deepseek-r1")
    rl_stages = [s for s in r1.stages if any(o.quantity == "duration" for o in _ref(s).outputs)]
    rl_days = {s: float(_published_duration(s).to("day").magnitude) for s in rl_stages}
    rl_hours = {s: float(_published_duration(s).to("h").magnitude) for s in rl_stages}
    readings = {
        "deepseek-v3-pretrain": _days("deepseek-v3-pretrain"),
        "deepseek-v3": _days("deepseek-v3", v3_gpus),
        f"deepseek-r1 (on {r1.value('gpus'):,} GPUs)": _days("deepseek-r1"),
        **rl_days,
        "llama-3.1-405b": _days("llama-3.1-405b"),
    }
    rl_total = sum(rl_days.values())
    last = rl_stages[-1]
    gpt4 = _ref("gpt-4-estimate").value("duration")
    gpt4_days = (float(gpt4.lo.to("day").magnitude), float(gpt4.hi.to("day").magnitude))
    claimed = float(_fig(cid, "claimed_deepseek").to("day").magnitude)
    short, long = (_as_said(_fig(cid, k)) for k in ("claimed_deepseek", "claimed_rivals"))
    pretrain = readings["deepseek-v3-pretrain"]
    # DeepSeek's side: a model from V3's pre-training, or R1's reinforcement learning on top of it; either in 6 days?
    deepseek_fails = pretrain > claimed and rl_total > claimed
    two_months = _as_said(_fig("v3-two-months", "claimed_limit"))
    llama = _ref("llama-3.1-405b")
    return _claim(
        cid,
        inputs=(_input(_ref("deepseek-v3-pretrain"), "gpu_hours"), _input(_ref("deepseek-v3"), "gpus"),
                _input(r1, "gpu_hours"), _input(r1, "gpus"),
                *((f"{s} duration", f"{rl_hours[s]:,.0f} h", _source_key(next(o for o in _ref(s).outputs
                                                                               if o.quantity == "duration").source))
                  for s in rl_stages),
                _input(llama, "gpu_hours"), _input(llama, "gpus"),
                _input(_ref("gpt-4-estimate"), "duration"),
                ("DeepSeek-V3 report: pre-training under", *_fig_input("v3-two-months", "claimed_limit")[1:]),
                _fig_input(cid, "claimed_deepseek"), _fig_input(cid, "claimed_rivals")),
        method="wall time = GPU-hours / GPUs (every GPU busy all the time: the shortest wall time the GPU-hours allow), "
               "or the wall time the source publishes",
        result={**{f"{k}_days": v for k, v in readings.items()}, "deepseek-r1_rl_days": rl_total,
                "gpt-4-estimate_days_low": gpt4_days[0], "gpt-4-estimate_days_high": gpt4_days[1],
                "claimed_days": claimed, "claimed_rival_days": float(_fig(cid, "claimed_rivals").to("day").magnitude)},
        findings=(*(f"{k}: {v:.1f} days" + (" (published)" if k in rl_days else "") for k, v in readings.items()),
                  f"DeepSeek-R1's reinforcement learning: {' + '.join(f'{rl_hours[s]:,.0f} h' for s in rl_stages)} = "
                  f"{rl_total:.1f} days on {r1.value('gpus'):,} GPUs, on top of DeepSeek-V3-Base",
                  f"gpt-4-estimate: {gpt4_days[0]:.0f}..{gpt4_days[1]:.0f} days (third-party estimate)"),
        verdict=FAILS if deepseek_fails else UNCHECKABLE,
        why=((f"the published figures contradict {short} for DeepSeek: DeepSeek-V3 pre-training took {pretrain:.1f} days "
              f"on {v3_gpus:,} GPUs (the report: less than {two_months}), and R1's reinforcement learning "
              f"{' + '.join(f'{rl_hours[s]:,.0f} h' for s in rl_stages)} = {rl_total:.1f} days on {r1.value('gpus'):,} "
              f"GPUs on top of it; only R1's last stage alone ({last}, {rl_days[last]:.1f} days) fits in {short}. "
              if deepseek_fails else
              f"DeepSeek-V3 pre-training took {pretrain:.1f} days and R1's reinforcement learning {rl_total:.1f} days: "
              f"one of them fits in {short}, so DeepSeek's side may hold. ") +
             f"The rivals' {long} stays unknown: OpenAI publishes no training time (GPT-4's {gpt4_days[0]:.0f}.."
             f"{gpt4_days[1]:.0f} days are a third-party estimate), and Llama 3.1 405B's GPU-hours allow at least "
             f"{readings['llama-3.1-405b']:.1f} days on {llama.value('gpus'):,} GPUs"),
        mixed_methods=f"comparing wall times mixes cluster sizes: {v3_gpus:,} (V3) or {r1.value('gpus'):,} (R1) "
                      f"GPUs against {llama.value('gpus'):,} (Llama 3.1 405B)",
    )


def check_v3_two_months() -> Claim:
    cid = "v3-two-months"
    ref = _ref("deepseek-v3-pretrain")
    gpus = ref.value("gpus")
    days = _days("deepseek-v3-pretrain")
    per_trillion_h = _fig(cid, "per_trillion_tokens")
    per_trillion = float((per_trillion_h / gpus).to("day").magnitude)
    reported = float(_fig(cid, "reported_days_per_trillion").to("day").magnitude)
    tokens = ref.value("tokens").central
    from_rate = float((tokens / _fig(cid, "tokens_per_day")).to("day").magnitude)
    derived_h = float((per_trillion_h * tokens / _trillion()).to("h").magnitude)
    limit = float(_fig(cid, "claimed_limit").to("day").magnitude)
    holds = days < limit and from_rate < limit
    return _claim(
        cid,
        inputs=(_input(ref, "gpu_hours"), _input(ref, "gpus"), _input(ref, "tokens"), _fig_input(cid, "per_trillion_tokens"),
                _fig_input(cid, "reported_days_per_trillion"), _fig_input(cid, "tokens_per_day"), _fig_input(cid, "claimed_limit")),
        method=f"wall time = pre-training GPU-hours / GPUs, and = tokens / tokens per day; {_as_said(_fig(cid, 'claimed_limit'))} = "
               f"{limit:.1f} days (average months)",
        result={"days": days, "days_from_tokens_per_day": from_rate, "limit_days": limit,
                "days_per_trillion_tokens": per_trillion, "gpu_hours_from_per_trillion": derived_h},
        findings=(f"{_h(ref.value('gpu_hours')):,.0f} GPU-h / {gpus:,} GPUs = {days:.1f} days (limit {limit:.1f})",
                  f"the {_h(ref.value('gpu_hours')):,.0f} GPU-h are {_h(_span(per_trillion_h)):,.0f} GPU-h per trillion "
                  f"tokens x {_trillions(tokens)} tokens = {derived_h:,.0f}: DeepSeek's throughput, not a separate log",
                  f"{_h(_span(per_trillion_h)):,.0f} GPU-h per trillion tokens / {gpus:,} GPUs = {per_trillion:.2f} days "
                  f"(the report says {reported:g})",
                  f"{_trillions(tokens)} tokens / {_per_day(_fig(cid, 'tokens_per_day'))} (arXiv:2505.09343 Table 4) = "
                  f"{from_rate:.1f} days"),
        verdict=SELF_CONSISTENT if holds else FAILS,
        why=(f"DeepSeek's own figures agree: {days:.1f} days from the GPU-hours and {from_rate:.1f} days from the tokens "
             f"per day, both under {limit:.1f}, with every GPU busy all the time; but the GPU-hours are DeepSeek's "
             "throughput times the tokens, so this re-derives DeepSeek's arithmetic: no start and end dates, restarts or "
             "failed runs are published to test it") if holds else
            f"DeepSeek's own figures give {days:.1f} and {from_rate:.1f} days, not under {limit:.1f}",
    )


def _per_day(rate: Any) -> str:
    return f"{float(rate.to('1/day').magnitude):.4g}".replace("e+", "e") + " tokens a day"


def _as_said(q: Any) -> str:
    """A claimed time as the claim words it: '6 days', '2 months'."""
    m = float(q.magnitude)
    return f"{m:g} {q.units:P}" + ("" if m == 1 else "s")


def _trillion() -> Any:
    from footprint.core.units import Q

    return Q(1, "Tcount").to("")


def _trillions(tokens: Any) -> str:
    return f"{float((tokens / _trillion()).to('').magnitude):g}T"


# ------------------------------------------------------------------------------------------------ compute
def _relative(part: Any, whole: Any) -> float:
    """part / whole as a plain number (Quantities or numbers)."""
    return float((part / whole).to("").magnitude) if hasattr(part, "to") else float(part) / float(whole)


def check_v3_compute() -> Claim:
    from footprint.claims.plausibility import check_reference
    from footprint.plugins.catalog import get_profile
    from footprint.render.text import number

    cid = "v3-compute-plausible"
    ref, pre_ref = _ref("deepseek-v3"), _ref("deepseek-v3-pretrain")
    checks = {p: check_reference(ref, p) for p in ("bf16", "fp8")}
    pre = {p: check_reference(pre_ref, p) for p in ("bf16", "fp8")}
    worst = [c for c in (*checks.values(), *pre.values()) if c.verdict != "plausible"]
    b, f = checks["bf16"], checks["fp8"]
    six_nd = float(b.flops.central.magnitude)
    tokens_q = ref.value("tokens").central
    tokens = float(tokens_q.magnitude)
    own_flops = float((_fig(cid, "flops_per_token") * tokens).to("FLOP").magnitude)
    peak = get_profile(ref.profile).peak("bf16").value
    pre_h = pre_ref.value("gpu_hours").central
    own_mfu = own_flops / float((pre_h * peak).to("FLOP").magnitude)
    per_gpu = _fig(cid, "per_gpu")
    table_mfu = float((per_gpu / peak).to("").magnitude)
    reported = _num(cid, "mfu_reported")
    # the identities: GPU-hours = GPU-h per trillion tokens x tokens; the same days from the tokens per day
    derived_h = float((_fig(cid, "per_trillion_tokens") * tokens_q / _trillion()).to("h").magnitude)
    gpus = pre_ref.value("gpus")
    rate_days = float((tokens_q / _fig(cid, "tokens_per_day")).to("day").magnitude)
    rate_h = float((tokens_q / _fig(cid, "tokens_per_day") * gpus).to("h").magnitude)
    # rounding alone may move the GPU-hour MFU this far from the reported one
    allowed = (_relative(_fig(cid, "flops_per_token_rounding"), _fig(cid, "flops_per_token"))
               + _relative(_fig(cid, "mfu_reported_rounding"), reported) + _relative(_fig(cid, "gpu_hours_rounding"), pre_h))
    agree = abs(own_mfu / reported - 1) <= allowed
    if worst:
        verdict, why = FAILS, "; ".join(f"{c.precision}: {c.verdict}" for c in worst)
    elif not agree:
        verdict, why = FAILS, (f"DeepSeek's own figures disagree: {own_mfu:.2%} from the published GPU-hours against a "
                               f"reported {reported:.2%}, more than their printed rounding allows ({allowed:.2%})")
    else:
        verdict = SELF_CONSISTENT
        why = (f"DeepSeek's figures agree with each other: the {_h(pre_ref.value('gpu_hours')):,.0f} pre-training GPU-h are "
               f"its {_h(_span(_fig(cid, 'per_trillion_tokens'))):,.0f} GPU-h per trillion tokens x {_trillions(tokens_q)}, "
               f"its {_per_day(_fig(cid, 'tokens_per_day'))} give the same {rate_days:.1f} days on {gpus:,} GPUs, and the "
               f"implied {own_mfu:.1%} restates its reported {reported:.2%} (within printed rounding, {allowed:.2%}). "
               "That shows the figures are consistent, not that the compute was enough: no restarts or failed runs are "
               f"published, and research and ablations are excluded. Apart from DeepSeek's figures, 6ND gives "
               f"{_pct(b.mfu)} of the BF16 peak, {b.why}: plausible, not shown")
    return _claim(
        cid,
        inputs=(_input(ref, "active_params"), _input(ref, "tokens"), _input(ref, "gpu_hours"), _input(pre_ref, "gpu_hours"),
                _input(pre_ref, "gpus"), _profile_input("h800-sxm", "peak"), _fig_input(cid, "flops_per_token"),
                _fig_input(cid, "per_gpu"), _fig_input(cid, "mfu_reported"), _fig_input(cid, "per_trillion_tokens"),
                _fig_input(cid, "tokens_per_day"), _fig_input(cid, "flops_per_token_rounding"),
                _fig_input(cid, "mfu_reported_rounding"), _fig_input(cid, "gpu_hours_rounding")),
        method="implied MFU = training FLOPs / (GPU-hours x dense peak), with FLOPs from 6 x active parameters x tokens and "
               "from DeepSeek's own FLOPs per token; DeepSeek's GPU-hours, tokens per day and MFU checked against each "
               "other (within their printed rounding), and the 6ND MFU against the other published runs",
        result={"flops_6nd": six_nd, "flops_deepseek": own_flops, "undercount_6nd": 1 - six_nd / own_flops,
                "mfu_bf16": float(b.mfu.central.magnitude), "mfu_fp8": float(f.mfu.central.magnitude),
                "mfu_bf16_pretrain": float(pre["bf16"].mfu.central.magnitude),
                "mfu_fp8_pretrain": float(pre["fp8"].mfu.central.magnitude), "mfu_deepseek_flops_pretrain": own_mfu,
                "mfu_from_table_throughput": table_mfu, "mfu_reported": reported, "mfu_rounding_allowed": allowed,
                "gpu_hours_from_per_trillion": derived_h, "days_from_tokens_per_day": rate_days,
                "gpu_hours_from_tokens_per_day": rate_h},
        findings=(f"6 x active params x tokens = {six_nd:.4g} FLOP; DeepSeek's {_show(_fig(cid, 'flops_per_token'))} per token x "
                  f"{number(tokens)} tokens = {own_flops:.4g} FLOP: 6ND undercounts by {1 - six_nd / own_flops:.0%}".replace("e+", "e"),
                  f"6ND on {_h(ref.value('gpu_hours')):,.0f} H800-h: {_pct(b.mfu)} of the BF16 peak, {_pct(f.mfu)} of the FP8 peak",
                  f"DeepSeek's FLOPs on the {_h(pre_ref.value('gpu_hours')):,.0f} pre-training GPU-h: {own_mfu:.1%} of the BF16 peak",
                  f"DeepSeek reports {_show(per_gpu)} per GPU = {table_mfu:.1%} of the BF16 peak and an MFU of {reported:.2%}",
                  f"the pre-training GPU-h are {_h(_span(_fig(cid, 'per_trillion_tokens'))):,.0f} per trillion tokens x "
                  f"{_trillions(tokens_q)} = {derived_h:,.0f}; {_trillions(tokens_q)} tokens / "
                  f"{_per_day(_fig(cid, 'tokens_per_day'))} = {rate_days:.1f} days x {gpus:,} GPUs = {rate_h:,.0f} GPU-h",
                  b.why),
        verdict=verdict, why=why,
        mixed_methods="the MFU depends on the peak it is measured against: DeepSeek measures it against the BF16 peak though "
                      "it trained in FP8 mixed precision, and the FP8 figure is half the BF16 one",
    )


def check_fp8() -> Claim:
    from footprint.plugins.catalog import get_profile

    cid = "fp8-halves-energy"
    profile = get_profile("h800")
    peaks = {p: profile.peak(p).value for p in ("bf16", "fp8")}
    per_gpu = _fig(cid, "per_gpu")
    share = {p: float((per_gpu / q).to("").magnitude) for p, q in peaks.items()}
    peak_ratio = float((peaks["fp8"] / peaks["bf16"]).to("").magnitude)
    reported = _num(cid, "mfu_reported")
    measured = {p: m for p, m in profile.measured.items() if p in ("bf16", "fp8")}
    result = {"achieved_tflops": float(per_gpu.to("TFLOP/s").magnitude), "achieved_share_of_bf16_peak": share["bf16"],
              "achieved_share_of_fp8_peak": share["fp8"], "mfu_reported": reported, "datasheet_peak_ratio": peak_ratio}
    findings = [f"DeepSeek-V3 achieved {_show(per_gpu)} per GPU: {share['bf16']:.1%} of the BF16 dense peak, "
                f"{share['fp8']:.1%} of the FP8 dense peak; DeepSeek's reported {reported:.2%} MFU is against the BF16 peak",
                f"the datasheet FP8 dense peak is {peak_ratio:g} x the BF16 one; no source publishes DeepSeek-V3's throughput "
                "or power in BF16, or its energy in either"]
    if set(measured) == {"bf16", "fp8"}:
        jr = float((measured["fp8"].energy_per_flop / measured["bf16"].energy_per_flop).to("").magnitude)
        result["ratio_measured"] = jr
        findings.append(f"measured J/FLOP on this profile: FP8 at {jr:.1%} of BF16")
        verdict = HOLDS if jr < 1 else FAILS
        why = f"measured energy per FLOP on this profile gives FP8 at {jr:.1%} of BF16"
    else:
        verdict = UNCHECKABLE
        why = (f"no source publishes the energy or power of an FP8 run against a BF16 run of the same model, and the "
               f"published throughput does not show FP8 doubling what is achieved: {_show(per_gpu)} is {share['fp8']:.1%} "
               f"of the FP8 peak and {share['bf16']:.1%} of the BF16 one. To measure it on your hardware: run 'footprint "
               "calibrate --precision bf16,fp8' and compare scenarios with profile_file = the measured profile")
    return _claim(
        cid,
        inputs=(_profile_input("h800-sxm", "peak"), _fig_input(cid, "per_gpu"), _fig_input(cid, "mfu_reported")),
        method="DeepSeek-V3's achieved FLOP/s per GPU against the H800's dense BF16 and FP8 peaks; an energy saving needs "
               "the achieved FLOP/s and power at each precision",
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
