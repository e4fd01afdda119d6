"""``footprint report DIR`` reads the logs that must be streamed in several processes: the result, the warnings
and their order, and the errors are those of reading them one by one in one process."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from footprint.meter.job import merge_job, read_node_logs
from footprint.meter.log import FORMAT
from tests.cli_run import run_cli

NODES = [f"n{i:02d}" for i in range(24)]


def _line(record: Any) -> str:
    return json.dumps(record, separators=(",", ":")) + "\n"


def _node_log(rng: random.Random, node: str, kind: str, job_keys: dict[str, Any] | None = None) -> str:
    """One node's log of job 9: finished (a final record with totals), cut short, damaged (finished, but with no
    totals in its final record), or holding two runs. ``job_keys``: what its header says of the job (default: the
    whole node list, as meters before wrote it)."""
    channels = [{"key": f"GPU-{node}-{i}", "component": "gpu", "index": i, "name": "NVIDIA H100 80GB HBM3"} for i in range(4)]
    channels.append({"key": "cpu", "component": "cpu"})
    text = ""
    for run in range(2 if kind == "two runs" else 1):
        header = {"type": "header", "format": FORMAT, "version": 1, "run_id": f"{node}-{run}".ljust(32, "0"), "host": node,
                  "node": node, "job": "9", "start_unix": 1.8e9 + run * 7200, "settings": {"interval_s": 5.0},
                  "channels": channels, "ranks": [NODES.index(node)],
                  **(job_keys if job_keys is not None else {"expected_nodes": NODES, "num_nodes": len(NODES)})}
        text += _line(header)
        t, sums, peaks = 0.0, [0.0] * len(channels), [0.0] * len(channels)
        for k in range(rng.randint(50, 900)):
            t = round(t + 5.0, 3)
            e = [round(rng.uniform(200, 3500), 3) for _ in channels]
            sums = [a + b for a, b in zip(sums, e, strict=True)]
            peaks = [max(p, x / 5.0) for p, x in zip(peaks, e, strict=True)]
            if kind == "damaged" and k % 97 == 3:
                text += "not a record\n"
            text += _line({"type": "interval", "t": t, "dt": 5.0, "e": e})
        if kind in ("finished", "two runs"):
            text += _line({"type": "final", "t": t, "totals": {"t": t, "intervals": k + 1,
                                                               "channels": [[s, 0.0, p, 0.0, 0, {}] for s, p in zip(sums, peaks, strict=True)]}})
        elif kind == "damaged":
            text += _line({"type": "final", "t": t})  # finished, with no totals to take: streamed
    return text if kind != "cut short" else text + '{"type":"interval","t":'


@pytest.fixture
def job_dir(tmp_path: Path) -> Path:
    rng = random.Random(3)
    folder = tmp_path / "logs" / "9"
    folder.mkdir(parents=True)
    kinds = ["finished", "cut short", "damaged", "two runs"]
    for i, node in enumerate(NODES[:-2]):  # the last two nodes left no log: missing
        (folder / f"{node}.jsonl").write_text(_node_log(rng, node, kinds[i % len(kinds)]))
    (folder / "copy-of-n01.jsonl").write_text((folder / "n01.jsonl").read_text())  # the same run twice
    return tmp_path / "logs"


def test_pool_and_one_process_give_the_same_report(job_dir: Path) -> None:
    serial = run_cli("report", str(job_dir), "--json", "--workers", "1")
    pooled = run_cli("report", str(job_dir), "--json", "--workers", "2")
    assert serial.code == 0, serial.err
    assert (pooled.code, pooled.out, pooled.err) == (serial.code, serial.out, serial.err)
    data = json.loads(serial.out)
    assert [n["node"] for n in data["nodes"]] == NODES[:-2] and data["missing_nodes"] == NODES[-2:]
    # the warnings name what the logs hold, in the order of the nodes
    warned = [line for line in serial.err.splitlines() if "cut short" in line]
    assert [line.split()[2].rstrip(":") for line in warned] == [n for i, n in enumerate(NODES[:-2]) if i % 4 == 1]
    assert "2 copies of one run" in serial.err and "unreadable line (not a JSON object); skipped" in serial.err
    assert "its totals are not used" not in serial.err  # the final records' totals are those of their records


def _job(folder: Path, names: list[str], job_keys: dict[str, Any]) -> Path:
    rng = random.Random(3)
    folder.mkdir(parents=True)
    kinds = ["finished", "cut short", "damaged", "two runs"]
    for i, node in enumerate(names):
        (folder / f"{node}.jsonl").write_text(_node_log(rng, node, kinds[i % len(kinds)], job_keys))
    return folder


@pytest.mark.parametrize("job_keys, missing", [
    ({"launcher": "slurm", "num_nodes": len(NODES), "nodelist": "n[00-23]"}, NODES[-2:]),  # Slurm's compact list
    ({"launcher": "slurm", "num_nodes": len(NODES), "nodelist": "n[00-2"}, []),  # a list it cannot expand: counted
    ({"launcher": "slurm", "num_nodes": len(NODES)}, []),  # no list: the count says how many
])
def test_headers_with_the_job_size_name_the_missing_nodes_as_the_node_list_did(tmp_path: Path, job_keys: dict[str, Any],
                                                                              missing: list[str]) -> None:
    listed = merge_job(_job(tmp_path / "listed", NODES[:-2], {"expected_nodes": NODES, "num_nodes": len(NODES)}))
    sized = merge_job(_job(tmp_path / "sized", NODES[:-2], job_keys))
    assert [n.node for n in sized.nodes] == [n.node for n in listed.nodes] == NODES[:-2]
    assert [n.energy() for n in sized.nodes] == [n.energy() for n in listed.nodes]
    assert (sized.missing, sized.expected_count) == (missing, len(NODES))
    assert listed.missing == NODES[-2:]
    said = [w for w in sized.warnings if "missing" in w]
    assert said == ([f"2 node(s) missing, no log found: {', '.join(NODES[-2:])}"] if missing
                    else [f"2 node(s) missing: the launcher gave {len(NODES)} nodes, logs were found for {len(NODES) - 2}"])


def test_torchrun_nodes_are_named_from_the_job_size(tmp_path: Path) -> None:
    names = [f"node{i}" for i in range(12)]
    folder = tmp_path / "9"
    folder.mkdir()
    rng = random.Random(5)
    for node in names[:5] + names[6:]:
        text = _node_log(rng, "n00", "finished", {"launcher": "torchrun", "num_nodes": len(names)})
        (folder / f"{node}.jsonl").write_text(text.replace('"n00"', f'"{node}"').replace("n00-0", f"{node}-0"))
    merge = merge_job(folder)
    assert merge.missing == ["node5"] and [n.node for n in merge.nodes] == names[:5] + names[6:]  # node10 after node9


def test_pool_and_one_process_read_the_same_totals(job_dir: Path) -> None:
    paths = sorted(job_dir.rglob("*.jsonl"))
    serial = read_node_logs(paths, workers=1)
    pooled = read_node_logs(paths, workers=2)
    # one entry per run, in the order of the logs: a log of two runs gives two
    assert [log.path for log in pooled] == [log.path for log in serial]
    assert list(dict.fromkeys(log.path for log in pooled)) == [str(p) for p in paths]
    assert len(pooled) == len(paths) + sum(1 for p in paths if p.read_text().count('"type":"header"') == 2)
    for a, b in zip(serial, pooled, strict=True):
        assert (a.complete, a.cut_line, a.bad_lines, a.totals.duration, a.totals.intervals, a.totals.hourly) == \
               (b.complete, b.cut_line, b.bad_lines, b.totals.duration, b.totals.intervals, b.totals.hourly)
        assert [(c.energy, c.peak_w, c.gap_s) for c in a.totals.channels] == [(c.energy, c.peak_w, c.gap_s) for c in b.totals.channels]
    assert merge_job(job_dir, workers=2).warnings == merge_job(job_dir, workers=1).warnings


def test_a_file_that_is_no_log_is_the_same_one_line_error_from_the_pool(job_dir: Path) -> None:
    (job_dir / "9" / "n05.jsonl").write_text("hello\n")
    (job_dir / "9" / "n09.jsonl").write_text("")
    serial = run_cli("report", str(job_dir), "--workers", "1")
    pooled = run_cli("report", str(job_dir), "--workers", "2")
    assert serial.code == pooled.code == 2
    assert pooled.err == serial.err == (f"footprint report: error: {job_dir / '9' / 'n05.jsonl'}: not a footprint meter log "
                                        "(no header line); expected a log written by 'footprint run'\n")


def test_workers_must_be_a_positive_count(job_dir: Path) -> None:
    result = run_cli("report", str(job_dir), "--workers", "0")
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1 and "'--workers': 0" in result.err


def _totals(logs: list[Any]) -> list[Any]:
    return [(log.path, log.complete, log.bad_lines, log.totals.duration, [c.energy for c in log.totals.channels]) for log in logs]


def test_with_other_threads_running_the_workers_start_from_a_server_and_agree(job_dir: Path) -> None:
    import threading

    paths = sorted(job_dir.rglob("*.jsonl"))
    stop = threading.Event()
    waiter = threading.Thread(target=stop.wait)  # a thread of our own: forking now could copy a held lock
    waiter.start()
    try:
        pooled = read_node_logs(paths, workers=2)
    finally:
        stop.set()
        waiter.join()
    assert _totals(pooled) == _totals(read_node_logs(paths, workers=1))


def test_when_no_pool_can_start_the_logs_are_read_here(job_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import concurrent.futures
    from concurrent.futures.process import BrokenProcessPool

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise BrokenProcessPool("no processes")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", broken)
    paths = sorted(job_dir.rglob("*.jsonl"))
    assert _totals(read_node_logs(paths, workers=2)) == _totals(read_node_logs(paths, workers=1))
