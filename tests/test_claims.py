"""footprint claims: every claim's verdict and numbers, written out by hand from the published figures.

Sources:
- [V3] DeepSeek-V3 Technical Report arXiv:2412.19437v2 Table 1 / Sec. 3.1: 2,788K H800 GPU-h (2,664K pre-training)
  at $2 = $5.576M; 2,048 H800; 180K GPU-h per trillion tokens; 37B active parameters; 14.8T tokens.
- [R1] DeepSeek-R1 arXiv:2501.12948v2 Suppl. B.4.4 / Table 7: 147K GPU-h = $294K; 64*8 = 512 H800.
- [Llama3.1] Llama 3.1 model card: 30.84M H100 GPU-h, TDP 700 W; Herd paper: up to 16K (16,384) H100.
- [GPT-4] SemiAnalysis 2023-07-11 (third-party estimate): ~25,000 A100 (400 W TDP), 90-100 days.
- [H800] profiles/h800-sxm.toml: TDP 700 W; dense BF16 989.5 and FP8 1,979 TFLOP/s (as the H100 SXM datasheet).
"""

from __future__ import annotations

import json

import pytest

from footprint.claims import check
from tests.cli_run import run_cli


def one(claim_id: str):  # type: ignore[no-untyped-def]
    [claim] = check([claim_id])
    return claim


def test_v3_cost_holds() -> None:
    c = one("v3-cost")
    assert c.verdict == "holds"
    assert c.result["cost_usd"] == pytest.approx(2_788_000 * 2)  # [V3] = 5,576,000
    assert 2_788_000 * 2 == 5_576_000


def test_r1_cost_holds_and_names_the_base_it_builds_on() -> None:
    c = one("r1-cost")
    assert c.verdict == "holds"
    assert c.result["cost_usd"] == pytest.approx(147_000 * 2)  # [R1] = 294,000
    assert any("$5,870,000" in f for f in c.findings)  # (2,788K + 147K) x $2
    assert any("648" in cav for cav in c.caveats)


def test_one_tenth_of_llama_holds_on_tdp_basis_and_mixed_methods_are_flagged() -> None:
    c = one("energy-tenth-llama")
    # [Llama3.1] 30.84e6 h x 0.7 kW = 21,588 MWh; [V3] 2.788e6 h x 0.7 kW = 1,951.6 MWh; ratio 0.0904
    assert c.result["llama_mwh"] == pytest.approx(21_588)
    assert c.result["v3_mwh"] == pytest.approx(1_951.6)
    assert c.result["ratio"] == pytest.approx(2.788 / 30.84)
    assert c.verdict == "holds"
    # Mixed: Llama at TDP x PUE 1.1 (23,746.8 MWh) vs V3 at TDP + the H800 node's nameplate host power, x PUE 1.1.
    # Host power per GPU = (DGX 10.2 kW - 8 x 700 W) / 8 = 575 W, so V3 = 2.788e6 x 1.275 kW x 1.1 = 3,910.17 MWh.
    assert c.result["mixed_ratio"] == pytest.approx((2.788e6 * 1.275 * 1.1) / (30.84e6 * 0.7 * 1.1))
    assert "16.5%" in c.mixed_methods


def test_one_tenth_of_gpt4_holds_over_the_estimates_whole_range() -> None:
    c = one("energy-tenth-gpt4")
    # [GPT-4] 25,000 x 90..100 d x 24 h x 0.4 kW = 21,600..24,000 MWh; V3 1,951.6 MWh -> 8.13%..9.04%
    assert (c.result["gpt4_mwh_low"], c.result["gpt4_mwh_high"]) == pytest.approx((21_600, 24_000))
    assert (c.result["ratio_low"], c.result["ratio_high"]) == pytest.approx((1951.6 / 24_000, 1951.6 / 21_600))
    # GPU-hours alone: 2.788e6 / (25,000 x 24 x 100..90) = 4.65%..5.16%
    assert c.result["gpu_hour_ratio_low"] == pytest.approx(2.788e6 / 60e6)
    assert c.verdict == "holds"
    assert "third-party estimate" in c.why


