"""What a multi-node job leaves behind reaches the user whole: a job directory gets its page and its methods
statement, a job named beyond what a path can hold still runs (its name kept whole in the header), and a result
that could not be pushed is said even with --quiet."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_quiet_still_says_that_the_push_failed(tmp_path: Path) -> None:
    done = subprocess.run([PY, "-m", "footprint", "run", "-q", "--log", "run.jsonl", "--prometheus-push", "http://127.0.0.1:9",
                           "--", PY, "-c", "pass"], cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "--prometheus-push: could not push to http://127.0.0.1:9" in done.stderr
    assert done.stdout == ""
