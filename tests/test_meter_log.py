"""The JSON-lines log: written line by line, read back whole or cut short, and rebuilt into the same result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from footprint.errors import FootprintError
from footprint.meter.fake_nvml import FakeGpu
from footprint.meter.log import FORMAT, LogWriter, load_totals, read_log, write_atomic
from footprint.meter.measured import build_footprint
from tests.fixtures.meter.helpers import metered


def test_log_has_header_intervals_and_final(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    metered([FakeGpu(power="350 W"), FakeGpu(power="350 W", energy_counter=False)], 30.0, interval=5.0, log=log)
    lines = log.read_text().splitlines()
    header = json.loads(lines[0])
    assert header["format"] == FORMAT and header["settings"]["interval_s"] == 5.0
    assert [c["component"] for c in header["channels"]] == ["gpu", "gpu"]
    assert header["channels"][1]["method"].startswith("power polling")
    assert header["facts"]["driver"] == "570.86.15" and "nvidia-ml-py" in header["facts"]
    assert {"host", "python", "footprint", "command", "started"} <= set(header)
    intervals = [json.loads(x) for x in lines[1:-1]]
    assert len(intervals) == 6 and all(r["type"] == "interval" for r in intervals)
    assert json.loads(lines[-1])["type"] == "final"
    # the log stays small: one short line per interval, not one per poll (the final record also carries totals)
    assert max(len(x) for x in lines[1:-1]) < 120


def test_rebuilt_result_equals_the_live_one(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    live, _ = metered([FakeGpu(trace=[(0, 200.0), (10, 600.0)])], 40.0, interval=5.0, log=log, site={"region": "FRA"})
    ledger, parsed = load_totals(str(log))
    rebuilt = build_footprint([ledger.totals(parsed.complete)])
    assert parsed.complete
    assert rebuilt.as_json()["energy"] == live.as_json()["energy"]
    assert rebuilt.as_json()["emissions"] == live.as_json()["emissions"]
    assert rebuilt.assumption("region").value == "FRA"  # the site options travel in the header


def test_cut_last_line_is_skipped(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    metered([FakeGpu(power="100 W")], 30.0, interval=5.0, log=log)
    text = log.read_text()
    lines = text.splitlines(keepends=True)
    cut = "".join(lines[:4]) + lines[4][:17]  # header, 3 intervals, half of the 4th
    log.write_text(cut)
    parsed = read_log(log)
    assert parsed.cut_line and not parsed.complete and len(parsed.records) == 3
    ledger, _ = load_totals(str(log))
    assert ledger.t == 15.0
    assert ledger.channels[0].energy == pytest.approx(1500, rel=0.01)


def test_a_garbled_middle_line_is_counted_and_skipped(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    metered([FakeGpu(power="100 W")], 20.0, interval=5.0, log=log)
    lines = log.read_text().splitlines(keepends=True)
    lines[2] = "{not json\n"
    log.write_text("".join(lines))
    parsed = read_log(log)
    assert parsed.bad_lines == 1 and parsed.complete


@pytest.mark.parametrize(("content", "message"), [
    ("", "empty log"),
    ('{"type": "interval"}\n', "not a footprint meter log"),
    ('{"type": "header", "format": "footprint-meter-log", "version": 99}\n', "log version 99 is newer"),
])
def test_not_a_log(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(content)
    with pytest.raises(FootprintError, match=message):
        read_log(path)


def test_writer_refuses_unwritable_paths(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(FootprintError, match="--log: cannot write"):
        LogWriter(tmp_path / "file" / "below.jsonl")


def test_write_atomic_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "out" / "summary.json"
    write_atomic(target, "one\n")
    write_atomic(target, "two\n")
    assert target.read_text() == "two\n"
    assert [p.name for p in target.parent.iterdir()] == ["summary.json"]  # no temporary file left behind


def test_windows_sum_whole_intervals(tmp_path: Path) -> None:
    from footprint.meter.ledger import Ledger

    header = {"settings": {"interval_s": 5.0}, "channels": [{"key": "g", "component": "gpu"}]}
    ledger = Ledger(header)
    for record in [
        {"type": "interval", "t": 5.0, "dt": 5.0, "e": [500.0]},
        {"type": "interval", "t": 7.0, "dt": 2.0, "e": [200.0]},
        {"type": "mark", "t": 7.0, "window": "a", "edge": "start"},
        {"type": "interval", "t": 12.0, "dt": 5.0, "e": [1000.0]},
        {"type": "interval", "t": 13.0, "dt": 1.0, "e": [300.0]},
        {"type": "mark", "t": 13.0, "window": "a", "edge": "end"},
        {"type": "interval", "t": 18.0, "dt": 5.0, "e": [500.0]},
    ]:
        ledger.add(record)
    ((name, window),) = ledger.windows
    assert name == "a" and window.duration == 6.0 and window.energy("gpu") == 1300.0
    assert ledger.channels[0].energy == 2500.0
    # no interval has a power figure of its own: 18 s is shorter than one peak window, so the peak is the average
    assert ledger.totals().channels[0].peak_w == pytest.approx(2500.0 / 18.0)


def test_the_log_header_names_the_platform_as_python_does() -> None:
    """The header's "platform" is read without platform.platform()'s `uname -p` child process, and says the same."""
    import platform

    from footprint.meter.recorder import platform_text

    assert platform_text() == platform.platform()
