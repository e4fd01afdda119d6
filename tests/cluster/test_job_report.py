"""``footprint report DIR`` over node logs: sums, duplicates, missing and cut-short nodes, other jobs, bad input."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from footprint.meter.job import read_node_log
from tests.cli_run import run_cli
from tests.cluster.helpers import FAKE_GPUS, all_joules, gpu_joules, records

J_PER_KWH = 3.6e6
RunOn = Callable[[str, int], None]


@pytest.fixture
def node_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RunOn:
    """Run 'footprint run' in-process as a rank of Slurm job 77 on n[1-3] (the node chosen per call)."""
    monkeypatch.setenv("FOOTPRINT_FAKE_GPUS", str(FAKE_GPUS))
    monkeypatch.setenv("FOOTPRINT_LOCK_DIR", str(tmp_path / "locks"))
    for key, value in {"SLURM_JOB_ID": "77", "SLURM_JOB_NUM_NODES": "3", "SLURM_JOB_NODELIST": "n[1-3]",
                       "SLURM_PROCID": "0", "SLURM_LOCALID": "0"}.items():
        monkeypatch.setenv(key, value)

    def run_on(node: str, rank: int) -> None:
        monkeypatch.setenv("SLURMD_NODENAME", node)
        monkeypatch.setenv("SLURM_PROCID", str(rank))
        result = run_cli("run", "--log-dir", str(tmp_path / "logs"), "--interval", "0.1s", "-q", "--",
                         sys.executable, "-c", "import time; time.sleep(0.3)")
        assert result.code == 0, result.err

    return run_on


def test_sum_duplicates_and_missing_nodes(node_env: RunOn, tmp_path: Path) -> None:
    node_env("n1", 0)
    node_env("n3", 2)
    job = tmp_path / "logs" / "77"
    shutil.copy(job / "n1.jsonl", tmp_path / "logs" / "n1-copy.jsonl")  # the same run, copied elsewhere in DIR
    result = run_cli("report", str(tmp_path / "logs"), "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["missing_nodes"] == ["n2"]
    assert [n["node"] for n in data["nodes"]] == ["n1", "n3"]
    assert [n["ranks"] for n in data["nodes"]] == [[0], [2]]
    gpu = (gpu_joules(job / "n1.jsonl") + gpu_joules(job / "n3.jsonl")) / J_PER_KWH  # the copy counted once
    assert data["energy_gpu"]["magnitude"] == pytest.approx(gpu, rel=1e-8)
    assert "node n1: 2 copies of one run" in result.err
    assert "1 node(s) missing, no log found: n2" in result.err
    # per-node energy is the facility energy of that node: IT energy x the PUE used for the total
    pue = data["energy"]["magnitude"] / (data["energy_gpu"]["magnitude"] + data["energy_host"]["magnitude"])
    for node in data["nodes"]:
        it = all_joules(job / f"{node['node']}.jsonl") / J_PER_KWH
        assert node["energy"]["magnitude"] == pytest.approx(it * pue, rel=1e-7)
    text = run_cli("report", str(tmp_path / "logs"))
    assert "n2               MISSING (no log)" in text.out
    assert "job 77: 2 node(s), 1 missing" in text.out
    assert sum(1 for line in text.out.splitlines() if line.strip().startswith("GPU ") and "average" in line) == 4


def test_cut_short_log_is_streamed_up_to_its_last_interval(node_env: RunOn, tmp_path: Path) -> None:
    node_env("n1", 0)
    log = tmp_path / "logs" / "77" / "n1.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:-2]) + lines[-2][:10])  # killed: no final record, last line cut mid-write
    cut = read_node_log(log)
    assert not cut.complete and cut.cut_line
    result = run_cli("report", str(tmp_path / "logs"), "--json")
    data = json.loads(result.out)
    assert data["nodes"][0]["complete"] is False
    kept = [r for r in records(log) if r.get("type") == "interval"]
    assert data["nodes"][0]["duration"]["magnitude"] == pytest.approx(kept[-1]["t"])
    assert "node n1: cut short (no final record)" in result.err


def test_fast_path_equals_streaming(node_env: RunOn, tmp_path: Path) -> None:
    node_env("n2", 1)
    log = tmp_path / "logs" / "77" / "n2.jsonl"
    fast = read_node_log(log)
    final = records(log)[-1]
    stripped = tmp_path / "old.jsonl"
    del final["totals"]  # a log whose final record carries no totals is read interval by interval
    stripped.write_text("".join(log.read_text().splitlines(keepends=True)[:-1]) + json.dumps(final) + "\n")
    slow = read_node_log(stripped)
    assert fast.complete and slow.complete
    for a, b in zip(fast.totals.channels, slow.totals.channels, strict=True):
        assert a.energy == pytest.approx(b.energy, rel=1e-12) and a.peak_w == b.peak_w
    assert fast.totals.duration == slow.totals.duration


def test_bad_directories(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli("report", str(empty))
    assert result.code == 2 and result.err.count("\n") == 1 and "holds no node logs" in result.err
    (empty / "notes.jsonl").write_text('{"hello": 1}\n')
    result = run_cli("report", str(empty))
    assert result.code == 2 and "not a footprint meter log" in result.err


def test_unknown_job_names_the_jobs_found(node_env: RunOn, tmp_path: Path) -> None:
    node_env("n1", 0)
    result = run_cli("report", str(tmp_path / "logs"), "--job", "78")
    assert result.code == 2
    assert "--job: no logs of job '78'" in result.err and "jobs found: 77" in result.err
    assert run_cli("report", str(tmp_path / "logs" / "77" / "n1.jsonl"), "--job", "77").code == 2


def test_meter_sees_the_gpus_of_the_slurm_step_not_only_its_ranks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # srun --gpus-per-task=1: this rank sees GPU 0 only, the step has GPUs 0 and 1 on the node
    monkeypatch.setenv("FOOTPRINT_FAKE_GPUS", str(FAKE_GPUS))
    monkeypatch.setenv("FOOTPRINT_LOCK_DIR", str(tmp_path / "locks"))
    for key, value in {"SLURM_JOB_ID": "78", "SLURMD_NODENAME": "n1", "SLURM_PROCID": "0", "SLURM_LOCALID": "0",
                       "SLURM_STEP_GPUS": "0,1", "CUDA_VISIBLE_DEVICES": "0"}.items():
        monkeypatch.setenv(key, value)
    result = run_cli("run", "--log-dir", str(tmp_path / "logs"), "--interval", "0.1s", "-q", "--",
                     sys.executable, "-c", "pass")
    assert result.code == 0, result.err
    header = records(tmp_path / "logs" / "78" / "n1.jsonl")[0]
    assert [c["index"] for c in header["channels"] if c["component"] == "gpu"] == [0, 1]


def test_streamed_sums_equal_the_ledgers_on_faulty_gpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GPUs with lost periods and counter resets write flagged and estimated intervals among plain ones
    from footprint.meter.job import stream_totals
    from footprint.meter.log import load_totals

    monkeypatch.setenv("FOOTPRINT_FAKE_GPUS", str(FAKE_GPUS.parent / "faulty.toml"))
    log = tmp_path / "faulty.jsonl"
    result = run_cli("run", "--log", str(log), "--interval", "0.1s", "-q", "--", sys.executable, "-c", "import time; time.sleep(1.5)")
    assert result.code == 0, result.err
    assert any("flags" in r or "est" in r for r in records(log))
    fast, _ = stream_totals(log)
    slow, _ = load_totals(str(log))
    assert fast.t == slow.t and fast.intervals == slow.intervals
    for a, b in zip(fast.channels, slow.channels, strict=True):
        assert (a.energy, a.estimated, a.peak_w, a.gap_s, a.flags) == (b.energy, b.estimated, b.peak_w, b.gap_s, b.flags)
