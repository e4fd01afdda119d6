"""The estimator's arithmetic against figures written out by hand from published numbers.

Sources (copied from the project's reference notes; each test names the one it uses):
- DeepSeek-V3 Technical Report, arXiv:2412.19437v2, Table 1: 2,788K H800 GPU-hours (2,664K pre-training)
  at $2 per GPU-hour = $5.576M; 2,048 H800 GPUs.
- Touvron et al. 2023, LLaMA, arXiv:2302.13971, Table 15: MWh = GPU-h x 400 W x PUE 1.1; tCO2e = MWh x 0.385.
  LLaMA-65B: 1,022,362 GPU-h, 449 MWh (truncated), 173 tCO2e.
- Luccioni et al. 2023, JMLR 24(253) / arXiv:2211.02001, Table 1: BLOOM 1,082,990 GPU-h x 400 W = 433,196 kWh
  (no PUE), x 0.057 kg/kWh (France) = 24.69 tCO2e.
- Llama 2 model card (meta-llama/llama-models, models/llama2/MODEL_CARD.md): 70B 1,720,320 GPU-h at 400 W,
  291.42 tCO2e, reproduced by x 1.1 x 0.385.
"""

from __future__ import annotations

import json

import pytest

import footprint
from tests.cli_run import run_cli


def mag(fp_json: dict, key: str, units: str) -> float:
    from footprint.core.units import Q

    v = fp_json[key]
    return Q(v["magnitude"], v["units"]).to(units).magnitude


