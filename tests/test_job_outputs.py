"""What a multi-node job leaves behind reaches the user whole: a job directory gets its page and its methods
statement, a job named beyond what a path can hold still runs (its name kept whole in the header), and a result
that could not be pushed is said even with --quiet."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_run_cli import env

PY = sys.executable


def _node(tmp_path: Path, log_dir: Path, job: str, node: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "footprint", "run", "-q", "--interval", "0.5s", "--log-dir", str(log_dir), *args,
                           "--", PY, "-c", "import time; time.sleep(0.6)"],
                          cwd=tmp_path, env=env(FOOTPRINT_JOB_ID=job, FOOTPRINT_NODE_NAME=node), capture_output=True,
                          text=True, timeout=60)


def _report(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "footprint", "report", *args], cwd=tmp_path, env=env(), capture_output=True,
                          text=True, timeout=60)


def test_a_job_directory_gets_its_html_page_and_statement(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    for node in ("alpha", "beta"):
        assert _node(tmp_path, logs, "4242", node).returncode == 0
    page = tmp_path / "job.html"
    done = _report(tmp_path, str(logs), "--html", str(page))
    assert done.returncode == 0, done.stderr
    text = page.read_text()
    assert "job 4242" in text and "<svg" in text
    assert "alpha GPU 0" in text and "beta GPU 1" in text  # both nodes' GPUs drawn
    statement = _report(tmp_path, str(logs), "--statement", "text")
    assert statement.returncode == 0, statement.stderr
    assert statement.stdout.startswith("We metered the training run on 4 ")  # both nodes' GPUs counted


def test_a_job_id_too_long_for_a_path_still_runs_and_is_kept_whole(tmp_path: Path) -> None:
    job = "j" * 10_000
    logs = tmp_path / "logs"
    done = _node(tmp_path, logs, job, "n1")
    assert done.returncode == 0, done.stderr[:300]
    (log,) = logs.rglob("*.jsonl")
    assert len(log.parent.name) <= 100
    assert json.loads(log.read_text().splitlines()[0])["job"] == job
    other = "j" * 9_999 + "k"  # the same first characters: another job, another folder
    assert _node(tmp_path, logs, other, "n1").returncode == 0
    assert len({p.parent for p in logs.rglob("*.jsonl")}) == 2
    report = _report(tmp_path, str(logs), "--job", job, "--json")
    assert report.returncode == 0, report.stderr[:300]
    assert json.loads(report.stdout)["details"]["job"]["job"] == job
    text = _report(tmp_path, str(logs), "--job", job)
    assert text.returncode == 0 and job not in text.stdout + text.stderr  # named, not repeated 10,000 characters long


def test_quiet_still_says_that_the_push_failed(tmp_path: Path) -> None:
    done = subprocess.run([PY, "-m", "footprint", "run", "-q", "--log", "run.jsonl", "--prometheus-push", "http://127.0.0.1:9",
                           "--", PY, "-c", "pass"], cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "--prometheus-push: could not push to http://127.0.0.1:9" in done.stderr
    assert done.stdout == ""


def _rank(tmp_path: Path, seconds: float) -> subprocess.Popen[str]:
    extra = {"FOOTPRINT_JOB_ID": "77", "FOOTPRINT_NODE_NAME": "n1", "FOOTPRINT_LOCK_DIR": str(tmp_path / "locks")}
    return subprocess.Popen([PY, "-m", "footprint", "run", "--interval", "0.5s", "--log-dir", str(tmp_path / "logs"), "--",
                             PY, "-c", f"import time; time.sleep({seconds})"],
                            cwd=tmp_path, env=env(**extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_intervals(log: Path, count: int) -> None:
    import time

    deadline = time.monotonic() + 30
    while not (log.exists() and log.read_text().count('"type":"interval"') >= count):
        assert time.monotonic() < deadline, f"{log} never held {count} intervals"
        time.sleep(0.05)


def test_a_rank_takes_over_when_the_node_meter_is_killed(tmp_path: Path) -> None:
    import signal

    meter = _rank(tmp_path, 8.0)
    first = tmp_path / "logs" / "77" / "n1.jsonl"
    _wait_for_intervals(first, 1)
    rank = _rank(tmp_path, 5.0)
    _wait_for_intervals(first, 3)
    meter.kill()  # SIGKILL: no final record, the meter's lock dropped by the kernel
    meter.wait(timeout=30)
    assert meter.returncode == -signal.SIGKILL
    _, err = rank.communicate(timeout=60)
    assert rank.returncode == 0, err
    assert "this rank metered the node from then on" in err
    second = tmp_path / "logs" / "77" / "n1.2.jsonl"
    header = json.loads(second.read_text().splitlines()[0])
    assert header["takeover"]["previous_meter_pid"] == meter.pid
    assert json.loads(second.read_text().splitlines()[-1])["type"] == "final"
    report = _report(tmp_path, str(tmp_path / "logs"), "--json")
    assert report.returncode == 0, report.stderr
    (span,) = json.loads(report.stdout)["details"]["job"]["unmetered"]
    assert span["node"] == "n1" and span["taken_over"] is True
    assert 0 < span["duration"]["magnitude"] < 3  # the poll and one interval, not the rest of the job
    assert "node n1: not metered for" in report.stderr and "until another rank took over" in report.stderr
    # both logs count: the job's GPU time covers what the second rank ran, not only the killed meter's stretch
    data = json.loads(report.stdout)
    assert data["gpu_hours"]["magnitude"] * 3600 > 2 * 4.0
    assert data["gpus"] == 2  # the node's two GPUs, in both logs, counted once
    assert data["details"]["estimate"]["measured_power_fraction"] == pytest.approx(0.5, rel=0.05)  # 350 W of 700 W


def test_a_node_whose_meter_stopped_for_good_is_named_with_its_unmetered_span(tmp_path: Path) -> None:
    from footprint.meter.fake_nvml import FakeGpu
    from tests.fixtures.meter.helpers import metered

    logs = tmp_path / "logs"
    logs.mkdir()
    extra = {"job": "9", "expected_nodes": ["a", "b"], "num_nodes": 2}
    metered([FakeGpu()], 60.0, interval=5.0, log=logs / "a.jsonl", header_extra={**extra, "node": "a"})
    metered([FakeGpu()], 60.0, interval=5.0, log=logs / "b.jsonl", header_extra={**extra, "node": "b"})
    lines = (logs / "b.jsonl").read_text().splitlines(keepends=True)
    header = json.loads(lines[0])
    header["start_unix"] = json.loads((logs / "a.jsonl").read_text().splitlines()[0])["start_unix"]
    intervals = [line for line in lines[1:] if '"interval"' in line]
    kept = [json.dumps(header) + "\n", *intervals[:4]]  # killed 20 s in
    (logs / "b.jsonl").write_text("".join(kept))
    report = _report(tmp_path, str(logs))
    assert report.returncode == 0, report.stderr
    assert "node b: not metered for 40.0 s, from 20.0 s to 60.0 s into the job" in report.stderr
    assert "NOT METERED 20.0 s to 60.0 s into the job" in report.stdout
