"""Totals stored in a log (a final record's, a checkpoint's) are checked before use: a forged or damaged one is
named by file and line, and ``footprint report DIR`` then gives what ``footprint report FILE`` gives, the sum of
the records; runs one after another in one log add up their time."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from footprint.meter import checkpoint as meter_checkpoint
from footprint.meter.fake_nvml import FakeGpu
from footprint.meter.log import read_runs
from tests.cli_run import Result, run_cli
from tests.fixtures.meter.helpers import metered

FIGURES = ("energy", "energy_gpu", "energy_host", "emissions", "duration", "gpu_hours", "gpus")
SECONDS = 1000.0  # a run of 16.7 minutes: one checkpoint (every 10 minutes of run time), then the final record


def _no_constant(name: str) -> Any:
    raise AssertionError(f"the JSON holds {name}, which is not JSON")


def _figures(result: Result) -> dict[str, Any]:
    assert result.code == 0, result.err
    data = json.loads(result.out, parse_constant=_no_constant)
    return {key: data[key] for key in FIGURES}


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log of the meter over two fake H100s at 350 W and 300 W."""
    path = tmp_path_factory.mktemp("meter") / "node.jsonl"
    metered([FakeGpu(power="350 W"), FakeGpu(power="300 W")], SECONDS, interval=5.0, log=path)
    return path


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _where(lines: list[str], kind: str) -> int:
    """The index of the last record of this type."""
    return max(i for i, line in enumerate(lines) if line.startswith(f'{{"type":"{kind}"'))


def _job(tmp_path: Path, lines: list[str]) -> tuple[Path, Path]:
    """The lines as the only node log of a job directory: (the directory, the log)."""
    folder = tmp_path / "job"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    log = folder / "node.jsonl"
    log.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return folder, log


def _edited(lines: list[str], index: int, edit: Callable[[dict[str, Any]], None]) -> list[str]:
    record = json.loads(lines[index])
    edit(record)
    return [*lines[:index], json.dumps(record, separators=(",", ":")), *lines[index + 1:]]


def _both(folder: Path, log: Path) -> tuple[Result, Result]:
    return run_cli("report", str(log), "--json"), run_cli("report", str(folder), "--json")


def _scale(key: str, factor: float) -> Callable[[dict[str, Any]], None]:
    def edit(record: dict[str, Any]) -> None:
        record[key]["channels"][0][0] *= factor
    return edit


def _set(key: str, value: Any, field: int = 0) -> Callable[[dict[str, Any]], None]:
    def edit(record: dict[str, Any]) -> None:
        record[key]["channels"][0][field] = value
    return edit


def _time(value: float, *keys: str) -> Callable[[dict[str, Any]], None]:
    def edit(record: dict[str, Any]) -> None:
        for key in keys:
            record[key]["t"] = value
    return edit


def _assert_named(result: Result, log: Path, line: int, kind: str) -> None:
    named = re.findall(rf"^footprint: {re.escape(str(log))}:(\d+): {kind} record: .*its totals are not used", result.err, re.M)
    assert str(line) in named, result.err
    refused = json.loads(result.out)["details"]["refused_totals"]
    assert {"log": str(log), "line": line} in [{k: r[k] for k in ("log", "line")} for r in refused]


FINAL_FORGERIES = {
    "energy x1000": [_scale("totals", 1000), _scale("ledger", 1000)],
    "negative energy": [_set("totals", -350000.0), _set("ledger", -350000.0)],
    "NaN energy": [_set("totals", float("nan")), _set("ledger", float("nan"))],
    "t = 1e7": [_time(1e7, "totals", "ledger")],
    "energy x1000 in the totals alone": [_scale("totals", 1000)],
}


@pytest.mark.parametrize("name", sorted(FINAL_FORGERIES))
def test_a_forged_final_record_is_named_and_the_job_report_sums_the_records(finished: Path, tmp_path: Path, name: str) -> None:
    lines = _lines(finished)
    truth = _figures(run_cli("report", str(finished), "--json"))
    at = _where(lines, "final")
    for edit in FINAL_FORGERIES[name]:
        lines = _edited(lines, at, edit)
    folder, log = _job(tmp_path, lines)
    by_file, by_dir = _both(folder, log)
    assert _figures(by_dir) == _figures(by_file) == truth
    for result in (by_file, by_dir):
        _assert_named(result, log, at + 1, "final")


