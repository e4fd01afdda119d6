"""One broken plugin never takes a command down: each case installs a real plugin distribution (a dist-info with
its entry point, on sys.path or PYTHONPATH), checks the one-line warning that names it, and checks that every
command that does not need it still works."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from footprint.claims import references
from footprint.meter.sampler import registered_meters
from footprint.plugins import catalog, grid
from footprint.plugins import manager as plugins
from tests.cli_run import run_cli
from tests.plugin_dists import Site, checked

ESTIMATE = ("estimate", "--profile", "h800", "--gpus", "8", "--hours", "10", "--host-power", "0 W", "--pue", "1",
            "--region", "FRA")


def load(monkeypatch: pytest.MonkeyPatch, selection: str) -> None:
    monkeypatch.setenv("FOOTPRINT_LOAD_PLUGINS", selection)
    plugins.reset()


def failure(name: str) -> str:
    (error,) = [p["error"] for p in checked() if p["name"] == name and "error" in p]
    return error


def assert_commands_work(skip: tuple[str, ...] = ()) -> str:
    """estimate, profiles, regions, references and plugins all succeed in-process; returns their stderr."""
    errors = []
    for args in (ESTIMATE, ("profiles",), ("regions",), ("references",), ("plugins", "--json")):
        if args[0] in skip:
            continue
        result = run_cli(*args)
        assert result.code == 0, (args, result.err)
        assert result.out.strip(), args
        errors.append(result.err)
    return "".join(errors)


def footprint(site: Site, cwd: Path, *args: str, selection: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "footprint", *args], env=site.env(FOOTPRINT_LOAD_PLUGINS=selection),
                          cwd=cwd, capture_output=True, text=True, timeout=120)


# --- import and hook failures, SystemExit included -------------------------------------------------------------


def test_plugin_calling_sys_exit_at_import_is_skipped_and_run_still_starts_the_child(site: Site, tmp_path: Path) -> None:
    site.dist("quitter", {"quitter": "quitter_mod"}, {"quitter_mod": "import sys\nsys.exit(0)\n"})
    marker = tmp_path / "child-ran"
    run = footprint(site, tmp_path, "run", "--log", str(tmp_path / "run.jsonl"), "--", sys.executable, "-c",
                    f"open({str(marker)!r}, 'w').write('yes')", selection="quitter")
    assert run.returncode == 0, run.stderr
    assert marker.read_text() == "yes"
    assert "footprint: warning: plugin 'quitter' skipped: failed to import 'quitter_mod': SystemExit(0)\n" in run.stderr
    estimate = footprint(site, tmp_path, *ESTIMATE, selection="quitter")
    assert estimate.returncode == 0 and "energy, total" in estimate.stdout
    listed = footprint(site, tmp_path, "plugins", selection="quitter")
    assert "quitter  FAILED: failed to import 'quitter_mod': SystemExit(0)" in listed.stdout


def test_plugin_calling_sys_exit_in_a_hook_loses_only_its_own_answer(monkeypatch: pytest.MonkeyPatch, site: Site) -> None:
    site.dist("exiter", {"exiter": "exiter_mod"}, {"exiter_mod": """
        import sys
        from footprint import hookimpl

        @hookimpl(tryfirst=True)
        def footprint_carbon_intensity(region):
            sys.exit(3)
    """})
    load(monkeypatch, "exiter")
    assert grid.lookup("FRA").plugin == "codecarbon-grid"
    assert failure("exiter") == "footprint_carbon_intensity raised SystemExit(3)"
    assert_commands_work()


# A profile plugin whose own TOML file has a key footprint does not know: load_profile_file raises FootprintError.
BAD_PROFILE_PLUGIN = """
    from pathlib import Path
    from footprint import hookimpl
    from footprint.plugin_api import profile_file

    @hookimpl
    def footprint_register_profiles(register):
        register(profile_file(Path(__file__).with_name("badprof.toml")))
