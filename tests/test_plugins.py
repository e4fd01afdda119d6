"""Plugins: discovery through real entry points, FOOTPRINT_LOAD_PLUGINS, and broken plugins reported by name."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from footprint import hookimpl
from footprint.core.profiles import HardwareProfile, profile_from_dict
from footprint.errors import FootprintError
from footprint.plugins import catalog
from footprint.plugins import manager as plugins
from tests.cli_run import run_cli
from tests.plugin_dists import Site


def use_plugins(monkeypatch: pytest.MonkeyPatch, selection: str | None) -> None:
    if selection is None:
        monkeypatch.delenv("FOOTPRINT_LOAD_PLUGINS", raising=False)
    else:
        monkeypatch.setenv("FOOTPRINT_LOAD_PLUGINS", selection)
    plugins.reset()


def by_name(name: str) -> dict[str, Any]:
    return next(p for p in plugins.describe() if p["name"] == name)


def failure(name: str) -> str:
    """The error ``footprint plugins`` reports for plugin ``name`` (exactly one is expected)."""
    (error,) = [p["error"] for p in plugins.describe() if p["name"] == name and "error" in p]
    return error


# --- the real footprint-tpu plugin, installed from plugins/footprint-tpu -------------------------------------


def test_tpu_plugin_is_found_under_the_footprint_entry_point_group(tpu_site: Site) -> None:
    (ep,) = [ep for ep in entry_points(group="footprint") if ep.name == "tpu"]
    assert ep.value == "footprint_tpu"
    assert ep.dist is not None and ep.dist.name == "footprint-tpu"


def test_tpu_plugin_loads_through_its_entry_point_and_registers_four_profiles(monkeypatch: pytest.MonkeyPatch, tpu_site: Site) -> None:
    use_plugins(monkeypatch, "tpu")
    assert plugins.plugin_manager().has_plugin("tpu")
    tpus = {p.id: p for p in catalog.all_profiles() if p.plugin == "tpu"}
    assert sorted(tpus) == ["tpu-v3", "tpu-v4", "tpu-v5e", "tpu-v5p"]
    assert all("/footprint_tpu/profiles/" in p.path for p in tpus.values())


def test_tpu_profiles_carry_the_published_figures_and_no_invented_power(monkeypatch: pytest.MonkeyPatch, tpu_site: Site) -> None:
    use_plugins(monkeypatch, "tpu")
    v3, v4, v5e, v5p = (catalog.get_profile(n) for n in ("tpuv3", "tpuv4", "tpuv5e", "tpuv5p"))
    bf16 = {p.id: p.peak("bf16").value.to("TFLOP/s").magnitude for p in (v3, v4, v5e, v5p)}
    # Jouppi et al. 2021 Table 1 (v3); cloud.google.com/tpu/docs/v4, /v5e, /v5p
    assert bf16 == {"tpu-v3": 123, "tpu-v4": 275, "tpu-v5e": 197, "tpu-v5p": 459}
    assert v5e.peak("int8").value.to("TFLOP/s").magnitude == 393
    # v3: Jouppi et al. 2021 chip TDP 450 W; v4: Google's measured max chip power, not a TDP
    assert v3.tdp is not None and v3.tdp.value.to("W").magnitude == 450 and "Jouppi" in v3.tdp.source
    assert v4.tdp is not None and v4.tdp.value.to("W").magnitude == 192 and "measured maximum" in v4.tdp.note
    assert v4.idle_power is not None and v4.idle_power.value.to("W").magnitude == 90
    # v5e/v5p: Google publishes no power, so none is given and power must be given as a power
    for p in (v5e, v5p):
        assert p.tdp is None and "publishes no power" in p.tdp_unknown
        refused = run_cli("estimate", "--profile", p.id, "--gpu-hours", "10")
        assert refused.code == 2 and "has no TDP" in refused.err
        assert run_cli("estimate", "--profile", p.id, "--gpu-hours", "10", "--gpu-power", "0.8").code == 2
        given = run_cli("estimate", "--profile", p.id, "--gpu-hours", "10", "--gpu-power", "150 W", "--host-power", "0 W",
                        "--pue", "1", "--json")
        assert given.code == 0, given.err
        assert json.loads(given.out)["energy"]["magnitude"] == pytest.approx(1.5)  # 10 h x 150 W = 1.5 kWh
    with pytest.raises(FootprintError, match="'tpu-v5p' has no fp8 throughput"):
        v5p.peak("fp8")


def test_footprint_profiles_lists_tpu_rows_with_plugin_tpu(monkeypatch: pytest.MonkeyPatch, tpu_site: Site) -> None:
    use_plugins(monkeypatch, "tpu")
    result = run_cli("profiles")
    assert result.code == 0, result.err
    rows = {line.split()[0]: line.split() for line in result.out.splitlines()[1:-1]}
    assert rows["tpu-v4"] == ["tpu-v4", "tpuv4", "192", "W", "-", "275", "tpu"]
    assert rows["tpu-v5e"] == ["tpu-v5e", "tpuv5e", "unknown", "-", "197", "tpu"]
    assert rows["tpu-v5p"] == ["tpu-v5p", "tpuv5p", "unknown", "-", "459", "tpu"]
    assert rows["h800-sxm"][-1] == "shipped-profiles"


def test_estimate_on_a_tpu_profile_prints_where_its_power_came_from(monkeypatch: pytest.MonkeyPatch, tpu_site: Site) -> None:
    use_plugins(monkeypatch, "tpu")
    result = run_cli("estimate", "--profile", "tpu-v4", "--gpus", "4096", "--hours", "10", "--host-power", "0 W",
                     "--pue", "1", "--intensity", "500 g/kWh", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    # 4,096 chips x 10 h x 192 W = 7,864.32 kWh; x 500 g/kWh = 3,932.16 kgCO2e
    assert data["energy"] == {"magnitude": pytest.approx(7864.32), "units": "kWh"}
    assert "via plugin 'tpu'" in json.dumps(data["assumptions"])


# --- FOOTPRINT_LOAD_PLUGINS ----------------------------------------------------------------------------------


def test_empty_selection_loads_no_external_plugin(monkeypatch: pytest.MonkeyPatch, tpu_site: Site) -> None:
    use_plugins(monkeypatch, "")
    assert not plugins.plugin_manager().has_plugin("tpu")
    assert {p["name"] for p in plugins.describe()} == {m.rsplit(".", 1)[-1].replace("_", "-") for m in plugins.DEFAULT_PLUGINS}
    with pytest.raises(FootprintError, match="profile 'tpu-v4' is unknown"):
        catalog.get_profile("tpu-v4")


def test_unset_selection_loads_every_installed_plugin(monkeypatch: pytest.MonkeyPatch, tpu_site: Site) -> None:
    use_plugins(monkeypatch, None)
    assert plugins.plugin_manager().has_plugin("tpu")


def test_selection_names_entry_points_and_ignores_others(monkeypatch: pytest.MonkeyPatch, tpu_site: Site) -> None:
    tpu_site.dist("other-plugin", {"other": "other_plugin_mod"}, {"other_plugin_mod": ""})
    use_plugins(monkeypatch, " tpu , ")
    assert plugins.plugin_manager().has_plugin("tpu")
    assert not plugins.plugin_manager().has_plugin("other")


def test_selection_naming_a_plugin_that_is_not_installed_is_an_error_listing_those_that_are(
    monkeypatch: pytest.MonkeyPatch, tpu_site: Site
) -> None:
    tpu_site.dist("other-plugin", {"other": "other_plugin_mod"}, {"other_plugin_mod": ""})
    use_plugins(monkeypatch, "tpu,tpuu")
    result = run_cli("estimate", "--profile", "h100", "--gpus", "1", "--hours", "1")
    assert result.code == 2 and result.out == ""
    assert result.err.count("\n") == 1
    assert result.err.startswith("footprint estimate: error: FOOTPRINT_LOAD_PLUGINS names 'tpuu', which is not installed")
    listed = re.search(r"installed plugins \(([^)]*)\)", result.err)
    assert listed is not None
    names = listed.group(1).split(", ")
    assert names == sorted(names) and {"other", "tpu"} <= set(names)  # a user's own plugins may be listed too


# --- broken plugins ------------------------------------------------------------------------------------------


def test_plugin_that_fails_to_import_is_reported_and_estimate_still_works(tpu_site: Site, tmp_path: Path) -> None:
    tpu_site.dist("broken-plugin", {"broken": "broken_plugin_mod"},
                  {"broken_plugin_mod": "raise RuntimeError('needs a TPU driver')\n"})
    env = tpu_site.env(FOOTPRINT_LOAD_PLUGINS="broken,tpu")

    def footprint(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "footprint", *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)

    run = footprint("estimate", "--profile", "h800", "--gpus", "2048", "--hours", "1300")
    assert run.returncode == 0, run.stderr
    assert "energy, total" in run.stdout
    assert run.stderr == ("footprint: warning: plugin 'broken' skipped: failed to import 'broken_plugin_mod': "
                          "RuntimeError: needs a TPU driver\n")
    listed = footprint("plugins")
    assert listed.returncode == 0, listed.stderr
    assert "broken  FAILED: failed to import 'broken_plugin_mod': RuntimeError: needs a TPU driver" in listed.stdout
    assert "tpu  (footprint-tpu 0.1.0)  hooks: footprint_register_profiles" in listed.stdout


def test_plugin_whose_module_is_missing_is_reported_by_name(monkeypatch: pytest.MonkeyPatch, site: Site) -> None:
    site.dist("ghost-plugin", {"ghost": "ghost_plugin_mod_that_does_not_exist"})
    use_plugins(monkeypatch, "ghost")
    assert failure("ghost").startswith(
        "failed to import 'ghost_plugin_mod_that_does_not_exist': ModuleNotFoundError")
    assert catalog.get_profile("h100").id == "h100-sxm"


@pytest.mark.parametrize(
    ("code", "reported"),
    [
        # the footprint_ prefix with a typo: caught before registering
        ("@hookimpl\ndef footprint_register_profile(register):\n    pass\n",
         "unknown hook footprint_register_profile (did you mean: footprint_register_profiles"),
        # no prefix at all: what pm.check_pending() catches, checked per plugin
        ("@hookimpl\ndef register_profiles(register):\n    pass\n",
         "unknown hook register_profiles (did you mean: footprint_register_profiles"),
    ],
)
def test_misspelt_hook_is_reported_with_the_closest_name_and_the_plugin_skipped(
    monkeypatch: pytest.MonkeyPatch, tpu_site: Site, code: str, reported: str
) -> None:
    tpu_site.dist("typo-plugin", {"typo": "typo_plugin_mod"}, {"typo_plugin_mod": "from footprint import hookimpl\n" + code})
    use_plugins(monkeypatch, "typo,tpu")
    assert failure("typo").startswith(reported)
    assert not plugins.plugin_manager().has_plugin("typo")
    assert by_name("tpu")["hooks"] == ["footprint_register_profiles"]  # the other plugins load normally
    assert catalog.get_profile("tpu-v4").plugin == "tpu"


def test_two_installed_plugins_with_one_name_are_an_error_naming_both(monkeypatch: pytest.MonkeyPatch, tpu_site: Site) -> None:
    tpu_site.dist("impostor", {"tpu": "impostor_mod"}, {"impostor_mod": ""})
    use_plugins(monkeypatch, "tpu")
    error = failure("tpu")
    assert error.startswith("plugin name clash: 'tpu' is taken by ")
    assert "footprint-tpu 0.1.0, footprint_tpu" in error and "impostor 0.1, impostor_mod" in error


# --- hooks at run time: plugin fixtures register, yield, unregister --------------------------------------------


def _profile(pid: str, aliases: tuple[str, ...] = ()) -> HardwareProfile:
    return profile_from_dict({"id": pid, "name": pid.upper(), "aliases": list(aliases),
                              "tdp": {"value": "300 W", "source": "test fixture"}}, f"<{pid}>")


class ProfilePlugin:
    """A plugin object that registers the given profiles."""

    def __init__(self, *profiles: HardwareProfile) -> None:
        self.profiles = profiles

    @hookimpl
    def footprint_register_profiles(self, register: Callable[[HardwareProfile], None]) -> None:
        for profile in self.profiles:
            register(profile)


class RaisingPlugin:
    """A plugin whose hook raises, as a plugin with a bug would."""

    @hookimpl
    def footprint_register_profiles(self, register: Callable[[HardwareProfile], None]) -> None:
        raise RuntimeError("disk on fire")


Register = Callable[[object, str], None]


@pytest.fixture
def register_plugin() -> Iterator[Register]:
    """Register plugin objects on the live plugin manager; unregister them afterwards."""
    names: list[str] = []

    def register(plugin: object, name: str) -> None:
        plugins.plugin_manager().register(plugin, name=name)
        names.append(name)
        catalog.reset()

    yield register
    for name in names:
        plugins.plugin_manager().unregister(name=name)
    catalog.reset()


def test_profile_id_clash_between_two_plugins_is_an_error_naming_both(register_plugin: Register) -> None:
    register_plugin(ProfilePlugin(_profile("clash-gpu")), "alpha")
    register_plugin(ProfilePlugin(_profile("clash-gpu")), "beta")
    with pytest.raises(FootprintError) as info:
        catalog.get_profile("clash-gpu")
    message = str(info.value)
    assert message.startswith("profile name clash: 'clash-gpu' is registered by plugin ")
    assert "plugin 'alpha' (<clash-gpu>)" in message and "plugin 'beta' (<clash-gpu>)" in message


def test_alias_clash_with_a_shipped_profile_names_both_plugins_on_the_command_line(register_plugin: Register) -> None:
    register_plugin(ProfilePlugin(_profile("my-h100", aliases=("h100",))), "lookalike")
    result = run_cli("estimate", "--profile", "h800", "--gpus", "8", "--hours", "1")
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert result.err.startswith("footprint estimate: error: profile name clash: 'h100' is registered by plugin ")
    assert "'shipped-profiles'" in result.err and "plugin 'lookalike' (<my-h100>)" in result.err


def test_plugin_that_raises_in_a_hook_is_reported_and_the_others_still_answer(
    register_plugin: Register, capsys: pytest.CaptureFixture[str]
) -> None:
    register_plugin(RaisingPlugin(), "raiser")
    assert catalog.get_profile("h100").id == "h100-sxm"
    assert failure("raiser") == "footprint_register_profiles raised RuntimeError: disk on fire"
    assert capsys.readouterr().err == (
        "footprint: warning: plugin 'raiser' skipped: footprint_register_profiles raised RuntimeError: disk on fire\n")


# --- footprint plugins --json --------------------------------------------------------------------------------


def test_plugins_json_lists_builtins_and_the_tpu_plugin_with_its_distribution(monkeypatch: pytest.MonkeyPatch, tpu_site: Site) -> None:
    use_plugins(monkeypatch, "tpu")
    result = run_cli("plugins", "--json")
    assert result.code == 0, result.err
    listed = json.loads(result.out)
    assert [p["name"] for p in listed] == sorted(p["name"] for p in listed)
    assert {"name": "tpu", "hooks": ["footprint_register_profiles"], "builtin": False,
            "package": "footprint-tpu", "version": "0.1.0"} in listed
    builtins = {p["name"]: p for p in listed if p["builtin"]}
    assert builtins["shipped-profiles"] == {"name": "shipped-profiles", "hooks": ["footprint_register_profiles"],
                                            "builtin": True}
    assert builtins["codecarbon-grid"]["hooks"] == ["footprint_carbon_intensity", "footprint_regions"]


def test_plugins_json_reports_a_failed_plugin_with_its_error(monkeypatch: pytest.MonkeyPatch, site: Site) -> None:
    site.dist("ghost-plugin", {"ghost": "ghost_mod_missing"})
    use_plugins(monkeypatch, "ghost")
    result = run_cli("plugins", "--json")
    assert result.code == 0
    assert json.loads(result.out)[-1] == {
        "name": "ghost", "hooks": [], "builtin": False,
        "error": "failed to import 'ghost_mod_missing': ModuleNotFoundError: No module named 'ghost_mod_missing'",
    }
    assert result.err == ("footprint: warning: plugin 'ghost' skipped: failed to import 'ghost_mod_missing': "
                          "ModuleNotFoundError: No module named 'ghost_mod_missing'\n")