CHECKPOINT_FORGERIES = {
    "energy x10": [_scale("ledger", 10)],
    "energy 0": [_set("ledger", 0.0)],
    "negative energy": [_set("ledger", -350000.0)],
    "t = 1e6": [_time(1e6, "ledger"), lambda record: record.update(t=1e6)],
}


@pytest.mark.parametrize("name", sorted(CHECKPOINT_FORGERIES))
def test_a_forged_checkpoint_of_a_log_cut_short_is_named_and_the_records_are_summed(finished: Path, tmp_path: Path, name: str) -> None:
    lines = _lines(finished)[:-3]  # killed: no final record
    at = _where(lines, "checkpoint")
    truth = _figures(run_cli("report", str(_job(tmp_path, lines)[1]), "--json"))
    assert truth["duration"]["magnitude"] * 3600 == pytest.approx(SECONDS - 10)
    for edit in CHECKPOINT_FORGERIES[name]:
        lines = _edited(lines, at, edit)
    folder, log = _job(tmp_path, lines)
    by_file, by_dir = _both(folder, log)
    assert _figures(by_dir) == _figures(by_file) == truth
    for result in (by_file, by_dir):
        _assert_named(result, log, at + 1, "checkpoint")


def _damage_a_byte(line: str, old: str, new: str) -> str:
    assert old in line
    return line.replace(old, new, 1)


def test_a_damaged_byte_in_a_checkpoint_is_caught(finished: Path, tmp_path: Path) -> None:
    # one digit of the energy: still a plausible total, within every bound, so only its checksum tells
    lines = _lines(finished)[:-3]
    at = _where(lines, "checkpoint")
    truth = _figures(run_cli("report", str(_job(tmp_path, lines)[1]), "--json"))
    energy = json.loads(lines[at])["ledger"]["channels"][0][0]
    lines[at] = _damage_a_byte(lines[at], f"[[{energy!r},", f"[[{energy + 1:.1f},")
    folder, log = _job(tmp_path, lines)
    by_file, by_dir = _both(folder, log)
    assert _figures(by_dir) == _figures(by_file) == truth
    _assert_named(by_file, log, at + 1, "checkpoint")


def test_a_damaged_byte_in_the_records_a_checkpoint_sums_is_caught(finished: Path, tmp_path: Path) -> None:
    # an interval record before the checkpoint now says 1751 J where the meter wrote 1750 J: 'report FILE' counts
    # what the record says, and so must the job report, though the checkpoint after it is whole
    lines = _lines(finished)[:-3]
    at = _where(lines, "checkpoint")
    lines[5] = _damage_a_byte(lines[5], '"e":[1750.0,', '"e":[1751.0,')
    folder, log = _job(tmp_path, lines)
    by_file, by_dir = _both(folder, log)
    assert _figures(by_dir) == _figures(by_file)
    joules = sum(json.loads(line)["e"][0] for line in lines if line.startswith('{"type":"interval"'))
    gpu0 = json.loads(by_dir.out)["nodes"][0]["gpus"][0]["energy"]["magnitude"] * 3.6e6
    assert gpu0 == pytest.approx(joules, rel=1e-9)
    assert at > 5


def test_the_meter_seals_its_final_record_and_checkpoints_with_a_checksum(finished: Path) -> None:
    lines = _lines(finished)
    sealed = [line for line in lines if line.startswith(('{"type":"checkpoint"', '{"type":"final"'))]
    assert len(sealed) == 2
    for line in sealed:
        record = json.loads(line)
        assert list(record)[-1] == "crc" and re.fullmatch(r"[0-9a-f]{8}", record["crc"])
    assert all('"crc"' not in line for line in lines if line not in sealed)


