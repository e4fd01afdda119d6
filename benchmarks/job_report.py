"""``footprint report DIR`` over the node logs of a multi-node job: time and peak memory for 10, 100 and 1,000
nodes, each log a one-day (``--hours``), 8-GPU run at the default interval, against reading the files' bytes and against the
floor of parsing every line with ``json.loads``.

The logs are generated here (a header, 17,280 interval records with a checkpoint record every 10 minutes of run
time, a final record with the totals, each sealed with its checksum) in the format ``footprint run --log-dir``
writes; ``--no-checkpoints`` writes them as meters before checkpoints did. Three mixes: every log finished (summed
from its final record), one
in a hundred cut short (no final record: streamed), and every log cut short. Each mix is reported with the
default (cut-short logs streamed by one worker process per usable core, when there is enough to read) and with
``--workers 1`` (one process), the two alternating round by round.

    python benchmarks/job_report.py                 # 10, 100, 1000 nodes
    python benchmarks/job_report.py --nodes 10 100 --rounds 5 --keep /tmp/logs
    python benchmarks/job_report.py --nodes 200 --mixes "all cut short" --no-checkpoints
    python benchmarks/job_report.py --nodes 10000 --hours 0.5 --keep /tmp/logs --reuse   # the second time: no writing
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from types import SimpleNamespace
from typing import BinaryIO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from footprint.meter.checkpoint import CHECKPOINT_EVERY_S, Checkpoints  # noqa: E402
from footprint.meter.ledger import Ledger, totals_record  # noqa: E402
from footprint.meter.log import FORMAT, SEAL, VERSION  # noqa: E402
from footprint.meter.sampler import DEFAULT_INTERVAL_S  # noqa: E402

GPUS = 8


def header(job: str, node: str, nodes: int, listed: bool = False) -> dict[str, object]:
    """A node's header as the launcher fills it: its own node and the job's size (``listed``: with the whole node list,
    as meters before wrote it)."""
    channels = [{"key": f"GPU-{node}-{i}", "component": "gpu", "method": "energy counter (nvmlDeviceGetTotalEnergyConsumption)",
                 "index": i, "name": "NVIDIA H100 80GB HBM3", "power_limit_w": 700.0, "profile": "h100-sxm"} for i in range(GPUS)]
    channels += [{"key": "cpu", "component": "cpu", "method": "rapl"}, {"key": "ram", "component": "ram", "method": "modelled"}]
    return {"type": "header", "format": FORMAT, "version": VERSION, "host": node, "pid": 1000, "start_unix": 1.8e9,
            "command": ["python", "train.py"], "label": "", "settings": {"interval_s": DEFAULT_INTERVAL_S, "poll_hz": 10.0,
            "all_gpus": False, "cuda_visible_devices": None, "site": {}}, "facts": {}, "notes": [], "channels": channels,
            "job": job, "node": node, "launcher": "slurm", "rank": 0, "local_rank": 0, "local_size": 8, "num_nodes": nodes,
            "ranks": [0], **({"expected_nodes": [f"n{i}" for i in range(nodes)]} if listed else {"nodelist": f"n[0-{nodes - 1}]"})}


def body(checkpoints: bool, hours: float = 24.0) -> tuple[list[bytes | SimpleNamespace], list[float], float, int]:
    """The interval records of one day (the same for every node) in pieces, with the ledger's state wherever the
    meter appends a checkpoint (every CHECKPOINT_EVERY_S of run time, none after the last interval: a log cut
    short then has the most records after its last checkpoint); their per-channel totals, duration, count."""
    dt = DEFAULT_INTERVAL_S
    steps = int(hours * 3600 / dt)
    totals = [0.0] * (GPUS + 2)
    pieces: list[bytes | SimpleNamespace] = []
    lines: list[str] = []
    ledger = Ledger(header("4242", "n0", 1))
    for k in range(1, steps + 1):
        e = [round((550.0 + 10 * ((k + i) % 7)) * dt, 3) for i in range(GPUS)] + [round(400.0 * dt, 3), round(60.0 * dt, 3)]
        totals = [a + b for a, b in zip(totals, e, strict=True)]
        record = {"type": "interval", "t": round(k * dt, 3), "dt": dt, "e": e}
        lines.append(json.dumps(record, separators=(",", ":")))
        if checkpoints:
            ledger.add(record)
            if ledger.t % CHECKPOINT_EVERY_S == 0 and k < steps:
                saved = SimpleNamespace(t=ledger.t, lines=len(lines), whole=json.loads(json.dumps(ledger.state())))
                saved.state = lambda since=None, s=saved: {**s.whole, "hourly": [h for h in s.whole["hourly"] if since is None or h[0] >= since]}
                pieces += [("\n".join(lines) + "\n").encode(), saved]
                lines = []
    pieces.append(("\n".join(lines) + "\n").encode())
    if checkpoints:  # the final record carries the ledger's state too, as the meter's does
        end = SimpleNamespace(t=ledger.t, whole=json.loads(json.dumps(ledger.state())), totals=totals_record(ledger))
        end.state = lambda since=None, s=end: {**s.whole, "hourly": [h for h in s.whole["hourly"] if since is None or h[0] >= since]}
        pieces.append(end)
    return pieces, totals, steps * dt, steps


def sealed(record: dict[str, object], crc: int) -> bytes:
    """A record that carries totals as the meter's writer appends it: with the checksum of its run so far."""
    text = json.dumps(record, separators=(",", ":")).encode()
    return text[:-1] + SEAL + b'%08x"}\n' % zlib.crc32(text[:-1], crc)


