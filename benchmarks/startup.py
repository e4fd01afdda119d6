"""Start-up time of the footprint CLI against its floors, measured side by side in one run.

Each command runs N times, interleaved (round robin, so drift in machine load hits every command alike), after
one warm-up round that fills the pint cache and the OS page cache. The table shows medians (``footprint plugins``
is listed for its time: it must not import pint, which tests/test_import_light.py checks); the ratios compare
``footprint --help`` with ``python -c "import click, pluggy"`` (target <= 1.5x), and
``footprint estimate``, ``claims``, ``compare``, ``references``, ``run -- true`` and ``run --interval 5s -- true``
with building a cached pint registry (target <= 1.5x each); the two ``run`` cases are also held within 1.2x of
each other (the slower over the faster). ``run`` meters a command that does nothing, in a scratch directory.

Two options time each footprint command twice, side by side in the same rounds, and print the ratio per command:
``--collector-not-paused`` runs the twin with start-up's pause of the cyclic collector switched off
(``footprint/core/startup.py``), and ``--vs-tree DIR`` runs the twin from another checkout of footprint (its
``footprint/`` and ``profiles/`` folders, such as ``git worktree add DIR COMMIT`` makes), with this
environment's pint, click and plugins: what a change saves, command by command.

    python benchmarks/startup.py            # 20 rounds
    python benchmarks/startup.py -n 50 --json
    python benchmarks/startup.py -n 15 --collector-not-paused --only estimate,claims
    python benchmarks/startup.py -n 15 --vs-tree /tmp/footprint-before
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    argv: list[str]
    env: tuple[tuple[str, str], ...] = ()  # set for this case only (PYTHONPATH for another tree)


@dataclass(frozen=True)
class Target:
    name: str
    numerator: str
    denominator: str
    limit: float
    either_way: bool = False  # the slower of the two over the faster, whichever it is

    def ratio(self, values: dict[str, float]) -> float:
        a, b = values[self.numerator], values[self.denominator]
        return max(a, b) / min(a, b) if self.either_way else a / b


def footprint_command() -> list[str]:
    """The console script next to this interpreter (what users run), else ``python -m footprint``."""
    script = Path(sys.executable).parent / "footprint"
    if script.exists():
        return [str(script)]
    found = shutil.which("footprint")
    return [found] if found else [sys.executable, "-m", "footprint"]


def cases() -> list[Case]:
    py, fp = sys.executable, footprint_command()
    return [
        Case("click_pluggy", 'python -c "import click, pluggy"', [py, "-c", "import click, pluggy"]),
        Case("help", "footprint --help", [*fp, "--help"]),
        Case("version", "footprint --version", [*fp, "--version"]),
        Case("plugins", "footprint plugins", [*fp, "plugins"]),
        Case("pint_floor", "python -c \"import pint; pint.UnitRegistry(cache_folder=':auto:')\"",
             [py, "-c", "import pint; pint.UnitRegistry(cache_folder=':auto:')"]),
        Case("estimate", "footprint estimate --profile h800 --gpus 2048 --hours 1300",
             [*fp, "estimate", "--profile", "h800", "--gpus", "2048", "--hours", "1300"]),
        Case("claims", "footprint claims", [*fp, "claims"]),
        Case("compare", "footprint compare llama-3.1-405b deepseek-v3",
             [*fp, "compare", "llama-3.1-405b", "deepseek-v3"]),
        Case("references", "footprint references", [*fp, "references"]),
        Case("run", "footprint run -- true", [*fp, "run", "--", "true"]),
        Case("run_interval", "footprint run --interval 5s -- true", [*fp, "run", "--interval", "5s", "--", "true"]),
    ]


TARGETS = (
    Target("--help vs import click+pluggy", "help", "click_pluggy", 1.5),
    Target("estimate vs pint floor", "estimate", "pint_floor", 1.5),
    Target("claims vs pint floor", "claims", "pint_floor", 1.5),
    Target("compare vs pint floor", "compare", "pint_floor", 1.5),
    Target("references vs pint floor", "references", "pint_floor", 1.5),
    Target("run -- true vs pint floor", "run", "pint_floor", 1.5),
    Target("run --interval 5s vs pint floor", "run_interval", "pint_floor", 1.5),
    Target("run with and without --interval", "run_interval", "run", 1.2, either_way=True),
)


# The console script's own two lines, run by the interpreter, with start-up's collector pause switched off (the
# twin of each footprint case under --collector-not-paused; its other twin runs the same lines unchanged).
NOT_PAUSED = """
import contextlib, sys
from footprint.core import startup
startup.building = contextlib.nullcontext
startup.own_process = lambda: None
from footprint.cli import main
sys.argv[0] = "footprint"
sys.exit(main())
"""
AS_SCRIPT = "import sys\nfrom footprint.cli import main\nsys.argv[0] = 'footprint'\nsys.exit(main())\n"
TWIN_LABELS = {"not_paused": "collector not paused", "tree": "other tree"}


def twins(all_cases: list[Case], how: str, tree: str = "") -> list[Case]:
    """Each footprint case twice, as pairs for side-by-side ratios: (this, twin) with twin keys ending '@'."""
    py = sys.executable
    out: list[Case] = []
    for case in all_cases:
        if case.key in ("click_pluggy", "pint_floor"):
            out.append(case)
            continue
        args = case.argv[len(footprint_command()):]
        if how == "not_paused":
            out.append(Case(case.key, case.label, [py, "-c", AS_SCRIPT, *args]))
            out.append(Case(case.key + "@", f"{case.label} [{TWIN_LABELS[how]}]", [py, "-c", NOT_PAUSED, *args]))
        else:
            out.append(case)
            out.append(Case(case.key + "@", f"{case.label} [{TWIN_LABELS[how]}]", [py, "-c", AS_SCRIPT, *args],
                            (("PYTHONPATH", tree),)))
    return out


def bench_env() -> dict[str, str]:
    """The caller's environment, but with bytecode caching on: an installed footprint runs from .pyc files (pip
    compiles them, as it did for pint and click), so PYTHONDONTWRITEBYTECODE would time a source checkout's
    recompilation, not start-up. The warm-up round writes the caches."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def time_once(argv: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """Wall time, and the CPU time (user + system) the operating system charged to the command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed with exit code {done.returncode}:\n{done.stderr}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(all_cases: list[Case], rounds: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU times of every case, ``rounds`` times each, interleaved after one warm-up round."""
    env = bench_env()
    wall: dict[str, list[float]] = {case.key: [] for case in all_cases}
    cpu: dict[str, list[float]] = {case.key: [] for case in all_cases}
    # a scratch directory: 'run' writes its log (footprint-runs/) where it runs
    with tempfile.TemporaryDirectory(prefix="footprint-startup-") as scratch:
        for case in all_cases:
            time_once(case.argv, {**env, **dict(case.env)}, scratch)
        for _ in range(rounds):
            for case in all_cases:
                w, c = time_once(case.argv, {**env, **dict(case.env)}, scratch)
                wall[case.key].append(w)
                cpu[case.key].append(c)
            shutil.rmtree(Path(scratch) / "footprint-runs", ignore_errors=True)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rounds", type=int, default=20, help="timed runs per command (default 20)")
    parser.add_argument("--json", action="store_true", help="print the medians and ratios as JSON")
    side = parser.add_mutually_exclusive_group()
    side.add_argument("--collector-not-paused", action="store_true",
                      help="time each footprint command also with start-up's collector pause switched off")
    side.add_argument("--vs-tree", metavar="DIR", help="time each footprint command also from the checkout in DIR")
    parser.add_argument("--only", help="comma-separated case keys to time (with what their targets compare to), "
                        f"of: {', '.join(c.key for c in cases())}")
    args = parser.parse_args()

    all_cases = cases()
    targets = TARGETS
    if args.only:
        wanted = set(args.only.split(","))
        targets = tuple(t for t in TARGETS if t.numerator in wanted)
        wanted |= {t.denominator for t in targets}
        all_cases = [c for c in all_cases if c.key in wanted]
    if args.collector_not_paused:
        all_cases = twins(all_cases, "not_paused")
    elif args.vs_tree:
        tree = Path(args.vs_tree).resolve()
        if not (tree / "footprint" / "__init__.py").is_file():
            parser.error(f"--vs-tree: {str(tree)!r} holds no footprint/ package")
        all_cases = twins(all_cases, "tree", str(tree))
    samples, cpu = measure(all_cases, args.rounds)
    median = {key: statistics.median(values) for key, values in samples.items()}
    cpu_median = {key: statistics.median(values) for key, values in cpu.items()}
    ratios = {t.name: t.ratio(median) for t in targets}
    # CPU time is what the command itself costs; on a machine shared with other work it moves far less than wall
    cpu_ratios = {t.name: t.ratio(cpu_median) for t in targets}
    # each twin over its command, pair by pair (the pairs ran back to back), then the median
    side_by_side = {key[:-1]: (statistics.median(a / b for a, b in zip(samples[key], samples[key[:-1]], strict=True)),
                               statistics.median(a / b for a, b in zip(cpu[key], cpu[key[:-1]], strict=True)))
                    for key in samples if key.endswith("@")}

    if args.json:
        print(json.dumps({"median_s": median, "min_s": {k: min(v) for k, v in samples.items()}, "ratios": ratios,
                          "cpu_median_s": cpu_median, "cpu_ratios": cpu_ratios,
                          "twin_over_command": {k: {"wall": w, "cpu": c} for k, (w, c) in side_by_side.items()},
                          "rounds": args.rounds, "python": platform.python_version(), "cpus": os.cpu_count()}, indent=2))
    else:
        print(f"footprint start-up: median of {args.rounds} interleaved runs each "
              f"(Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()})\n")
        width = max(len(c.label) for c in all_cases)
        print(f"  {'command':<{width}}  {'median':>9}  {'min':>9}  {'cpu median':>10}")
        for case in all_cases:
            print(f"  {case.label:<{width}}  {median[case.key] * 1000:>6.1f} ms  {min(samples[case.key]) * 1000:>6.1f} ms"
                  f"  {cpu_median[case.key] * 1000:>7.1f} ms")
        print()
        for target in targets:
            ratio = ratios[target.name]
            verdict = "ok" if ratio <= target.limit else "MISSED"
            print(f"  {target.name:<32} {ratio:5.2f}x  (target <= {target.limit}x: {verdict}; "
                  f"CPU time {cpu_ratios[target.name]:.2f}x)")
        if side_by_side:
            how = TWIN_LABELS["not_paused" if args.collector_not_paused else "tree"]
            print(f"\n  {how} over this tree, median of the pairs' ratios:")
            for key, (w, c) in side_by_side.items():
                print(f"  {key:<32} {w:5.2f}x  (CPU time {c:.2f}x)")
    if any(ratios[t.name] > t.limit for t in targets):
        sys.exit(1)


if __name__ == "__main__":
    main()
