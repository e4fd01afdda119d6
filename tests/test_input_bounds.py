"""Every input is read within bounds: quantities are read (never evaluated), checked in the right unit, and
files are read with a size and depth limit; whatever is wrong is one line naming the value (and file and key)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from footprint.errors import FootprintError
from tests.cli_run import run_cli

BASE = ("estimate", "--profile", "h100", "--gpus", "8")
# a limit only for commands that would hang or run for hours if a value were evaluated; a read value takes < 1 s
HANG_GUARD_S = 120
PROFILE = 'id = "x1"\nname = "X1"\n[tdp]\nvalue = {tdp}\nsource = "our spec sheet"\n'


def one_line_error(r, *must_name: str) -> str:
    assert r.code == 2, (r.out, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    assert "Traceback" not in r.err
    for name in must_name:
        assert name in lines[0], lines[0]
    return lines[0]


def run_subprocess(*args: str, env: dict[str, str] | None = None, memory: int | None = None) -> subprocess.CompletedProcess:
    """The CLI in its own process, for inputs that would hang or exhaust memory if they were mishandled."""
    def limit() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run([sys.executable, "-m", "footprint", *args], capture_output=True, text=True,
                          timeout=HANG_GUARD_S, env={**os.environ, **(env or {})}, preexec_fn=limit)


# --- 1. quantities are read, never evaluated

@pytest.mark.parametrize("value", [
    "(10**400) h",  # pint's evaluator: OverflowError traceback
    "10**400 h",
    "2*3 h", "5 h * 2", "5 h + 3 h", "5 h - 1 h", "1e3 h / 2", "5 h ** 2", "(5) h", "5 (h)", "-(5) h",
    "__import__('os') h", "5 h; 3", "5 h # comment", "1_000 h", "1,000 h", "0x10 h", "5 h 3",
    "١٢٣ h",  # Arabic-Indic digits: not a number here
    "１２ h",  # full-width digits
    "nan h", "inf h", "-inf h", "1e400 h", "1e-400..1e400 h",
])
def test_duration_that_is_not_a_number_and_unit_is_refused(value: str) -> None:
    # a range names the part it cannot read
    one_line_error(run_cli(*BASE, "--duration", value), "--duration", repr(value.split("..")[-1]))


def test_power_tower_is_refused_without_being_computed() -> None:
    # pint would compute 10**(10**10): a 33-billion-bit integer, hours of CPU
    r = run_subprocess(*BASE, "--duration", "10**10**10 s")
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "'10**10**10 s'" in r.stderr


def test_power_tower_in_a_profile_on_the_profile_path_is_refused(tmp_path: Path) -> None:
    # the file is skipped with one warning (as a failing plugin is), never computed; the command goes on
    (tmp_path / "tower.toml").write_text(PROFILE.format(tdp='"10**10**10 W"'))
    r = run_subprocess(*BASE, "--hours", "1", env={"FOOTPRINT_PROFILE_PATH": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("\n") == 1 and "warning: profile file skipped" in r.stderr
    assert "tower.toml" in r.stderr and "'tdp'" in r.stderr


def test_a_64k_value_is_refused_as_too_long_and_not_echoed_whole() -> None:
    value = "1" * 65536 + " h"
    line = one_line_error(run_cli(*BASE, "--duration", value), "--duration", "too long", "65,538 characters")
    assert len(line) < 400


@pytest.mark.parametrize("tdp", ['"700 W * 5 %"', '"__import__(\'os\') W"', '"(700) W"', '"7e2*1 W"', '"700 W / 2"',
                                 '"nan W"', '"inf W"', '"١٢٣ W"'])
def test_profile_figure_that_is_not_a_number_and_unit_is_refused(tmp_path: Path, tdp: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(PROFILE.format(tdp=tdp))
    one_line_error(run_cli("estimate", "--profile-file", str(path), "--gpus", "1", "--hours", "1"), "bad.toml", "'tdp'")


@pytest.mark.parametrize("text", ["550 W", "550W", "54 days", "0.385 kg/kWh", "1.2e3 W", "+5 h", "5. h", ".5 h",
                                  "2 USD/h", "582 gCO2e/kWh", "989.5 TFLOP/s", "3.3e24 FLOP", "80 %", "1.2 ppm",
                                  "12 MWh", "5 W * h", "1 kW h", "7 µs"])
def test_well_formed_values_read_as_pint_reads_them(text: str) -> None:
    # pint's own parser is the reference for text it can be trusted with (a number and a unit, no expression)
    from footprint.core.units import Q, quantity_from_text

    mine, theirs = quantity_from_text(text), Q(text)
    assert mine.units == theirs.units
    assert mine.magnitude == pytest.approx(theirs.magnitude)
    assert type(mine.magnitude) is type(theirs.magnitude)  # "700 W" stays an integer and prints as 700 W


def test_a_unit_given_only_after_high_applies_to_low() -> None:
    ranged = run_cli(*BASE, "--duration", "10..20 h", "--json")
    spelled = run_cli(*BASE, "--duration", "10 h..20 h", "--json")
    assert ranged.code == spelled.code == 0, (ranged.err, spelled.err)
    assert json.loads(ranged.out)["energy"] == json.loads(spelled.out)["energy"]


# --- 2. range checks in the right unit, and only finite, non-negative results

@pytest.mark.parametrize("pue", ["5 %", "1.2 ppm", "99 %", "0.5", "1100 %"])
def test_pue_is_checked_as_a_plain_number(pue: str) -> None:
    one_line_error(run_cli(*BASE, "--hours", "10", "--pue", pue), "--pue", "at least 1", repr(pue) if " " in pue else pue)


@pytest.mark.parametrize(("option", "percent", "plain", "rest"), [
    ("--pue", "120 %", "1.2", ("--hours", "10")),
    ("--gpu-power", "80 %", "0.8", ("--hours", "10")),
    ("--mfu", "40 %", "0.4", ("--flops", "1e24")),
    ("--mfu", "30..40 %", "0.3..0.4", ("--flops", "1e24")),
])
def test_percent_means_the_same_as_the_plain_fraction(option: str, percent: str, plain: str, rest: tuple[str, ...]) -> None:
    a = run_cli(*BASE, *rest, option, percent, "--json")
    b = run_cli(*BASE, *rest, option, plain, "--json")
    assert a.code == b.code == 0, (a.err, b.err)
    assert json.loads(a.out)["energy"] == pytest.approx(json.loads(b.out)["energy"])


@pytest.mark.parametrize("args", [
    ("--hours", "1e308"),
    ("--hours", "1e99", "--gpu-power", "1e99 PW", "--intensity", "1e99 kg/kWh", "--pue", "10"),
    ("--hours", "1e99", "--energy-price", "1e99 USD/kWh", "--gpu-power", "1e99 PW"),
    ("--gpus", str(10**400), "--hours", "1"),
])
def test_a_result_beyond_float_range_is_refused_not_printed_as_infinity(args: tuple[str, ...]) -> None:
    r = run_cli("estimate", "--profile", "h100", "--gpus", "8", *args, "--json")
    one_line_error(r)
    assert "Infinity" not in r.out and "inf" not in r.out


def test_measured_values_must_be_finite(tmp_path: Path) -> None:
    path = tmp_path / "measured.toml"
    path.write_text(PROFILE.format(tdp='"700 W"') + '[measured.bf16]\nthroughput = "600 TFLOP/s"\npower = "inf W"\n'
                    'source = "footprint calibrate"\n')
    one_line_error(run_cli("estimate", "--profile-file", str(path), "--gpus", "1", "--hours", "1"),
                   "measured.toml", "measured.bf16.power")


def test_saved_result_with_nan_is_a_data_error() -> None:
    from footprint.claims.sides import span_from_json

    with pytest.raises(FootprintError, match="energy"):
        span_from_json({"magnitude": float("nan"), "units": "kWh"}, "r.json: energy")
    with pytest.raises(FootprintError, match="not a unit"):
        span_from_json({"magnitude": 1.0, "units": "(10**400)*kWh"}, "r.json: energy")


# --- 3. files are read within bounds

@pytest.mark.parametrize("special", ["/dev/zero", "fifo", "directory"])
def test_profile_file_that_is_not_a_regular_file_is_refused(tmp_path: Path, special: str) -> None:
    path = special
    if special == "fifo":
        path = str(tmp_path / "pipe.toml")
        os.mkfifo(path)
    elif special == "directory":
        path = str(tmp_path)
    # its own process with 2 GiB of address space: reading /dev/zero to its end would exhaust memory
    r = run_subprocess("estimate", "--profile-file", path, "--gpus", "1", "--hours", "1", memory=2 * 1024**3)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and repr(path) in r.stderr


def test_profile_file_over_a_mebibyte_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text(PROFILE.format(tdp='"700 W"') + "# padding\n" * 200_000)
    one_line_error(run_cli("estimate", "--profile-file", str(path), "--gpus", "1", "--hours", "1"), "big.toml", "larger than")


@pytest.mark.parametrize("document", [
    PROFILE.format(tdp="[" * 10_000 + "]" * 10_000),
    PROFILE.format(tdp="{a = " * 5_000 + "1" + "}" * 5_000),
    "[" + ".".join(["tdp"] * 10_000) + "]\n",
    PROFILE.format(tdp='"700 W"') + "[tdp." + ".".join(["x"] * 10_000) + "]\n",
])
def test_deeply_nested_toml_is_one_line(tmp_path: Path, document: str) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(document)
    one_line_error(run_cli("estimate", "--profile-file", str(path), "--gpus", "1", "--hours", "1"), "deep.toml")


@pytest.mark.parametrize(("body", "key"), [
    ('pue = true', "'pue'"),
    ('pue = [1.1, 1.2, 1.3]', "'pue'"),
    ('region = 5', "'region'"),
    ('precision = ["bf16"]', "'precision'"),
    ('gpus = { n = 8 }', "'gpus'"),
    ('profile = { id = "h100" }', "'profile'"),
    ('hours = "(10**400) h"', "--hours"),
    ('pue = "5 %"', "--pue"),
])
def test_malformed_scenario_names_file_and_key(tmp_path: Path, body: str, key: str) -> None:
    lines = {"profile": '"h100"', "gpus": "8", "hours": "10"}
    bad_key, bad_value = body.split(" = ", 1)
    lines[bad_key] = bad_value
    path = tmp_path / "scen.toml"
    path.write_text("".join(f"{k} = {v}\n" for k, v in lines.items()))
    one_line_error(run_cli("compare", str(path), "llama31-405b"), "scen.toml", key)


@pytest.mark.parametrize(("body", "key"), [
    ('sources = "x"\n[references.a]\nname = "A"', "sources"),
    ('references = { a = "not a table" }', "'a'"),
    ('[references.a]\nname = "A"\nstatus = "primary"\nhardware = { value = "H100", source = "s" }\ninputs = 5\n'
     'method = { source = "s" }', "inputs"),
    ('[references.a]\nname = "A"\nstatus = "primary"\nhardware = { value = "H100", source = "s" }\nmethod = { source = "s" }\n'
     '[references.a.inputs]\ngpu_hours = { value = "(10**400) h", source = "s" }', "inputs.gpu_hours"),
    ('[references.a]\nname = "A"\nstatus = "primary"\nhardware = { value = "H100", source = "s" }\nmethod = { source = "s" }\n'
     '[references.a.outputs.energy]\nvalue = "1 MWh"\nsource = "s"\ntolerance = "tight"', "outputs.energy.tolerance"),
    ('[references.a]\nname = "A"\nstatus = "primary"\nhardware = { value = "H100", source = "s" }\nmethod = { source = "s" }\n'
     '[references.a.outputs.energy]\nvalue = "1 MWh"\nsource = "s"\ntolerance = nan', "outputs.energy.tolerance"),
    ('[references.a]\nname = "A"\nstatus = "primary"\nhardware = { value = "H100", source = "s" }\n'
     'method = { source = "s", pue = "1.1 * 2" }', "method.pue"),
    ('[references.a]\nname = "A"\nstatus = "primary"\nhardware = { value = "H100", source = "s" }\nmethod = { source = "s" }\n'
     '[references.a.outputs.energy]\nvalue = "1 MWh"\nsource = "s"\nmethod = { intensity = "(10**400) g/kWh" }',
     "outputs.energy.method.intensity"),
    ('[references.a]\nname = "A"\nstatus = "primary"\nhardware = { value = "H100", source = "s" }\n'
     'method = { source = "s", gpu_power = "700 W * 5 %" }', "method.gpu_power"),
])
def test_malformed_reference_file_names_file_and_key(tmp_path: Path, body: str, key: str) -> None:
    from footprint.claims.references import load_reference_file

    path = tmp_path / "refs.toml"
    path.write_text(body + "\n")
    with pytest.raises(FootprintError) as caught:
        load_reference_file(path)
    message = str(caught.value)
    assert "refs.toml" in message and key in message and "\n" not in message


@pytest.mark.parametrize(("gpu", "key"), [
    ('lost_at = "soon"', "'lost_at'"),
    ("lost_at = nan", "'lost_at'"),
    ("lost_at = -1.0", "'lost_at'"),
    ("update_period = 0", "'update_period'"),
    ("power_window = inf", "'power_window'"),
    ("power = nan", "power"),
    ('power = "-350 W"', "power"),
    ('power = "(10**400) W"', "power"),
    ("trace = [[0]]", "'trace'"),
    ('trace = [[nan, "100 W"]]', "trace[0]"),
    ("error = true", "'error'"),
    ('error_at = "later"\nerror = "GpuIsLost"', "'error_at'"),
    ("counter_reset_at = [inf]", "'counter_reset_at'"),
    ('energy_counter = "no"', "'energy_counter'"),
    ("mig_uuids = [1, 2]", "'mig_uuids'"),
    ("arch = 1.5", "'arch'"),
])
def test_malformed_fake_gpu_file_names_file_and_key(tmp_path: Path, gpu: str, key: str) -> None:
    from footprint.meter.fake_nvml import load_fake_file

    path = tmp_path / "fake.toml"
    path.write_text(f'[[gpu]]\nname = "NVIDIA H100 80GB HBM3"\n{gpu}\n')
    with pytest.raises(FootprintError) as caught:
        load_fake_file(path)
    message = str(caught.value)
    assert "fake.toml" in message and "gpu 0" in message and key in message and "\n" not in message


@pytest.mark.parametrize(("top", "key"), [('driver = "yes"', "'driver'"), ("driver_version = 570", "'driver_version'")])
def test_malformed_fake_gpu_file_top_keys(tmp_path: Path, top: str, key: str) -> None:
    from footprint.meter.fake_nvml import load_fake_file

    path = tmp_path / "fake.toml"
    path.write_text(f'{top}\n[[gpu]]\npower = "350 W"\n')
    with pytest.raises(FootprintError, match=key):
        load_fake_file(path)


def test_malformed_fake_gpu_file_stops_run_before_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    fake = tmp_path / "fake.toml"
    fake.write_text('[[gpu]]\npower = "350 W"\nlost_at = "soon"\n')
    monkeypatch.setenv("FOOTPRINT_FAKE_GPUS", str(fake))
    r = run_cli("run", "--", sys.executable, "-c", "open('ran', 'w')")
    one_line_error(r, "fake.toml", "'lost_at'")