"""


def test_footprint_error_in_one_plugins_hook_disables_only_that_plugin(monkeypatch: pytest.MonkeyPatch, site: Site,
                                                                       tmp_path: Path) -> None:
    root = site.dist("badprof", {"badprof": "badprof_mod"}, {"badprof_mod": BAD_PROFILE_PLUGIN})
    (root / "badprof.toml").write_text('id = "bad-gpu"\nname = "Bad"\ntdpp = "300 W"\n')
    load(monkeypatch, "badprof")
    stderr = assert_commands_work()
    warning = [line for line in stderr.splitlines() if "badprof" in line]
    assert len(set(warning)) == 1
    assert warning[0].startswith("footprint: warning: plugin 'badprof' skipped: footprint_register_profiles raised "
                                 "FootprintError: ")
    assert "tdpp" in warning[0]
    listed = json.loads(run_cli("plugins", "--json").out)
    (entry,) = [p for p in listed if p["name"] == "badprof"]
    assert entry["hooks"] == ["footprint_register_profiles"] and "tdpp" in entry["error"]
    # and as a real process: `run` starts the child, `plugins --check` (which runs the hooks) shows FAILED
    listed_text = footprint(site, tmp_path, "plugins", "--check", selection="badprof")
    assert listed_text.returncode == 0
    assert any(line.startswith("badprof  FAILED: footprint_register_profiles raised FootprintError")
               for line in listed_text.stdout.splitlines())
    unchecked = footprint(site, tmp_path, "plugins", selection="badprof")  # runs no hook, and says so
    assert "badprof  (" in unchecked.stdout and "'footprint plugins --check' runs each once" in unchecked.stdout
    marker = tmp_path / "child-ran"
    run = footprint(site, tmp_path, "run", "--log", str(tmp_path / "run.jsonl"), "--", sys.executable, "-c",
                    f"open({str(marker)!r}, 'w').write('yes')", selection="badprof")
    assert run.returncode == 0, run.stderr
    assert marker.read_text() == "yes"


# --- only marked functions are hooks ---------------------------------------------------------------------------


def test_plugin_importing_footprint_helpers_named_footprint_star_is_not_rejected(monkeypatch: pytest.MonkeyPatch,
                                                                               site: Site) -> None:
    site.dist("helpful", {"helpful": "helpful_mod"}, {"helpful_mod": """
        from footprint import hookimpl
        from footprint.plugins.hookspecs import footprint_regions as footprint_regions_spec  # unmarked: not a hook here
        from footprint.plugin_api import profile

        def footprint_make(pid):  # a helper of its own, not a hook
            return profile({"id": pid, "name": pid, "tdp": {"value": "400 W", "source": "vendor datasheet"}})

        @hookimpl
        def footprint_register_profiles(register):
            register(footprint_make("helper-gpu"))
    """})
    load(monkeypatch, "helpful")
    entry = next(p for p in checked() if p["name"] == "helpful")
    assert "error" not in entry
    assert entry["hooks"] == ["footprint_register_profiles"]
    assert catalog.get_profile("helper-gpu").plugin == "helpful"


# --- a failing plugin's registrations are discarded, never credited to the next plugin ------------------------


PARTIAL = """
    from footprint import hookimpl
    from footprint.plugin_api import profile, references
    from footprint.meter.host_model import ModelRamMeter

    @hookimpl(tryfirst=True)
    def footprint_register_profiles(register):
        register(profile({"id": "half-gpu", "name": "Half", "tdp": {"value": "1 W", "source": "s"}}))
        raise RuntimeError("crashed after one profile")

    @hookimpl(tryfirst=True)
    def footprint_register_references(register):
        for ref in references({"references": {"half-run": {"name": "x", "status": "secondary",
                "hardware": {"value": "x", "source": "x"}, "method": {"text": "", "source": "x"}}}}):
            register(ref)
        raise RuntimeError("crashed after one reference")

    @hookimpl(tryfirst=True)
    def footprint_register_meters(register):
        register(ModelRamMeter())
        raise RuntimeError("crashed after one meter")
"""

GOOD = """
    from footprint import hookimpl
    from footprint.plugin_api import profile

    @hookimpl
    def footprint_register_profiles(register):
        register(profile({"id": "good-gpu", "name": "Good", "tdp": {"value": "2 W", "source": "s"}}))