def write_body(fh: BinaryIO, pieces: list[bytes | SimpleNamespace], first: bytes, final: dict[str, object] | None) -> None:
    """The records after the header line ``first``, each checkpoint naming its own place and sealed with its
    checksum as the meter's are; then ``final`` (None: cut short), with the last state as the meter's has it."""
    at, line, crc = len(first), 1, zlib.crc32(first)
    checkpoints = Checkpoints()
    for i, piece in enumerate(pieces):
        if isinstance(piece, bytes):
            fh.write(piece)
            at += len(piece)
            line += piece.count(b"\n")
            crc = zlib.crc32(piece, crc)
            continue
        line += 1
        record = checkpoints.record(piece, None, 0, at, line)  # type: ignore[arg-type]
        if i == len(pieces) - 1:  # the state at the end: in the final record, if the run finished
            if final is None:
                return
            record = {**final, "totals": piece.totals, **{k: v for k, v in record.items() if k not in final}}
        data = sealed(record, crc)
        fh.write(data)
        at += len(data)
        crc = zlib.crc32(data, crc)
    if final is not None and isinstance(pieces[-1], bytes):  # as meters before checkpoints wrote it
        fh.write(json.dumps(final, separators=(",", ":")).encode() + b"\n")


def generate(folder: Path, nodes: int, cut_every: int, checkpoints: bool = True, hours: float = 24.0,
             listed: bool = False) -> int:
    """Write the logs; ``cut_every``: one log in this many has no final record (0: none, 1: all)."""
    pieces, totals, duration, steps = body(checkpoints, hours)
    final = {"type": "final", "t": duration, "ended": "2027-01-01T00:00:00+00:00",
             "totals": {"t": duration, "intervals": steps, "channels": [[e, 0.0, 0.0, 0.0, 0, {}] for e in totals]},
             "exit_code": 0, "ranks": list(range(8)), "rank_processes": 8}
    job = folder / "4242"
    job.mkdir(parents=True)
    size = 0
    for n in range(nodes):
        path = job / f"n{n}.jsonl"
        with path.open("wb") as fh:
            first = json.dumps(header("4242", f"n{n}", nodes, listed), separators=(",", ":")).encode() + b"\n"
            fh.write(first)
            write_body(fh, pieces, first, final if not cut_every or n % cut_every else None)
        size += path.stat().st_size
    return size


def timed(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of a child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(args)}")
    return wall, usage.ru_maxrss / 1024


