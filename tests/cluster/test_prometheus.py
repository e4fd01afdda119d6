"""The exporter as real Prometheus and Pushgateway servers see it: scraped during a run, pushed at its end."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.parse
from itertools import accumulate
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.cli_run import run_cli
from tests.cluster.conftest import Server, start_prometheus
from tests.cluster.helpers import BIN, FAKE_GPUS, env_with, free_port, http_get, records, wait_for

METRICS = ("footprint_gpu_energy_joules_total", "footprint_gpu_power_watts", "footprint_cpu_energy_joules_total",
           "footprint_ram_energy_joules_total", "footprint_facility_energy_joules_total", "footprint_emissions_grams_total")


def _run(tmp_path: Path, *options: str, seconds: float = 3.0, until: Path | None = None) -> subprocess.Popen[str]:
    """footprint run over a command that sleeps ``seconds``, or until the file ``until`` appears (at most 60 s)."""
    work = (f"import os, time; t = time.time()\nwhile not os.path.exists({str(until)!r}) and time.time() < t + 60: time.sleep(0.05)"
            if until else f"import time; time.sleep({seconds})")
    env = env_with(FOOTPRINT_FAKE_GPUS=str(FAKE_GPUS), FOOTPRINT_LOCK_DIR=str(tmp_path / "locks"),
                   FOOTPRINT_JOB_ID="train-9", FOOTPRINT_NODE_NAME="n1")
    return subprocess.Popen([str(BIN / "footprint"), "run", "--log-dir", str(tmp_path / "logs"), "--interval", "0.25s",
                             "-q", *options, "--", sys.executable, "-c", work],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _query(server: Server, promql: str) -> list[dict[str, Any]]:
    body = json.loads(http_get(f"{server.url}/api/v1/query?" + urllib.parse.urlencode({"query": promql})))
    assert body["status"] == "success", body
    return body["data"]["result"]


@pytest.mark.system("prometheus")
def test_prometheus_scrapes_the_run(tmp_path: Path) -> None:
    port = free_port()
    prometheus = start_prometheus(tmp_path, port)
    try:
        done = tmp_path / "done"
        run = _run(tmp_path, "--prometheus-port", str(port), "--prometheus-addr", "127.0.0.1", until=done)
        try:
            # scraped while the run lasts: every metric, labelled with the meter's job and node
            wait_for(lambda: _query(prometheus, 'footprint_gpu_energy_joules_total{index="1"} > 0'), 45,
                     "a scrape with GPU energy", prometheus.daemon.log)
            for name in METRICS:
                series = _query(prometheus, name)
                assert series, name
                labels = series[0]["metric"]
                assert labels["footprint_job"] == "train-9" and labels["node"] == "n1" and labels["job"] == "training"
            power = _query(prometheus, "footprint_gpu_power_watts")
            assert sorted(s["metric"]["index"] for s in power) == ["0", "1"]
            assert all(s["metric"]["uuid"].startswith("GPU-") for s in power)
            done.touch()  # the training command may end now
            assert run.wait(60) == 0, run.stderr.read() if run.stderr else ""
        finally:
            if run.poll() is None:
                run.kill()
                run.wait(10)
        log = next((tmp_path / "logs").glob("*/*.jsonl"))
        recs = records(log)
        header = recs[0]
        index = next(i for i, c in enumerate(header["channels"]) if c["component"] == "gpu" and c["index"] == 0)
        cumulative = list(accumulate(float(r["e"][index]) for r in recs if r.get("type") == "interval"))
        # every value Prometheus stored is the log's running total after some interval
        samples = _query(prometheus, 'footprint_gpu_energy_joules_total{index="0"}[5m]')[0]["values"]
        assert samples  # at least the scrape waited for above
        for _, value in samples:
            assert any(float(value) == pytest.approx(c, rel=1e-9) for c in cumulative), (value, cumulative)
    finally:
        prometheus.daemon.stop()


@pytest.mark.system("prometheus-pushgateway")
def test_pushgateway_gets_the_final_totals(tmp_path: Path, pushgateway: Server) -> None:
    run = _run(tmp_path, "--prometheus-push", pushgateway.url, seconds=0.6)
    assert run.wait(60) == 0
    log = next((tmp_path / "logs").glob("*/*.jsonl"))
    recs = records(log)
    header = recs[0]
    totals = [0.0] * len(header["channels"])
    for r in recs:
        if r.get("type") == "interval":
            totals = [t + float(e) for t, e in zip(totals, r["e"], strict=False)]
    pushed = {}
    for family in text_string_to_metric_families(http_get(f"{pushgateway.url}/metrics")):
        for sample in family.samples:
            if sample.name == "footprint_gpu_energy_joules_total" and sample.labels.get("footprint_job") == "train-9":
                pushed[sample.labels["index"]] = sample.value
    for i, channel in enumerate(header["channels"]):
        if channel["component"] == "gpu":
            assert pushed[str(channel["index"])] == pytest.approx(totals[i], rel=1e-9)


def test_port_in_use_fails_before_the_command_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTPRINT_FAKE_GPUS", str(FAKE_GPUS))
    monkeypatch.chdir(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("run", "--prometheus-port", str(port), "--prometheus-addr", "127.0.0.1", "--",
                         sys.executable, "-c", "open('ran', 'w')")
    assert result.code == 2
    assert result.err == (f"footprint run: error: --prometheus-port: cannot listen on 127.0.0.1:{port}: Address already in use; "
                          "expected a free port (another exporter running?)\n")
    assert not (tmp_path / "ran").exists()
    result = run_cli("run", "--prometheus-port", "70000", "--", sys.executable, "-c", "open('ran', 'w')")
    assert result.code == 2 and "70000 is out of range" in result.err