"""


@pytest.mark.parametrize("hook", ["profiles", "references", "meters"])
def test_what_a_failing_plugin_registered_is_dropped_and_not_credited_to_the_next(
    monkeypatch: pytest.MonkeyPatch, site: Site, hook: str
) -> None:
    site.dist("partial", {"partial": "partial_mod"}, {"partial_mod": PARTIAL})
    site.dist("good", {"good": "good_mod"}, {"good_mod": GOOD})
    load(monkeypatch, "partial,good")
    if hook == "profiles":
        owners = {p.id: p.plugin for p in catalog.all_profiles()}
        assert "half-gpu" not in owners
        assert owners["good-gpu"] == "good"
    elif hook == "references":
        assert references.find_reference("half-run") is None
        assert {r.plugin for r in references.all_references()} == {"references"}
    else:
        assert [(m.name, m.plugin) for m in registered_meters()] == [
            ("nvml", "meters"), ("rapl", "meters"), ("cpu-model", "meters"), ("ram-model", "meters")]
    assert failure("partial").endswith("RuntimeError: crashed after one " + hook.rstrip("s").replace("reference", "reference"))
    assert_commands_work()


# --- answers of the wrong kind: one warning naming the plugin, that answer dropped ------------------------------


WRONG = {
    "dict-profile": ("""
        @hookimpl
        def footprint_register_profiles(register):
            register({"id": "dict-gpu", "tdp": "300 W"})
     """, "footprint_register_profiles registered dict {'id': 'dict-gpu', 'tdp': '300 W'}, not a footprint HardwareProfile"),
    "str-intensity": ("""
        @hookimpl(tryfirst=True)
        def footprint_carbon_intensity(region):
            return "56 g/kWh"
     """, "footprint_carbon_intensity returned str '56 g/kWh', not a footprint GridIntensity"),
    "int-regions": ("""
        @hookimpl
        def footprint_regions():
            return 7
     """, "footprint_regions returned int 7, not a list of GridIntensity"),
    "foreign-quantity": ("""
        import pint
        from footprint.plugins.contract import GridIntensity

        @hookimpl(tryfirst=True)
        def footprint_carbon_intensity(region):
            other = pint.UnitRegistry()
            return GridIntensity(region, region, other.Quantity(56, "g/kWh"), 2024, "somewhere", "CO2e")
     """, "a Quantity <Quantity(56, 'gram / kilowatt_hour')> from another pint registry"),
}


@pytest.mark.parametrize("case", sorted(WRONG))
def test_an_answer_of_the_wrong_kind_is_dropped_with_one_warning_naming_the_plugin(
    monkeypatch: pytest.MonkeyPatch, site: Site, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, reported = WRONG[case]
    site.dist("wrong", {"wrong": "wrong_mod"}, {"wrong_mod": "from footprint import hookimpl\n" + textwrap.dedent(code)})
    load(monkeypatch, "wrong")
    assert grid.lookup("FRA").plugin == "codecarbon-grid"  # the built-in data answers instead
    assert "FRA" in {g.code for g in grid.all_regions()}
    assert "dict-gpu" not in {p.id for p in catalog.all_profiles()}
    stderr = capsys.readouterr().err + assert_commands_work()
    warnings = {line for line in stderr.splitlines() if "'wrong'" in line}
    assert len(warnings) == 1, warnings
    (warning,) = warnings
    assert warning.startswith("footprint: warning: plugin 'wrong': ") and warning.endswith("; ignored")
    assert reported in warning
    entry = next(p for p in checked() if p["name"] == "wrong")
    assert any(reported in reason for reason in entry["dropped"])


def test_nan_from_a_plugins_meter_channel_is_dropped_noted_and_warned_about(
    monkeypatch: pytest.MonkeyPatch, site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.dist("nanmeter", {"nanmeter": "nanmeter_mod"}, {"nanmeter_mod": """
        from footprint import hookimpl
        from footprint.plugin_api import ChannelBase, MeterFactory, Opened, Reading

        class NanChannel(ChannelBase):
            component, key, method = "gpu", "nan-0", "broken sensor (plugin)"
            def info(self):
                return {"name": "Broken Accelerator"}
            def start(self, now):
                pass
            def read(self, now):
                return Reading(float("nan"))

        class NanMeter(MeterFactory):
            name, component = "nan", "gpu"
            def open(self, settings):
                return Opened(channels=[NanChannel()])

        @hookimpl
        def footprint_register_meters(register):
            register(NanMeter())
    """})
    load(monkeypatch, "nanmeter")
    from footprint.meter.fake_nvml import FakeClock
    from footprint.meter.recorder import Recorder, RecorderOptions
    from footprint.plugins.contract import MeterSettings

    clock = FakeClock()
    recorder = Recorder(RecorderOptions(log_path=tmp_path / "run.jsonl", interval=1.0, clock=clock,
                                        settings=MeterSettings(powercap_root=tmp_path, proc_root=tmp_path)))
    recorder.start(threaded=False)
    for _ in range(3):
        clock.advance(1.0)
        assert recorder.meter is not None
        recorder.meter.tick()
    result = recorder.stop()
    energy = result.energy.central.to("J").magnitude
    assert energy == energy  # not NaN: the channel's readings were dropped
    warnings = [line for line in capsys.readouterr().err.splitlines() if "nanmeter" in line]
    assert warnings == ["footprint: warning: plugin 'nanmeter': meter channel 'nan-0' read nan J, "
                        "not a finite energy >= 0; ignored"]
    notes = [json.loads(line) for line in (tmp_path / "run.jsonl").read_text().splitlines()
             if '"note"' in line]
    assert notes and notes[0]["channel"] == "nan-0" and "plugin 'nanmeter'" in notes[0]["error"]


# --- pluggy's own call loop: wrappers, tracing -----------------------------------------------------------------


def test_a_wrapper_hookimpl_works_in_grid_lookup(monkeypatch: pytest.MonkeyPatch, site: Site) -> None:
    site.dist("wrapping", {"wrapping": "wrapping_mod"}, {"wrapping_mod": """
        from dataclasses import replace
        from footprint import hookimpl

        @hookimpl(wrapper=True)
        def footprint_carbon_intensity(region):
            answer = yield
            return None if answer is None else replace(answer, name=answer.name + " (seen by wrapper)")
    """})
    load(monkeypatch, "wrapping")
    found = grid.lookup("FRA")
    assert found.name.endswith("(seen by wrapper)")
    assert found.plugin == "codecarbon-grid"
    assert "error" not in next(p for p in checked() if p["name"] == "wrapping")


def test_a_wrapper_that_raises_before_yielding_is_skipped(monkeypatch: pytest.MonkeyPatch, site: Site) -> None:
    site.dist("badwrap", {"badwrap": "badwrap_mod"}, {"badwrap_mod": """
        from footprint import hookimpl

        @hookimpl(wrapper=True)
        def footprint_carbon_intensity(region):
            raise ValueError("no API key")
            yield
    """})
    load(monkeypatch, "badwrap")
    assert grid.lookup("FRA").plugin == "codecarbon-grid"
    assert failure("badwrap") == "footprint_carbon_intensity wrapper raised ValueError: no API key"


def test_footprint_trace_prints_each_hook_call_its_plugins_and_time(site: Site, tmp_path: Path) -> None:
    env = site.env(FOOTPRINT_LOAD_PLUGINS="", FOOTPRINT_TRACE="1")
    done = subprocess.run([sys.executable, "-m", "footprint", *ESTIMATE], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert "footprint: trace: footprint_carbon_intensity(region='FRA', start=None, end=None) asks codecarbon-grid" in lines
    answered = [line for line in lines if line.startswith(
        "footprint: trace: footprint_carbon_intensity plugin 'codecarbon-grid' ") and line.endswith(" ms answered")]
    assert len(answered) == 1
    assert any(line.startswith("footprint: trace: footprint_register_profiles done in ") for line in lines)
    quiet = subprocess.run([sys.executable, "-m", "footprint", *ESTIMATE], env=site.env(FOOTPRINT_LOAD_PLUGINS=""),
                           cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert quiet.stderr == ""


def test_footprints_own_plugins_are_not_isolated_a_bad_profile_path_is_the_users_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FOOTPRINT_PROFILE_PATH", str(tmp_path / "missing"))
    plugins.reset()
    result = run_cli(*ESTIMATE)
    assert result.code == 2 and result.out == ""
    assert result.err == (f"footprint estimate: error: FOOTPRINT_PROFILE_PATH: {str(tmp_path / 'missing')!r} is not a "
                          "directory; expected directories of .toml profiles\n")


# --- a plugin that never answers: abandoned after FOOTPRINT_PLUGIN_TIMEOUT, the command starts regardless --------


HANGS_IN_A_HOOK = """
    import os, time
    from footprint import hookimpl

    def hang():
        marker = os.environ.get("HANG_MARKER")
        if marker:
            open(marker, "w").write("entered")
        while True:
            time.sleep(3600)

    @hookimpl
    def footprint_register_profiles(register):  # what estimate asks first
        hang()

    @hookimpl
    def footprint_register_meters(register):  # what run asks first
        hang()
