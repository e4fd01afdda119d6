"""What every property test asserts of one CLI call: a result that is finite and non-negative, or one line."""

from __future__ import annotations

import json
import math
from typing import Any

from tests.cli_run import Result

# Footprint fields that are figures (see Footprint.as_json); each must be a finite number of 0 or more
FIGURES = ("gpu_hours", "duration", "energy", "energy_gpu", "energy_host", "energy_overhead", "emissions", "cost",
           "flops", "implied_mfu", "energy_cpu", "energy_ram")


def _no_constant(name: str) -> Any:
    raise AssertionError(f"the JSON holds {name}, which is not JSON")


def check_result_or_one_line(r: Result, command: str, context: Any) -> None:
    """Exit 0 with a JSON result whose figures are finite and >= 0, or exit 2 with exactly one error line."""
    assert "Traceback" not in r.err, (context, r.err)
    if r.code == 0:
        data = json.loads(r.out, parse_constant=_no_constant)
        for key in FIGURES:
            figure = data.get(key)
            if figure is None:
                continue
            for part in ("magnitude", "low", "high"):
                if part in figure:
                    x = figure[part]
                    assert isinstance(x, (int, float)) and math.isfinite(x) and x >= 0, (context, key, figure)
        assert data["energy"]["magnitude"] >= data["energy_gpu"]["magnitude"], (context, data)
        return
    assert r.code == 2, (context, r.code, r.out, r.err)
    lines = r.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"footprint {command}: error: "), (context, r.err)
    assert r.out == "", (context, r.out)