def test_six_days_versus_six_months_cannot_be_checked() -> None:
    c = one("six-days-six-months")
    assert c.verdict == "cannot be checked"
    assert c.result["deepseek-v3-pretrain_days"] == pytest.approx(2_664_000 / 2048 / 24)  # 54.2 days
    assert c.result["deepseek-r1 (on 512 GPUs)_days"] == pytest.approx(147_000 / 512 / 24)  # 12.0 days
    assert c.result["llama-3.1-405b_days"] == pytest.approx(30.84e6 / 16_384 / 24)  # 78.4 days
    assert "54.2 days" in c.why and "78.4 days" in c.why and "cluster size" in c.why


def test_v3_pretraining_under_two_months_holds() -> None:
    c = one("v3-two-months")
    assert c.result["days"] == pytest.approx(2_664_000 / 2048 / 24)  # 54.199 days
    assert c.result["limit_days"] == pytest.approx(2 * 365.25 / 12)  # 60.875
    assert c.result["days_per_trillion_tokens"] == pytest.approx(180_000 / 2048 / 24)  # 3.66 ("3.7 days")
    assert c.verdict == "holds"


def test_v3_compute_plausibility_at_bf16_and_fp8() -> None:
    c = one("v3-compute-plausible")
    flops = 6 * 37e9 * 14.8e12  # 3.2856e24
    assert c.result["flops"] == pytest.approx(flops)
    assert c.result["mfu_bf16"] == pytest.approx(flops / (2.788e6 * 3600 * 989.5e12))  # 33.1%
    assert c.result["mfu_fp8"] == pytest.approx(flops / (2.788e6 * 3600 * 1979e12))  # 16.5%
    assert c.result["mfu_bf16_pretrain"] == pytest.approx(flops / (2.664e6 * 3600 * 989.5e12))  # 34.6%
    assert c.verdict == "holds"


def test_fp8_halving_cannot_be_checked_from_datasheets() -> None:
    c = one("fp8-halves-energy")
    assert c.result["ratio_datasheet"] == pytest.approx(989.5 / 1979)  # 0.5
    # 3.2856e24 / (989.5e12 x 0.33) / 3600 h x 0.7 kW = 1,956.5 MWh at BF16
    assert c.result["bf16_mwh"] == pytest.approx(6 * 37e9 * 14.8e12 / (989.5e12 * 0.33) / 3600 * 0.7 / 1000)
    assert c.verdict == "cannot be checked"
    assert "footprint calibrate" in c.why


def test_claims_cli_text_and_json() -> None:
    r = run_cli("claims")
    assert r.code == 0, r.err
    assert "verdict: HOLDS: 9.0% is within 25% of one-tenth" in r.out
    assert "six-days-six-months   cannot be checked" in r.out
    data = json.loads(run_cli("claims", "check", "--json").out)
    verdicts = {c["id"]: c["verdict"] for c in data["claims"]}
    assert verdicts == {
        "v3-cost": "holds", "r1-cost": "holds", "energy-tenth-llama": "holds", "energy-tenth-gpt4": "holds",
        "six-days-six-months": "cannot be checked", "v3-two-months": "holds", "v3-compute-plausible": "holds",
        "fp8-halves-energy": "cannot be checked",
    }
    assert data["summary"] == {"holds": 6, "cannot be checked": 2}
    for c in data["claims"]:
        assert c["inputs"] and c["method"] and c["why"] and c["said_by"]
    one_claim = json.loads(run_cli("claims", "energy-tenth-llama", "--json").out)
    assert [c["id"] for c in one_claim["claims"]] == ["energy-tenth-llama"]


def test_unknown_claim_is_one_line_exit_2() -> None:
    r = run_cli("claims", "check", "v3-costs")
    assert r.code == 2
    assert "claim 'v3-costs' is unknown (did you mean: v3-cost" in r.err
    assert r.err.strip().count("\n") == 0
