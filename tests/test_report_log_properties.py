"""Property: whatever a log holds, ``footprint report`` counts exactly its valid records, names every damaged
line by file and line, and never shows a traceback or hangs; a damaged header is one line and exit 2."""

from __future__ import annotations

import json
import math
import re
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_run import run_cli

N_GPUS = 2
CHANNELS = [{"key": f"GPU-{i}", "component": "gpu"} for i in range(N_GPUS)] + [{"key": "cpu", "component": "cpu"}]
HEADER = {"type": "header", "format": "footprint-meter-log", "version": 1, "run_id": "a" * 32,
          "settings": {"interval_s": 5.0, "site": {"region": "FRA"}}, "channels": CHANNELS}

json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
energy = st.floats(0, 1e6, allow_nan=False).map(lambda x: round(x, 3))
# values a field can never validly hold (for "t": also any time before the last valid one, added below)
BAD = {
    "e": st.one_of(st.text(max_size=5), st.booleans(), st.none(), st.dictionaries(st.text(max_size=2), energy, max_size=2),
                   st.lists(energy, max_size=N_GPUS).filter(lambda x: len(x) != N_GPUS + 1),
                   st.lists(st.sampled_from([-1.0, float("nan"), float("inf"), 10**400, "1", True]), min_size=N_GPUS + 1,
                            max_size=N_GPUS + 1)),
    "dt": st.one_of(st.text(max_size=5), st.booleans(), st.none(), st.floats(max_value=-0.01),
                    st.sampled_from([float("nan"), float("inf"), 10**400])),
    "flags": st.one_of(st.lists(st.text(max_size=3), min_size=1, max_size=2), st.text(max_size=3),
                       st.dictionaries(st.sampled_from(["9", "x", "-1"]), st.lists(st.text(max_size=3)), min_size=1, max_size=1),
                       st.dictionaries(st.just("0"), st.one_of(st.integers(), st.lists(st.integers(), min_size=1)), min_size=1)),
    "est": st.one_of(st.lists(energy, min_size=1), st.dictionaries(st.just("0"), st.one_of(st.text(max_size=3), st.none()), min_size=1)),
    "type": st.one_of(st.integers(), st.sampled_from(["intervals", "", "HEADER", "summary"])),
}


@st.composite
def logs(draw: st.DrawFn) -> tuple[list[str], float, set[int]]:
    """(lines, expected GPU joules, numbers of the damaged lines)."""
    lines = [json.dumps(HEADER)]
    expected, damaged, t = 0.0, set(), 0.0
    for _ in range(draw(st.integers(0, 25))):
        step = round(draw(st.floats(0, 50, allow_nan=False)), 3)
        e = draw(st.lists(energy, min_size=N_GPUS + 1, max_size=N_GPUS + 1))
        record: dict[str, Any] = {"type": "interval", "t": round(t + step, 3), "dt": step, "e": e}
        kind = draw(st.sampled_from(["valid", "valid", "valid", "field", "time", "json", "text"]))
        if kind == "valid":
            t = record["t"]
            expected += sum(e[:N_GPUS])
            lines.append(json.dumps(record))
            continue
        damaged.add(len(lines) + 1)
        if kind == "field":
            key = draw(st.sampled_from(sorted(BAD)))
            record[key] = draw(BAD[key])
            lines.append(json.dumps(record))
        elif kind == "time":
            record["t"] = draw(st.one_of(st.floats(max_value=t - 0.01, allow_nan=False) if t > 0 else st.just(-1.0),
                                         st.text(max_size=4), st.none()))
            lines.append(json.dumps(record))
        elif kind == "json":
            lines.append(json.dumps(draw(json_value.filter(lambda v: not isinstance(v, dict)))))
        else:
            text = draw(st.text(max_size=30).filter(lambda s: "\n" not in s and "\r" not in s and not _is_object(s)))
            lines.append(text)
    if draw(st.booleans()):
        lines.append(json.dumps({"type": "final", "t": t}))
    return lines, expected, damaged


def _is_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _finite_non_negative(data: dict[str, Any]) -> None:
    for key in ("energy", "energy_gpu", "energy_host", "energy_overhead", "emissions", "gpu_hours"):
        value = data[key]["magnitude"]
        assert math.isfinite(value) and value >= 0, (key, value)


@settings(max_examples=80, deadline=timedelta(seconds=10), suppress_health_check=[HealthCheck.too_slow])
@given(logs(), st.booleans())
def test_report_counts_the_valid_records_and_names_every_damaged_line(case: tuple[list[str], float, set[int]], cut: bool) -> None:
    lines, expected, damaged = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.jsonl"
        text = "".join(line + "\n" for line in lines)
        if cut:
            text += '{"type": "interval", "t": 1e9, "dt'  # a last line cut mid-write: skipped, never counted
        path.write_text(text, encoding="utf-8")
        result = run_cli("report", str(path), "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    _finite_non_negative(data)
    assert data["energy_gpu"]["magnitude"] * 3.6e6 == pytest.approx(expected, rel=1e-6, abs=1e-6)
    named = {int(m.group(1)) for m in re.finditer(rf"^footprint: {re.escape(str(path))}:(\d+): ", result.err, re.M)}
    assert named <= damaged
    assert len(named) == min(len(damaged), 10)
    for line in result.err.splitlines():
        assert line.startswith(f"footprint: {path}"), line


header_value = st.one_of(json_value, st.sampled_from([0, -1, 2, "1", 1.0, True]))


@settings(max_examples=60, deadline=timedelta(seconds=10), suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["version", "channels", "settings", "run_id"]), header_value)
def test_a_damaged_header_is_exit_2_with_one_line_or_a_readable_log(key: str, value: Any) -> None:
    header = {**HEADER, key: value}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.jsonl"
        path.write_text(json.dumps(header) + "\n" + json.dumps({"type": "interval", "t": 5.0, "dt": 5.0, "e": [1.0, 1.0, 1.0]}) + "\n")
        result = run_cli("report", str(path), "--json")
    assert result.code in (0, 2), result.err
    if result.code == 2:
        assert len(result.err.strip().splitlines()) == 1
        assert result.err.startswith(f"footprint report: error: {path}")
    else:
        _finite_non_negative(json.loads(result.out))
