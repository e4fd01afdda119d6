"""Signals: every signal a user or a scheduler sends reaches the command; a killed meter does not leave the
command running unmetered; a command that ignores SIGTERM is not killed by the meter; descendants left behind
are named; and the command's end is seen even where SIGCHLD goes to another thread."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.test_run_cli import PY, env, start, wait_for

HANDLES = """
import signal, sys, time, pathlib
ready = pathlib.Path(sys.argv[1])
def handler(signum, frame):
    pathlib.Path(str(ready) + '.got').write_text(signal.Signals(signum).name)
    sys.exit(7)
for s in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGQUIT, signal.SIGALRM, signal.SIGWINCH):
    signal.signal(s, handler)
ready.write_text('ready')
time.sleep(60)
sys.exit(1)
"""


@pytest.mark.parametrize("signum", [signal.SIGUSR1, signal.SIGUSR2, signal.SIGQUIT, signal.SIGALRM, signal.SIGWINCH])
def test_scheduler_signals_are_forwarded_and_the_run_is_finished(tmp_path: Path, signum: int) -> None:
    ready = tmp_path / "ready"
    proc = start("run", "--interval", "200ms", "--log", "run.jsonl", "--", PY, "-c", HANDLES, str(ready), cwd=tmp_path)
    wait_for(ready)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 7, err
    assert Path(str(ready) + ".got").read_text() == signal.Signals(signum).name
    assert "(exit 7)" in out
    final = json.loads((tmp_path / "run.jsonl").read_text().splitlines()[-1])
    assert final["type"] == "final" and final["forwarded"] == [signal.Signals(signum).name]


ON_TERM = """
import os, signal, sys, time, pathlib
ready = pathlib.Path(sys.argv[1])
signal.signal(signal.SIGTERM, lambda s, f: (pathlib.Path(str(ready) + '.got').write_text('SIGTERM'), sys.exit(0)))
ready.write_text(str(os.getpid()))
time.sleep(60)
"""


def test_a_meter_killed_with_sigkill_takes_the_command_down_with_sigterm(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    proc = start("run", "--interval", "200ms", "--log", "run.jsonl", "--", PY, "-c", ON_TERM, str(ready), cwd=tmp_path)
    wait_for(ready)
    child = int(ready.read_text())
    try:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        wait_for(Path(str(ready) + ".got"))  # the kernel sent the command SIGTERM when the meter died
    finally:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass


IGNORES = """
import signal, sys, time, pathlib
ready = pathlib.Path(sys.argv[1])
got = []
def handler(signum, frame):
    got.append(signal.Signals(signum).name)
    ready.write_text(','.join(got))
signal.signal(signal.SIGTERM, handler)
signal.signal(signal.SIGINT, handler)
ready.write_text('ready')
while len(got) < 3:
    time.sleep(0.05)
sys.exit(3)
"""


def _wait_text(path: Path, text: str) -> None:
    deadline = time.monotonic() + 30
    while path.read_text() != text:
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} never read {text!r}: {path.read_text()!r}")
        time.sleep(0.05)


def test_a_command_that_ignores_sigterm_gets_every_signal_and_is_never_killed_by_the_meter(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    proc = start("run", "--interval", "200ms", "--log", "run.jsonl", "--", PY, "-c", IGNORES, str(ready), cwd=tmp_path)
    wait_for(ready)
    _wait_text(ready, "ready")
    proc.send_signal(signal.SIGTERM)
    _wait_text(ready, "SIGTERM")
    proc.send_signal(signal.SIGTERM)
    _wait_text(ready, "SIGTERM,SIGTERM")
    assert proc.poll() is None  # still metering: the command decides when it ends
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 3, err
    final = json.loads((tmp_path / "run.jsonl").read_text().splitlines()[-1])
    assert final["forwarded"] == ["SIGTERM", "SIGTERM", "SIGINT"]


LEAVES = """
import subprocess, sys, pathlib
left = subprocess.Popen(['sleep', '60'], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
pathlib.Path(sys.argv[1]).write_text(str(left.pid))
"""


def test_descendants_left_running_are_named_loudly(tmp_path: Path) -> None:
    pid_file = tmp_path / "left"
    done = subprocess.run([PY, "-m", "footprint", "run", "--log", "run.jsonl", "--", PY, "-c", LEAVES, str(pid_file)],
                          cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=60)
    left = int(pid_file.read_text())
    try:
        assert done.returncode == 0, done.stderr
        assert (f"footprint run: warning: the command exited but left 1 process(es) running (pid {left}): "
                "they are not metered after this point") in done.stderr.splitlines()
        final = json.loads((tmp_path / "run.jsonl").read_text().splitlines()[-1])
        assert final["left_running"] == [left]
    finally:
        os.kill(left, signal.SIGKILL)


STOLEN = """
import threading, time
from footprint.meter import wrap
wrap.SAFETY_WAKE_S = 3600.0  # only the pidfd can wake the wait in time

def until_exited(pid):  # the child has exited (a zombie) before the wait starts: its SIGCHLD is already sent
    while open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z":
        time.sleep(0.001)

stop = threading.Event()
thief = threading.Thread(target=stop.wait)  # started before the block: the kernel gives SIGCHLD to this thread
thief.start()
with wrap.SignalGuard() as guard:
    result = guard.run(['true'], on_started=until_exited)
stop.set()
print(result.exit_code)
"""


def test_the_end_of_the_command_is_seen_even_when_another_thread_takes_sigchld(tmp_path: Path) -> None:
    done = subprocess.run([PY, "-c", STOLEN], cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"


def test_reading_the_interval_builds_no_unit_registry(tmp_path: Path) -> None:
    code = ("import sys; from footprint.meter.recorder import parse_interval; "
            "print(parse_interval('5s'), parse_interval('500ms'), parse_interval('1 min'), 'pint' in sys.modules)")
    done = subprocess.run([PY, "-c", code], cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["5.0", "0.5", "60.0", "False"], done.stderr