READ = "import sys, pathlib\nfor p in sorted(pathlib.Path(sys.argv[1]).rglob('*.jsonl')):\n    with open(p, 'rb') as f:\n        while f.read(1 << 20): pass\n"
# the floor for reading every record: json.loads over every line of every log, the logs shared among the cores
PARSE = """import json, os, pathlib, sys
from concurrent.futures import ProcessPoolExecutor
def parse(p):
    with open(p) as f:
        for line in f:
            json.loads(line)
if __name__ == "__main__":
    paths = sorted(pathlib.Path(sys.argv[1]).rglob("*.jsonl"))
    with ProcessPoolExecutor(len(os.sched_getaffinity(0))) as pool:
        list(pool.map(parse, paths, chunksize=max(1, len(paths) // 16)))
"""


def measure(folder: Path, rounds: int, floor: bool) -> dict[str, float]:
    timed([sys.executable, "-c", READ, str(folder)])  # warm the page cache: every side reads from memory
    read_s, read_mb = min(timed([sys.executable, "-c", READ, str(folder)]) for _ in range(3))
    report = [sys.executable, "-m", "footprint", "report", str(folder), "--json"]
    runs: dict[str, list[tuple[float, float]]] = {"pool": [], "serial": []}
    for _ in range(rounds):  # interleaved: the machine's load falls on both alike
        runs["pool"].append(timed(report))
        runs["serial"].append(timed([*report, "--workers", "1"]))
    result = {"read_s": read_s, "read_mb": read_mb}
    for name, values in runs.items():
        result[f"{name}_s"] = statistics.median(v[0] for v in values)
        result[f"{name}_mb"] = max(v[1] for v in values)
    if floor:
        script = folder / "parse.py"
        script.write_text(PARSE)
        result["floor_s"] = min(timed([sys.executable, str(script), str(folder)])[0] for _ in range(max(1, rounds // 2)))
        script.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of pool and one process, alternating (medians)")
    parser.add_argument("--floor", action="store_true", help="also time json.loads over every line, on every core")
    parser.add_argument("--keep", metavar="DIR", help="write the logs here and keep them")
    parser.add_argument("--no-checkpoints", action="store_true",
                        help="logs without checkpoint records, as meters before them wrote (cut-short logs read whole)")
    parser.add_argument("--mixes", nargs="+", default=["all finished", "1% cut short", "all cut short"],
                        choices=["all finished", "1% cut short", "all cut short"])
    parser.add_argument("--hours", type=float, default=24.0, help="hours of run each log holds (default: a day)")
    parser.add_argument("--listed", action="store_true",
                        help="headers with the job's whole node list, as meters before wrote them")
    parser.add_argument("--reuse", action="store_true", help="with --keep: read logs already written there")
    args = parser.parse_args()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="footprint-job-bench-"))
    print(f"{len(os.sched_getaffinity(0))} usable cores; medians of {args.rounds} rounds; "
          f"{'no checkpoints' if args.no_checkpoints else f'a checkpoint every {CHECKPOINT_EVERY_S:g} s'}", flush=True)
    try:
        for nodes in args.nodes:
            for label, cut_every in (("all finished", 0), ("1% cut short", 100), ("all cut short", 1)):
                if label not in args.mixes:
                    continue
                folder = base / f"{nodes}-{cut_every}"
                if args.reuse and folder.is_dir():
                    size = sum(p.stat().st_size for p in folder.rglob("*.jsonl"))
                else:
                    size = generate(folder, nodes, cut_every, not args.no_checkpoints, args.hours, args.listed)
                r = measure(folder, args.rounds, args.floor)
                floor = f" | json.loads floor {r['floor_s']:6.2f} s" if "floor_s" in r else ""
                print(f"{nodes:>5} nodes, {label:<13} {size / 1e9:5.2f} GB: report {r['pool_s']:6.2f} s {r['pool_mb']:4.0f} MB"
                      f" | --workers 1 {r['serial_s']:6.2f} s {r['serial_mb']:4.0f} MB | read bytes {r['read_s']:5.2f} s{floor}",
                      flush=True)
                if not args.keep:
                    shutil.rmtree(folder)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