def test_a_log_written_before_checksums_is_read_through_its_records(finished: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    old = [re.sub(r',"crc":"[0-9a-f]{8}"\}$', "}", line) for line in _lines(finished)]
    folder, log = _job(tmp_path, old)
    resumed: list[Any] = []
    usable = meter_checkpoint._usable

    def counted(*args: Any) -> Any:
        found = usable(*args)
        resumed.extend([found] if found is not None else [])
        return found

    monkeypatch.setattr(meter_checkpoint, "_usable", counted)
    by_file, by_dir = _both(folder, log)
    assert _figures(by_dir) == _figures(by_file) == _figures(run_cli("report", str(finished), "--json"))
    assert resumed == []  # nothing taken from its stored totals
    assert "its totals are not used" not in by_file.err + by_dir.err  # they are right: only unchecked


def test_the_job_report_of_a_whole_log_takes_its_final_record_as_written(finished: Path, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    folder, log = _job(tmp_path, _lines(finished))
    from footprint.meter.ledger import Ledger

    added: list[Any] = []
    interval = Ledger._interval
    monkeypatch.setattr(Ledger, "_interval", lambda self, record: (added.append(record), interval(self, record))[1])
    by_dir = run_cli("report", str(folder), "--json")
    assert added == []  # no interval read: the final record's checked totals stand for them
    monkeypatch.undo()
    assert _figures(by_dir) == _figures(run_cli("report", str(log), "--json"))
    assert by_dir.err == ""


def test_two_runs_one_after_another_in_one_log_add_up_their_time(tmp_path: Path) -> None:
    log = tmp_path / "job" / "node.jsonl"
    log.parent.mkdir()
    metered([FakeGpu(power="350 W")], 30.0, interval=5.0, log=log)
    metered([FakeGpu(power="350 W")], 20.0, interval=5.0, log=log)
    assert len(read_runs(log)) == 2
    by_file, by_dir = _both(log.parent, log)
    figures = _figures(by_file)
    assert _figures(by_dir) == figures
    assert figures["duration"]["magnitude"] * 3600 == pytest.approx(50.0)
    assert figures["gpu_hours"]["magnitude"] * 3600 == pytest.approx(50.0)
    assert figures["energy_gpu"]["magnitude"] * 3.6e6 == pytest.approx(350 * 50, rel=0.005)


def test_a_copy_of_a_log_of_two_runs_counts_each_run_once(tmp_path: Path) -> None:
    log = tmp_path / "job" / "node.jsonl"
    log.parent.mkdir()
    metered([FakeGpu(power="350 W")], 30.0, interval=5.0, log=log)
    metered([FakeGpu(power="200 W")], 20.0, interval=5.0, log=log)
    text = log.read_text(encoding="utf-8")
    copy = log.parent / "copy.jsonl"
    copy.write_text(text + text, encoding="utf-8")  # copied, and pasted after itself
    by_file = run_cli("report", str(log), str(copy), "--json")
    by_dir = run_cli("report", str(log.parent), "--json")
    figures = _figures(by_file)
    assert _figures(by_dir) == figures
    assert figures["energy_gpu"]["magnitude"] * 3.6e6 == pytest.approx(350 * 30 + 200 * 20, rel=0.005)
    assert figures["duration"]["magnitude"] * 3600 == pytest.approx(50.0)


@pytest.mark.parametrize("seconds", [0.0, 1.0])
def test_an_honest_run_shorter_than_one_peak_window_is_believed(tmp_path: Path, seconds: float) -> None:
    """A true log of a CPU-only run too short to complete one peak window (a script of a fraction of a second is
    common), whose channels have no power limit: its stored totals pass with no warning, and report DIR gives what
    report FILE gives."""
    from tests.test_run_cli import PY, footprint

    folder = tmp_path / "job"
    folder.mkdir()
    log = folder / "node.jsonl"
    done = footprint("run", "-q", "--log", str(log), "--", PY, "-c", f"import time; time.sleep({seconds})",
                     cwd=tmp_path, fake="no-driver.toml")
    assert done.returncode == 0, done.stderr
    whole, job = run_cli("report", "--json", str(log)), run_cli("report", "--json", str(folder))
    assert "not used" not in whole.err + job.err, whole.err + job.err
    assert _figures(job) == _figures(whole)
