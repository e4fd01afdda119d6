"""Rebuild a Footprint from one or more run logs (finished or cut short): used by `report` and `compare`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from footprint.result import Footprint


def footprint_from_logs(paths: list[str], site: dict[str, Any] | None = None, label: str | None = None
                        ) -> tuple[Footprint, list[str]]:
    """The merged result of several nodes' logs, and warnings about logs that were cut short or damaged."""
    from footprint.meter.ledger import load_totals
    from footprint.meter.measured import build_footprint

    parts, warnings = [], []
    for path in paths:
        ledger, log = load_totals(path)
        ledger.header["log"] = path
        parts.append(ledger.totals(complete=log.complete))
        if not log.complete:
            warnings.append(f"{path}: the run did not finish (no final record): the result covers the first {ledger.t:g} s, "
                            "up to the last complete interval" + (" (last line cut mid-write, skipped)" if log.cut_line else ""))
        if log.bad_lines:
            warnings.append(f"{path}: {log.bad_lines} unreadable line(s) skipped")
    name = label if label is not None else str(parts[0].header.get("label", "")) if len(parts) == 1 else ""
    return build_footprint(parts, site or {}, name), warnings


def footprint_from_log(path: str | Path) -> Footprint:
    """One log's result with the site it was recorded with."""
    return footprint_from_logs([str(path)])[0]
