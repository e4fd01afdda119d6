"""Readable numbers: units scaled by magnitude and kept down a column, accelerators named, CO2-only factors shown."""

from __future__ import annotations

import pytest

from footprint.core import fmt
from footprint.core.span import Span
from footprint.core.units import Q
from tests.cli_run import run_cli
from tests.plugin_dists import Site


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (0.000894, "kWh", "894 mWh"),
    (0.00003333, "Wh", "33.33 µWh"),
    (8.678e-11, "MWh", "86.78 µWh"),
    (0.0000927, "gCO2e", "92.7 µgCO2e"),
    (0.0186, "kgCO2e", "18.6 gCO2e"),
    (0.079, "s", "79 ms"),
    (0.0025, "kW", "2.5 W"),
    (0.4, "W", "400 mW"),
    (0, "MWh", "0 Wh"),
    (6707.2, "kWh", "6.707 MWh"),
    (3734.02, "MWh", "3,734 MWh"),
    (21588, "MWh", "21.59 GWh"),
    (0.424, "gCO2e", "424 mgCO2e"),
    (2174.38, "tCO2e", "2,174 tCO2e"),
    (4.034, "s", "4.034 s"),
    (67.27, "s", "67.27 s"),
    (0.0186853, "h", "67.27 s"),
    (1.5, "h", "90 min"),
    (5324800, "USD", "5,324,800 USD"),
])
def test_units_scale_to_the_value(value: float, unit: str, shown: str) -> None:
    assert fmt.span(Q(value, unit)) == shown


def test_a_column_keeps_one_unit_picked_by_its_largest_value() -> None:
    # one estimate used to print "6,707.2 kWh" above "11.0253 MWh"
    assert fmt.column([Q(6707.2, "kWh"), Q(11025.3, "kWh"), None], "energy") == ["6.707 MWh", "11.03 MWh", "-"]


def test_a_value_that_would_read_below_one_in_its_column_gets_its_own_unit() -> None:
    # a CPU-only run beside DeepSeek-V3 in `compare` used to read "8.678e-11 MWh" under "1,952 MWh"
    assert fmt.column([Q(1952, "MWh"), Q(8.678e-11, "MWh"), Q(0, "MWh")], "energy") == ["1,952 MWh", "86.78 µWh", "0 MWh"]
    small_range = Span(Q(0.5, "MWh"), Q(0.2, "MWh"), Q(0.9, "MWh"))
    assert fmt.column([Q(3000, "MWh"), small_range], "energy") == ["3,000 MWh", "500 kWh (200..900)"]


@pytest.mark.parametrize("ladder", ["energy", "power", "emissions", "time"])
def test_every_scaled_figure_has_one_to_four_digits_before_the_point(ladder: str) -> None:
    from footprint.core.numbers import LADDERS, ZERO_UNIT

    steps = LADDERS[ladder]
    base = ZERO_UNIT[ladder]
    smallest = Q(1, steps[0][0]).to(base).magnitude
    largest = Q(1, steps[-1][0]).to(base).magnitude
    value = smallest
    while value < largest:  # every power of ten from the smallest unit to the largest
        for mantissa in (1, 2.5, 9.99):
            text = fmt.span(Q(value * mantissa, base))
            digits = text.split(" ")[0].split(".")[0].replace(",", "")
            assert 1 <= len(digits) <= 4 and digits != "0", text
        value *= 10


def test_huge_ratios_read_with_separators_and_four_figures() -> None:
    # a CPU-only run beside DeepSeek-V3: 1,952 MWh / 25.97 mWh
    assert fmt.percent(75141818181.882) == "7,514,181,818,188%"
    assert fmt.percent(12.3456) == "1,235%"
    assert fmt.percent(9.99) == "999.0%" and fmt.percent(0.09) == "9.0%"


def test_ranges_keep_their_bounds_in_the_central_unit() -> None:
    s = Span(Q(22.8, "GWh"), Q(21.6, "GWh"), Q(24, "GWh"))
    assert fmt.span(s) == "22.8 GWh (21.6..24)"
    assert fmt.percent(Span(Q(0.35, ""), Q(0.3, ""), Q(0.4, ""))) == "35.0% (30.0%..40.0%)"