"""


def _child_writes(marker: Path) -> list[str]:
    return ["--", sys.executable, "-c", f"open({str(marker)!r}, 'w').write('yes')"]


@pytest.mark.parametrize("where", ["hook", "import"])
def test_a_plugin_that_never_answers_is_abandoned_and_run_and_estimate_go_on(site: Site, tmp_path: Path,
                                                                            where: str) -> None:
    code = HANGS_IN_A_HOOK if where == "hook" else "import time\nwhile True:\n    time.sleep(3600)\n"
    site.dist("stuck", {"stuck": "stuck_mod"}, {"stuck_mod": code})
    env = site.env(FOOTPRINT_LOAD_PLUGINS="stuck", FOOTPRINT_PLUGIN_TIMEOUT="0.5")
    marker = tmp_path / "child-ran"
    run = subprocess.run([sys.executable, "-m", "footprint", "run", "--log", str(tmp_path / "run.jsonl"),
                          *_child_writes(marker)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert marker.read_text() == "yes"
    what = {"hook": "footprint_register_{}", "import": "import of 'stuck_mod'"}[where]
    warning = (f"footprint: warning: plugin 'stuck' skipped: {what} did not answer within 0.5 s "
               "(FOOTPRINT_PLUGIN_TIMEOUT); abandoned\n")
    assert run.stderr.count(warning.format("meters")) == 1, run.stderr
    estimate = subprocess.run([sys.executable, "-m", "footprint", *ESTIMATE], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
    assert estimate.returncode == 0 and "energy, total" in estimate.stdout
    assert estimate.stderr.count(warning.format("profiles")) == 1, estimate.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_is_not_held_up_by_a_plugin_that_never_answers(site: Site, tmp_path: Path, signum: int) -> None:
    site.dist("stuck", {"stuck": "stuck_mod"}, {"stuck_mod": HANGS_IN_A_HOOK})
    entered = tmp_path / "entered"
    marker = tmp_path / "child-ran"
    env = site.env(FOOTPRINT_LOAD_PLUGINS="stuck", FOOTPRINT_PLUGIN_TIMEOUT="300", HANG_MARKER=str(entered))
    proc = subprocess.Popen([sys.executable, "-m", "footprint", "run", "--log", str(tmp_path / "run.jsonl"),
                             *_child_writes(marker)], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not entered.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert entered.exists(), "the plugin's hook never ran"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=30)  # far below the 300 s deadline
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signum, err
    assert f"footprint_register_meters had not answered when {signal.Signals(signum).name} arrived" in err
    assert not marker.exists()  # asked to stop before the command started: it is not started


def test_a_bad_plugin_timeout_is_one_line_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTPRINT_PLUGIN_TIMEOUT", "soon")
    monkeypatch.setenv("FOOTPRINT_LOAD_PLUGINS", "")
    plugins.reset()
    result = run_cli(*ESTIMATE)
    assert result.code == 2 and result.out == ""
    assert result.err == ("footprint estimate: error: FOOTPRINT_PLUGIN_TIMEOUT: 'soon' is not a time; expected "
                          "seconds > 0, such as 5\n")


# --- a meter plugin's open() and start(): SystemExit and hangs are its own loss --------------------------------


METER = """
    import sys, time
    from footprint import hookimpl
    from footprint.plugin_api import ChannelBase, MeterFactory, Opened, Reading

    class Channel(ChannelBase):
        component, key, method = "gpu", "odd-0", "odd sensor (plugin)"
        def info(self):
            return {{"name": "Odd Accelerator"}}
        def start(self, now):
            {start}
        def read(self, now):
            return Reading(1.0)

    class Meter(MeterFactory):
        name, component = "odd", "gpu"
        def open(self, settings):
            {open}
            return Opened(channels=[Channel()])

    @hookimpl
    def footprint_register_meters(register):
        register(Meter())
