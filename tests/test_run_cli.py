"""``footprint run`` end to end with real subprocesses: fake GPUs from a file, exit codes, signal forwarding,
a meter killed mid-run, no driver, the codecarbon CSV, and one-line errors."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from footprint.meter.codecarbon_csv import COLUMNS
from tests.cli_run import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "meter"
PY = sys.executable


def env(fake: str | None = "two-h100.toml", **extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in ("FOOTPRINT_FAKE_GPUS", "CUDA_VISIBLE_DEVICES")}
    out["FOOTPRINT_LOAD_PLUGINS"] = ""
    if fake:
        out["FOOTPRINT_FAKE_GPUS"] = str(FIXTURES / fake)
    out.update(extra)
    return out


def footprint(*args: str, cwd: Path, fake: str | None = "two-h100.toml", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "footprint", *args], cwd=cwd, env=env(fake), capture_output=True, text=True,
                          timeout=timeout)


def start(*args: str, cwd: Path, fake: str | None = "two-h100.toml") -> subprocess.Popen[str]:
    return subprocess.Popen([PY, "-m", "footprint", *args], cwd=cwd, env=env(fake), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} never appeared")
        time.sleep(0.05)


def test_two_fake_h100s_report_two_times_350_w_times_the_duration(tmp_path: Path) -> None:
    done = footprint("run", "--json", "--", PY, "-c", "import time; time.sleep(3)", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "GPUs are simulated" in done.stderr
    data = json.loads(done.stdout)
    seconds = data["duration"]["magnitude"] * 3600
    assert seconds >= 3
    assert data["energy_gpu"]["magnitude"] * 3.6e6 == pytest.approx(2 * 350 * seconds, rel=0.05)
    # the keys of 'estimate --json', plus the measured extras
    assert {"kind", "gpus", "gpu_hours", "energy", "energy_gpu", "energy_host", "energy_overhead", "emissions",
            "assumptions", "duration", "energy_cpu", "energy_ram", "details"} <= set(data)
    assert data["kind"] == "measurement" and data["gpus"] == 2 and data["profile"] == "h100-sxm"
    gpu = data["details"]["gpus"][0]
    assert {"uuid", "name", "method", "energy", "average_power", "peak_power", "profile"} <= set(gpu)
    assert data["details"]["estimate"]["measured_power_fraction"] == pytest.approx(0.5, rel=0.1)
    log = Path(tmp_path, data["details"]["nodes"][0]["log"])
    assert log.parent.name == "footprint-runs" and log.is_file()
    assert json.loads(log.with_name(log.name.replace(".jsonl", ".summary.json")).read_text())["energy"] == data["energy"]


def test_summary_text_names_every_part(tmp_path: Path) -> None:
    done = footprint("run", "--interval", "500ms", "--price", "2 USD/h", "--region", "FRA", "--log", "run.jsonl", "--",
                     PY, "-c", "pass", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for needle in ("footprint run:", "(exit 0)", "energy, GPU", "energy, CPU", "energy, RAM", "facility overhead",
                   "energy, total", "emissions", "cost", "GPU 0  NVIDIA H100 80GB HBM3", "average", "peak",
                   "same run estimated from TDP (h100-sxm, 700 W per GPU", "of TDP", "log: run.jsonl", "FRA"):
        assert needle in out, needle
    assert "\r" not in done.stderr  # no live status when stderr is not a terminal


def test_exit_code_is_the_childs(tmp_path: Path) -> None:
    done = footprint("run", "--quiet", "--", PY, "-c", "import sys; sys.exit(3)", cwd=tmp_path)
    assert done.returncode == 3
    assert done.stdout == "" and done.stderr == ""  # --quiet: nothing but errors


def test_death_by_signal_is_128_plus_n(tmp_path: Path) -> None:
    done = footprint("run", "--quiet", "--log", "x.jsonl", "--", PY, "-c",
                     "import os, signal; os.kill(os.getpid(), signal.SIGTERM)", cwd=tmp_path)
    assert done.returncode == 128 + signal.SIGTERM
    final = json.loads((tmp_path / "x.jsonl").read_text().splitlines()[-1])
    assert final["type"] == "final" and final["signal"] == signal.SIGTERM and final["exit_code"] == 143


CHILD = """
import signal, sys, time, pathlib
ready = pathlib.Path(sys.argv[1])
def handler(signum, frame):
    pathlib.Path(str(ready) + '.got').write_text(signal.Signals(signum).name)
    sys.exit(7)
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, handler)
ready.write_text('ready')
time.sleep(60)
sys.exit(1)
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signals_sent_to_footprint_are_forwarded_once_and_the_log_is_finished(tmp_path: Path, signum: int) -> None:
    ready = tmp_path / "ready"
    proc = start("run", "--interval", "200ms", "--log", "run.jsonl", "--", PY, "-c", CHILD, str(ready), cwd=tmp_path)
    wait_for(ready)
    time.sleep(0.3)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 7, err
    assert Path(str(ready) + ".got").read_text() == signal.Signals(signum).name
    assert "footprint run:" in out and "(exit 7)" in out
    final = json.loads((tmp_path / "run.jsonl").read_text().splitlines()[-1])
    assert final["forwarded"] == [signal.Signals(signum).name]


