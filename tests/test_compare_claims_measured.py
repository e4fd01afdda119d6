"""footprint claims --measured RUN: the energy claims with a metered run's efficiency beside the TDP basis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_run import run_cli
from tests.test_compare_work import CPU_RUN, reference_flops, write


def measured_json(*args: str) -> dict:
    r = run_cli("claims", *args, "--json")
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_each_energy_claim_gets_the_runs_efficiency_beside_tdp(tmp_path: Path) -> None:
    run = write(tmp_path / "run.json", CPU_RUN)
    data = measured_json("--measured", run)
    assert [c["id"] for c in data["claims"]] == ["energy-tenth-llama", "energy-tenth-gpt4", "fp8-halves-energy"]
    llama = data["claims"][0]
    per_flop_kwh = 0.00015 / 2.5e12  # the run's CPU energy over its reported FLOPs
    v3, l405 = reference_flops("deepseek-v3"), reference_flops("llama-3.1-405b")
    assert [e["magnitude"] for e in llama["energy_at_measured_efficiency"]] == pytest.approx(
        [v3 * per_flop_kwh / 1000, l405 * per_flop_kwh / 1000])
    # at one efficiency the energy ratio is the FLOP ratio; at TDP it is what `compare` gives on its default basis
    assert llama["ratio_at_measured_efficiency"] == pytest.approx(l405 / v3)
    tdp = json.loads(run_cli("compare", "deepseek-v3", "llama-3.1-405b", "--json").out)
    assert llama["ratio_at_tdp"] == pytest.approx(tdp["ratios"][1])
    assert "cannot confirm or refute the claim" in llama["cannot_show"]
    assert "GPT-4's FLOPs are third-party estimates" in data["claims"][1]["can_show"]
    assert "one measurement sees one of them" in data["claims"][2]["cannot_show"]


def test_the_text_says_what_a_measurement_can_and_cannot_show(tmp_path: Path) -> None:
    run = write(tmp_path / "run.json", CPU_RUN)
    r = run_cli("claims", "--measured", run, "energy-tenth-llama")
    assert r.code == 0, r.err
    per_flop_j = 0.00015 * 3.6e6 / 2.5e12
    assert r.out.startswith(f"measured efficiency: {per_flop_j:.3g} J/FLOP, the measured CPU energy per FLOP of tiny")
    assert "[energy-tenth-llama]" in r.out and "[energy-tenth-gpt4]" not in r.out
    for row in ("energy at TDP", "at your efficiency", "a measurement can show:", "it cannot show:", "verdict at TDP: holds"):
        assert row in r.out


@pytest.mark.parametrize(("args", "message"), [
    (("v3-cost",), "--measured: 'v3-cost' is not an energy claim; expected one of energy-tenth-llama, energy-tenth-gpt4, fp8-halves-energy"),
    (("--measured-nowork",), "reported no work"),
    (("--measured-ref",), "--measured deepseek-v3: is not a metered run"),
])
def test_measured_names_what_is_wrong(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    run = write(tmp_path / "run.json", CPU_RUN)
    nowork = write(tmp_path / "nowork.json", {k: v for k, v in CPU_RUN.items() if k != "work"})
    target = {"--measured-nowork": nowork, "--measured-ref": "deepseek-v3"}.get(args[0], run)
    rest = [a for a in args if not a.startswith("--measured")]
    r = run_cli("claims", "--measured", target, *rest)
    assert r.code == 2
    assert message in r.err and len(r.err.strip().splitlines()) == 1
