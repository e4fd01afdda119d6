"""A CPU-only script under ``footprint run`` and under ``codecarbon monitor`` on the same machine: both CPU and
RAM power models side by side, and their ratio.

The script is a busy loop on WORKERS processes for SECONDS, so the process tree's CPU time is known. Each tool
meters it in its own default mode: ``footprint run`` (process tree, codecarbon's chain for the full-load power)
and ``codecarbon monitor --offline`` (its "process" tracking mode), plus ``footprint run --cpu-scope machine``
(the whole node) for reference. Rounds alternate between the tools; the table gives medians.

    python benchmarks/cpu_model_vs_codecarbon.py --rounds 3 --seconds 6 --workers 2
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = "import multiprocessing as m, time\n" \
       "def spin(s):\n    t = time.time()\n    while time.time() - t < s: pass\n" \
       "if __name__ == '__main__':\n    import sys\n    n, s = int(sys.argv[1]), float(sys.argv[2])\n" \
       "    ps = [m.Process(target=spin, args=(s,)) for _ in range(n)]\n    [p.start() for p in ps]; [p.join() for p in ps]\n"


def bin_of(name: str) -> str:
    found = Path(sys.executable).with_name(name)
    return str(found) if found.exists() else (shutil.which(name) or name)


def footprint_run(script: Path, workers: int, seconds: float, scope: str, tmp: Path) -> dict[str, float]:
    out = subprocess.run([bin_of("footprint"), "run", "--json", "--quiet", "--cpu-scope", scope, "--interval", "1s",
                          "--log", str(tmp / f"fp-{scope}.jsonl"), "--", sys.executable, str(script), str(workers), str(seconds)],
                         capture_output=True, text=True, check=True, cwd=tmp)
    d = json.loads(out.stdout)
    hours = d["duration"]["magnitude"]
    cpu_j, ram_j = d["energy_cpu"]["magnitude"] * 3.6e6, d["energy_ram"]["magnitude"] * 3.6e6
    return {"duration_s": hours * 3600, "cpu_j": cpu_j, "ram_j": ram_j, "cpu_w": cpu_j / (hours * 3600),
            "ram_w": ram_j / (hours * 3600), "method": d["details"]["cpu"][0]["method"]}


def codecarbon_monitor(script: Path, workers: int, seconds: float, tmp: Path) -> dict[str, float]:
    csv_path = tmp / "emissions.csv"
    csv_path.unlink(missing_ok=True)
    subprocess.run([bin_of("codecarbon"), "monitor", "--offline", "--country-iso-code", "FRA", "--measure-power-secs", "1",
                    "--", sys.executable, str(script), str(workers), str(seconds)],
                   capture_output=True, text=True, check=True, cwd=tmp)
    with csv_path.open(newline="") as fh:
        row = list(csv.DictReader(fh))[-1]
    duration = float(row["duration"])
    cpu_j, ram_j = float(row["cpu_energy"]) * 3.6e6, float(row["ram_energy"]) * 3.6e6
    return {"duration_s": duration, "cpu_j": cpu_j, "ram_j": ram_j, "cpu_w": cpu_j / duration, "ram_w": ram_j / duration,
            "method": f"{row['tracking_mode']} mode, cpu_model {row['cpu_model']!r}, {row['cpu_count']} threads"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        script = tmp / "spin.py"
        script.write_text(WORK)
        runs: dict[str, list[dict[str, float]]] = {"footprint run": [], "codecarbon monitor": [], "footprint run --cpu-scope machine": []}
        for _ in range(args.rounds):
            runs["footprint run"].append(footprint_run(script, args.workers, args.seconds, "process", tmp))
            runs["codecarbon monitor"].append(codecarbon_monitor(script, args.workers, args.seconds, tmp))
            runs["footprint run --cpu-scope machine"].append(footprint_run(script, args.workers, args.seconds, "machine", tmp))
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("duration_s", "cpu_j", "ram_j", "cpu_w", "ram_w")}
           for k, v in runs.items()}
    cc = med["codecarbon monitor"]
    print(f"{args.workers} busy process(es) x {args.seconds:g} s, {args.rounds} rounds (medians)\n")
    print("| tool | duration | CPU W | CPU J | RAM W | RAM J | CPU ratio to codecarbon | RAM ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for k, m in med.items():
        print(f"| {k} | {m['duration_s']:.2f} s | {m['cpu_w']:.2f} | {m['cpu_j']:.1f} | {m['ram_w']:.2f} | {m['ram_j']:.1f} | "
              f"{m['cpu_j'] / cc['cpu_j']:.2f} | {m['ram_j'] / cc['ram_j']:.2f} |")
    print()
    for k, v in runs.items():
        print(f"{k}: {v[0]['method']}")


if __name__ == "__main__":
    main()
