"""On a real Slurm cluster (three slurmd on this host): per-rank launches meter each node once, and the job report
adds the nodes up, names a node whose meter was killed, and refuses to mix jobs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from footprint.meter.launcher import expand_hostlist
from tests.cli_run import run_cli
from tests.cluster.conftest import NODES, Slurm
from tests.cluster.helpers import FAKE_GPUS, all_joules, barrier, gpu_joules, records, wait_for

pytestmark = pytest.mark.system("munged", "slurmctld", "slurmd", "srun", "sinfo")

J_PER_KWH = 3.6e6

# each rank works for a while (local rank 1 outlives local rank 0), then writes its node and the time it ended
WORKLOAD = barrier("os.environ['SLURMD_NODENAME']", 2) + (
            "r = int(os.environ['SLURM_PROCID']); time.sleep(1.0 + 1.0 * int(os.environ['SLURM_LOCALID'])); "
            "open(os.path.join(sys.argv[1], f'rank{r}'), 'w').write(os.environ['SLURMD_NODENAME'] + ' ' + repr(time.time()))")


def _srun(slurm: Slurm, log_dir: Path, marks: Path, workload: str = WORKLOAD) -> subprocess.Popen[str]:
    env = {**slurm.env, "FOOTPRINT_FAKE_GPUS": str(FAKE_GPUS)}
    return subprocess.Popen(["srun", "-N3", "--ntasks-per-node=2", "footprint", "run", "--log-dir", str(log_dir),
                             "--interval", "0.5s", "-q", "--", "python", "-c", workload, str(marks)],
                            env=env, cwd=slurm.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_srun_per_rank_meters_each_node_once_and_report_adds_them_up(slurm: Slurm, tmp_path: Path) -> None:
    log_dir, marks = tmp_path / "logs", tmp_path / "marks"
    marks.mkdir()
    proc = _srun(slurm, log_dir, marks)
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err
    assert sorted(p.name for p in marks.glob("rank*")) == [f"rank{r}" for r in range(6)]  # every rank ran its command
    jobs = list(log_dir.iterdir())
    assert len(jobs) == 1
    logs = sorted(jobs[0].glob("*.jsonl"))
    assert [p.name for p in logs] == [f"{n}.jsonl" for n in NODES]  # one log per node: one meter per node
    for log in logs:
        recs = records(log)
        header, final = recs[0], recs[-1]
        assert header["launcher"] == "slurm" and header["node"] == log.stem
        assert "expected_nodes" not in header and header["num_nodes"] == len(NODES)  # its own node and the job's size
        assert expand_hostlist(header["nodelist"]) == list(NODES)
        assert final["type"] == "final" and final["rank_processes"] == 2
        ended = {int(p.name[4:]): float(p.read_text().split()[1]) for p in marks.glob("rank*") if p.read_text().split()[0] == log.stem}
        assert final["ranks"] == sorted(ended)  # the meter saw both ranks of its node
        # metering lasted until the node's last rank ended, whichever rank metered (its start time is taken just
        # before the meter's clock starts, so start + t is at most the meter's real end)
        assert header["start_unix"] + final["t"] >= max(ended.values()) - 0.05

    result = run_cli("report", str(log_dir), "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    expected_gpu = sum(gpu_joules(p) for p in logs) / J_PER_KWH
    assert data["energy_gpu"]["magnitude"] == pytest.approx(expected_gpu, rel=1e-8)
    expected_it = sum(all_joules(p) for p in logs) / J_PER_KWH
    assert data["energy_gpu"]["magnitude"] + data["energy_host"]["magnitude"] == pytest.approx(expected_it, rel=1e-8)
    assert [n["node"] for n in data["nodes"]] == list(NODES)
    assert all(n["complete"] for n in data["nodes"]) and data["missing_nodes"] == []
    assert sorted(r for n in data["nodes"] for r in n["ranks"]) == list(range(6))
    for node, log in zip(data["nodes"], logs, strict=True):
        assert len(node["gpus"]) == 2
        assert node["energy_gpu"]["magnitude"] == pytest.approx(gpu_joules(log) / J_PER_KWH, rel=1e-8)
    assert data["gpus"] == 6


def test_killed_meter_is_named_cut_short(slurm: Slurm, tmp_path: Path) -> None:
    log_dir, marks = tmp_path / "logs", tmp_path / "marks"
    marks.mkdir()
    work = WORKLOAD.replace("time.sleep(1.0 + 1.0 *", "time.sleep(4.0 + 0.5 *")
    proc = _srun(slurm, log_dir, marks, work)
    try:
        def meter_pid() -> int | None:
            found = list(log_dir.glob("*/n2.jsonl"))
            recs = records(found[0]) if found else []
            return recs[0]["pid"] if len(recs) >= 2 else None  # header and a first interval written

        pid = wait_for(meter_pid, 30, "node n2's meter to start")
        os.kill(pid, signal.SIGKILL)  # a footprint process our srun started on "node" n2
        proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    result = run_cli("report", str(log_dir), "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    state = {n["node"]: n["complete"] for n in data["nodes"]}
    assert state == {"n1": True, "n2": False, "n3": True}
    assert "node n2: cut short" in result.err
    cut = next(log_dir.glob("*/n2.jsonl"))
    assert records(cut)[-1]["type"] == "interval"
    expected_gpu = sum(gpu_joules(p) for p in log_dir.glob("*/*.jsonl")) / J_PER_KWH
    assert data["energy_gpu"]["magnitude"] == pytest.approx(expected_gpu, rel=1e-8)

    # a log of another job in the same directory: refused, naming both jobs, unless --job picks one
    job = data["details"]["job"]["job"]
    lines = next(log_dir.glob("*/n1.jsonl")).read_text().splitlines(keepends=True)
    header = json.loads(lines[0])
    header["job"] = "99999"
    (log_dir / "99999").mkdir()
    (log_dir / "99999" / "n1.jsonl").write_text(json.dumps(header) + "\n" + "".join(lines[1:]))
    mixed = run_cli("report", str(log_dir))
    assert mixed.code == 2
    assert f"holds logs of 2 jobs ({', '.join(sorted([job, '99999']))}); pass --job ID" in mixed.err
    picked = run_cli("report", str(log_dir), "--job", job, "--json")
    assert picked.code == 0, picked.err
    assert json.loads(picked.out)["energy_gpu"] == data["energy_gpu"]
