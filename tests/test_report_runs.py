"""Every interval is counted once: runs are named by id, a log may hold several, the same run given twice counts
once, a live log has one writer, and a damaged record is named by file and line while the others still count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from footprint.errors import FootprintError
from footprint.meter.fake_nvml import FakeGpu
from footprint.meter.from_log import collect_runs, footprint_by_run
from footprint.meter.log import LogWriter, read_runs
from tests.cli_run import run_cli
from tests.fixtures.meter.helpers import metered

GPU_W = 350.0


def _gpu_power(data: dict) -> list[float]:
    return [g["average_power"]["magnitude"] for g in data["details"]["gpus"]]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "run.jsonl"
    metered([FakeGpu(power=f"{GPU_W:g} W")], 30.0, interval=5.0, log=path)
    return path


def test_each_run_has_a_uuid4_run_id_in_its_header(log: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    metered([FakeGpu()], 10.0, log=other)
    ids = [json.loads(p.read_text().splitlines()[0])["run_id"] for p in (log, other)]
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert ids[0] != ids[1]
    assert ids[0][12] == "4"  # the uuid4 version digit


def test_the_same_log_given_twice_is_counted_once_and_said_so(log: Path) -> None:
    once = json.loads(run_cli("report", str(log), "--json").out)
    result = run_cli("report", str(log), str(log), "--json")
    assert result.code == 0
    twice = json.loads(result.out)
    assert twice["energy_gpu"] == once["energy_gpu"]
    assert twice["gpus"] == 1
    assert "the same run as" in result.err and "counted once" in result.err


def test_a_copy_of_a_log_is_the_same_run(log: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.jsonl"
    copy.write_text(log.read_text())
    data = json.loads(run_cli("report", str(log), str(copy), "--json").out)
    assert data["energy_gpu"]["magnitude"] * 3.6e6 == pytest.approx(GPU_W * 30, rel=0.005)


def test_of_two_copies_the_longer_one_counts(log: Path, tmp_path: Path) -> None:
    early = tmp_path / "early.jsonl"  # copied while the run was going: header and two intervals
    early.write_text("".join(log.read_text().splitlines(keepends=True)[:3]))
    data = json.loads(run_cli("report", str(early), str(log), "--json").out)
    assert data["duration"]["magnitude"] * 3600 == pytest.approx(30.0)
    assert data["details"]["nodes"][0]["complete"] is True


def test_a_reused_log_path_holds_two_runs_read_as_two(tmp_path: Path) -> None:
    path = tmp_path / "reused.jsonl"
    metered([FakeGpu(power="350 W")], 30.0, interval=5.0, log=path)
    metered([FakeGpu(power="350 W")], 20.0, interval=5.0, log=path)
    runs = read_runs(path)
    assert [r.line for r in runs] == [1, 9]  # header + 6 intervals + final, then the second header
    result = run_cli("report", str(path), "--json")
    assert result.code == 0
    assert "holds 2 runs" in result.err
    data = json.loads(result.out)
    assert data["energy_gpu"]["magnitude"] * 3.6e6 == pytest.approx(350 * 50, rel=0.005)
    assert _gpu_power(data) == pytest.approx([350, 350], rel=0.01)  # not 700 W on a 350 W GPU


def test_results_per_run_for_code_that_groups_runs(tmp_path: Path) -> None:
    path = tmp_path / "reused.jsonl"
    metered([FakeGpu(power="100 W")], 10.0, interval=5.0, log=path, label="first")
    metered([FakeGpu(power="300 W")], 10.0, interval=5.0, log=path, label="second")
    results, warnings = footprint_by_run([str(path), str(path)])
    headers = [json.loads(line) for line in path.read_text().splitlines() if '"header"' in line]
    assert list(results) == [h["run_id"] for h in headers]
    assert [r.label for r in results.values()] == ["first", "second"]
    assert [float(r.energy_gpu.central.to("J").magnitude) for r in results.values()] == pytest.approx([1000, 3000], rel=0.01)
    assert sum("counted once" in w for w in warnings) == 2


def test_a_second_writer_on_a_live_log_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    first = LogWriter(path)
    try:
        with pytest.raises(FootprintError, match="is being written by another running meter"):
            LogWriter(path)
    finally:
        first.close()
    LogWriter(path).close()  # free again once the first writer is done


def test_a_second_run_on_a_live_log_exits_2_before_its_command(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    writer = LogWriter(path)
    try:
        result = run_cli("run", "--log", str(path), "--", "sh", "-c", f"touch {tmp_path / 'ran'}")
    finally:
        writer.close()
    assert result.code == 2
    assert result.err.strip().splitlines()[-1].startswith(f"footprint run: error: --log: '{path}' is being written by another")
    assert not (tmp_path / "ran").exists()


def test_a_log_whose_writer_died_mid_line_gets_its_next_run_on_a_line_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl"
    metered([FakeGpu(power="100 W")], 10.0, interval=5.0, log=path)
    path.write_text(path.read_text()[:-7])  # the final record cut mid-write
    metered([FakeGpu(power="100 W")], 10.0, interval=5.0, log=path)
    runs = read_runs(path)
    assert len(runs) == 2 and runs[1].complete and not runs[0].complete


HEADER = {"type": "header", "format": "footprint-meter-log", "version": 1, "run_id": "0" * 32,
          "settings": {"interval_s": 5.0, "site": {}}, "channels": [{"key": "GPU-a", "component": "gpu"}]}


def _interval(t: float, e: object = 1000.0, **extra: object) -> dict:
    return {"type": "interval", "t": t, "dt": 5.0, "e": [e], **extra}


# Each damaged record (line 3) is named with its file and line; the records before it (line 2) and after it
# (line 4) still count, and nothing else does.
DAMAGED = {
    "e a string": _interval(10.0, e="1000"),
    "e a boolean": _interval(10.0, e=True),
    "e null": _interval(10.0, e=None),
    "e not a list": {"type": "interval", "t": 10.0, "dt": 5.0, "e": 1000},
    "e too short": {"type": "interval", "t": 10.0, "dt": 5.0, "e": []},
    "e too long": {"type": "interval", "t": 10.0, "dt": 5.0, "e": [1.0, 2.0]},
    "e negative": _interval(10.0, e=-1000.0),
    "e a 400-digit integer": _interval(10.0, e=int("9" * 400)),
    "dt a string": {"type": "interval", "t": 10.0, "dt": "5", "e": [1000.0]},
    "dt negative": {"type": "interval", "t": 10.0, "dt": -5.0, "e": [1000.0]},
    "dt longer than the time since the last record": {"type": "interval", "t": 10.0, "dt": 500.0, "e": [1000.0]},
    "t a string": _interval("10"),  # type: ignore[arg-type]
    "t missing": {"type": "interval", "dt": 5.0, "e": [1000.0]},
    "t going backwards": _interval(2.0),
    "flags not an object": _interval(10.0, flags=["gap"]),
    "flags for a channel that does not exist": _interval(10.0, flags={"7": ["gap:GpuIsLost"]}),
    "flags not names": _interval(10.0, flags={"0": [1, 2]}),
    "est not a number": _interval(10.0, est={"0": "x"}),
    "unknown record type": {"type": "surprise", "t": 10.0},
    "a window mark without a window": {"type": "mark", "t": 10.0, "edge": "start"},
    "a JSON list, not an object": [1, 2, 3],
    "not JSON": "{broken",
}


def _write(path: Path, lines: list[object]) -> None:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))


@pytest.mark.parametrize("damage", list(DAMAGED))
def test_a_damaged_record_is_one_line_naming_file_and_line_and_the_rest_counts(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "damaged.jsonl"
    _write(path, [HEADER, _interval(5.0), DAMAGED[damage], _interval(10.0), {"type": "final", "t": 10.0}])
    result = run_cli("report", str(path), "--json")
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"footprint: {path}:3: ")
    data = json.loads(result.out)
    assert data["energy_gpu"]["magnitude"] * 3.6e6 == pytest.approx(2000.0)  # lines 2 and 4, 1000 J each


@pytest.mark.parametrize(("header", "message"), [
    ({**HEADER, "version": "1"}, "'version' is \"1\""),
    ({**HEADER, "version": True}, "'version' is true"),
    ({**HEADER, "channels": {"key": "x"}}, "'channels' is"),
    ({**HEADER, "channels": [{"key": 5, "component": "gpu"}]}, "channel 0 is"),
    ({**HEADER, "settings": [1]}, "'settings' is [1]"),
    ({**HEADER, "settings": {"interval_s": float("nan")}}, "'settings.interval_s' is NaN"),
    ({**HEADER, "settings": {"interval_s": 5, "site": {"pue": [1]}}}, "'settings.site' is"),
    ({**HEADER, "run_id": 7}, "'run_id' is 7"),
])
def test_a_damaged_header_is_one_line_naming_file_and_line(tmp_path: Path, header: dict, message: str) -> None:
    path = tmp_path / "bad-header.jsonl"
    _write(path, [header, _interval(5.0)])
    result = run_cli("report", str(path))
    assert result.code == 2
    assert result.err.strip().startswith(f"footprint report: error: {path}:1: bad header: {message}")
    assert len(result.err.strip().splitlines()) == 1


def test_a_damaged_second_header_skips_that_run_only(tmp_path: Path) -> None:
    path = tmp_path / "two.jsonl"
    _write(path, [HEADER, _interval(5.0), {**HEADER, "run_id": "1" * 32, "channels": 3}, _interval(5.0)])
    runs, warnings = collect_runs([str(path)])
    assert len(runs) == 1 and runs[0].ledger.channels[0].energy == 1000.0
    assert any(w.startswith(f"{path}:3: bad header") for w in warnings)


def test_a_gap_correction_may_be_negative_where_flagged(tmp_path: Path) -> None:
    path = tmp_path / "gap.jsonl"
    _write(path, [HEADER, _interval(5.0, flags={"0": ["gap:GpuIsLost"]}, est={"0": 1000.0}),
                  _interval(10.0, e=-200.0, flags={"0": ["gap-measured"]}, est={"0": -1000.0})])
    runs, warnings = collect_runs([str(path)])
    assert runs[0].ledger.channels[0].energy == 800.0
    assert not any(":3:" in w for w in warnings)


def test_many_damaged_lines_are_summed_up_not_listed(tmp_path: Path) -> None:
    path = tmp_path / "noisy.jsonl"
    _write(path, [HEADER, *["{broken"] * 50, _interval(5.0), {"type": "final", "t": 5.0}])
    result = run_cli("report", str(path), "--json")
    assert result.code == 0
    lines = result.err.strip().splitlines()
    assert len(lines) == 11 and "40 more damaged line(s) skipped" in lines[-1]


def test_report_run_picks_one_run_of_a_reused_log(tmp_path: Path) -> None:
    path = tmp_path / "reused.jsonl"
    metered([FakeGpu(power="100 W")], 10.0, interval=5.0, log=path)
    metered([FakeGpu(power="300 W")], 10.0, interval=5.0, log=path)
    second = [json.loads(x) for x in path.read_text().splitlines() if '"header"' in x][1]["run_id"]
    result = run_cli("report", str(path), "--run", second[:8], "--json")
    assert result.code == 0 and result.err == ""
    assert json.loads(result.out)["energy_gpu"]["magnitude"] * 3.6e6 == pytest.approx(3000, rel=0.01)
    missing = run_cli("report", str(path), "--run", "zz")
    assert missing.code == 2
    assert missing.err.strip() == f"footprint report: error: --run: no run 'zz' in {path}; expected a run id from a log header"


def test_run_names_its_run_when_the_log_holds_earlier_ones(tmp_path: Path) -> None:
    from tests.test_run_cli import footprint

    path = tmp_path / "reused.jsonl"
    first = footprint("run", "--log", str(path), "--", "true", cwd=tmp_path)
    assert first.returncode == 0 and f"(rebuild with 'footprint report {path}')" in first.stdout
    second = footprint("run", "--log", str(path), "--", "true", cwd=tmp_path)
    run_id = [json.loads(x) for x in path.read_text().splitlines() if '"header"' in x][1]["run_id"]
    assert f"(rebuild with 'footprint report {path} --run {run_id[:12]}')" in second.stdout


def test_an_overlong_line_is_read_in_pieces_and_named(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    _write(path, [HEADER, _interval(5.0), "x" * (3 << 20), _interval(10.0), {"type": "final", "t": 10.0}])
    runs, warnings = collect_runs([str(path)])
    assert runs[0].ledger.channels[0].energy == 2000.0 and runs[0].complete
    assert warnings == [f"{path}:3: unreadable line (not a JSON object); skipped"]


def test_a_device_given_as_a_log_is_one_line() -> None:
    result = run_cli("report", "/dev/zero")
    assert result.code == 2
    assert result.err.strip() == ("footprint report: error: log '/dev/zero' is not a regular file; "
                                  "expected a log written by 'footprint run --log'")