def test_issue_example_everything_explicit() -> None:
    # 2,048 x 1,300 h = 2,662,400 GPU-h; x 700 W (H800 SXM TDP) = 1,863,680 kWh; x 0.5 kg/kWh = 931,840 kg;
    # x 2 USD/h = 5,324,800 USD.
    r = run_cli("estimate", "--profile", "h800", "--gpus", "2048", "--hours", "1300", "--gpu-power", "1",
                "--host-power", "0 W", "--pue", "1", "--intensity", "500 g/kWh", "--price", "2 USD/h", "--json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert mag(data, "gpu_hours", "h") == pytest.approx(2_662_400)
    assert mag(data, "energy", "MWh") == pytest.approx(1_863.68)
    assert mag(data, "energy_gpu", "MWh") == pytest.approx(1_863.68)
    assert mag(data, "energy_host", "MWh") == 0
    assert mag(data, "emissions", "tCO2e") == pytest.approx(931.84)
    assert mag(data, "cost", "USD") == pytest.approx(5_324_800)
    names = {a["name"] for a in data["assumptions"]}
    assert {"gpu_power", "host_power", "pue", "intensity", "price"} <= names


def test_deepseek_v3_dollars() -> None:
    # DeepSeek-V3 Table 1: 2.788M GPU-hours x $2 = $5.576M
    fp = footprint.estimate("h800", gpu_hours=2.788e6, price="2 USD/h")
    assert fp.cost.central.to("USD").magnitude == pytest.approx(5.576e6)


def test_deepseek_v3_pretraining_wall_time() -> None:
    # 2,664K GPU-h on 2,048 GPUs = 1,300.8 h = 54.2 days
    fp = footprint.estimate("h800", gpus=2048, gpu_hours=2.664e6, intensity="0 g/kWh")
    assert fp.duration.central.to("day").magnitude == pytest.approx(54.2, abs=0.05)


def test_llama_65b_table_15() -> None:
    fp = footprint.estimate("a100", gpu_hours=1_022_362, gpu_power="400 W", host_power="0 W", pue=1.1,
                            intensity="0.385 kg/kWh")
    # 1,022,362 x 0.4 kW x 1.1 = 449,839 kWh; published 449 MWh (truncated, not rounded)
    assert int(fp.energy.central.to("MWh").magnitude) == 449
    # x 0.385 = 173.19 t; published 173
    assert round(fp.emissions.central.to("tCO2e").magnitude) == 173


def test_bloom_without_pue() -> None:
    fp = footprint.estimate("a100", gpu_hours=1_082_990, gpu_power="400 W", host_power="0 W", pue=1,
                            intensity="0.057 kg/kWh")
    assert fp.energy.central.to("kWh").magnitude == pytest.approx(433_196)
    assert fp.emissions.central.to("tCO2e").magnitude == pytest.approx(24.69, abs=0.005)


def test_llama_2_70b_model_card() -> None:
    fp = footprint.estimate("a100", gpu_hours=1_720_320, gpu_power=1, host_power="0 W", pue=1.1, intensity="385 g/kWh")
    assert fp.emissions.central.to("tCO2e").magnitude == pytest.approx(291.42, abs=0.005)


def test_default_gpu_power_is_the_profile_tdp() -> None:
    # A100 SXM4 TDP 400 W (NVIDIA A100 datasheet); 10 GPUs x 10 h x 400 W = 40 kWh of GPU energy
    fp = footprint.estimate("a100", gpus=10, hours=10, intensity="0 g/kWh")
    assert fp.energy_gpu.central.to("kWh").magnitude == pytest.approx(40)
    assert fp.assumption("gpu_power").origin == "default"
    assert fp.assumption("pue").origin == "default"
    assert fp.assumption("host_power").origin == "profile"


def test_default_host_power_is_measured_node_power_with_nameplate_as_upper_end() -> None:
    # Latif et al. 2025 (IEEE Access 13:61740): an 8-GPU H100 node drew at most ~8.4 kW training, so at TDP the
    # host is (8,400 - 8 x 700) / 8 = 350 W per GPU; DGX H100 nameplate 10.2 kW -> (10,200 - 5,600) / 8 = 575 W
    fp = footprint.estimate("h100", gpus=8, hours=1, intensity="0 g/kWh", pue=1)
    assert fp.energy_host.central.to("kWh").magnitude == pytest.approx(8 * 0.350)
    assert fp.energy_host.hi.to("kWh").magnitude == pytest.approx(8 * 0.575)
    assert "Latif" in fp.assumption("host_power").source
    # Latif et al. measured the whole node's maximum draw; the split between GPUs and host is footprint's
    source = fp.assumption("host_power").source
    assert "maximum measured draw" in source and "footprint's split of the node's draw between GPUs and host" in source
    assert "measured under training" not in source and "measured host" not in source


def test_profile_without_a_measured_node_keeps_the_nameplate_overhead() -> None:
    # DGX A100: 6.5 kW nameplate for 8 x 400 W -> (6,500 - 3,200) / 8 = 412.5 W per GPU (no measurement shipped)
    fp = footprint.estimate("a100", gpus=8, hours=1, intensity="0 g/kWh", pue=1)
    assert fp.energy_host.central.to("kWh").magnitude == pytest.approx(8 * 0.4125)


def test_estimate_basis_model_card_reproduces_llama_31_8b_card() -> None:
    # Llama 3.1 model card: 8B, 1.46M H100-80GB GPU-hours at TDP 700 W, 420 tCO2eq location-based; the card
    # implies ~0.411 kg per TDP-kWh (420 t / 1,022 MWh)
    r = run_cli("estimate", "--profile", "h100", "--gpu-hours", "1.46e6", "--basis", "model-card",
                "--intensity", "0.411 kg/kWh", "--json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["emissions"]["magnitude"] == pytest.approx(420_000, rel=0.005)
    assert data["energy_host"]["magnitude"] == 0


def test_estimate_basis_refuses_what_it_replaces() -> None:
    r = run_cli("estimate", "--profile", "h100", "--gpu-hours", "10", "--basis", "tdp", "--pue", "1.2")
    assert r.code == 2
    assert "do not also give --pue" in r.err


@pytest.mark.parametrize("power", ["800 W", "1.5", "600..800 W"])
def test_power_above_tdp_is_refused_as_a_power_or_a_fraction(power: str) -> None:
    # H100 SXM TDP 700 W (NVIDIA H100 product page): 800 W and 1.5 x TDP are both above it
    r = run_cli("estimate", "--profile", "h100", "--gpu-hours", "10", "--gpu-power", power)
    assert r.code == 2
    assert r.err.count("\n") == 1 and "Traceback" not in r.err
    assert "--gpu-power" in r.err


def test_ranges_carry_low_and_high() -> None:
    # 1,000 GPU-h x 700 W = 700 kWh of IT energy; PUE 1.1..1.5 -> 770..1,050 kWh, central at PUE 1.3 = 910
    r = run_cli("estimate", "--profile", "h100", "--gpu-hours", "1000", "--host-power", "0 W", "--pue", "1.1..1.5",
                "--intensity", "100..300 g/kWh", "--json")
    assert r.code == 0, r.err
    energy = json.loads(r.out)["energy"]
    assert energy["units"] == "kWh"
    assert (energy["low"], energy["magnitude"], energy["high"]) == pytest.approx((770, 910, 1050))
    emissions = json.loads(r.out)["emissions"]
    # low = 770 kWh x 100 g, high = 1,050 kWh x 300 g
    assert (emissions["low"], emissions["high"]) == pytest.approx((77, 315))


def test_gpu_power_fraction_range_in_percent() -> None:
    fp = footprint.estimate("h100", gpu_hours=1000, gpu_power="50%..100%", host_power="0 W", pue=1, intensity="0 g/kWh")
    assert fp.energy_gpu.lo.to("kWh").magnitude == pytest.approx(350)
    assert fp.energy_gpu.hi.to("kWh").magnitude == pytest.approx(700)


def test_compute_mode_fp8_halves_time_against_bf16() -> None:
    # 6 x 37e9 active params x 14.8e12 tokens = 3.2856e24 FLOP (DeepSeek-V3 report: 37B active, 14.8T tokens).
    # At MFU 0.4 on H800 dense FP8 1,979 TFLOP/s: 3.2856e24 / (1.979e15 x 0.4) s = 4.1506e9 GPU-s = 1.15295e6 GPU-h
    common = dict(gpus=2048, active_params=37e9, tokens=14.8e12, mfu=0.4, host_power="0 W", pue=1, intensity="0 g/kWh")
    fp8 = footprint.estimate("h800", precision="fp8", **common)
    bf16 = footprint.estimate("h800", precision="bf16", **common)
    assert fp8.flops.central.to("FLOP").magnitude == pytest.approx(3.2856e24)
    assert fp8.gpu_hours.central.to("h").magnitude == pytest.approx(3.2856e24 / (1.979e15 * 0.4) / 3600)
    # dense BF16 is half of dense FP8 on Hopper, so BF16 takes twice the GPU-hours and energy at equal power
    assert bf16.energy.central.to("kWh").magnitude == pytest.approx(2 * fp8.energy.central.to("kWh").magnitude)


def test_implied_mfu_of_deepseek_v3() -> None:
    # 3.2856e24 FLOP / (2.788e6 h x 3600 s/h x 989.5e12 FLOP/s) = 0.3308 at dense BF16
    fp = footprint.estimate("h800", gpu_hours=2.788e6, active_params=37e9, tokens=14.8e12, precision="bf16")
    assert fp.implied_mfu.central.to("").magnitude == pytest.approx(3.2856e24 / (2.788e6 * 3600 * 989.5e12))


def test_region_lookup_uses_codecarbon_data() -> None:
    from footprint.plugins.builtin.codecarbon_grid import data_dir

    mix = json.loads((data_dir() / "private_infra" / "global_energy_mix.json").read_text())
    fp = footprint.estimate("h100", gpu_hours=1000, host_power="0 W", pue=1, region="FRA")
    # 700 kWh x France's factor as codecarbon ships it
    assert fp.emissions.central.to("gCO2e").magnitude == pytest.approx(700 * mix["FRA"]["carbon_intensity"])
    assert fp.assumption("intensity").origin == "region data"
    assert "2023" in fp.assumption("intensity").source or mix["FRA"]["year"] != 2023


def test_us_state_converted_from_pounds_per_mwh() -> None:
    from footprint.plugins.builtin.codecarbon_grid import data_dir

    usa = json.loads((data_dir() / "private_infra" / "2023" / "usa_emissions.json").read_text())
    lb_per_mwh = usa["virginia"]["emissions"]
    fp = footprint.estimate(gpus=1, hours=1, gpu_power="1000 W", pue=1, region="us-va")
    # 1 kWh x (lb/MWh x 453.59237 g/lb / 1000 kWh/MWh)
    assert fp.emissions.central.to("gCO2e").magnitude == pytest.approx(lb_per_mwh * 0.45359237)


def test_table_output_shows_components_and_assumptions() -> None:
    r = run_cli("estimate", "--profile", "h800", "--gpus", "2048", "--hours", "1300")
    assert r.code == 0, r.err
    for label in ("GPU-hours", "energy, GPU", "energy, host", "facility overhead", "energy, total", "emissions"):
        assert label in r.out
    for name in ("gpu_power", "host_power", "pue", "region", "intensity"):
        assert f"\n  {name} " in r.out
    assert "2,662,400 h" in r.out
    assert "1,864 MWh" in r.out  # 2,662,400 h x 700 W = 1,863.68 MWh, to 4 significant figures


def test_default_estimate_says_it_stacks_upper_ends_and_how_to_give_a_sites_own() -> None:
    line = ("  defaults: GPUs at TDP, host at the node's maximum measured draw (upper ends), PUE 1.1; "
            "for a site's own: --gpu-power, --host-power, --pue")
    r = run_cli("estimate", "--profile", "h800", "--gpus", "2048", "--hours", "1300")
    lines = r.out.splitlines()
    assert lines[lines.index(line) - 1].startswith("  emissions ")  # right under the result
    # every input given: nothing defaulted, no line
    given = run_cli("estimate", "--profile", "h800", "--gpus", "8", "--hours", "1", "--gpu-power", "0.8",
                    "--host-power", "200 W", "--pue", "1.3")
    assert given.code == 0, given.err
    assert "defaults:" not in given.out and "upper ends" not in given.out
    # a profile without a measured node: its nameplate overhead is the upper end; a given PUE is not named
    a100 = run_cli("estimate", "--profile", "a100-sxm4-80gb", "--gpus", "8", "--hours", "1", "--pue", "1.2")
    assert "  defaults: GPUs at TDP, host at the node's nameplate (upper ends); for a site's own:" in a100.out
    # a methods statement says where the host power came from: a node's maximum measured draw, not a host measurement
    text = " ".join(run_cli("estimate", "--profile", "h800", "--gpu-hours", "1000", "--statement", "text").out.split())
    assert "350 W (350..575) of host power (CPU, memory, network) per accelerator (the rest of a node's maximum " \
           "measured draw, up to its nameplate)" in text


def test_json_quantities_are_parseable_pint_units() -> None:
    from footprint.core.units import Q

    r = run_cli("estimate", "--profile", "h800", "--gpus", "8", "--hours", "1", "--price", "2 USD/h", "--json")
    data = json.loads(r.out)
    for key in ("gpu_hours", "energy", "energy_gpu", "energy_host", "emissions", "cost"):
        Q(data[key]["magnitude"], data[key]["units"])  # raises if the unit string is not pint's