def test_wall_time_adds_days_for_long_runs_and_a_clock_for_metered_ones() -> None:
    assert fmt.wall_time(Q(1300, "h")) == "1,300 h (54.2 days)"
    assert fmt.wall_time(Q(24, "h")) == "24 h"
    assert fmt.wall_time(Q(3725, "s"), metered=True) == "62.08 min (1:02:05)"


def test_printing_an_estimates_energy_reads_as_a_quantity() -> None:
    import footprint

    fp = footprint.estimate("h100", gpus=8, hours=2, host_power="0 W", pue=1)
    # 8 GPUs x 2 h x 700 W TDP (NVIDIA H100 SXM datasheet) = 11.2 kWh
    assert str(fp.energy) == "11.2 kWh"
    assert f"{fp.energy}" == "11.2 kWh"
    text = str(fp)
    assert "energy, total      11.2 kWh" in text and "Span(" not in text
    summary = fp.summary()
    assert summary.startswith(text.split("\n")[0]) and "inputs and assumptions" in summary and "Touvron" not in text


def test_tpus_are_accelerators_not_gpus(monkeypatch: pytest.MonkeyPatch, tpu_site: Site) -> None:
    from footprint.plugins import manager as plugins

    monkeypatch.setenv("FOOTPRINT_LOAD_PLUGINS", "tpu")  # the TPU profiles ship in the footprint-tpu plugin
    plugins.reset()
    # TPU v5e has no published power (so it must be given); the wording is the point here
    r = run_cli("estimate", "--profile", "tpu-v5e", "--gpus", "256", "--hours", "24", "--gpu-power", "150 W")
    assert r.code == 0, r.err
    first = r.out.splitlines()[0]
    assert first == "footprint estimate: tpu-v5e x 256 accelerators for 24 h"
    assert "GPU" not in r.out.split("inputs and assumptions")[0]


def test_co2_only_grid_factors_print_as_co2() -> None:
    # China's provincial factors (Ministry of Ecology and Environment, via codecarbon) count CO2 only
    r = run_cli("estimate", "--profile", "h100", "--gpus", "8", "--hours", "2", "--region", "CN-ZJ")
    assert r.code == 0, r.err
    assert "CO2e" not in r.out.split("inputs and assumptions")[0]
    assert "gCO2/kWh" in r.out and "gCO2e/kWh" not in r.out
    national = run_cli("estimate", "--profile", "h100", "--gpus", "8", "--hours", "2", "--region", "CHN")
    assert "gCO2e/kWh" in national.out


def test_a_dollar_price_reads_as_usd_per_gpu_hour() -> None:
    """DeepSeek wrote "$2 per GPU hour": '$2/h' is the same estimate as '2 USD/h'."""
    args = ("estimate", "--profile", "h100", "--gpus", "8", "--hours", "2")
    dollars, usd = run_cli(*args, "--price", "$2/h"), run_cli(*args, "--price", "2 USD/h")
    assert dollars.code == 0 and dollars.out == usd.out


@pytest.mark.parametrize(("option", "value", "says"), [
    ("--price", "2 EUR/h", "cannot read '2 EUR/h'"),
    ("--energy-price", "0.1 EUR/kWh", "cannot read '0.1 EUR/kWh'"),
])
def test_price_errors_say_prices_are_in_usd(option: str, value: str, says: str) -> None:
    r = run_cli("estimate", "--profile", "h100", "--gpus", "1", "--hours", "1", option, value)
    assert r.code == 2 and r.out == ""
    assert says in r.err and "prices are in USD per" in r.err and r.err.count("\n") == 1


@pytest.mark.parametrize("value", ["0.5 kgCO2/kWh", "500 W"])
def test_intensity_errors_say_what_units_are_read(value: str) -> None:
    r = run_cli("estimate", "--profile", "h100", "--gpus", "1", "--hours", "1", "--intensity", value)
    assert r.code == 2
    assert "intensities are in g or kg of CO2e per kWh (g/kWh, kgCO2e/kWh)" in r.err and r.err.count("\n") == 1
