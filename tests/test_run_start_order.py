"""``footprint run`` starts the command before it builds the unit registry (or imports pint and numpy, whose
thread pools would start before the command), and still refuses a bad option before the command runs.

A behaviour test, not a timing one: a fresh interpreter records, at the moment the command is spawned, whether
pint is imported and whether the registry exists, and whether the registry was built once the run was over.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PY = sys.executable

RECORDER = """
import json, subprocess, sys
out, args = sys.argv[1], sys.argv[2:]
seen = []
spawn = subprocess.Popen.__init__
def recording(self, *a, **k):
    argv = a[0] if a else k["args"]
    if list(argv)[-1] != "COMMAND_MARK":  # other processes (such as platform's 'uname -p') are not the command
        return spawn(self, *a, **k)
    units = sys.modules.get("footprint.core.units")
    seen.append({"pint": "pint" in sys.modules, "numpy": "numpy" in sys.modules,
                 "registry": bool(units and units.registry.cache_info().currsize)})
    return spawn(self, *a, **k)
subprocess.Popen.__init__ = recording
from footprint.cli import main
try:
    main(args)
except SystemExit as exc:
    units = sys.modules.get("footprint.core.units")
    done = {"code": exc.code, "spawned": seen, "registry_after": bool(units and units.registry.cache_info().currsize)}
    open(out, "w").write(json.dumps(done))
"""


MARK = "COMMAND_MARK"  # the last argument of every command these tests run, so the recorder knows it


def run_recorded(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "spawn.json"
    env = {k: v for k, v in os.environ.items() if k not in ("FOOTPRINT_FAKE_GPUS", "CUDA_VISIBLE_DEVICES")}
    env["FOOTPRINT_LOAD_PLUGINS"] = ""
    done = subprocess.run([PY, "-c", RECORDER, str(out), "run", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert out.exists(), done.stderr
    return json.loads(out.read_text())


@pytest.mark.parametrize("options", [(), ("--interval", "5s"), ("--interval", "500ms", "--label", "x", "-q")])
def test_the_command_starts_before_pint_is_imported_and_the_registry_after(tmp_path: Path, options: tuple[str, ...]) -> None:
    done = run_recorded(tmp_path, *options, "--", PY, "-c", "pass", MARK)
    assert done["code"] == 0
    assert done["spawned"] == [{"pint": False, "numpy": False, "registry": False}]
    assert done["registry_after"]  # the summary is in units: the registry is built, once the command has run


@pytest.mark.parametrize(("option", "value"), [("--cpu-power", "150 Wh"), ("--ram-power", "ten watts"),
                                               ("--cpu-power", "-5 W"), ("--intensity", "400 g"), ("--price", "2 EUR/h")])
def test_a_bad_value_still_stops_run_before_the_command(tmp_path: Path, option: str, value: str) -> None:
    done = run_recorded(tmp_path, option, value, "--", PY, "-c", "open('ran', 'w')", MARK)
    assert done["code"] == 2
    assert done["spawned"] == []
    assert not (tmp_path / "ran").exists()


def test_given_powers_are_checked_before_the_command_and_used(tmp_path: Path) -> None:
    done = run_recorded(tmp_path, "--cpu-power", "150 W", "--ram-power", "10 W", "--log", "run.jsonl", "--",
                        PY, "-c", "pass", MARK)
    assert done["code"] == 0 and len(done["spawned"]) == 1
    header = json.loads((tmp_path / "run.jsonl").read_text().splitlines()[0])
    assert header["type"] == "header"
    cpu = [c for c in header["channels"] if c["component"] in ("cpu", "ram")]
    assert cpu, header["channels"]


def test_the_cpu_power_table_and_its_matching_read_as_codecarbons_rows_do() -> None:
    import csv
    import re
    from importlib.util import find_spec

    from footprint.meter import host_model

    spec = find_spec("codecarbon")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "hardware" / "cpu_power.csv"
    want: dict[str, float] = {}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                want[row["Name"].strip()] = float(row["TDP"])
            except (KeyError, ValueError, TypeError, AttributeError):
                continue
    assert host_model.cpu_power_table() == want and len(want) > 1000
    for name in [*list(want)[::50], "AMD EPYC", "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", "--", ""]:
        assert host_model._tokens(name) == frozenset(re.sub(r"[^0-9a-z]+", " ", name.lower()).split()), name


def test_plain_watts_read_as_pint_reads_them() -> None:
    from footprint.core import units as u
    from footprint.meter.host_model import _plain_watts

    for number in ["0", "150", "1.5", ".5", "2.", "1e3", "3.3E-2", "0.15", "123456789", "+7", "-5", "1e100"]:
        for unit in ["W", "kW", "MW", "mW"]:
            for text in (f"{number} {unit}", f"{number}{unit}", f"  {number}  {unit} "):
                want = float(u.parse_quantity(text, u.POWER, "--cpu-power").to("W").magnitude)
                assert _plain_watts(text) == want, text
    for other in ["150 Wh", "1e101 W", "150 watt", "150", "W", "1.5 kW*2", "ten W"]:
        assert _plain_watts(other) is None, other


def test_a_plain_power_is_read_before_the_command_without_the_registry(tmp_path: Path) -> None:
    done = run_recorded(tmp_path, "--cpu-power", "150 W", "--ram-power", "0.01 kW", "--", PY, "-c", "pass", MARK)
    assert done["code"] == 0
    assert done["spawned"] == [{"pint": False, "numpy": False, "registry": False}]
