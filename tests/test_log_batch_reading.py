"""Plain interval records are read in batches; whatever a log holds, the totals, problem lines and end state are
exactly those of reading every record on its own (the path ``keep_records`` takes)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from footprint.meter import log as meter_log
from footprint.meter.ledger import ChannelTotals, Ledger
from footprint.meter.log import FORMAT, MeterLog, read_runs


def _compact(record: Any) -> str:
    return json.dumps(record, separators=(",", ":"))  # as the meter writes its records


def _header(rng: random.Random, channels: int, run_id: str) -> dict[str, Any]:
    chans = [{"key": f"GPU-{i}", "component": "gpu", "index": i} for i in range(channels - 1)] + [{"key": "cpu", "component": "cpu"}]
    return {"type": "header", "format": FORMAT, "version": 1, "run_id": run_id, "start_unix": rng.choice([1.8e9, 1.8e9 + 1234.5, 1_800_003_599]),
            "settings": {"interval_s": rng.choice([5.0, 1.0, 0.1])}, "channels": chans}


def _energy(rng: random.Random) -> Any:
    return rng.choice([round(rng.uniform(0, 4000), 3), rng.randint(0, 5000), 0.0, round(rng.uniform(0, 1e-3), 9)])


# damage to a record that still looks like a plain one (compact, the same keys), and damage that does not
DAMAGE = [
    lambda r, rng: {**r, "dt": -1.0}, lambda r, rng: {**r, "dt": r["dt"] + 7.0}, lambda r, rng: {**r, "t": r["t"] - 60.0},
    lambda r, rng: {**r, "t": 2e9}, lambda r, rng: {**r, "e": r["e"][:-1]}, lambda r, rng: {**r, "e": [*r["e"], 1.0]},
    lambda r, rng: {**r, "e": [-5.0, *r["e"][1:]]}, lambda r, rng: {**r, "e": [2e15, *r["e"][1:]]},
    lambda r, rng: {**r, "e": [float("nan"), *r["e"][1:]]}, lambda r, rng: {**r, "e": [float("inf"), *r["e"][1:]]},
    lambda r, rng: {**r, "e": [True, *r["e"][1:]]}, lambda r, rng: {**r, "e": ["1", *r["e"][1:]]},
    lambda r, rng: {**r, "e": [10**400, *r["e"][1:]]}, lambda r, rng: {**r, "type": "intervals"},
    lambda r, rng: {**r, "flags": {"9": ["gap"]}}, lambda r, rng: {**r, "est": {"0": "x"}},
]
TEXT_DAMAGE = [
    lambda line: line.replace('"e":[', '"e":[01,', 1), lambda line: line.replace('"e":[', '"e":[1e,', 1),
    lambda line: line.replace('"e":[', '"e":[+5,', 1), lambda line: line.replace('"e":[', '"e":[.5,', 1),
    lambda line: line.replace('"dt":', '"dt":-0', 1), lambda line: line[: len(line) // 2],
    lambda line: "garbage", lambda line: "[1, 2]", lambda line: line.replace(",", ", "),
    lambda line: line.replace('"e":[', '"e":[' + "9" * 70 + ",", 1), lambda line: "é" + line,
]


def _log(rng: random.Random) -> str:
    """A log of one or more runs: mostly plain intervals, with flags, estimates, marks, notes, short intervals,
    damaged records, a repeated run, and maybe a last line cut mid-write."""
    lines: list[str] = []
    runs = rng.choice([1, 1, 1, 2, 3])
    ids = [f"{rng.getrandbits(128):032x}" for _ in range(runs)]
    channels = rng.choice([1, 3, 9])
    for k in range(runs):
        if k and rng.random() < 0.5:
            channels = rng.choice([1, 3, 9])  # a second run on other devices
        header = _header(rng, channels, rng.choice(ids[: k + 1]))  # a run id used again: a duplicated run
        lines.append(_compact(header))
        interval = header["settings"]["interval_s"]
        t = 0.0
        for _ in range(rng.randint(0, 400)):
            dt = rng.choice([interval, interval, interval, round(interval + rng.uniform(-0.004, 0.004), 3),
                             round(interval * rng.uniform(0.05, 0.45), 3)])
            t = round(t + dt, 3)
            record: dict[str, Any] = {"type": "interval", "t": t, "dt": dt, "e": [_energy(rng) for _ in range(channels)]}
            roll = rng.random()
            if roll < 0.05:
                record["flags"] = {"0": [rng.choice(["gap", "counter-reset", "gap-measured", "error"])]}
                record["est"] = {"0": round(rng.uniform(0, 100), 3)}
                if record["flags"]["0"] == ["gap-measured"]:
                    record["e"][0] = -round(rng.uniform(0, 50), 3)
            elif roll < 0.08:
                lines.append(_compact({"type": "mark", "t": t, "window": rng.choice(["a", "b"]), "edge": rng.choice(["start", "end"])}))
            elif roll < 0.09:
                lines.append(_compact({"type": "note", "t": t, "channel": 0, "text": "a poll failed"}))
            elif roll < 0.12:
                lines.append(_compact(rng.choice(DAMAGE)(record, rng)))
                continue
            elif roll < 0.14:
                lines.append(rng.choice(TEXT_DAMAGE)(_compact(record)))
                continue
            lines.append(_compact(record))
        if rng.random() < 0.6:
            lines.append(_compact({"type": "final", "t": t}))
    text = "".join(line + "\n" for line in lines)
    return text[: -rng.randint(2, 30)] if rng.random() < 0.2 else text


def _channel(c: ChannelTotals) -> tuple[Any, ...]:
    return (c.key, c.energy, c.estimated, c.peak(), c.peak_w, c.gap_s, c.counter_resets, c.flags, c.group, c.lead)


def _state(run: MeterLog) -> tuple[Any, ...]:
    ledger: Ledger = run.ledger
    windows = [(name, w.duration, w.start, [_channel(c) for c in w.channels]) for name, w in ledger.windows]
    return (run.run_id, run.line, run.final, run.cut_line, run.bad_lines, run.problems, run.last_t, ledger.t,
            ledger.intervals, ledger.hourly, [_channel(c) for c in ledger.channels], windows)


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the batches read; small blocks, so that lines and runs straddle block ends."""
    sizes: list[int] = []
    add_plain = Ledger.add_plain

    def counted(self: Ledger, ts: list[float], dts: list[float], energies: list[float]) -> None:
        sizes.append(len(ts))
        add_plain(self, ts, dts, energies)

    monkeypatch.setattr(Ledger, "add_plain", counted)
    monkeypatch.setattr(meter_log, "BLOCK_BYTES", 4096)
    return sizes


