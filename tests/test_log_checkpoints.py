"""A log cut short is read from its last checkpoint record on, with exactly the totals of reading every record:
one run or several, a run copied after itself, a damaged checkpoint, a last line cut mid-write."""

from __future__ import annotations

import json
import random
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from footprint.meter import checkpoint as meter_checkpoint
from footprint.meter.checkpoint import Checkpoints, read_runs_resumed
from footprint.meter.ledger import ChannelTotals, Ledger
from footprint.meter.log import FORMAT, VERSION, LogWriter, MeterLog, read_runs
from footprint.meter.recorder import Recorder, RecorderOptions
from tests.cli_run import run_cli


def _channel(c: ChannelTotals) -> tuple[Any, ...]:
    return (c.key, c.energy, c.estimated, c.peak(), c.peak_w, c.gap_s, c.counter_resets, c.flags, c.group, c.lead)


def _totals(run: MeterLog) -> tuple[Any, ...]:
    ledger: Ledger = run.ledger
    assert ledger.header is run.header
    return (run.run_id, run.line, run.final, run.cut_line, run.last_t, ledger.t, ledger.intervals, ledger.hourly,
            [_channel(c) for c in ledger.channels])


def _header(rng: random.Random, channels: int) -> dict[str, Any]:
    chans = [{"key": f"GPU-{i}", "component": "gpu", "index": i} for i in range(channels - 1)] + [{"key": "cpu", "component": "cpu"}]
    return {"type": "header", "format": FORMAT, "version": VERSION, "run_id": f"{rng.getrandbits(128):032x}",
            "start_unix": rng.choice([1.8e9, 1.8e9 + 1234.5, 1_800_003_599]), "settings": {"interval_s": 5.0},
            "channels": chans}


def _record_run(path: Path, rng: random.Random, every: float, finish: bool, intervals: int | None = None,
                **extra: Any) -> None:
    """One run appended to ``path`` as the live meter writes it: its records go through the recorder's sink, which
    writes them, adds them to its ledger and appends a checkpoint every ``every`` seconds of run time."""
    channels = rng.choice([1, 3, 10])
    recorder = Recorder(RecorderOptions(interval=5.0))
    recorder.writer = LogWriter(path)
    recorder.header = {**_header(rng, channels), **extra}
    recorder.ledger = Ledger(recorder.header)
    recorder.checkpoints = Checkpoints(every)
    recorder._emit(recorder.header)
    t = 0.0
    for _ in range(rng.randint(0, 600) if intervals is None else intervals):
        dt = rng.choice([5.0, 5.0, round(5.0 + rng.uniform(-0.004, 0.004), 3), round(5.0 * rng.uniform(0.05, 0.45), 3)])
        t = round(t + dt, 3)
        record: dict[str, Any] = {"type": "interval", "t": t, "dt": dt,
                                  "e": [round(rng.uniform(0, 4000), 3) for _ in range(channels)]}
        roll = rng.random()
        if roll < 0.05:
            record["flags"] = {"0": [rng.choice(["gap", "counter-reset", "error"])]}
            record["est"] = {"0": round(rng.uniform(0, 100), 3)}
        elif roll < 0.06:
            recorder._sink({"type": "note", "t": t, "channel": "cpu", "error": "a read failed"})
        recorder._sink(record)
        if rng.random() < 0.03:  # a window edge closes the interval first, as the meter's mark() does
            recorder._sink({"type": "mark", "t": t, "window": "epoch", "edge": rng.choice(["start", "end"])})
    if finish:
        recorder._emit({"type": "final", "t": t})
    recorder.writer.close()


