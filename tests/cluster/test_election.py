"""One meter per node when every rank starts footprint (here: ranks started by the test with a shared job id)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli_run import run_cli
from tests.cluster.helpers import BIN, FAKE_GPUS, barrier, env_with, gpu_joules, records

# argv: folder, seconds of work, name of the file to write when done, exit code, ranks to wait for
WORK = barrier("''", "int(sys.argv[5])") + (
    "time.sleep(float(sys.argv[2])); open(os.path.join(sys.argv[1], sys.argv[3]), 'w').write(repr(time.time())); sys.exit(int(sys.argv[4]))")


def _env(tmp_path: Path) -> dict[str, str]:
    return env_with(FOOTPRINT_FAKE_GPUS=str(FAKE_GPUS), FOOTPRINT_LOCK_DIR=str(tmp_path / "locks"),
                    FOOTPRINT_JOB_ID="job-1", FOOTPRINT_NODE_NAME="a")


def _rank(tmp_path: Path, seconds: float, code: int, name: str, ranks: int = 1) -> subprocess.Popen[str]:
    return subprocess.Popen([str(BIN / "footprint"), "run", "--log-dir", str(tmp_path / "logs"), "--interval", "0.2s",
                             "-q", "--", sys.executable, "-c", WORK, str(tmp_path), str(seconds), name, str(code), str(ranks)],
                            env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_ranks_elect_one_meter_that_outlasts_them_all(tmp_path: Path) -> None:
    ranks = [_rank(tmp_path, 0.5, 0, "r0", 3), _rank(tmp_path, 1.5, 3, "r1", 3), _rank(tmp_path, 1.0, 5, "r2", 3)]
    codes = [p.wait(60) for p in ranks]
    assert codes == [0, 3, 5]  # each rank's own exit code
    logs = list((tmp_path / "logs" / "job-1").glob("*.jsonl"))
    assert [p.name for p in logs] == ["a.jsonl"]
    recs = records(logs[0])
    assert recs[-1]["type"] == "final" and recs[-1]["rank_processes"] == 3
    last_end = max(float((tmp_path / n).read_text()) for n in ("r0", "r1", "r2"))
    assert recs[0]["start_unix"] + recs[-1]["t"] >= last_end - 0.05


def test_rank_arriving_after_the_meter_ended_meters_the_rest_in_a_second_log(tmp_path: Path) -> None:
    assert _rank(tmp_path, 0.3, 0, "r0").wait(60) == 0
    assert _rank(tmp_path, 0.3, 0, "r1").wait(60) == 0
    logs = sorted(p.name for p in (tmp_path / "logs" / "job-1").glob("*.jsonl"))
    assert logs == ["a.2.jsonl", "a.jsonl"]
    report = run_cli("report", str(tmp_path / "logs"), "--json")
    data = json.loads(report.out)
    assert [n["node"] for n in data["nodes"]] == ["a"]  # two runs of one node: one node, energies added
    total = sum(gpu_joules(p) for p in (tmp_path / "logs" / "job-1").glob("*.jsonl")) / 3.6e6
    assert data["nodes"][0]["energy_gpu"]["magnitude"] == pytest.approx(total, rel=1e-8)


TRACK = """
import os, sys, time, footprint
with footprint.track(log_dir=os.path.join(sys.argv[1], "logs"), interval="0.2s", quiet=True) as t:
    with t.window("step"):
""" + "".join("        " + line + "\n" for line in barrier("''", 2).splitlines()) + """
        time.sleep(float(sys.argv[2]))
print("metered" if t.result is not None else "not metered")
"""


def test_track_from_every_rank_meters_once(tmp_path: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", TRACK, str(tmp_path), str(s)], env=_env(tmp_path),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for s in (0.5, 1.5)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    assert sorted(o[0].strip() for o in outs) == ["metered", "not metered"]
    logs = list((tmp_path / "logs" / "job-1").glob("*.jsonl"))
    assert len(logs) == 1 and records(logs[0])[-1]["rank_processes"] == 2


def test_killed_meter_frees_the_node_for_the_next_run(tmp_path: Path) -> None:
    first = _rank(tmp_path, 3, 0, "r0")  # its command outlives the kill by at most 3 s
    try:
        deadline = time.monotonic() + 30
        log = tmp_path / "logs" / "job-1" / "a.jsonl"
        while time.monotonic() < deadline and len(records(log) if log.exists() else []) < 2:
            time.sleep(0.1)
        first.kill()  # SIGKILL: the kernel drops its locks
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(10)
    assert _rank(tmp_path, 0.2, 0, "r1").wait(60) == 0
    second = records(tmp_path / "logs" / "job-1" / "a.2.jsonl")
    assert second[-1]["type"] == "final"
