"""Inputs as people write them: counts with the suffixes of papers and model cards ('14.8T tokens', '37B'), and the
common slips (a range with a dash, a decimal comma, a price per 'GPU-h') answered with what to type instead."""

from __future__ import annotations

import json

import pytest

import footprint
from footprint.errors import FootprintError
from tests.cli_run import run_cli

# DeepSeek-V3 technical report (arXiv:2412.19437): 37B activated of 671B parameters, 14.8T training tokens,
# 2.788M H800 GPU-hours, 2 USD per GPU-hour.
COMPUTE = {"profile": "h800", "gpus": 2048, "mfu": 0.4}


def _same(a: footprint.Footprint, b: footprint.Footprint) -> None:
    assert a.as_json() == b.as_json()


@pytest.mark.parametrize(("written", "plain"), [
    ({"tokens": "14.8T", "active_params": "37B"}, {"tokens": "14.8e12", "active_params": "37e9"}),
    ({"tokens": "14.8 T", "active_params": "37G"}, {"tokens": 14.8e12, "active_params": 37e9}),
    ({"tokens": "14800B", "params": "37000M"}, {"tokens": "14.8e12", "params": "37e9"}),
    ({"tokens": "14.8T..15T", "active_params": "37B"}, {"tokens": "14.8e12..15e12", "active_params": "37e9"}),
    ({"tokens": "14.8..15T", "active_params": "37B"}, {"tokens": "14.8e12..15e12", "active_params": "37e9"}),
])
def test_counts_take_the_suffixes_papers_use(written: dict[str, str], plain: dict[str, object]) -> None:
    _same(footprint.estimate(**COMPUTE, **written), footprint.estimate(**COMPUTE, **plain))


def test_gpu_hours_flops_and_gpus_take_them_too() -> None:
    _same(footprint.estimate("h800", gpu_hours="2.788M"), footprint.estimate("h800", gpu_hours=2.788e6))
    _same(footprint.estimate("h800", flops="3.3e12T", gpus=2048, mfu=0.4),
          footprint.estimate("h800", flops="3.3e24 FLOP", gpus=2048, mfu=0.4))
    _same(footprint.estimate("h800", gpus="2k", hours=10), footprint.estimate("h800", gpus=2000, hours=10))
    assert footprint.estimate("h800", gpus="16K", hours=1).gpus == 16_000


def test_the_cli_reads_them() -> None:
    written = run_cli("estimate", "--profile", "h800", "--gpus", "2048", "--tokens", "14.8T", "--active-params", "37B",
                      "--params", "671B", "--mfu", "0.4", "--json")
    plain = run_cli("estimate", "--profile", "h800", "--gpus", "2048", "--tokens", "14.8e12", "--active-params", "37e9",
                    "--mfu", "0.4", "--json")
    assert written.code == 0, written.err
    gpu_hours = run_cli("estimate", "--profile", "h800", "--gpu-hours", "2.788M", "--json")
    assert gpu_hours.code == 0, gpu_hours.err
    assert json.loads(written.out)["energy"] == json.loads(plain.out)["energy"]
    assert json.loads(gpu_hours.out)["gpu_hours"]["magnitude"] == 2_788_000