@pytest.mark.parametrize("seed", range(12))
def test_batches_give_exactly_the_record_by_record_totals(tmp_path: Path, batches: list[int], seed: int) -> None:
    rng = random.Random(seed)
    for i in range(25):
        path = tmp_path / f"{seed}-{i}.jsonl"
        path.write_text(_log(rng), encoding="utf-8")
        try:
            one_by_one = [_state(run) for run in read_runs(path, keep_records=True)]
        except Exception as exc:  # a log that is no log at all is refused the same way by both
            with pytest.raises(type(exc), match="^" + re.escape(str(exc)) + "$"):
                read_runs(path)
            continue
        assert [_state(run) for run in read_runs(path)] == one_by_one
    assert sum(batches) > 1000  # most intervals were read in batches: the comparison is not one path with itself


def test_a_long_plain_log_across_many_blocks(tmp_path: Path, batches: list[int]) -> None:
    # a day at 5 s of 8 GPUs, as the meter writes it, with real-clock jitter in dt and one gap per hour
    rng = random.Random(7)
    lines = [_compact({**_header(rng, 9, "f" * 32), "settings": {"interval_s": 5.0}})]
    t = 0.0
    for k in range(17_280):
        dt = round(5.0 + rng.uniform(-0.003, 0.003), 3)
        t = round(t + dt, 3)
        record: dict[str, Any] = {"type": "interval", "t": t, "dt": dt, "e": [round(rng.uniform(100, 3500), 3) for _ in range(9)]}
        if k % 720 == 719:
            record["flags"] = {"2": ["gap"]}
            record["est"] = {"2": 1000.0}
        lines.append(_compact(record))
    path = tmp_path / "day.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    assert [_state(run) for run in read_runs(path)] == [_state(run) for run in read_runs(path, keep_records=True)]
    assert sum(batches) == 17_280 - 24


def test_a_damaged_plain_record_is_named_by_its_line_and_its_neighbours_count(tmp_path: Path) -> None:
    header = {"type": "header", "format": FORMAT, "version": 1, "run_id": "a" * 32, "settings": {"interval_s": 5.0},
              "channels": [{"key": "GPU-0", "component": "gpu"}]}
    lines = [_compact(header)] + [_compact({"type": "interval", "t": 5.0 * k, "dt": 5.0, "e": [100.0]}) for k in range(1, 2001)]
    lines[1000] = lines[1000].replace('"e":[100.0]', '"e":[1e999]')  # line 1001: infinite energy
    path = tmp_path / "run.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    run = read_runs(path)[0]
    assert run.problems == [f"{path}:1001: 'e' is [Infinity]; expected 1 finite, non-negative energies in J; skipped"]
    assert run.ledger.channels[0].energy == 100.0 * 1999
    assert run.ledger.intervals == 1999 and run.ledger.t == 10_000.0


def _old_lines(path: Path) -> list[str]:
    """Lines as a text-mode file read with readline(MAX_LINE) gives them: what the reader read before blocks."""
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        return list(meter_log._bounded_lines(fh))


def _block_lines(path: Path) -> list[str]:
    lines = []
    with path.open("rb") as fh:
        for block in meter_log._blocks(fh):
            pieces = re.findall(r"[^\n]*\n|[^\n]+$", block) if block else [""]
            lines.extend(meter_log._bounded(piece) for piece in pieces)
    return lines


@pytest.mark.parametrize("seed", range(6))
def test_blocks_split_lines_as_a_text_file_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    # CR and CRLF line ends, undecodable bytes, characters of several bytes, and lines longer than the limit,
    # with a small limit and small blocks so that all of them meet block ends
    monkeypatch.setattr(meter_log, "MAX_LINE", 64)
    monkeypatch.setattr(meter_log, "BLOCK_BYTES", 37)
    rng = random.Random(seed)
    pieces = [b"\n", b"\r\n", b"\r", b"\xff", "é€".encode(), b'{"type":"interval"}', b"x" * 70, b"y" * 300, b"z" * 5]
    for i in range(40):
        path = tmp_path / f"{seed}-{i}.jsonl"
        weights = [6, 1 if i % 2 else 0, 1 if i % 3 else 0, 1, 1, 4, 1, 1 if i % 4 == 0 else 0, 6]
        path.write_bytes(b"".join(rng.choices(pieces, weights=weights, k=rng.randint(0, 60))))
        assert _block_lines(path) == _old_lines(path)


def test_running_sum_adds_one_by_one_as_the_live_meter_does() -> None:
    from footprint.meter.ledger import running_sum

    # at 1e15 J a double holds eighths of a joule: each 0.4 J added one by one counts as 0.375 J
    values = [0.4] * 1000
    total = 1e15
    for value in values:
        total += value
    assert running_sum(values, 1e15) == total
    assert total != 1e15 + sum(values)  # the one-by-one sum is what the Ledger gives, rounding and all
