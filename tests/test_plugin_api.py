"""footprint.plugin_api: constructors that check units and say what was expected, the declared API version,
renamed-argument warnings, and calibrate's load backends coming through a hook."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta

import pluggy
import pytest

import footprint
from footprint import plugin_api
from footprint.errors import FootprintError
from footprint.meter.calibrate import load_backend, registered_backends
from footprint.plugins import hookspecs
from footprint.plugins import manager as plugins
from tests.cli_run import run_cli
from tests.plugin_dists import Site

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def test_grid_intensity_reads_a_plain_mass_per_kwh_as_co2e_and_keeps_a_structured_basis() -> None:
    g = plugin_api.grid_intensity("XX", "0.12 kg/kWh", source="utility report 2024", year=2024,
                                  basis=plugin_api.Basis(scope="market", gases="CO2", note="residual mix"))
    assert g.intensity.to("gCO2e/kWh").magnitude == pytest.approx(120)
    assert g.basis == "CO2 only (not CO2e), market-based, residual mix"
    assert plugin_api.grid_intensity("XX", 56, source="s").basis == "CO2e, location-based"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"intensity": "120 W"}, "grid intensity 'XX': '120 W' is in W; expected a carbon intensity"),
    ({"intensity": "-5 g/kWh"}, "is negative; expected a carbon intensity of 0 or more"),
    ({"source": " "}, "grid intensity 'XX': no source"),
    ({"year": 24}, "year 24 is not a year"),
])
def test_grid_intensity_rejects_bad_values_in_one_line(kwargs: dict, message: str) -> None:
    args = {"intensity": "120 g/kWh", "source": "s", **kwargs}
    with pytest.raises(FootprintError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        plugin_api.grid_intensity("XX", args.pop("intensity"), **args)
    assert "\n" not in str(info.value)


def test_intensity_periods_need_timezones_and_must_not_overlap() -> None:
    with pytest.raises(FootprintError, match="is not a timezone-aware datetime"):
        plugin_api.intensity_period(datetime(2025, 3, 1), datetime(2025, 3, 1, 1), "100 g/kWh")
    first = plugin_api.intensity_period(T0, T0 + timedelta(hours=2), "100 g/kWh")
    second = plugin_api.intensity_period(T0 + timedelta(hours=1), T0 + timedelta(hours=3), "200 g/kWh")
    with pytest.raises(FootprintError, match="overlap"):
        plugin_api.grid_intensity("XX", "150 g/kWh", source="s", periods=[first, second])
    g = plugin_api.grid_intensity("XX", "150 g/kWh", source="s", periods=[first])
    assert g.at(T0 + timedelta(minutes=30)).to("gCO2e/kWh").magnitude == 100
    assert g.at(T0 + timedelta(hours=5)).to("gCO2e/kWh").magnitude == 150


def test_readings_are_joules_from_any_energy_unit_and_never_nan() -> None:
    assert plugin_api.reading("12 kJ").energy == 12_000
    assert plugin_api.reading("1 Wh", estimated="600 J", flags=["gap"]) == plugin_api.Reading(3600, 600, ("gap",))
    assert plugin_api.reading_from_power("350 W", 2).energy == 700
    with pytest.raises(FootprintError, match="reading energy: nan is not a finite number"):
        plugin_api.reading(float("nan"))
    with pytest.raises(FootprintError, match="reading energy: '3 W' is in W; expected an energy"):
        plugin_api.reading("3 W")


def test_the_api_version_is_declared_once_and_channel_info_keys_are_documented() -> None:
    assert footprint.PLUGIN_API_VERSION == plugin_api.PLUGIN_API_VERSION == (1, 0)
    assert {"name", "vendor", "index", "uuid", "power_limit_w", "method"} <= set(plugin_api.CHANNEL_INFO_KEYS)


def test_an_implementation_using_a_renamed_argument_gets_pluggys_deprecation_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(hookspecs.RENAMED_ARGS, "footprint_example",
                        {"zone": DeprecationWarning("footprint_example: 'zone' is now 'region'")})

    class Specs:
        @hookspecs.hookspec
        def footprint_example(self, region: str, zone: str) -> None:
            """A hook whose argument 'zone' was renamed 'region'."""

    class OldPlugin:
        @footprint.hookimpl
        def footprint_example(self, zone: str) -> None:
            pass

    pm = pluggy.PluginManager("footprint")
    pm.add_hookspecs(Specs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pm.register(OldPlugin())
    assert [str(w.message) for w in caught] == ["footprint_example: 'zone' is now 'region'"]


def test_calibrate_load_backends_come_through_the_hook(monkeypatch: pytest.MonkeyPatch, site: Site) -> None:
    assert sorted(registered_backends()) == ["python", "torch"]
    site.dist("jaxload", {"jaxload": "jaxload_mod"}, {"jaxload_mod": """
        from footprint import hookimpl

        class JaxBackend:
            name = "jax"
            def check(self): pass
            def prepare(self, precision, size): pass
            def step(self): return 2.0
            def describe(self, precision, size): return "jax matmuls"

        @hookimpl
        def footprint_register_load_backends(register):
            register(JaxBackend)
    """})
    monkeypatch.setenv("FOOTPRINT_LOAD_PLUGINS", "jaxload")
    plugins.reset()
    assert load_backend("jax").describe("bf16", 8) == "jax matmuls"
    result = run_cli("calibrate", "--backend", "jaxx")
    assert result.code == 2
    assert result.err == ("footprint calibrate: error: --backend: 'jaxx' is not a load backend (did you mean: jax?); "
                          "expected one of jax, python, torch\n")


def test_a_co2_only_factor_is_known_by_its_gases_not_by_its_words(monkeypatch: pytest.MonkeyPatch, site: Site) -> None:
    """A plugin's factor that counts CO2 only prints as gCO2 in the region list, an estimate and its emissions,
    whatever words its description uses; a CO2e factor described with the words 'CO2 only' stays CO2e."""
    site.dist("coal", {"coal": "coal_mod"}, {"coal_mod": """
        from footprint import hookimpl
        from footprint.plugins.contract import GridIntensity
        from footprint.plugin_api import grid_intensity

        @hookimpl(tryfirst=True)
        def footprint_carbon_intensity(region):
            if region.upper() == "XC":
                g = grid_intensity("XC", "800 g/kWh", source="a utility's combustion factors, 2024")
                return GridIntensity(g.code, "combustion only", g.intensity, 2024, g.source, "combustion", gases="CO2")
            if region.upper() == "XE":
                g = grid_intensity("XE", "400 g/kWh", source="a utility's report, 2024")
                return GridIntensity(g.code, "all gases", g.intensity, 2024, g.source, "CO2 only in name", gases="CO2e")

        @hookimpl
        def footprint_regions():
            return [footprint_carbon_intensity("XC"), footprint_carbon_intensity("XE")]
    """})
    monkeypatch.setenv("FOOTPRINT_LOAD_PLUGINS", "coal")
    plugins.reset()
    listed = {line.split()[0]: line for line in run_cli("regions", "X").out.splitlines() if line.startswith("X")}
    assert "gCO2/kWh " in listed["XC"] and "gCO2e/kWh" in listed["XE"]
    args = ("estimate", "--profile", "h800", "--gpus", "8", "--hours", "10", "--host-power", "0 W", "--pue", "1")
    co2, co2e = run_cli(*args, "--region", "XC").out, run_cli(*args, "--region", "XE").out
    emissions = {text: next(line for line in text.splitlines() if line.strip().startswith("emissions")) for text in (co2, co2e)}
    assert "CO2" in emissions[co2] and "CO2e" not in emissions[co2] and "gCO2/kWh" in co2
    assert "CO2e" in emissions[co2e] and "gCO2/kWh" not in co2e


def test_the_plugin_guide_documents_every_hook_and_every_constructor() -> None:
    from pathlib import Path

    guide = (Path(__file__).resolve().parent.parent / "docs" / "plugins.md").read_text(encoding="utf-8")
    missing = [name for name in plugins.known_hooks() if f"`{name}(" not in guide]
    assert not missing, f"hooks missing from docs/plugins.md: {missing}"
    constructors = [n for n in plugin_api.__all__ if n[0].islower() and n not in ("hookimpl",)]
    assert not [n for n in constructors if f"{n}(" not in guide and f"`{n}`" not in guide]
