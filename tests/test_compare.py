"""footprint compare: ratios on one basis, every kind of side, precision what-ifs and the plot.

Expected numbers are hand arithmetic from published figures:
- Llama 3.1 405B model card: 30.84M H100 GPU-hours at TDP 700 W.
- DeepSeek-V3 Technical Report arXiv:2412.19437v2 Table 1: 2.788M H800 GPU-hours (H800 TDP 700 W, as the H100
  SXM; reseller pages, see profiles/h800-sxm.toml); $2 per GPU-hour.
- SemiAnalysis GPT-4 estimate: ~25,000 A100 (400 W TDP) for 90-100 days.
- NVIDIA H100 datasheet dense peaks: BF16 989.5 TFLOP/s, FP8 1,979 TFLOP/s.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_run import run_cli


def compare_json(*args: str) -> dict:
    r = run_cli("compare", *args, "--json")
    assert r.code == 0, r.err
    return json.loads(r.out)


def mwh(side: dict) -> float:
    from footprint.core.units import Q

    e = side["footprint"]["energy"]
    return Q(e["magnitude"], e["units"]).to("MWh").magnitude


def test_deepseek_v3_is_about_9_percent_of_llama_31_on_tdp_basis() -> None:
    data = compare_json("llama-3.1-405b", "deepseek-v3")
    # 30.84e6 h x 0.7 kW = 21,588 MWh; 2.788e6 h x 0.7 kW = 1,951.6 MWh; ratio 2.788 / 30.84 = 0.0904
    assert [mwh(s) for s in data["sides"]] == pytest.approx([21_588, 1_951.6])
    assert data["ratios"] == pytest.approx([1.0, 2.788 / 30.84], rel=1e-5)
    assert data["basis"]["name"] == "tdp"
    text = run_cli("compare", "llama-3.1-405b", "deepseek-v3").out
    assert "compare on basis: GPU-hours x TDP, host power 0 W, PUE 1" in text
    assert "21.59 GWh" in text and "1.952 GWh" in text and "9.0%" in text


def test_gpt4_range_carries_into_the_ratio() -> None:
    data = compare_json("gpt-4-estimate", "deepseek-v3")
    # GPT-4: 25,000 x 90..100 d x 24 h x 0.4 kW = 21,600..24,000 MWh; V3 1,951.6 MWh -> 8.13%..9.04%
    gpt4 = data["sides"][0]["footprint"]["energy"]
    assert (gpt4["low"], gpt4["high"]) == pytest.approx((21_600_000, 24_000_000))
    rng = data["ratio_ranges"][1]
    assert (rng["low"], rng["high"]) == pytest.approx((1951.6 / 24_000, 1951.6 / 21_600))


def test_a_given_power_fraction_host_power_and_pue_apply_to_every_side() -> None:
    data = compare_json("llama-3.1-405b", "deepseek-v3", "--basis", "80%", "--host-power", "100 W", "--pue", "1.2",
                        "--intensity", "500 g/kWh", "--price", "2 USD/h")
    # Llama: 30.84e6 h x (0.8 x 700 + 100) W x 1.2 = 24,425.28 MWh; V3: 2.788e6 x 660 W x 1.2 = 2,208.096 MWh
    assert [mwh(s) for s in data["sides"]] == pytest.approx([24_425.28, 2_208.096])
    assert data["emissions_ratios"][1] == pytest.approx(2.788 / 30.84, rel=1e-5)
    assert data["cost_ratios"][1] == pytest.approx(2.788 / 30.84, rel=1e-5)  # both at $2/GPU-h
    assert data["sides"][0]["footprint"]["cost"]["magnitude"] == pytest.approx(61_680_000)


def test_a_power_basis_needs_no_profile_and_as_is_flags_mixed_methods() -> None:
    data = compare_json("deepseek-v3", "deepseek-r1", "--basis", "550 W")
    # 147K / 2,788K GPU-h at the same power
    assert data["ratios"][1] == pytest.approx(0.147 / 2.788, rel=1e-5)
    as_is = compare_json("llama-65b", "deepseek-v3", "--basis", "as-is")
    # LLaMA's publisher method (arXiv:2302.13971 Table 15): 1,022,362 GPU-h x 400 W x PUE 1.1 = 449.84 MWh
    assert mwh(as_is["sides"][0]) == pytest.approx(1_022_362 * 0.4 * 1.1 / 1000)
    assert any(n.startswith("MIXED METHODS") for n in as_is["notes"])
    # Llama 3.1's card counts the PUE inside its 700 W: as published it is already on the TDP basis, 21,588 MWh
    same = compare_json("llama-3.1-405b", "deepseek-v3", "--basis", "as-is")
    assert mwh(same["sides"][0]) == pytest.approx(21_588)
    assert not any(n.startswith("MIXED METHODS") for n in same["notes"])


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_precision_what_if_with_scenario_files(tmp_path: Path) -> None:
    common = 'profile = "h100"\ngpus = 1024\nflops = "1e24"\nmfu = 0.4\n'
    bf16 = write(tmp_path / "bf16.toml", common + 'precision = "bf16"\n')
    fp8 = write(tmp_path / "fp8.toml", common + 'precision = "fp8"\n')
    data = compare_json(bf16, fp8)
    # GPU-hours = 1e24 / (peak x 0.4) / 3600: 701,811 h at 989.5 TFLOP/s, half that at 1,979 TFLOP/s
    hours = [s["footprint"]["gpu_hours"]["magnitude"] for s in data["sides"]]
    assert hours[0] == pytest.approx(1e24 / (989.5e12 * 0.4) / 3600)
    assert data["ratios"] == pytest.approx([1.0, 989.5 / 1979])
    assert [s["label"] for s in data["sides"]] == ["bf16", "fp8"]


def test_scenario_with_a_measured_profile_file(tmp_path: Path) -> None:
    write(tmp_path / "measured.toml", """
