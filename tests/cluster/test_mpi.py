"""Open MPI's mpirun starts footprint once per rank on this host: one rank meters, all run, exit codes pass through."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli_run import run_cli
from tests.cluster.helpers import FAKE_GPUS, barrier, env_with, free_port, gpu_joules, records, tool

pytestmark = pytest.mark.system("mpirun")

# rank 3 works longest; every rank writes its rank and the time its work ended
WORKLOAD = barrier("'node'", 4) + ("r = int(os.environ['OMPI_COMM_WORLD_RANK']); time.sleep(0.5 + 0.5 * r); "
            "open(os.path.join(sys.argv[1], f'rank{r}'), 'w').write(repr(time.time()))")


def _mpirun(tmp_path: Path, workload: str, *extra: str) -> subprocess.CompletedProcess[str]:
    marks = tmp_path / "marks"
    marks.mkdir(exist_ok=True)
    env = env_with(FOOTPRINT_FAKE_GPUS=str(FAKE_GPUS), FOOTPRINT_LOCK_DIR=str(tmp_path / "locks"))
    return subprocess.run([tool("mpirun"), "--oversubscribe", "--allow-run-as-root", "-np", "4", "footprint", "run",
                           "--log-dir", str(tmp_path / "logs"), "--interval", "0.5s", *extra, "--", "python", "-c",
                           workload, str(marks)], env=env, capture_output=True, text=True, timeout=90, cwd=tmp_path)


def test_mpirun_elects_one_meter(tmp_path: Path) -> None:
    # all four ranks ask for the same metrics port: only the elected meter binds it, or a rank would exit 2
    done = _mpirun(tmp_path, WORKLOAD, "-q", "--prometheus-port", str(free_port()), "--prometheus-addr", "127.0.0.1")
    assert done.returncode == 0, done.stderr
    logs = list((tmp_path / "logs").glob("*/*.jsonl"))
    assert len(logs) == 1  # four ranks on one node: one log
    recs = records(logs[0])
    header, final = recs[0], recs[-1]
    assert header["launcher"] == "openmpi" and header["local_size"] == 4
    assert final["type"] == "final" and final["ranks"] == [0, 1, 2, 3] and final["rank_processes"] == 4
    ended = [float((tmp_path / "marks" / f"rank{r}").read_text()) for r in range(4)]
    assert header["start_unix"] + final["t"] >= max(ended) - 0.05  # metered until the last rank ended
    report = run_cli("report", str(tmp_path / "logs"), "--json")
    assert report.code == 0, report.err
    data = json.loads(report.out)
    assert data["gpus"] == 2  # the node's two GPUs, once, not once per rank
    assert data["energy_gpu"]["magnitude"] == pytest.approx(gpu_joules(logs[0]) / 3.6e6, rel=1e-8)


def test_unmetered_rank_passes_its_exit_code_through(tmp_path: Path) -> None:
    workload = "import os, sys; sys.exit(7 if os.environ['OMPI_COMM_WORLD_RANK'] == '2' else 0)"
    done = _mpirun(tmp_path, workload)
    assert done.returncode == 7, done.stderr
    assert "metered by pid" in done.stderr  # the other ranks say who meters their node
