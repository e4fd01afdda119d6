"""Rebuild a Footprint from one or more run logs (finished or cut short): used by `report` and `compare`.

Every run is counted once: a log holding two runs (a ``--log`` path used again) is read as two runs, and the same
run given twice (the same log twice, or a copy of it) is counted once, and said so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from footprint.core.result import Footprint
from footprint.meter.ledger import Totals
from footprint.meter.log import MAX_PROBLEMS_SHOWN, MeterLog


def collect_runs(paths: list[str], run_id: str | None = None) -> tuple[list[MeterLog], list[str]]:
    """Every distinct run in ``paths``, in order, and the warnings to show (damaged records, duplicates, cut logs).

    Of two copies of one run the longer is kept (a copy taken while the run was still going is shorter). With
    ``run_id`` (a run id or its first characters) only that run is kept.
    """
    from footprint.meter.log import read_runs

    chosen: dict[str, MeterLog] = {}
    warnings: list[str] = []
    for path in paths:
        runs = read_runs(path)  # every record checked, checkpoints too: the job report is the one that trusts them
        if run_id is not None:
            runs = [run for run in runs if run.run_id.startswith(run_id)]
        elif len(runs) > 1:
            warnings.append(f"{path}: holds {len(runs)} runs (a log path used again appends); each is counted as a separate run")
        problems = [line for run in runs for line in run.problems]
        warnings.extend(problems[:MAX_PROBLEMS_SHOWN])
        if len(problems) > MAX_PROBLEMS_SHOWN:
            warnings.append(f"{path}: {len(problems) - MAX_PROBLEMS_SHOWN} more damaged line(s) skipped")
        for run in runs:
            run.header["log"] = path
            seen = chosen.get(run.run_id)
            if seen is None:
                chosen[run.run_id] = run
                continue
            longer = run if _length(run) > _length(seen) else seen
            warnings.append(f"{run.path}:{run.line}: the same run as {seen.path}:{seen.line} (run id {run.run_id}); counted once")
            chosen[run.run_id] = longer
    if run_id is not None and not chosen:
        from footprint.errors import FootprintError

        raise FootprintError(f"--run: no run {run_id!r} in {', '.join(paths)}; expected a run id from a log header")
    if run_id is not None and len(chosen) > 1:
        from footprint.errors import FootprintError

        raise FootprintError(f"--run: {run_id!r} matches {len(chosen)} runs ({', '.join(chosen)}); expected more of the run id")
    for run in chosen.values():
        if not run.complete:
            where = f"{run.path}" if run.line == 1 else f"{run.path}:{run.line}"
            warnings.append(f"{where}: the run did not finish (no final record): the result covers the first {run.ledger.t:g} s, "
                            "up to the last complete interval" + (" (last line cut mid-write, skipped)" if run.cut_line else ""))
    return list(chosen.values()), warnings


def run_totals(run: MeterLog) -> Totals:
    """A run's totals as its records add up, with the stored totals of its log that were refused."""
    part = run.ledger.totals(complete=run.complete)
    part.refused = run.refused
    return part


def _length(run: MeterLog) -> tuple[bool, int, float]:
    return (run.complete, run.ledger.intervals, run.ledger.t)


def footprint_from_logs(paths: list[str], site: dict[str, Any] | None = None, label: str | None = None,
                        run_id: str | None = None) -> tuple[Footprint, list[str]]:
    """The merged result of every run in the logs (nodes of one job, or runs one after another), or of the one
    run ``run_id`` names, and warnings."""
    from footprint.meter.measured import build_footprint

    runs, warnings = collect_runs(paths, run_id)
    parts = [run_totals(run) for run in runs]
    name = label if label is not None else str(parts[0].header.get("label", "")) if len(parts) == 1 else ""
    return build_footprint(parts, site or {}, name), warnings


def footprint_by_run(paths: list[str], site: dict[str, Any] | None = None) -> tuple[dict[str, Footprint], list[str]]:
    """One result per distinct run (keyed by run id), for code that groups runs itself (jobs, nodes), and warnings."""
    from footprint.meter.measured import build_footprint

    runs, warnings = collect_runs(paths)
    out = {run.run_id: build_footprint([run_totals(run)], site or {}, str(run.header.get("label", "")))
           for run in runs}
    return out, warnings


def footprint_from_log(path: str | Path) -> Footprint:
    """One log's result with the site it was recorded with."""
    return footprint_from_logs([str(path)])[0]
