"""Plots and pages read logs in bounded memory: a log is streamed into at most a fixed number of buckets per
channel, each bucket's power is the exact average of its intervals, energy is conserved, and gaps stay shaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from footprint.meter.fake_nvml import FakeGpu
from footprint.render import series
from footprint.render.plot import job_total
from tests.fixtures.meter.helpers import metered


def _write(path: Path, records: int, gap_every: int = 0, node: str | None = None) -> float:
    """A plain log of one GPU at 100 + (k mod 7) W for 5 s intervals; returns its energy in J."""
    header = {"type": "header", "format": "footprint-meter-log", "version": 1, "run_id": path.stem, "settings": {"interval_s": 5.0},
              "channels": [{"key": "GPU-0", "component": "gpu", "index": 0, "power_limit_w": 700.0}], **({"node": node} if node else {})}
    total = 0.0
    with path.open("w") as fh:
        fh.write(json.dumps(header) + "\n")
        for k in range(records):
            e = (100.0 + k % 7) * 5.0
            total += e
            record: dict[str, object] = {"type": "interval", "t": 5.0 * (k + 1), "dt": 5.0, "e": [e]}
            if gap_every and k % gap_every == gap_every - 1:
                record["flags"], record["est"] = {"0": ["gap:GpuIsLost"]}, {"0": e}
            fh.write(json.dumps(record) + "\n")
    return total


def test_a_long_log_is_reduced_to_a_bounded_number_of_points_with_its_energy_whole(tmp_path: Path) -> None:
    log = tmp_path / "month.jsonl"
    total = _write(log, 20_000, gap_every=5_000)
    (node,) = series.read_nodes([log], points=64)
    (gpu,) = node.gpus
    assert 32 <= len(gpu.t) <= 64
    assert sum(gpu.joules) == pytest.approx(total, rel=1e-12)
    assert node.energy_steps()[1][-1] * 3.6e6 == pytest.approx(total, rel=1e-12)
    assert gpu.t == sorted(gpu.t) and gpu.t[-1] == 100_000.0
    # every bucket's power is the average of its intervals: between the lowest and highest interval power
    assert all(100.0 <= w <= 106.0 for w in gpu.watts)
    assert len(gpu.gaps) == 4 and all(start < 5_000 * 5.0 * (i + 1) <= end for i, (start, end) in enumerate(gpu.gaps))


def test_a_short_log_keeps_every_interval(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    metered([FakeGpu(power="300 W", lost=[(22.0, None)])], 60.0, interval=5.0, log=log)
    (node,) = series.read_nodes([log])
    (gpu,) = node.gpus
    assert gpu.t == [5.0 * (k + 1) for k in range(12)]
    assert gpu.watts[0] == pytest.approx(300.0, rel=0.01)
    assert gpu.gaps == [(20.0, 60.0)]


def test_many_nodes_share_one_budget_of_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(series, "TOTAL_POINTS", 40 * 50)
    paths = []
    for i in range(50):
        path = tmp_path / f"n{i}.jsonl"
        _write(path, 500, node=f"n{i}")
        paths.append(path)
    nodes = series.read_nodes(paths, tmp_path)
    assert len(nodes) == 50
    assert all(len(c.t) <= 40 for n in nodes for c in n.channels)


def test_the_job_total_is_the_sum_of_the_nodes_held_after_their_last_point() -> None:
    times, totals = job_total([("a", [0.0, 1.0, 3.0], [0.0, 2.0, 5.0]), ("b", [0.0, 2.0], [0.0, 1.0])])
    assert times == [0.0, 1.0, 2.0, 3.0] and totals == [0.0, 2.0, 3.0, 6.0]
