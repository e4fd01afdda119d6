"""compare takes each side's inputs from data (the Footprint's inputs, a saved result's "inputs"), never from the
wording of its printed assumptions: reworded assumptions must leave every number unchanged.

Hand arithmetic from published figures:
- Llama 3.1 405B model card: 30.84M H100 GPU-hours at TDP 700 W.
- DeepSeek-V3 Technical Report arXiv:2412.19437v2 Table 1: 2.788M H800 GPU-hours; H800 TDP 700 W (as the H100
  SXM; see profiles/h800-sxm.toml); $2 per GPU-hour.
- NVIDIA H100/H800 datasheet dense BF16 peak 989.5 TFLOP/s; FLOPs = 6 x active params x tokens (37e9 x 14.8e12,
  DeepSeek-V3 report).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli_run import run_cli

SCENARIO = 'profile = "h800"\ngpus = 2048\nactive_params = 37e9\ntokens = 14.8e12\nmfu = 0.33\n'


def _files(tmp_path: Path) -> dict[str, str]:
    bf16 = tmp_path / "bf16.toml"
    fp8 = tmp_path / "fp8.toml"
    china = tmp_path / "china.toml"
    bf16.write_text('label = "v3-bf16"\n' + SCENARIO + 'precision = "bf16"\n', encoding="utf-8")
    fp8.write_text('label = "v3-fp8"\n' + SCENARIO + 'precision = "fp8"\n', encoding="utf-8")
    china.write_text('profile = "h800"\ngpu_hours = 2.788e6\nregion = "CHN"\nprice = "2 USD/h"\n'
                     'energy_price = "0.08 USD/kWh"\n', encoding="utf-8")
    return {"bf16": str(bf16), "fp8": str(fp8), "china": str(china)}


# the README's compare examples, and sides whose own grid, price and precision come from a scenario
EXAMPLES = [
    ("llama-3.1-405b", "deepseek-v3"),
    ("gpt-4-estimate", "deepseek-v3", "--basis", "0.8", "--pue", "1.1"),
    ("llama-65b", "deepseek-v3", "--basis", "as-is"),
    ("{bf16}", "{fp8}"),
    ("deepseek-v3", "{china}", "--own-intensity"),
]


def _numbers(result: dict[str, Any]) -> dict[str, Any]:
    keys = ("gpu_hours", "energy", "emissions", "cost", "implied_mfu")
    return {
        "ratios": result["ratios"], "ratio_ranges": result["ratio_ranges"],
        "emissions_ratios": result["emissions_ratios"], "cost_ratios": result["cost_ratios"],
        "sides": [{k: s["footprint"].get(k) for k in keys} for s in result["sides"]],
    }


def _compare(*args: str) -> dict[str, Any]:
    r = run_cli("compare", *args, "--json")
    assert r.code == 0, r.err
    return json.loads(r.out)


def _reword(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every printed form of an assumption says something else: its text, its JSON value and source, its lines."""
    from footprint.core.result import Assumption
    from footprint.render import text as report

    monkeypatch.setattr(Assumption, "value_text", lambda self: "reworded")
    monkeypatch.setattr(Assumption, "as_json", lambda self: {"name": self.name, "value": "reworded value",
                                                             "origin": self.origin, "source": "reworded source"})
    monkeypatch.setattr(report, "assumption_lines", lambda fp: ["reworded"])


@pytest.mark.parametrize("example", EXAMPLES, ids=[" ".join(e) for e in EXAMPLES])
def test_reworded_assumptions_leave_compare_unchanged(example: tuple[str, ...], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    args = [a.format(**_files(tmp_path)) for a in example]
    before = _numbers(_compare(*args))
    _reword(monkeypatch)
    assert _numbers(_compare(*args)) == before


def test_the_readme_pairs_keep_their_published_arithmetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _reword(monkeypatch)
    llama = _compare("llama-3.1-405b", "deepseek-v3")
    assert llama["ratios"][1] == pytest.approx(2.788e6 / 30.84e6, rel=1e-9)
    files = _files(tmp_path)
    precision = _compare(files["bf16"], files["fp8"])
    bf16_hours = 6 * 37e9 * 14.8e12 / (989.5e12 * 0.33) / 3600
    assert precision["sides"][0]["footprint"]["gpu_hours"]["magnitude"] == pytest.approx(bf16_hours, rel=1e-9)
    assert precision["ratios"][1] == pytest.approx(0.5, rel=1e-9)  # the FP8 peak is twice the BF16 one


def test_a_saved_result_is_read_from_its_inputs_not_its_assumptions(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    china = _files(tmp_path)["china"]
    plain = tmp_path / "plain.json"
    r = run_cli("estimate", "--profile", "h800", "--gpu-hours", "2.788e6", "--region", "CHN", "--price", "2 USD/h",
                "--energy-price", "0.08 USD/kWh", "--json")
    assert r.code == 0, r.err
    plain.write_text(r.out, encoding="utf-8")
    expected = _numbers(_compare("deepseek-v3", china, "--own-intensity"))
    _reword(monkeypatch)
    reworded = tmp_path / "reworded.json"
    r = run_cli("estimate", "--profile", "h800", "--gpu-hours", "2.788e6", "--region", "CHN", "--price", "2 USD/h",
                "--energy-price", "0.08 USD/kWh", "--json")
    assert r.code == 0, r.err
    assert "reworded value" in r.out  # the assumptions really were reworded in the saved file
    reworded.write_text(r.out, encoding="utf-8")
    for saved in (plain, reworded):
        assert _numbers(_compare("deepseek-v3", str(saved), "--own-intensity")) == expected