@pytest.mark.parametrize(("name", "value", "message"), [
    # a suffix is read on a bare number of a count only: elsewhere letters are units
    ("tokens", "14.8P", "--tokens: '14.8P' is in P; expected a positive token count such as 14.8e12 or 14.8T; "
                        "counts take the suffixes k, M, B (or G) and T on a bare number"),
    ("gpu_hours", "2.788M h", "--gpu-hours: '2.788M h' is in h·M"),
    ("tokens", "1e99T", "--tokens: cannot read '1e99T': it is out of range (at most 1e100 in size)"),
    ("pue", "1.1T", "--pue: '1.1T' is in T; expected a PUE of at least 1, such as 1.1"),
    ("gpus", "1.0005k", "--gpus: '1.0005k' is not a positive whole number"),
])
def test_a_suffix_is_only_a_suffix_where_it_can_be(name: str, value: str, message: str) -> None:
    args = {"tokens": "14.8e12", "active_params": "37e9", **({name: value} if name in ("tokens", "pue") else {})}
    if name == "gpu_hours":
        args = {"gpu_hours": value}
    elif name == "gpus":
        args = {"gpus": value, "hours": 1}
    else:
        args = {**args, "gpus": 8, "mfu": 0.4}
    with pytest.raises(FootprintError) as caught:
        footprint.estimate("h800", **args)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(("option", "value", "hint"), [
    ("--gpu-power", "0.6-0.9", "a range is written LOW..HIGH, such as '0.6..0.9'"),
    ("--gpu-power", "400 - 700 W", "a range is written LOW..HIGH, such as '400..700 W'"),
    ("--pue", "1.1\u20131.4", "a range is written LOW..HIGH, such as '1.1..1.4'"),
    ("--pue", "1,1", "numbers take a decimal point, such as '1.1'"),
    ("--intensity", "1,000 g/kWh", "numbers take a decimal point and no thousands separators, such as '1.000 g/kWh' or '1000 g/kWh'"),
    ("--host-power", "1,000,000 W", "numbers take no thousands separators, such as '1000000 W'"),
])
def test_common_slips_say_what_to_type(option: str, value: str, hint: str) -> None:
    """The hint, then what the input expects: for --gpu-power, either of its two readings."""
    r = run_cli("estimate", "--profile", "h800", "--gpu-hours", "1000", option, value)
    assert r.code == 2
    assert r.err.count("\n") == 1 and f"footprint estimate: error: {option}: cannot read {value!r}: {hint}; expected " in r.err


@pytest.mark.parametrize("price", ["2 USD/GPU-h", "2 USD/GPU-hour", "2 USD / GPU hours", "$2/GPU-h", "$2/h", "$ 2 /GPU-hr"])
def test_a_price_per_gpu_hour_as_written(price: str) -> None:
    _same(footprint.estimate("h800", gpu_hours="2.788M", price=price),
          footprint.estimate("h800", gpu_hours="2.788M", price="2 USD/h"))


def test_dollars_are_usd_in_every_price() -> None:
    _same(footprint.estimate("h800", gpu_hours=1000, energy_price="$0.1/kWh"),
          footprint.estimate("h800", gpu_hours=1000, energy_price="0.1 USD/kWh"))


def test_a_price_per_gpu_day_is_still_refused() -> None:
    with pytest.raises(FootprintError, match=r"--price: cannot read '2 USD/GPU-day'"):
        footprint.estimate("h800", gpu_hours=1000, price="2 USD/GPU-day")


@pytest.mark.parametrize(("extra", "message"), [
    (("--params", "garbage"), "--params: cannot read 'garbage'; expected a positive parameter count"),
    (("--params", "16B"), "--params: '16B' is less than --active-params '37B'; expected all the parameters, at least the "
                          "active ones"),
    (("--params", "0"), "--params: 0.0 is out of range; expected a positive parameter count"),
])
def test_a_given_input_is_checked_even_where_another_is_used(extra: tuple[str, str], message: str) -> None:
    r = run_cli("estimate", "--profile", "h800", "--gpus", "2048", "--tokens", "14.8T", "--active-params", "37B",
                "--mfu", "0.4", *extra)
    assert r.code == 2
    assert r.err == f"footprint estimate: error: {message}" + r.err.split(message, 1)[1]
    assert r.err.count("\n") == 1 and "Traceback" not in r.err


def test_gpu_power_names_both_readings_when_neither_fits() -> None:
    r = run_cli("estimate", "--profile", "h800", "--gpu-hours", "1000", "--gpu-power", "0.6-0.9")
    assert r.err == ("footprint estimate: error: --gpu-power: cannot read '0.6-0.9': a range is written LOW..HIGH, such "
                     "as '0.6..0.9'; expected a fraction of TDP such as 0.8 or '80%', or a power such as '550 W'\n")
