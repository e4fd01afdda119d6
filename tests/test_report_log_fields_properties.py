"""Property: one field of one record of a meter's log set to a hostile value (null, a string, a list, an object,
a boolean, a huge or negative number), in any record type, and ``footprint report FILE`` and ``footprint report
DIR`` each exit 0 with valid JSON or 2 with one line, never a traceback, and give the same figures."""

from __future__ import annotations

import copy
import functools
import json
import random
import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprint.meter.fake_nvml import FakeGpu
from tests.cli_run import run_cli
from tests.fixtures.meter.helpers import metered
from tests.property_checks import check_result_or_one_line
from tests.test_log_checkpoints import _record_run

HOSTILE = [None, "x", "1e999", "", [], [1], [None, "x"], {}, {"a": 1}, True, False, 1e308, -1e308, -1, 0, 10**30,
           -(10**30), 0.5]
FIGURES = ("energy", "energy_gpu", "energy_host", "energy_overhead", "emissions", "duration", "gpu_hours", "gpus")
KINDS = ("header", "interval", "mark", "note", "checkpoint", "final")


@functools.cache
def _bases() -> list[list[str]]:
    """Logs of the meter: over two fake GPUs, finished (a checkpoint, then the final record) and cut short; two
    runs in one log; and a run through the recorder with window marks, notes and flagged, estimated intervals."""
    folder = Path(tempfile.mkdtemp(prefix="footprint-fields-"))
    try:
        whole = folder / "whole.jsonl"
        metered([FakeGpu(power="350 W"), FakeGpu(power="300 W")], 700.0, interval=5.0, log=whole)
        two = folder / "two.jsonl"
        metered([FakeGpu(power="350 W")], 30.0, interval=5.0, log=two)
        metered([FakeGpu(power="200 W")], 20.0, interval=5.0, log=two)
        marked = folder / "marked.jsonl"
        _record_run(marked, random.Random(5), 60.0, True, 200)
        lines = [path.read_text(encoding="utf-8").splitlines() for path in (whole, two, marked)]
    finally:
        shutil.rmtree(folder)
    return [lines[0], lines[0][:-4], lines[1], lines[2]]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every field of a record: its keys, theirs, and the first items of its lists."""
    if prefix:
        yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value[:3]):
            yield from _paths(item, (*prefix, i))


def _replaced(record: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(record)
    inner: Any = out
    for key in path[:-1]:
        inner = inner[key]
    inner[path[-1]] = value
    return out


@st.composite
def damaged_logs(draw: st.DrawFn) -> tuple[list[str], str]:
    """A meter's log with one field of one record replaced, and what was replaced."""
    lines = list(draw(st.sampled_from(_bases())))
    kind = draw(st.sampled_from([k for k in KINDS if any(line.startswith(f'{{"type":"{k}"') for line in lines)]))
    index = draw(st.sampled_from([i for i, line in enumerate(lines) if line.startswith(f'{{"type":"{kind}"')]))
    record = json.loads(lines[index])
    path = draw(st.sampled_from(list(_paths(record))))
    value = draw(st.sampled_from(HOSTILE))
    lines[index] = json.dumps(_replaced(record, path, value), separators=(",", ":"))
    return lines, f"line {index + 1} ({kind}) {'.'.join(map(str, path))} = {value!r}"


@settings(max_examples=300, deadline=timedelta(seconds=10), suppress_health_check=[HealthCheck.too_slow])
@given(damaged_logs())
def test_one_hostile_field_gives_one_answer_by_file_and_by_directory(case: tuple[list[str], str]) -> None:
    lines, what = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "job"
        folder.mkdir()
        log = folder / "node.jsonl"
        log.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        by_file = run_cli("report", str(log), "--json")
        by_dir = run_cli("report", str(folder), "--json")
    check_result_or_one_line(by_file, "report", what)
    check_result_or_one_line(by_dir, "report", what)
    assert by_file.code == by_dir.code, (what, by_file.err, by_dir.err)
    if by_file.code == 0:
        mine, theirs = json.loads(by_file.out), json.loads(by_dir.out)
        assert {k: mine[k] for k in FIGURES} == {k: theirs[k] for k in FIGURES}, (what, by_file.err, by_dir.err)