id = "h100-measured"
name = "H100 as measured"
[sources]
M = "a test calibration"
[tdp]
value = "700 W"
source = "M"
[peak]
bf16 = { value = "989.5 TFLOP/s", source = "M" }
[measured.bf16]
throughput = "600 TFLOP/s"
power = "650 W"
source = "M"
""")
    site = 'host_power = "0 W"\npue = 1\nintensity = "400 g/kWh"\n'
    scenario = write(tmp_path / "run.toml", 'profile_file = "measured.toml"\ngpus = 8\nflops = "1e21"\nmfu = 1\n' + site)
    ref = write(tmp_path / "peak.toml", 'profile = "h100"\ngpus = 8\nflops = "1e21"\nmfu = 1\n' + site)
    data = compare_json(ref, scenario)
    # measured 600 TFLOP/s replaces the 989.5 peak: GPU-hours scale by 989.5 / 600 at the same TDP
    assert data["ratios"][1] == pytest.approx(989.5 / 600)
    as_is = compare_json(ref, scenario, "--basis", "as-is")
    # as-is also uses the measured 650 W instead of the 700 W TDP
    assert as_is["ratios"][1] == pytest.approx(989.5 / 600 * 650 / 700, rel=1e-6)


def test_saved_results_from_estimate_json(tmp_path: Path) -> None:
    r = run_cli("estimate", "--profile", "h800", "--gpus", "2048", "--hours", "1300", "--price", "2 USD/h", "--json")
    assert r.code == 0, r.err
    saved = write(tmp_path / "v3-guess.json", r.out)
    data = compare_json("deepseek-v3-pretrain", saved)
    # 2,048 x 1,300 h = 2,662,400 GPU-h vs 2,664,000 published pre-training GPU-h, both at 700 W TDP
    assert data["ratios"][1] == pytest.approx(2_662_400 / 2_664_000)
    assert data["sides"][1]["kind"] == "result"
    no_suffix = write(tmp_path / "result.out", r.out)
    assert compare_json("deepseek-v3-pretrain", no_suffix)["ratios"][1] == pytest.approx(2_662_400 / 2_664_000)


def test_a_measured_result_is_compared_on_its_gpu_hours(tmp_path: Path) -> None:
    measured = {
        "kind": "measurement", "label": "my-run", "profile": "h100-sxm", "gpus": 8,
        "gpu_hours": {"magnitude": 16, "units": "h"}, "duration": {"magnitude": 2, "units": "h"},
        "energy": {"magnitude": 9.5, "units": "kWh"}, "energy_gpu": {"magnitude": 8, "units": "kWh"},
        "energy_host": {"magnitude": 1.5, "units": "kWh"}, "energy_overhead": {"magnitude": 0, "units": "kWh"},
        "emissions": {"magnitude": 4, "units": "kgCO2e"}, "assumptions": [],
    }
    path = write(tmp_path / "run.json", json.dumps(measured))
    data = compare_json(path, "deepseek-r1-rl", "--basis", "as-is")
    assert mwh(data["sides"][0]) == pytest.approx(0.0095)
    assert any("MIXED METHODS" in n and "my-run: measured" in n for n in data["notes"])
    tdp = compare_json(path, "deepseek-r1-rl")
    # on TDP: 16 GPU-h x 0.7 kW = 11.2 kWh vs 41,000 x 0.7 kW
    assert mwh(tdp["sides"][0]) == pytest.approx(0.0112)
    assert tdp["ratios"][1] == pytest.approx(41_000 / 16)


@pytest.mark.parametrize(("args", "message"), [
    (("deepseek-v3",), "compare needs at least two sides"),
    (("deepseek-v3", "deepseek-v9"), "'deepseek-v9' is neither a reference ID (did you mean: deepseek-v3"),
    (("olmo-2-7b", "deepseek-v3"), "olmo-2-7b: publishes no GPU-hours"),
    (("deepseek-v3", "deepseek-r1", "--basis", "hot"), "--basis: cannot read 'hot'"),
    (("deepseek-v3", "deepseek-r1", "--basis", "as-is", "--pue", "1.2"), "--basis as-is keeps each side's own method"),
])
def test_user_errors_are_one_line_exit_2(args: tuple[str, ...], message: str) -> None:
    r = run_cli("compare", *args)
    assert r.code == 2, r.out
    assert message in r.err
    assert r.err.strip().count("\n") == 0


def test_bad_scenario_key_is_named(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.toml", 'profile = "h100"\ngpu_hour = 10\n')
    r = run_cli("compare", bad, "deepseek-v3")
    assert r.code == 2
    assert "unknown key 'gpu_hour' (did you mean: gpu_hours" in r.err


def test_a_run_log_is_a_side(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import sys

    fixtures = Path(__file__).parent / "fixtures" / "meter"
    monkeypatch.setenv("FOOTPRINT_FAKE_GPUS", str(fixtures / "two-h100.toml"))
    log = tmp_path / "run.jsonl"
    ran = run_cli("run", "--quiet", "--interval", "200ms", "--log", str(log), "--", sys.executable, "-c", "pass")
    assert ran.code == 0, ran.err
    r = run_cli("compare", str(log), "deepseek-v3", "--json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    run_side = data["sides"][0]["footprint"]
    # on the TDP basis the metered run counts GPU-hours x 700 W (H100 SXM TDP), like any other side
    gpu_hours = run_side["gpu_hours"]["magnitude"]
    assert run_side["energy"]["magnitude"] == pytest.approx(gpu_hours * 0.7, rel=1e-6)
    assert data["ratios"][1] == pytest.approx(2.788e6 * 0.7 / run_side["energy"]["magnitude"], rel=1e-6)


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "bars.png"
    r = run_cli("compare", "llama-3.1-405b", "deepseek-v3", "gpt-4-estimate", "--plot", str(out))
    assert r.code == 0, r.err
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"plot written to {out}" in r.out


def test_plot_without_matplotlib_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from footprint.render import compare_plot

    monkeypatch.setattr(compare_plot, "find_spec", lambda name: None)
    r = run_cli("compare", "llama-3.1-405b", "deepseek-v3", "--plot", str(tmp_path / "x.png"))
    assert r.code == 2
    assert r.err.strip() == "footprint compare: error: --plot needs matplotlib, which is not installed; pip install 'footprint[plot]'"


def test_the_first_side_is_exactly_one_even_as_a_range() -> None:
    data = compare_json("gpt-4-estimate", "deepseek-v3")
    assert data["ratios"][0] == 1.0
    assert data["ratio_ranges"][0] == {"magnitude": 1, "units": ""}


def test_emissions_ratio_is_on_one_intensity_by_default() -> None:
    # Llama 3.1 405B's reference carries 0.385 kg/kWh (Llama 2 card formula) and DeepSeek-V3 none: by default both
    # sides use the same intensity, so the emissions ratio equals the energy ratio
    data = compare_json("llama-3.1-405b", "deepseek-v3")
    assert data["emissions_ratios"][1] == pytest.approx(data["ratios"][1], rel=1e-9)
    assert not any("own grid intensity" in n for n in data["notes"])


def test_own_intensity_keeps_each_sides_grid_and_says_the_ratio_mixes_grids() -> None:
    data = compare_json("llama-3.1-405b", "deepseek-v3", "--own-intensity")
    assert data["emissions_ratios"][1] != pytest.approx(data["ratios"][1], rel=1e-3)
    assert any("mixes grids" in n for n in data["notes"])
    r = run_cli("compare", "llama-3.1-405b", "deepseek-v3", "--own-intensity", "--region", "FRA")
    assert r.code == 2 and "--own-intensity" in r.err


def test_cost_at_different_prices_is_flagged() -> None:
    # SemiAnalysis: ~$1 per A100-hour for GPT-4; DeepSeek-V3: $2 per H800-hour (arXiv:2412.19437v2)
    data = compare_json("gpt-4-estimate", "deepseek-v3")
    assert any("mixes prices" in n for n in data["notes"])
    one_price = compare_json("gpt-4-estimate", "deepseek-v3", "--price", "2 USD/h")
    assert not any("mixes prices" in n for n in one_price["notes"])
    assert one_price["cost_ratios"][1] == pytest.approx(one_price["ratios"][1] * 400 / 700, rel=1e-6)  # GPU-hour ratio
