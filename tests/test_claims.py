"""footprint claims: every claim's verdict and numbers, written out by hand from the published figures.

Sources:
- [V3] DeepSeek-V3 Technical Report arXiv:2412.19437v2 Table 1 / Sec. 3.1: 2,788K H800 GPU-h (2,664K pre-training)
  at $2 = $5.576M; 2,048 H800; 180K GPU-h per trillion tokens; 37B active parameters; 14.8T tokens.
- [V3-ISCA] arXiv:2505.09343 Table 2: 250 GFLOP per token; Table 4: 385 TFLOP/s per GPU, MFU 38.94% (BF16 peak),
  272.80B tokens per day on the 2,048 GPUs.
- [R1] DeepSeek-R1 arXiv:2501.12948v2 / Nature, Suppl. B.4.4 / Table 7: 101K + 5K + 41K = 147K GPU-h = $294K; 64*8 =
  512 H800; R1-Zero's RL ~198 hours, R1's ~80 hours.
- [Llama3.1] Llama 3.1 model card: 30.84M H100 GPU-h at 700 W (the bare TDP: 'TDP of 700W'), 8,930 tCO2eq; Herd
  paper: up to 16K (16,384) H100, 15.6T tokens (the card says '15T+').
- [Llama3/3.2/4] model cards: 8B 1.3M h 390 t; 70B 6.4M h 1,900 t; 3.2 1B 370K h 107 t; Llama 4 Scout 5.0M h 1,354 t.
  The Llama 3 card names no basis for its tCO2eq (only '100% ... offset').
- [GPT-4] SemiAnalysis 2023-07-11 (third-party estimate): ~25,000 A100 (400 W TDP, 312 TFLOP/s BF16), 90-100 days,
  32-36% MFU, 2.15e25 FLOP, ~$1 per A100-hour, ~$63M; Epoch AI: 2.1e25 FLOP.
- [API] DeepSeek API pricing: deepseek-chat $0.14/$0.28 per 1M tokens (its price before V3, the input on a cache
  miss) until 2025-02-08, then $0.27/$1.10; R1 $0.55/$2.19. OpenAI pricing: gpt-4o $2.50/$10.
- [H800] profiles/h800-sxm.toml: TDP 700 W; dense BF16 989.5 and FP8 1,979 TFLOP/s (as the H100 SXM datasheet).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from footprint.claims.checks import CHECKS, check
from tests.cli_run import run_cli

ROOT = Path(__file__).resolve().parent.parent


def one(claim_id: str):  # type: ignore[no-untyped-def]
    [claim] = check([claim_id])
    return claim


def test_v3_cost_holds() -> None:
    c = one("v3-cost")
    assert c.verdict == "holds"
    assert c.result["cost_usd"] == pytest.approx(2_788_000 * 2)  # [V3] = 5,576,000


def test_r1_cost_holds_and_separates_reinforcement_learning_from_data_creation() -> None:
    c = one("r1-cost")
    assert c.verdict == "holds"
    assert c.result["cost_usd"] == pytest.approx(147_000 * 2)  # [R1] = 294,000
    assert c.result["rl_gpu_hours"] == pytest.approx(101_000 + 41_000)  # [R1] RL stages only
    assert c.result["rl_cost_usd"] == pytest.approx(284_000)
    assert any("$5,870,000" in f for f in c.findings)  # (2,788K + 147K) x $2
    assert any("$284,000" in cav and "5,000 GPU-h" in cav for cav in c.caveats)
    assert "reinforcement learning" not in c.text  # the paper's $294K is the whole increment


def test_r1_against_openai_names_what_it_compares_and_which_inputs_decide() -> None:
    c = one("r1-vs-openai-cost")
    # GPT-4 A100-hours over every route [GPT-4]: 25,000 x 90..100 d = 54M..60M; Epoch's 2.1e25 FLOP at 312 TFLOP/s
    # and 36% MFU = 51.93M; so 51.93M..60M
    low_h = 2.1e25 / (312e12 * 3600 * 0.36)
    assert (c.result["share_same_price_low"], c.result["share_same_price_high"]) == pytest.approx(
        (2.788e6 / 60e6, 2.788e6 / low_h))  # 4.6%..5.4% at one price [V3]
    # SemiAnalysis' $1/A100-h: $5.576M / ($51.93M..$60M) = 9.3%..10.7%; their $63M: 8.85%
    assert (c.result["share_at_estimate_price_low"], c.result["share_at_estimate_price_high"]) == pytest.approx(
        (5.576e6 / 60e6, 5.576e6 / low_h))
    assert c.result["share_of_estimate_total"] == pytest.approx(5.576e6 / 63e6)
    # only the sourced readings decide: 8.85%..10.7%, outside 3-5%; $2/h for A100s is a price no source gives
    assert (c.result["share_sourced_low"], c.result["share_sourced_high"]) == pytest.approx((5.576e6 / 63e6, 5.576e6 / low_h))
    assert c.verdict == "does not hold"
    assert c.why.startswith("on sourced inputs the share is 8.9%..10.7%")
    assert "a price no source gives for A100s" in c.why
    assert "names no OpenAI model" in c.why and "o1" in c.why and "no published or estimated training cost" in c.why
    assert "DeepSeek-V3's" in c.findings[0] and "$294,000" in c.findings[0]
    assert "final-run rental" in c.mixed_methods


def test_api_prices_are_dated_promotional_prices_against_gpt4o() -> None:
    c = one("api-prices")
    promo = "deepseek-chat promotional (until 2025-02-08)"
    assert c.result[f"{promo} ratio input"] == pytest.approx(0.14 / 2.5)  # [API] 5.6%
    assert c.result[f"{promo} ratio output"] == pytest.approx(0.28 / 10)  # 2.8%
    assert c.result["deepseek-chat list ratio output"] == pytest.approx(1.10 / 10)
    assert c.result["deepseek-reasoner (R1) ratio input"] == pytest.approx(0.55 / 2.5)
    assert c.verdict == "holds only for some inputs"
    assert "$0.14 / $0.28 was deepseek-chat's price before DeepSeek-V3, carried over as a promotion until 2025-02-08" in c.why
    assert "$0.14 is the input rate on a cache miss" in c.why
    assert "GPT-4o's list prices, not GPT-4's" in c.why


def test_gpu_counts_hold_against_the_sources_and_name_the_larger_gpt4_estimate() -> None:
    c = one("gpu-counts")
    assert (c.result["deepseek_gpus"], c.result["rival_gpus"]) == (2048, 16_384)  # [V3], [Llama3.1]
    assert c.result["gpt4_estimated_gpus"] == 25_000  # [GPT-4]
    assert c.verdict == "holds"
    assert "SemiAnalysis estimates GPT-4 at about 25,000 A100" in c.why and "third-party estimate" in c.why


def test_one_tenth_of_llama_holds_on_the_cards_basis_without_a_second_pue() -> None:
    c = one("energy-tenth-llama")
    # [Llama3.1] 30.84e6 h x 0.7 kW = 21,588 MWh; [V3] 2.788e6 h x 0.7 kW = 1,951.6 MWh; ratio 0.0904
    assert c.result["llama_mwh"] == pytest.approx(21_588)
    assert c.result["v3_mwh"] == pytest.approx(1_951.6)
    assert c.result["ratio"] == pytest.approx(2.788 / 30.84)
    assert c.verdict == "holds"
    assert "23,746.8" not in json.dumps(c.as_json())  # Meta never published a PUE-multiplied MWh
    # the card prints the bare TDP; the PUE sits in the 0.4235 (= 1.1 x 0.385) factor the reference applies
    assert "already adjusted" not in json.dumps(c.as_json())
    assert "the H100's bare TDP" in c.method and "0.4235 kg/kWh" in c.method and "in which a PUE sits" in c.method
    assert ("llama-3.1-405b method intensity", "0.4235 kg/kWh", "llama-inferred") in c.inputs
    assert "the node's maximum measured draw" in c.mixed_methods and "measured node power" not in c.mixed_methods
    # implied factors: 8,930 t / 21,588 MWh = 0.4137; Llama 3 8B 390 / (1.3e6 x 0.7) = 0.4286; Scout 1,354 / 3,500
    assert c.result["llama31_kg_per_tdp_kwh"] == pytest.approx(8930 / 21_588)
    assert c.result["llama-3-8b_kg_per_tdp_kwh"] == pytest.approx(390e3 / (1.3e6 * 0.7))
    assert c.result["llama-4-scout_kg_per_tdp_kwh"] == pytest.approx(1354 / 3500)
    # Mixed: V3 at TDP + measured-node host power 350 W, x PUE 1.1 = 2.788e6 x 1.05 kW x 1.1 against 21,588 MWh
    assert c.result["mixed_ratio"] == pytest.approx((2.788e6 * 1.05 * 1.1) / (30.84e6 * 0.7))
    assert "total GPU time required for training each model" in " ".join(c.caveats)


def test_one_tenth_of_gpt4_is_only_consistent_with_an_estimate_over_every_input() -> None:
    c = one("energy-tenth-gpt4")
    # routes: 25,000 x 90..100 d = 54M..60M h; 2.1e25 / (312e12 x 3600 x 0.36) = 51.93M h (Epoch's FLOPs, high MFU)
    assert c.result["gpt4_gpu_hours_low"] == pytest.approx(2.1e25 / (312e12 * 3600 * 0.36))
    assert c.result["gpt4_gpu_hours_high"] == pytest.approx(60e6)
    assert (c.result["ratio_low"], c.result["ratio_high"]) == pytest.approx(
        (1951.6 / (60e6 * 0.4e-3), 1951.6 / (2.1e25 / (312e12 * 3600 * 0.36) * 0.4e-3)))
    # 'about one-tenth' (7.5%..12.5%) needs GPT-4 between 1,951.6 MWh / 0.125 / 0.4 kW and / 0.075 / 0.4 kW
    assert c.result["verdict_holds_for_gpu_hours_low"] == pytest.approx(1951.6e3 / 0.125 / 0.4)
    assert c.verdict == "consistent with an estimate"
    assert "third-party estimate" in c.why


def test_six_days_does_not_hold_for_deepseek_and_the_rivals_six_months_stay_unknown() -> None:
    c = one("six-days-six-months")
    assert c.verdict == "does not hold"
    assert c.result["deepseek-v3-pretrain_days"] == pytest.approx(2_664_000 / 2048 / 24)  # 54.2 days [V3]
    assert c.result["deepseek-r1 (on 512 GPUs)_days"] == pytest.approx(147_000 / 512 / 24)  # 12.0 days
    assert c.result["deepseek-r1_rl_days"] == pytest.approx((198 + 80) / 24)  # [R1] published: 11.6 days
    assert c.result["deepseek-r1-rl_days"] == pytest.approx(80 / 24)  # R1's last stage alone: 3.3 days
    assert c.result["llama-3.1-405b_days"] == pytest.approx(30.84e6 / 16_384 / 24)  # 78.4 days
    assert c.why.startswith("the published figures contradict 6 days for DeepSeek: DeepSeek-V3 pre-training took "
                            "54.2 days on 2,048 GPUs (the report: less than 2 months)")
    assert "198 h + 80 h = 11.6 days on 512 GPUs" in c.why and "only R1's last stage alone" in c.why
    assert "The rivals' 6 months stays unknown: OpenAI publishes no training time" in c.why
    assert "78.4 days" in c.why


def test_v3_pretraining_under_two_months_is_only_consistent_with_deepseeks_own_figures() -> None:
    c = one("v3-two-months")
    assert c.result["days"] == pytest.approx(2_664_000 / 2048 / 24)  # 54.199 days
    assert c.result["limit_days"] == pytest.approx(2 * 365.25 / 12, rel=1e-3)  # two average months, 60.9 days
    assert c.result["days_per_trillion_tokens"] == pytest.approx(180_000 / 2048 / 24)  # 3.66 ("3.7 days")
    assert c.result["gpu_hours_from_per_trillion"] == pytest.approx(2_664_000)  # 180K x 14.8: the same figure [V3]
    assert c.result["days_from_tokens_per_day"] == pytest.approx(14.8e12 / 272.80e9)  # 54.25 days [V3-ISCA]
    assert c.verdict == "consistent with the claimant's own figures"
    assert c.why.startswith("DeepSeek's own figures agree: 54.2 days from the GPU-hours and 54.3 days from the tokens")
    assert "re-derives DeepSeek's arithmetic" in c.why and "restarts" in c.why


def test_v3_compute_quotes_deepseeks_own_flops_and_mfu() -> None:
    c = one("v3-compute-plausible")
    six_nd = 6 * 37e9 * 14.8e12  # 3.2856e24
    own = 250e9 * 14.8e12  # [V3-ISCA] 3.7e24
    assert c.result["flops_6nd"] == pytest.approx(six_nd)
    assert c.result["flops_deepseek"] == pytest.approx(own)
    assert c.result["undercount_6nd"] == pytest.approx(1 - six_nd / own)  # ~11%
    assert c.result["mfu_deepseek_flops_pretrain"] == pytest.approx(own / (2.664e6 * 3600 * 989.5e12))  # 39.0%
    assert c.result["mfu_from_table_throughput"] == pytest.approx(385 / 989.5)  # 38.9%
    assert c.result["mfu_bf16"] == pytest.approx(six_nd / (2.788e6 * 3600 * 989.5e12))  # 33.1%
    # one throughput figure three ways: 180K GPU-h per trillion tokens x 14.8 = 2,664K; 14.8T / 272.80B a day x 2,048
    assert c.result["gpu_hours_from_per_trillion"] == pytest.approx(2_664_000)
    assert c.result["gpu_hours_from_tokens_per_day"] == pytest.approx(14.8e12 / 272.80e9 * 2048 * 24)
    # rounding alone: 0.5 of 250 GFLOP, 0.005 points of 38.94%, 500 of 2,664K GPU-h
    assert c.result["mfu_rounding_allowed"] == pytest.approx(0.5 / 250 + 0.00005 / 0.3894 + 500 / 2_664_000)
    assert c.verdict == "consistent with the claimant's own figures"
    assert "the implied 39.0% restates its reported 38.94%" in c.why
    assert "consistent, not that the compute was enough: no restarts or failed runs are published" in c.why
    assert "somewhat higher" not in json.dumps(c.as_json())


def test_fp8_cutting_energy_is_tested_as_worded_and_cannot_be_checked() -> None:
    c = one("fp8-halves-energy")
    assert c.text == "Training in FP8 cuts down on energy requirements"  # the coverage's words: no factor
    # [V3-ISCA] 385 TFLOP/s = 38.9% of the BF16 dense peak, 19.5% of the FP8 one [H800]
    assert c.result["achieved_share_of_bf16_peak"] == pytest.approx(385 / 989.5)
    assert c.result["achieved_share_of_fp8_peak"] == pytest.approx(385 / 1979)
    assert c.verdict == "cannot be checked"
    assert "does not show FP8 doubling what is achieved: 385 TFLOP/s is 19.5% of the FP8 peak" in c.why
    assert "footprint calibrate" in c.why
    names = {name for name, _, _ in c.inputs}
    assert not names & {"claimed ratio", "tolerance"}  # no unsourced 'half' or 'within 5 points'
    assert "halv" not in " ".join((c.text, c.why, *c.findings))


def test_claims_cli_text_and_json() -> None:
    r = run_cli("claims")
    assert r.code == 0, r.err
    assert "verdict: HOLDS: 9.0% is within 7.5%..12.5%" in r.out
    assert "six-days-six-months   does not hold" in r.out
    assert "verdict: CONSISTENT WITH THE CLAIMANT'S OWN FIGURES: DeepSeek's own figures agree" in r.out
    data = json.loads(run_cli("claims", "check", "--json").out)
    verdicts = {c["id"]: c["verdict"] for c in data["claims"]}
    assert verdicts == {
        "v3-cost": "holds", "r1-cost": "holds", "r1-vs-openai-cost": "does not hold",
        "api-prices": "holds only for some inputs", "gpu-counts": "holds", "energy-tenth-llama": "holds",
        "energy-tenth-gpt4": "consistent with an estimate", "six-days-six-months": "does not hold",
        "v3-two-months": "consistent with the claimant's own figures",
        "v3-compute-plausible": "consistent with the claimant's own figures", "fp8-halves-energy": "cannot be checked",
    }
    assert data["summary"]["consistent with the claimant's own figures"] == 2
    for c in data["claims"]:
        assert c["inputs"] and c["method"] and c["why"] and c["said_by"]
    one_claim = json.loads(run_cli("claims", "energy-tenth-llama", "--json").out)
    assert [c["id"] for c in one_claim["claims"]] == ["energy-tenth-llama"]


def test_the_new_verdict_renders_in_html_and_statements(tmp_path: Path) -> None:
    page = tmp_path / "claims.html"
    r = run_cli("claims", "v3-two-months", "--html", str(page))
    assert r.code == 0, r.err
    html = page.read_text(encoding="utf-8")
    assert '<span class="verdict-consistent-with-the-claimant-s-own-figures">' in html
    assert ".verdict-consistent-with-the-claimant-s-own-figures {" in html  # styled, not left plain
    statement = run_cli("claims", "v3-two-months", "--statement", "text").out
    assert "consistent with the claimant's own figures: DeepSeek's own figures agree" in " ".join(statement.split())


def test_unknown_claim_is_one_line_exit_2() -> None:
    r = run_cli("claims", "check", "v3-costs")
    assert r.code == 2
    assert "claim 'v3-costs' is unknown (did you mean: v3-cost" in r.err
    assert r.err.strip().count("\n") == 0


@pytest.mark.parametrize("claim_id", list(CHECKS))
def test_every_input_of_every_claim_names_its_source(claim_id: str) -> None:
    for name, value, source in one(claim_id).inputs:
        assert source.strip(), f"{claim_id}: input {name} = {value} has no source"


def test_claims_py_holds_no_figures() -> None:
    # every figure a claim prints comes from data; only 0 and 1 (identities) may appear as number literals
    tree = ast.parse((ROOT / "footprint" / "claims" / "checks.py").read_text(encoding="utf-8"))
    numbers = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and type(n.value) in (int, float)}
    assert numbers <= {0, 1}, f"number literals in footprint/claims/checks.py: {sorted(numbers - {0, 1})}"


def test_a_figure_without_a_source_is_refused() -> None:
    from footprint.claims.checks import parse_figure
    from footprint.errors import FootprintError

    with pytest.raises(FootprintError, match="missing source"):
        parse_figure("v3-cost", "claimed", {"value": "5.576e6 USD"})
    with pytest.raises(FootprintError, match="missing source"):
        parse_figure("v3-cost", "claimed", {"value": "5.576e6 USD", "source": " "})


def test_a_reference_figure_without_a_source_is_refused() -> None:
    from footprint.claims.references import references_from_dict
    from footprint.errors import FootprintError

    data = {"references": {"x": {"name": "X", "status": "primary", "hardware": {"value": "A100", "source": "s"},
                                 "inputs": {"gpu_hours": {"value": "10 h"}}, "method": {"source": "s"}}}}
    with pytest.raises(FootprintError, match="missing source"):
        references_from_dict(data)


def test_no_words_about_how_the_work_was_organised() -> None:
    text = run_cli("claims").out + (ROOT / "footprint" / "data" / "claims.toml").read_text(encoding="utf-8")
    text += (ROOT / "footprint" / "data" / "references.toml").read_text(encoding="utf-8")
    assert not re.search(r"\bissue\s*#?\d|\bhelper\b|\bsession\b", text, flags=re.I)
