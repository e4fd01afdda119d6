"""Output paths of 'footprint run' are checked by writing as the run will write, before the command starts: a
directory that takes no files is one line and exit 2, and the command never runs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.test_run_cli import PY, footprint

RAN = "open('ran', 'w')"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc, a directory that takes no files")
@pytest.mark.parametrize(("option", "path"), [("--csv", "/proc/x.csv"), ("--json-file", "/proc/x.json"),
                                              ("--json-file", "/proc/missing/dir/x.json")])
def test_a_directory_that_takes_no_files_stops_the_run_before_the_command(tmp_path: Path, option: str, path: str) -> None:
    done = footprint("run", option, path, "--", PY, "-c", RAN, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (f"footprint run: error: {option}: cannot write {path!r}: cannot create files in '/proc' "
                           "(No such file or directory); expected a writable file path\n")
    assert not (tmp_path / "ran").exists()


def test_missing_directories_are_made_for_every_output_file(tmp_path: Path) -> None:
    done = footprint("run", "--quiet", "--csv", "out/csv/emissions.csv", "--json-file", "out/json/result.json",
                     "--log", "out/log/run.jsonl", "--", PY, "-c", RAN, cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    assert (tmp_path / "ran").exists()
    rows = list(csv.DictReader((tmp_path / "out/csv/emissions.csv").open()))
    result = json.loads((tmp_path / "out/json/result.json").read_text())
    assert len(rows) == 1 and rows[0]["gpu_count"] == "2" and result["gpus"] == 2
    assert (tmp_path / "out/log/run.jsonl").stat().st_size > 0


def test_the_check_leaves_nothing_behind(tmp_path: Path) -> None:
    done = footprint("run", "--quiet", "--csv", "emissions.csv", "--json-file", "result.json", "--log", "run.jsonl",
                     "--", PY, "-c", "import os; print(sorted(os.listdir('.')))", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout == "['run.jsonl']\n"  # the log is open; no probe file is left, and the outputs come after


@pytest.mark.parametrize(("options", "mode"), [((), "process"), (("--cpu-scope", "process"), "process"),
                                               (("--cpu-scope", "machine"), "machine")])
def test_the_csv_tracking_mode_is_the_cpu_scope(tmp_path: Path, options: tuple[str, ...], mode: str) -> None:
    done = footprint("run", "--quiet", *options, "--csv", "emissions.csv", "--", PY, "-c", "pass", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader((tmp_path / "emissions.csv").open()))
    assert [r["tracking_mode"] for r in rows] == [mode]