def _damage_a_checkpoint(text: str, rng: random.Random) -> tuple[str, int | None]:
    """The log with one checkpoint damaged (its line number, from 1), if it has any."""
    lines = text.split("\n")
    at = [i for i, line in enumerate(lines) if line.startswith('{"type":"checkpoint"')]
    if not at:
        return text, None
    i = rng.choice(at)
    record = json.loads(lines[i])
    lines[i] = rng.choice([
        lines[i][: len(lines[i]) // 2],  # not JSON
        json.dumps({**record, "ledger": {**record["ledger"], "channels": record["ledger"]["channels"][:-1] or 5}}, separators=(",", ":")),
        json.dumps({**record, "ledger": {**record["ledger"], "t": "later"}}, separators=(",", ":")),
        json.dumps({**record, "t": -1}, separators=(",", ":")),
    ])
    return "\n".join(lines), i + 1


def _log(tmp_path: Path, name: str, rng: random.Random) -> Path:
    path = tmp_path / name
    for _ in range(rng.choice([1, 1, 2, 3])):
        _record_run(path, rng, every=rng.choice([30.0, 300.0, 600.0]), finish=rng.random() < 0.3)
    text = path.read_text(encoding="utf-8")
    roll = rng.random()
    if roll < 0.2:
        text = text + text  # the log pasted after itself: each run twice
    elif roll < 0.4:
        text, _ = _damage_a_checkpoint(text, rng)
    if rng.random() < 0.6 and len(text) > 40:
        text = text[: rng.randint(len(text) // 2, len(text) - 1)]  # killed: the rest lost, perhaps mid-line
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small blocks both ways, so that checkpoints and runs straddle block ends."""
    monkeypatch.setattr(meter_checkpoint, "SCAN_BYTES", 512)
    from footprint.meter import log as meter_log

    monkeypatch.setattr(meter_log, "BLOCK_BYTES", 4096)


@pytest.mark.parametrize("seed", range(10))
def test_a_log_read_from_its_checkpoints_gives_exactly_the_totals_of_reading_every_record(
        tmp_path: Path, small_blocks: None, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    rng = random.Random(seed)
    # checkpoints point back to earlier ones for their earlier hours after this many (a day in the meter; here
    # runs are shorter, so that such chains are followed, and broken by damage)
    monkeypatch.setattr(meter_checkpoint, "ANCHOR_HOURS", seed % 3)
    used = _count_resumes(monkeypatch)
    for i in range(12):
        path = _log(tmp_path, f"{seed}-{i}.jsonl", rng)
        full = read_runs(path)
        mine = read_runs_resumed(path)
        assert [_totals(run) for run in mine] == [_totals(run) for run in full]
    assert used  # some runs were taken up from a checkpoint, not read whole


def _count_resumes(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The checkpoints a reader resumes from, as it uses them."""
    used: list[dict[str, Any]] = []
    usable = meter_checkpoint._usable

    def counted(*args: Any) -> Any:
        found = usable(*args)
        if found is not None:
            used.append(found[2])
        return found

    monkeypatch.setattr(meter_checkpoint, "_usable", counted)
    return used


def test_only_the_records_after_the_last_checkpoint_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cut.jsonl"
    _record_run(path, random.Random(3), every=60.0, finish=False)
    lines = path.read_text(encoding="utf-8").splitlines()
    last = max(i for i, line in enumerate(lines) if line.startswith('{"type":"checkpoint"'))
    added: list[float] = []
    add = Ledger._interval
    monkeypatch.setattr(Ledger, "_interval", lambda self, record: (added.append(record["t"]), add(self, record))[1])
    add_plain = Ledger.add_plain
    monkeypatch.setattr(Ledger, "add_plain", lambda self, ts, dts, e: (added.extend(ts), add_plain(self, ts, dts, e))[1])
    run = read_runs_resumed(path)[0]
    after = [json.loads(line)["t"] for line in lines[last + 1:] if line.startswith('{"type":"interval"')]
    assert sorted(set(added)) == sorted(set(after))
    assert run.ledger.intervals == sum(line.startswith('{"type":"interval"') for line in lines)


def test_a_damaged_last_checkpoint_is_named_and_the_one_before_it_used(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl"
    _record_run(path, random.Random(5), every=60.0, finish=False)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    last = max(i for i, line in enumerate(lines) if line.startswith('{"type":"checkpoint"'))
    record = json.loads(lines[last])
    record["ledger"]["channels"] = record["ledger"]["channels"][:-1]
    lines[last] = json.dumps(record, separators=(",", ":")) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    full, mine = read_runs(path)[0], read_runs_resumed(path)[0]
    assert _totals(mine) == _totals(full)
    assert mine.problems == full.problems
    assert len(mine.problems) == 1 and mine.problems[0].startswith(f"{path}:{last + 1}: checkpoint: 'ledger' is ")


def test_a_checkpoint_that_names_another_place_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A log pasted after itself: the copy's checkpoints name the first copy's places, so the copy is read whole,
    and the first copy is taken up from its own last checkpoint."""
    path = tmp_path / "twice.jsonl"
    _record_run(path, random.Random(9), every=60.0, finish=False, intervals=300)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + text, encoding="utf-8")
    used = _count_resumes(monkeypatch)
    full, mine = read_runs(path), read_runs_resumed(path)
    assert len(mine) == 2 and [_totals(run) for run in mine] == [_totals(run) for run in full]
    assert [record["at"] for record in used] == [max(r["at"] for r in map(json.loads, text.splitlines()) if r["type"] == "checkpoint")]


def test_the_live_meter_writes_checkpoints_every_few_minutes_of_run_time(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    every = meter_checkpoint.CHECKPOINT_EVERY_S
    _record_run(path, random.Random(1), every=every, finish=True, intervals=2000)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    times = [r["t"] for r in records if r["type"] == "checkpoint"]
    end = max(r["t"] for r in records if r["type"] == "interval")
    # one per `every` seconds of run time, right after the interval that reaches it (intervals are at most 5 s)
    assert times and every <= times[0] < every + 5.0 and end - times[-1] < every + 5.0
    assert all(every <= b - a < every + 5.0 for a, b in pairwise(times))
    intervals = [r for r in records if r["type"] in ("interval", "checkpoint")]
    assert all(a["type"] == "interval" for a, b in pairwise(intervals) if b["type"] == "checkpoint")
    assert read_runs(path)[0].problems == []  # today's reader takes them as known records


def _without_checkpoints(folder: Path, into: Path) -> None:
    """The same logs as meters before checkpoints wrote them: every checkpoint line taken out."""
    for path in folder.rglob("*.jsonl"):
        target = into / path.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        target.write_text("".join(line for line in lines if not line.startswith('{"type":"checkpoint"')), encoding="utf-8")


def test_report_of_a_job_cut_short_is_the_report_of_reading_every_record(tmp_path: Path) -> None:
    rng = random.Random(11)
    nodes = [f"n{i}" for i in range(6)]
    folder = tmp_path / "logs" / "77"
    folder.mkdir(parents=True)
    for i, node in enumerate(nodes):
        path = folder / f"{node}.jsonl"
        for _ in range(2 if i == 2 else 1):  # node 2: two job steps in one log
            _record_run(path, rng, every=60.0, finish=i in (0, 2), intervals=rng.randint(200, 400),
                        job="77", node=node, expected_nodes=nodes, num_nodes=len(nodes))
        text = path.read_text(encoding="utf-8")
        if i not in (0, 2):
            path.write_text(text[: rng.randint(len(text) * 3 // 4, len(text) - 1)], encoding="utf-8")  # killed
    (folder / "copy-of-n1.jsonl").write_text((folder / "n1.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    _without_checkpoints(tmp_path / "logs", tmp_path / "old")
    for args in (["--workers", "1"], []):
        mine = run_cli("report", str(tmp_path / "logs"), "--json", *args)
        whole = run_cli("report", str(tmp_path / "old"), "--json", *args)
        assert mine.code == 0, mine.err
        assert (mine.code, mine.out, mine.err.replace("/logs/", "/old/")) == (whole.code, whole.out.replace("/old/", "/logs/"), whole.err)
        assert "node n3: cut short" in mine.err and "2 copies of one run" in mine.err

    # `report LOG` checks every record: a record damaged before the last checkpoint is still named
    lines = (folder / "n4.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith('{"type":"checkpoint"'))
    lines[first - 1] = "damaged\n"
    (folder / "n4.jsonl").write_text("".join(lines), encoding="utf-8")
    one = run_cli("report", str(folder / "n4.jsonl"), "--json")
    assert one.code == 0 and f"n4.jsonl:{first}: unreadable line" in one.err and "did not finish" in one.err


def test_a_reader_from_before_checkpoints_gets_the_same_totals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Such a reader knows no checkpoint record: it skips each with a line naming it, and counts the rest."""
    path = tmp_path / "run.jsonl"
    _record_run(path, random.Random(4), every=60.0, finish=True, intervals=100)
    now = read_runs(path)[0]
    from footprint.meter import log as meter_log

    monkeypatch.setattr(meter_log, "RECORD_TYPES", ("interval", "mark", "note", "final"))
    before = read_runs(path)[0]
    assert _totals(before) == _totals(now) and now.problems == []
    lines = path.read_text(encoding="utf-8").splitlines()
    at = [i + 1 for i, line in enumerate(lines) if line.startswith('{"type":"checkpoint"')]
    assert at and before.problems == [f"{path}:{i}: unknown record type \"checkpoint\"; expected one of interval, mark, "
                                      "note, final; skipped" for i in at]


def test_a_long_run_keeps_its_checkpoints_short_and_reads_its_earlier_hours_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three days: each checkpoint holds its last few hours and points back to an earlier one for the rest."""
    path = tmp_path / "long.jsonl"
    _record_run(path, random.Random(2), every=meter_checkpoint.CHECKPOINT_EVERY_S, finish=False, intervals=3 * 17_280)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    checkpoints = [json.loads(line) for line in lines if line.startswith('{"type":"checkpoint"')]
    assert max(len(c["ledger"]["hourly"]) for c in checkpoints) <= meter_checkpoint.ANCHOR_HOURS + 1
    assert sum(c["older"] is None for c in checkpoints) < len(checkpoints) // 2
    for cut in (len(lines) - 1, len(lines) * 2 // 3, len(lines) // 2):  # killed at three times, each after a day
        path.write_text("".join(lines[:cut]), encoding="utf-8")
        used = _count_resumes(monkeypatch)
        full, mine = read_runs(path)[0], read_runs_resumed(path)[0]
        assert _totals(mine) == _totals(full)
        assert used[-1]["older"] is not None  # resumed from a checkpoint that holds only its last hours
        assert len(mine.ledger.hourly) > 2 * meter_checkpoint.ANCHOR_HOURS * cut // len(lines)


def test_the_meter_s_own_log_cut_short_reads_back_the_live_totals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real meter loop on a fake clock and fake GPUs: a finished run, then a second run appended to the same
    log and killed (no final record). Read from its checkpoints, the second run's totals are the live ledger's."""
    import threading

    from footprint.meter.fake_nvml import FakeClock, FakeGpu, fake_nvml
    from footprint.meter.nvml import NvmlGpuMeter
    from footprint.plugins.contract import MeterSettings

    log = tmp_path / "node.jsonl"
    clock = FakeClock(stop_at=0.0)
    steps = [(k * 600.0, 650.0 if k % 2 else 250.0) for k in range(40)]
    live = []
    with fake_nvml([FakeGpu(trace=steps), FakeGpu(trace=steps)], clock=clock.now):
        for finish in (True, False):
            recorder = Recorder(RecorderOptions(interval=5.0, log_path=log, clock=clock,
                                                settings=MeterSettings(powercap_root=Path("/nonexistent")),
                                                factories=[NvmlGpuMeter()]))
            recorder.start(threaded=False)
            assert recorder.meter is not None and recorder.writer is not None
            for hours, window in ((1.0, "start"), (2.5, "end")):
                clock.stop_at = clock.now() + hours * 3600
                recorder.meter.run(threading.Event())
                recorder.mark("epoch", window)
            if finish:
                recorder.stop()
            else:  # killed: nothing more is written
                recorder.opened.close()  # type: ignore[union-attr]
                recorder.writer.close()
            assert recorder.ledger is not None
            live.append(recorder.ledger)
    used = _count_resumes(monkeypatch)
    runs = read_runs_resumed(log)
    assert [record["from"] > 0 for record in used] == [True, False]  # each run from its own last one, found from the end
    assert [run.complete for run in runs] == [True, False]
    killed, ledger = runs[1], live[1]
    assert killed.ledger.t == ledger.t and killed.ledger.intervals == ledger.intervals
    assert killed.ledger.hourly == ledger.hourly
    assert [_channel(c) for c in killed.ledger.channels] == [_channel(c) for c in ledger.channels]
    assert [_totals(run) for run in runs] == [_totals(run) for run in read_runs(log)]
    checkpoints = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.startswith('{"type":"checkpoint"')]
    assert len(checkpoints) >= 2 * 3.5 * 3600 // meter_checkpoint.CHECKPOINT_EVERY_S - 2
