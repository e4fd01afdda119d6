"""footprint compare with a metered run: --basis work, CPU-only runs on a GPU basis, and ratios far from 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_run import run_cli

# A CPU-only run as 'footprint run --json' writes it (no GPU metered), with the work its code reported.
CPU_RUN = {
    "kind": "measurement", "label": "tiny", "profile": None, "gpus": 0,
    "gpu_hours": {"magnitude": 0, "units": "h"}, "duration": {"magnitude": 0.01, "units": "h"},
    "energy": {"magnitude": 0.00022, "units": "kWh"}, "energy_gpu": {"magnitude": 0, "units": "kWh"},
    "energy_host": {"magnitude": 0.0002, "units": "kWh"}, "energy_cpu": {"magnitude": 0.00015, "units": "kWh"},
    "energy_ram": {"magnitude": 0.00005, "units": "kWh"}, "energy_overhead": {"magnitude": 0.00002, "units": "kWh"},
    "emissions": {"magnitude": 0.0001, "units": "kgCO2e"}, "assumptions": [],
    "work": {"steps": 40, "total_steps": 40, "tokens": 81920, "samples": None, "flops": 2.5e12},
}
# A GPU run on 8 H100s that reported tokens only.
GPU_RUN = {
    "kind": "measurement", "label": "h100-run", "profile": "h100-sxm", "gpus": 8,
    "gpu_hours": {"magnitude": 16, "units": "h"}, "duration": {"magnitude": 2, "units": "h"},
    "energy": {"magnitude": 9.5, "units": "kWh"}, "energy_gpu": {"magnitude": 8, "units": "kWh"},
    "energy_host": {"magnitude": 1.5, "units": "kWh"}, "energy_overhead": {"magnitude": 0, "units": "kWh"},
    "emissions": {"magnitude": 4, "units": "kgCO2e"}, "assumptions": [],
    "work": {"steps": 1000, "total_steps": 1000, "tokens": 4.0e9, "samples": None, "flops": None},
}


def write(path: Path, data: dict) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def compare_json(*args: str) -> dict:
    r = run_cli("compare", *args, "--json")
    assert r.code == 0, r.err
    return json.loads(r.out)


def reference_flops(ref_id: str) -> float:
    from footprint.claims.plausibility import reference_flops as flops
    from footprint.claims.references import find_reference

    found = flops(find_reference(ref_id))
    assert found is not None
    return float(found[0].central.to("FLOP").magnitude)


def test_work_basis_carries_the_runs_energy_per_flop_to_the_references_flops(tmp_path: Path) -> None:
    run = write(tmp_path / "run.json", CPU_RUN)
    data = compare_json(run, "deepseek-v3", "llama-3.1-405b", "--basis", "work")
    per_flop_j = 0.00015 * 3.6e6 / 2.5e12  # the run's CPU energy (no GPU metered) over its FLOPs
    assert data["basis"]["energy_per_work"] == {"magnitude": pytest.approx(per_flop_j), "units": "J/FLOP"}
    assert data["basis"]["device"] == "CPU"
    run_side, v3, llama = data["sides"]
    assert run_side["work"]["from"] == "reported by the run (footprint.progress)"
    assert v3["work"]["magnitude"] == pytest.approx(reference_flops("deepseek-v3"))
    assert v3["work"]["from"].startswith("deepseek-v3: 6 x active params")
    assert llama["work"]["from"] == "llama-3.1-405b: published"
    assert v3["energy"]["magnitude"] == pytest.approx(reference_flops("deepseek-v3") * per_flop_j / 3.6e6)
    # beside it, each reference's own energy at TDP, as `compare` gives on its default basis
    tdp = compare_json("deepseek-v3", "llama-3.1-405b")
    assert v3["own_energy"]["magnitude"] == pytest.approx(tdp["sides"][0]["footprint"]["energy"]["magnitude"])
    assert v3["own_method"] == "at TDP"
    assert data["ratios"][1] == pytest.approx(reference_flops("deepseek-v3") / 2.5e12)


def test_work_basis_text_says_where_each_sides_work_came_from(tmp_path: Path) -> None:
    run = write(tmp_path / "run.json", CPU_RUN)
    r = run_cli("compare", run, "deepseek-v3", "--basis", "work")
    assert r.code == 0, r.err
    assert "the measured CPU energy per FLOP of tiny" in r.out
    assert "the run metered no GPU, so this is a CPU's efficiency, not a GPU's" in r.out
    assert "reported by the run (footprint.progress)" in r.out
    assert "deepseek-v3: 6 x active params 3.7e10 x tokens 1.48e13" in r.out
    sentence = next(line for line in r.out.splitlines() if line.startswith("at tiny's efficiency"))
    assert "deepseek-v3's 3.29e24 FLOPs would take" in sentence and "(at TDP)" in sentence


def test_work_basis_per_token_where_the_run_reported_no_flops(tmp_path: Path) -> None:
    run = write(tmp_path / "run.json", GPU_RUN)
    data = compare_json(run, "deepseek-v3", "--basis", "work")
    assert data["basis"]["per"] == "token" and data["basis"]["device"] == "GPU"
    per_token_j = 8 * 3.6e6 / 4.0e9  # GPU energy only, like the TDP basis
    assert data["basis"]["energy_per_work"]["magnitude"] == pytest.approx(per_token_j)
    assert data["sides"][1]["energy"]["magnitude"] == pytest.approx(14.8e12 * per_token_j / 3.6e6)


@pytest.mark.parametrize(("sides", "message"), [
    (("RUN", "deepseek-v3-post-training"),
     "deepseek-v3-post-training: its FLOPs are unknown, so --basis work cannot carry the run's energy per FLOP to it; give "),
    (("deepseek-v3", "llama-3.1-405b"), "--basis work needs a metered run with its work"),
    (("NOWORK", "deepseek-v3"), "tiny: its work is unknown, so it has no energy per FLOP for --basis work"),
])
def test_work_basis_names_what_a_side_lacks(tmp_path: Path, sides: tuple[str, ...], message: str) -> None:
    run = write(tmp_path / "run.json", CPU_RUN)
    nowork = write(tmp_path / "nowork.json", {k: v for k, v in CPU_RUN.items() if k != "work"})
    args = [{"RUN": run, "NOWORK": nowork}.get(s, s) for s in sides]
    r = run_cli("compare", *args, "--basis", "work")
    assert r.code == 2
    assert r.err.startswith(f"footprint compare: error: {message}")
    assert len(r.err.strip().splitlines()) == 1


def test_a_cpu_only_run_is_compared_on_the_default_basis_not_refused(tmp_path: Path) -> None:
    run = write(tmp_path / "run.json", CPU_RUN)
    data = compare_json("deepseek-v3", run)
    assert data["sides"][1]["footprint"]["energy"]["magnitude"] == pytest.approx(0.00022)  # as measured
    assert any("tiny: a CPU-only run (no GPU metered): shown as measured" in n and "--basis work" in n for n in data["notes"])
    text = run_cli("compare", "deepseek-v3", run).out
    assert "result (measurement, CPU only)" in text
    for basis in ("550 W", "0.8"):  # the advice once given for a run without a profile failed on its GPU count
        assert run_cli("compare", "deepseek-v3", run, "--basis", basis).code == 0


@pytest.mark.parametrize("order", ["run-first", "reference-first"])
def test_ratios_far_from_one_are_shown_readably(tmp_path: Path, order: str) -> None:
    run = write(tmp_path / "run.json", CPU_RUN)
    sides = (run, "deepseek-v3") if order == "run-first" else ("deepseek-v3", run)
    ratio = compare_json(*sides, "--basis", "as-is")["ratios"][1]
    text = run_cli("compare", *sides, "--basis", "as-is").out
    row = next(line for line in text.splitlines() if "ratio to first" in line)
    shown = f"{ratio:.3g}".replace("e+", "e") + "x"
    assert shown in row
    last = row.split("100.0%", 1)[1].strip()
    assert last.startswith(shown) and "%" not in last  # never '0.0%' nor a 16-digit percentage
    if ratio < 1:
        assert f"(1/{1 / ratio:.3g})".replace("e+", "e") in row


def test_work_basis_takes_no_host_power_or_pue(tmp_path: Path) -> None:
    run = write(tmp_path / "run.json", CPU_RUN)
    r = run_cli("compare", run, "deepseek-v3", "--basis", "work", "--pue", "1.2")
    assert r.code == 2
    assert "--basis work carries a run's measured energy per FLOP; do not also give --host-power or --pue" in r.err