"""


@pytest.mark.parametrize(("open_code", "start_code", "note"), [
    ("sys.exit(0)", "pass", "meter odd (plugin oddmeter) failed to open (SystemExit(0)); its devices are not metered"),
    ("raise SystemExit('bye')", "pass",
     "meter odd (plugin oddmeter) failed to open (SystemExit('bye')); its devices are not metered"),
    ("time.sleep(3600)", "pass", "meter odd (plugin oddmeter) open() did not answer within 0.5 s "
     "(FOOTPRINT_PLUGIN_TIMEOUT); abandoned; its devices are not metered"),
])
def test_a_meter_plugin_that_exits_or_hangs_in_open_loses_only_its_devices(site: Site, tmp_path: Path, open_code: str,
                                                                          start_code: str, note: str) -> None:
    site.dist("oddmeter", {"oddmeter": "oddmeter_mod"},
              {"oddmeter_mod": textwrap.dedent(METER).format(open=open_code, start=start_code)})
    marker = tmp_path / "child-ran"
    env = site.env(FOOTPRINT_LOAD_PLUGINS="oddmeter", FOOTPRINT_PLUGIN_TIMEOUT="0.5")
    run = subprocess.run([sys.executable, "-m", "footprint", "run", "--json", "--log", str(tmp_path / "run.jsonl"),
                          *_child_writes(marker)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert marker.read_text() == "yes"
    assert f"footprint: {note}\n" in run.stderr
    assert json.loads(run.stdout)["energy"]["magnitude"] > 0


@pytest.mark.parametrize("start_code", ["sys.exit(4)", "time.sleep(3600)"])
def test_a_meter_plugin_channel_that_exits_or_hangs_in_start_is_a_gap(site: Site, tmp_path: Path, start_code: str) -> None:
    site.dist("oddmeter", {"oddmeter": "oddmeter_mod"},
              {"oddmeter_mod": textwrap.dedent(METER).format(open="pass", start=start_code)})
    marker = tmp_path / "child-ran"
    log = tmp_path / "run.jsonl"
    env = site.env(FOOTPRINT_LOAD_PLUGINS="oddmeter", FOOTPRINT_PLUGIN_TIMEOUT="0.5")
    run = subprocess.run([sys.executable, "-m", "footprint", "run", "--interval", "200ms", "--log", str(log),
                          "--", sys.executable, "-c", f"import time; time.sleep(1); open({str(marker)!r}, 'w')"],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert marker.exists()
    records = [json.loads(line) for line in log.read_text().splitlines()]
    notes = [r["error"] for r in records if r.get("type") == "note" and r.get("channel") == "odd-0"]
    expected = "SystemExit(4)" if "exit" in start_code else \
        "RuntimeError: start() did not answer within 0.5 s (FOOTPRINT_PLUGIN_TIMEOUT); abandoned"
    assert notes[0] == expected
    gaps = [r["flags"]["0"] for r in records if r.get("type") == "interval"]
    assert gaps and all("gap:start-failed" in flags for flags in gaps)


@pytest.mark.parametrize("method", ["read", "poll"])
def test_a_meter_plugin_channel_that_hangs_in_read_or_poll_is_abandoned_and_the_run_ends(site: Site, tmp_path: Path,
                                                                                         method: str) -> None:
    """A channel whose read() (or poll()) never returns once the run is going: the meter loop and the end of the run
    go on without it, the rest of its time is a named gap, and the command's exit code comes through."""
    code = textwrap.dedent(METER).format(open="pass", start="pass").replace(
        "    def read(self, now):\n        return Reading(1.0)\n",
        "    poll_period = 0.1\n"
        "    calls = 0\n"
        "    def poll(self, now):\n"
        + ("        time.sleep(3600)\n" if method == "poll" else "        pass\n")
        + "    def read(self, now):\n"
        "        self.calls += 1\n"
        + ("        if self.calls > 2: time.sleep(3600)\n" if method == "read" else "")
        + "        return Reading(1.0)\n")
    assert "poll_period" in code
    site.dist("oddmeter", {"oddmeter": "oddmeter_mod"}, {"oddmeter_mod": code})
    log = tmp_path / "run.jsonl"
    env = site.env(FOOTPRINT_LOAD_PLUGINS="oddmeter", FOOTPRINT_PLUGIN_TIMEOUT="0.5")
    run = subprocess.run([sys.executable, "-m", "footprint", "run", "--interval", "200ms", "--log", str(log),
                          "--", sys.executable, "-c", "import sys, time; time.sleep(2); sys.exit(3)"],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 3, run.stderr
    records = [json.loads(line) for line in log.read_text().splitlines()]
    notes = [r["error"] for r in records if r.get("type") == "note" and r.get("channel") == "odd-0"]
    assert notes == [f"RuntimeError: {method}() did not answer within 0.5 s (FOOTPRINT_PLUGIN_TIMEOUT); abandoned"]
    flags = [r.get("flags", {}).get("0", []) for r in records if r.get("type") == "interval"]
    assert f"gap:{method}-hung" in flags[-1]
    assert records[-1]["type"] == "final"


# --- a name taken by a built-in: the built-in keeps it ---------------------------------------------------------


def test_a_plugin_named_like_a_builtin_is_refused_and_the_builtin_keeps_working(site: Site, tmp_path: Path) -> None:
    site.dist("grid-impostor", {"codecarbon-grid": "impostor_mod"}, {"impostor_mod": """
        from footprint import hookimpl

        @hookimpl
        def footprint_regions():
            return []
    """})
    from footprint import __version__

    warning = ("footprint: warning: plugin 'codecarbon-grid' skipped: plugin name clash: 'codecarbon-grid' is taken "
               f"by footprint {__version__} (built-in, footprint.plugins.builtin.codecarbon_grid) and also given by "
               "grid-impostor 0.1, impostor_mod, which is not loaded; rename its entry point\n")
    estimate = footprint(site, tmp_path, *ESTIMATE, selection="codecarbon-grid")
    assert estimate.returncode == 0, estimate.stderr
    assert "energy, total" in estimate.stdout
    assert estimate.stderr == warning
    regions = footprint(site, tmp_path, "regions", selection="codecarbon-grid")
    assert regions.returncode == 0 and regions.stderr == warning
    assert "FRA" in regions.stdout
    listed = json.loads(footprint(site, tmp_path, "plugins", "--json", selection="codecarbon-grid").stdout)
    builtin, refused = (p for p in listed if p["name"] == "codecarbon-grid")
    assert builtin["builtin"] and "error" not in builtin
    assert "grid-impostor 0.1" in refused["error"]


# --- a plugin that prints: footprint's machine-readable output stays whole -------------------------------------


def test_what_a_plugin_prints_goes_to_stderr_so_json_output_stays_valid(site: Site, tmp_path: Path) -> None:
    site.dist("chatty", {"chatty": "chatty_mod"}, {"chatty_mod": """
        import threading
        from footprint import hookimpl

        print("chatty: imported")

        @hookimpl
        def footprint_register_profiles(register):
            print("chatty: registering profiles")

        @hookimpl
        def footprint_carbon_intensity(region):
            print("chatty: asked about", region)
    """})
    estimate = footprint(site, tmp_path, *ESTIMATE, "--json", selection="chatty")
    assert estimate.returncode == 0, estimate.stderr
    assert json.loads(estimate.stdout)["energy"]["magnitude"] > 0
    assert "chatty: imported\n" in estimate.stderr and "chatty: asked about FRA\n" in estimate.stderr
    marker = tmp_path / "child-ran"
    run = footprint(site, tmp_path, "run", "--json", "--log", str(tmp_path / "run.jsonl"), *_child_writes(marker),
                    selection="chatty")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["energy"]["magnitude"] > 0
    assert "chatty: imported\n" in run.stderr and "chatty: asked about" in run.stderr


# --- one bad file in FOOTPRINT_PROFILE_PATH costs that file alone ----------------------------------------------


def test_a_bad_file_in_the_profile_path_is_skipped_with_one_warning_and_the_others_still_match(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "bad.toml").write_text('id = "bad-gpu"\nname = "Bad"\ntdpp = "300 W"\n')
    (folder / "mine.toml").write_text('id = "my-gpu"\nname = "My GPU"\nnvml_names = ["My Accelerator 9000"]\n'
                                      'tdp = { value = "450 W", source = "test fixture" }\n')
    monkeypatch.setenv("FOOTPRINT_PROFILE_PATH", str(folder))
    plugins.reset()
    estimate = run_cli(*ESTIMATE)
    assert estimate.code == 0, estimate.err
    warnings = [line for line in estimate.err.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"footprint: warning: profile file skipped: {folder / 'bad.toml'}: key 'tdpp': ")
    assert run_cli("estimate", "--profile", "my-gpu", "--gpus", "8", "--hours", "10").code == 0
    # run still names the GPU it meters by the good profile
    fake = tmp_path / "gpus.toml"
    fake.write_text('[[gpu]]\nname = "My Accelerator 9000"\npower = "300 W"\n')
    log = tmp_path / "run.jsonl"
    env = {**os.environ, "FOOTPRINT_FAKE_GPUS": str(fake), "FOOTPRINT_PROFILE_PATH": str(folder),
           "FOOTPRINT_LOAD_PLUGINS": ""}
    run = subprocess.run([sys.executable, "-m", "footprint", "run", "-q", "--log", str(log), "--", sys.executable, "-c",
                          "pass"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    header = json.loads(log.read_text().splitlines()[0])
    assert [c["profile"] for c in header["channels"] if c["component"] == "gpu"] == ["my-gpu"]
    # a file named on the command line is the user's choice: its error is the command's
    chosen = run_cli("estimate", "--profile-file", str(folder / "bad.toml"), "--gpus", "8", "--hours", "10")
    assert chosen.code == 2 and "key 'tdpp'" in chosen.err


def test_a_thread_a_plugin_leaves_running_does_not_keep_footprint_alive(site: Site, tmp_path: Path) -> None:
    site.dist("lingering", {"lingering": "lingering_mod"}, {"lingering_mod": """
        import threading, time
        from footprint import hookimpl

        threading.Thread(target=lambda: time.sleep(3600), name="lingering-poller", daemon=False).start()

        @hookimpl
        def footprint_register_profiles(register):
            pass
    """})
    estimate = footprint(site, tmp_path, *ESTIMATE, "--json", selection="lingering")  # 120 s at most
    assert estimate.returncode == 0, estimate.stderr
    assert json.loads(estimate.stdout)["energy"]["magnitude"] > 0
    assert estimate.stderr == ("footprint: warning: not waiting for thread(s) 'lingering-poller' that a plugin left "
                               "running\n")
    marker = tmp_path / "child-ran"
    run = footprint(site, tmp_path, "run", "-q", "--log", str(tmp_path / "run.jsonl"), "--", sys.executable, "-c",
                    f"open({str(marker)!r}, 'w'); raise SystemExit(3)", selection="lingering")
    assert run.returncode == 3 and marker.exists()