def test_meter_killed_mid_run_leaves_a_log_that_report_reads(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    proc = start("run", "--interval", "200ms", "--log", "run.jsonl", "--", PY, "-c",
                 "import os, sys, time, pathlib; pathlib.Path(sys.argv[1]).write_text(str(os.getpid())); time.sleep(60)",
                 str(ready), cwd=tmp_path, fake="h100-fast-counter.toml")
    wait_for(ready)
    child = int(ready.read_text() or "0")
    try:
        time.sleep(1.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if child:
            # orphaned by the kill, it still holds our pipes; it may have ended already (the meter's death sent it
            # SIGTERM), which is what suppressing ProcessLookupError allows
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
    proc.communicate(timeout=30)
    lines = (tmp_path / "run.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["type"] == "interval"  # no final record: it was killed
    done = footprint("report", "run.jsonl", "--json", cwd=tmp_path, fake=None)
    assert done.returncode == 0, done.stderr
    assert "the run did not finish" in done.stderr
    data = json.loads(done.stdout)
    assert data["details"]["nodes"][0]["complete"] is False
    seconds = data["duration"]["magnitude"] * 3600
    assert seconds >= 0.6
    assert data["energy_gpu"]["magnitude"] * 3.6e6 == pytest.approx(350 * seconds, rel=0.05)


def test_no_driver_meters_cpu_and_ram_and_says_so(tmp_path: Path) -> None:
    # about 0.3 s of CPU work: many clock ticks of CPU time, where a bare `pass` can read as none on a loaded machine
    busy = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    done = footprint("run", "--json", "--", PY, "-c", busy, cwd=tmp_path, fake="no-driver.toml")
    assert done.returncode == 0
    assert "footprint: no NVIDIA driver found: metering CPU and RAM only" in done.stderr.splitlines()
    data = json.loads(done.stdout)
    assert data["gpus"] == 0 and data["energy_cpu"]["magnitude"] > 0 and data["energy_ram"]["magnitude"] > 0


def test_require_gpu_without_a_driver_fails_before_the_command_runs(tmp_path: Path) -> None:
    done = footprint("run", "--require-gpu", "--", PY, "-c", "open('ran', 'w')", cwd=tmp_path, fake="no-driver.toml")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == "footprint run: error: --require-gpu: no NVIDIA driver found (NVML unavailable: DriverNotLoaded)"
    assert not (tmp_path / "ran").exists()


def test_faulty_gpus_end_to_end(tmp_path: Path) -> None:
    done = footprint("run", "--json", "--interval", "250ms", "--", PY, "-c", "import time; time.sleep(2.5)", cwd=tmp_path,
                     fake="faulty.toml")
    assert done.returncode == 0, done.stderr
    gpus = {g["uuid"][:12]: g for g in json.loads(done.stdout)["details"]["gpus"]}
    assert gpus["GPU-1b1b1b1b"]["counter_resets"] == 1
    assert gpus["GPU-2c2c2c2c"]["gap"]["magnitude"] > 1
    assert gpus["GPU-3d3d3d3d"]["method"].startswith("power polling")
    assert gpus["GPU-0a0a0a0a"]["method"].startswith("energy counter")
    assert all(g["energy"]["magnitude"] > 0 for g in gpus.values())


def test_cuda_visible_devices_limits_the_gpus(tmp_path: Path) -> None:
    done = subprocess.run([PY, "-m", "footprint", "run", "--json", "--", PY, "-c", "pass"], cwd=tmp_path,
                          env=env("faulty.toml", CUDA_VISIBLE_DEVICES="GPU-3d3d,0"), capture_output=True, text=True, timeout=60)
    assert [g["index"] for g in json.loads(done.stdout)["details"]["gpus"]] == [3, 0]
    done = subprocess.run([PY, "-m", "footprint", "run", "--json", "--all-gpus", "--", PY, "-c", "pass"], cwd=tmp_path,
                          env=env("faulty.toml", CUDA_VISIBLE_DEVICES="0"), capture_output=True, text=True, timeout=60)
    assert json.loads(done.stdout)["gpus"] == 4


def test_csv_rows_have_codecarbons_38_columns(tmp_path: Path) -> None:
    for _ in range(2):
        done = footprint("run", "--quiet", "--csv", "emissions.csv", "--region", "FRA", "--", PY, "-c", "pass", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    with (tmp_path / "emissions.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(COLUMNS) == 38
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == 2
    row = rows[0]
    assert row["country_iso_code"] == "FRA" and row["gpu_count"] == "2" and row["gpu_model"] == "2 x NVIDIA H100 80GB HBM3"
    energy = float(row["cpu_energy"]) + float(row["gpu_energy"]) + float(row["ram_energy"])
    assert float(row["energy_consumed"]) == pytest.approx(energy)
    assert float(row["emissions"]) == pytest.approx(float(row["energy_consumed"]) * 0.056, rel=0.5)  # kg; France ~56 g/kWh


def test_csv_header_matches_installed_codecarbon() -> None:
    from importlib.util import find_spec

    spec = find_spec("codecarbon")
    assert spec is not None, "codecarbon is a dependency of footprint"
    source = Path(next(iter(spec.submodule_search_locations))) / "output_methods" / "emissions_data.py"
    text = source.read_text()
    body = text.split("class EmissionsData:")[1].split("@property")[0]
    fields = [line.split(":")[0].strip() for line in body.splitlines() if ":" in line and not line.strip().startswith(('"', "#"))]
    assert tuple(fields) == COLUMNS


@pytest.mark.parametrize(("args", "message"), [
    (["--interval", "fast"], "footprint run: error: --interval: cannot read 'fast'; expected a time such as"),
    (["--interval", "2 kg"], "footprint run: error: --interval: '2 kg' is in kg; expected a time"),
    (["--interval", "1ms"], "footprint run: error: --interval: '1ms' is out of range"),
    (["--region", "ATLANTIS"], "footprint run: error: region 'ATLANTIS' is unknown"),
    (["--pue", "0.5"], "footprint run: error: --pue: 0.5 is out of range"),
])
def test_bad_options_are_one_line_and_exit_2_before_the_command_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FOOTPRINT_FAKE_GPUS", str(FIXTURES / "two-h100.toml"))
    result = run_cli("run", *args, "--", PY, "-c", "open('ran', 'w')")
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.err
    assert not (tmp_path / "ran").exists()


def test_command_not_found_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FOOTPRINT_FAKE_GPUS", str(FIXTURES / "two-h100.toml"))
    result = run_cli("run", "--quiet", "--", "no-such-program-xyz")
    assert result.code == 2
    assert result.err.strip() == "footprint run: error: cannot run 'no-such-program-xyz': command not found; expected a program on PATH or a path to one"


def test_missing_command_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("run")
    assert result.code == 2 and "Missing argument 'COMMAND...'" in result.err


def test_live_status_on_a_terminal(tmp_path: Path) -> None:
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    proc = subprocess.Popen([PY, "-m", "footprint", "run", "--interval", "300ms", "--", PY, "-c", "import time; time.sleep(2.5)"],
                            cwd=tmp_path, env=env(), stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data.decode(errors="replace"))
    proc.communicate(timeout=30)
    os.close(master)
    status = "".join(chunks)
    assert " W now | " in status and "gCO2e" in status
    updates = status.count("footprint: ") - status.count("footprint: warning")
    assert 1 <= updates <= 4  # 2.5 s at most once a second, not once per 300 ms interval


COUNTING_CHILD = """
import signal, sys, time, pathlib
ready = pathlib.Path(sys.argv[1])
def handler(signum, frame):
    with open(str(ready) + '.got', 'a') as fh:
        fh.write(signal.Signals(signum).name + '\\n')
for s in (signal.SIGINT, signal.SIGTERM):
    signal.signal(s, handler)
ready.write_text('ready')
time.sleep(1.5)
sys.exit(7)
"""


def test_ctrl_c_at_a_terminal_reaches_the_child_once(tmp_path: Path) -> None:
    pty = pytest.importorskip("pty")
    ready = tmp_path / "ready"
    argv = [PY, "-m", "footprint", "run", "--quiet", "--interval", "200ms", "--log", str(tmp_path / "run.jsonl"), "--",
            PY, "-c", COUNTING_CHILD, str(ready)]
    pid, master = pty.fork()
    if pid == 0:  # the child: a session leader whose controlling terminal is the pty
        try:
            os.execve(PY, argv, env())
        finally:
            os._exit(127)
    try:
        wait_for(ready)
        time.sleep(0.3)
        os.write(master, b"\x03")  # Ctrl-C: the tty driver signals the whole foreground process group
        deadline = time.monotonic() + 30
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            try:
                os.read(master, 4096)  # keep the pty drained
            except OSError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        os.close(master)
    assert os.waitstatus_to_exitcode(status) == 7
    assert Path(str(ready) + ".got").read_text() == "SIGINT\n"  # once, not once from the tty and once from us
    final = json.loads((tmp_path / "run.jsonl").read_text().splitlines()[-1])
    assert final["forwarded"] == []
