"""Helpers for the cluster tests: free ports, daemons started and stopped by pid, waiting with a deadline."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FAKE_GPUS = ROOT / "tests" / "fixtures" / "meter" / "two-h100.toml"
BIN = Path(sys.executable).parent  # the venv's bin: footprint's console script lives here


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], Any], timeout: float, what: str, log: Path | None = None) -> Any:
    """Poll ``check`` until it returns something truthy; fail with ``what`` (and the daemon's log) after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    detail = f"\n--- {log} ---\n{log.read_text(errors='replace')[-3000:]}" if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{detail}")


class Daemon:
    """A process this test started: stopped by its pid (SIGTERM, then SIGKILL), never by name."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        self.args = args
        self.log = log
        self.fh = log.open("ab")
        self.proc = subprocess.Popen(args, stdout=self.fh, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                     start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        self.fh.close()


def http_get(url: str, timeout: float = 5.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # loopback only
        return response.read().decode()


def http_ok(url: str) -> bool:
    try:
        http_get(url, timeout=1.0)
    except OSError:
        return False
    return True


def env_with(**extra: str) -> dict[str, str]:
    """The test's environment with footprint's venv first on PATH (launchers start 'footprint' by name)."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def records(path: Path) -> list[dict[str, Any]]:
    """Every complete JSON line of a log (an independent reader: plain json, not footprint's)."""
    out = []
    for line in path.read_text().splitlines(keepends=True):
        if line.endswith("\n"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out


def gpu_joules(path: Path) -> float:
    """GPU energy of a log summed from its interval records (what a report must add up to)."""
    recs = records(path)
    header = recs[0]
    gpu = [i for i, c in enumerate(header["channels"]) if c["component"] == "gpu"]
    return sum(float(r["e"][i]) for r in recs if r.get("type") == "interval" for i in gpu if i < len(r["e"]))


def all_joules(path: Path) -> float:
    recs = records(path)
    return sum(float(e) for r in recs if r.get("type") == "interval" for e in r["e"])


def tool(name: str) -> str:
    """The path of a system program; a test that calls this carries ``pytest.mark.system(name)``, which skips it
    (or fails it, under CI) before it gets here when the program is missing."""
    from tests.conftest import SYSTEM_PROGRAMS, find_program

    found = find_program(name)
    assert found, f"{name} is not installed: mark the test pytest.mark.system({name!r}) (apt-get install {SYSTEM_PROGRAMS.get(name, name)})"
    return found


def barrier(group: str, count: int) -> str:
    """Python code for a rank's command: wait (at most 60 s) until ``count`` ranks of ``group`` have started theirs.

    A rank's command starts only once its footprint process has joined the node's election, so after this
    every rank of the node is registered with the meter, however slowly the machine started them. ``group`` is
    a Python expression; the ranks meet in the folder ``sys.argv[1]``.
    """
    return ("import glob, os, sys, time\n"
            f"_group = os.path.join(sys.argv[1], 'started-' + {group})\n"
            "open(_group + '-' + str(os.getpid()), 'w').close()\n"
            "_t = time.time()\n"
            f"while len(glob.glob(_group + '-*')) < {count} and time.time() < _t + 60:\n"
            "    time.sleep(0.05)\n")
