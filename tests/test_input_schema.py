"""One input schema: every input means the same through the CLI, footprint.estimate() and a scenario file.

Each case gives one input (with what it needs beside it) the same text through all three front doors and compares
the JSON results. The figures are inputs only; no expected number here is computed by footprint.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import footprint
from footprint.estimates.schema import BY_NAME, INPUTS, NAMES, defaults
from tests.cli_run import run_cli

H100_PROFILE = Path(__file__).resolve().parent.parent / "profiles" / "h100-sxm.toml"

# input name -> (the inputs of one estimate that uses it, the key under which the result records it)
CASES: dict[str, tuple[dict[str, str], str]] = {
    "profile": ({"profile": "a100", "gpu_hours": "1000"}, "profile"),
    "profile_file": ({"profile_file": str(H100_PROFILE), "gpu_hours": "1000"}, "profile"),
    "gpus": ({"profile": "h100", "gpus": "8", "hours": "10"}, "gpus"),
    "hours": ({"profile": "h100", "gpus": "8", "hours": "54 days"}, "duration"),
    "duration": ({"profile": "h100", "gpus": "8", "duration": "80 h"}, "duration"),
    "gpu_hours": ({"profile": "h800", "gpu_hours": "2.788e6"}, "gpu_hours"),
    "gpu_power": ({"profile": "h100", "gpu_hours": "1000", "gpu_power": "0.6..0.9"}, "gpu_power"),
    "host_power": ({"profile": "h100", "gpu_hours": "1000", "host_power": "150 W"}, "host_power"),
    "pue": ({"profile": "h100", "gpu_hours": "1000", "pue": "1.1..1.3"}, "pue"),
    "region": ({"profile": "h100", "gpu_hours": "1000", "region": "FRA"}, "region"),
    "intensity": ({"profile": "h100", "gpu_hours": "1000", "intensity": "0.385 kg/kWh"}, "intensity"),
    "price": ({"profile": "h100", "gpu_hours": "1000", "price": "2 USD/h"}, "price"),
    "energy_price": ({"profile": "h100", "gpu_hours": "1000", "energy_price": "0.08 USD/kWh"}, "energy_price"),
    "flops": ({"profile": "h100", "gpus": "1000", "flops": "3.3e24", "mfu": "0.4"}, "flops"),
    "params": ({"profile": "h100", "gpu_hours": "1e5", "params": "7e9", "tokens": "2e12"}, "params"),
    "active_params": ({"profile": "h800", "gpus": "2048", "active_params": "37e9", "tokens": "14.8e12",
                       "mfu": "0.3..0.4"}, "active_params"),
    "tokens": ({"profile": "h100", "gpu_hours": "1e5", "params": "7e9", "tokens": "2e12..3e12"}, "tokens"),
    "precision": ({"profile": "h800", "gpus": "2048", "flops": "3.3e24", "mfu": "0.4", "precision": "fp8"}, "precision"),
    "mfu": ({"profile": "h100", "gpus": "64", "flops": "1e22", "mfu": "0.35"}, "mfu"),
    "label": ({"profile": "h100", "gpu_hours": "1000", "label": "my run"}, "label"),
}


def test_every_input_has_a_case() -> None:
    # a new input must show that it works through all three front doors
    assert sorted(CASES) == sorted(NAMES)


def _toml(inputs: dict[str, str]) -> str:
    return "".join(f"{k} = {json.dumps(v)}\n" for k, v in inputs.items())


@pytest.mark.parametrize("name", NAMES)
def test_each_input_means_the_same_in_cli_api_and_scenario(name: str, tmp_path: Path) -> None:
    inputs, recorded = CASES[name]
    inputs = {"label": "same", **inputs}  # a scenario otherwise takes its file name as label

    cli = run_cli("estimate", *[x for k, v in inputs.items() for x in (BY_NAME[k].flag, v)], "--json")
    assert cli.code == 0, cli.err
    from_cli = json.loads(cli.out)

    api_inputs = dict(inputs)
    from_api = footprint.estimate(api_inputs.pop("profile", None), **api_inputs).as_json()

    scenario = tmp_path / "scenario.toml"
    scenario.write_text(_toml(inputs), encoding="utf-8")
    r = run_cli("compare", str(scenario), str(scenario), "--basis", "as-is", "--json")
    assert r.code == 0, r.err
    from_scenario = json.loads(r.out)["sides"][0]["footprint"]

    assert from_cli == from_api == from_scenario
    assert from_cli["inputs"][recorded] is not None  # the result says which value it used


def test_an_unknown_keyword_names_every_valid_input() -> None:
    with pytest.raises(footprint.FootprintError) as raised:
        footprint.estimate("h100", gpu_hour=10)
    message = str(raised.value)
    assert "unknown input 'gpu_hour' (did you mean: gpu_hours" in message
    assert all(name in message for name in NAMES)
    # still a TypeError, as an unexpected keyword argument always was
    assert isinstance(raised.value, TypeError)


def test_an_unknown_scenario_key_names_every_valid_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('profile = "h100"\nwall_time = "3 days"\n', encoding="utf-8")
    r = run_cli("compare", str(bad), "deepseek-v3")
    assert r.code == 2
    assert "unknown key 'wall_time'" in r.err
    assert all(name in r.err for name in NAMES)
    assert r.err.strip().count("\n") == 0


def test_a_range_where_the_input_takes_one_value_is_refused_in_a_scenario(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('profile = "h100"\ngpus = [8, 16]\nhours = 10\n', encoding="utf-8")
    r = run_cli("compare", str(bad), "deepseek-v3")
    assert r.code == 2
    assert "key 'gpus': [8, 16] is not a single value" in r.err


def test_estimate_signature_is_the_schema() -> None:
    import inspect

    assert tuple(inspect.signature(footprint.estimate).parameters) == NAMES
    assert all(f"{i.name}: " in (footprint.estimate.__doc__ or "") for i in INPUTS)


def _squeezed(text: str) -> str:
    # click wraps help text, breaking after hyphens too: compare without any whitespace
    return re.sub(r"\s+", "", text)


def test_estimate_help_lists_each_input_with_its_default_and_source() -> None:
    r = run_cli("estimate", "--help")
    assert r.code == 0
    shown = _squeezed(r.out)
    for i in INPUTS:
        assert f"{i.flag} {i.metavar}" in r.out
        assert _squeezed(i.help) in shown
        if i.default:
            assert _squeezed(f"Default: {i.default}") in shown
    # the sources of the documented defaults are printed from defaults.toml itself
    for key in ("gpu_power_fraction", "pue", "region"):
        assert _squeezed(str(defaults()[key]["source"])) in shown


def test_run_and_report_share_the_site_options_of_the_schema() -> None:
    for command in ("run", "report"):
        r = run_cli(command, "--help")
        assert r.code == 0
        for name in ("pue", "region", "intensity", "price", "energy_price"):
            assert _squeezed(BY_NAME[name].help) in _squeezed(r.out), (command, name)


def test_a_saved_result_keeps_the_inputs_it_was_computed_from(tmp_path: Path) -> None:
    from footprint.claims.sides import result_side

    fp = footprint.estimate("h800", gpu_hours="2.788e6", price="2 USD/h", region="CHN", precision="fp8",
                            active_params="37e9", tokens="14.8e12")
    saved = tmp_path / "v3.json"
    saved.write_text(json.dumps(fp.as_json()), encoding="utf-8")
    side = result_side(saved)
    assert side.precision == "fp8"
    assert side.price is not None and side.price.central == fp.input("price").central
    assert side.intensity is not None and side.intensity.central == fp.input("intensity").central


def test_a_metered_run_records_its_site_inputs() -> None:
    from footprint.meter.measured import build_footprint

    fp = build_footprint([], {"pue": "1.2", "intensity": "300 g/kWh", "price": "2 USD/h"}, compare=False)
    inputs = fp.as_json()["inputs"]
    assert inputs["pue"]["magnitude"] == 1.2
    assert inputs["intensity"]["magnitude"] == 300
    assert inputs["price"]["magnitude"] == 2


@pytest.mark.parametrize("name", NAMES)
def test_a_saved_result_reads_back_every_input(name: str) -> None:
    from footprint.claims.sides import footprint_from_json

    inputs = dict(CASES[name][0])
    fp = footprint.estimate(inputs.pop("profile", None), **inputs)
    back = footprint_from_json(json.loads(json.dumps(fp.as_json())), "saved.json")
    assert back.inputs.keys() == fp.inputs.keys()
    for key, value in fp.inputs.items():
        if hasattr(value, "central"):
            units = value.central.units
            read = [float(q.to(units).magnitude) for q in (back.inputs[key].lo, back.inputs[key].central, back.inputs[key].hi)]
            assert read == pytest.approx([float(q.magnitude) for q in (value.lo, value.central, value.hi)]), key
        else:
            assert back.inputs[key] == value, key
