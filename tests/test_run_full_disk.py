"""Fault injection: the file system holding the log fills up while the job runs. The test mounts a small tmpfs
in a private mount namespace (``unshare``), so the file system exists only for this run and vanishes with it.

Metering goes on in memory: the summary is printed, the JSON goes where it can, the loss is named with the time
it began, and the exit code is the command's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_run_cli import PY, env

# The command fills the small file system once the meter has written a few records, then waits until the log
# has stopped growing for a second (the meter writes every 50 ms, so its writes are failing), and exits 0.
FILL_THEN_WAIT = """
import os, sys, time
log, filler = sys.argv[1], sys.argv[2]
deadline = time.monotonic() + 60
while (not os.path.exists(log) or os.path.getsize(log) < 2000) and time.monotonic() < deadline:
    time.sleep(0.05)
with open(filler, 'wb', buffering=0) as fh:
    try:
        while True:
            fh.write(b'x' * 4096)
    except OSError:
        pass
size, since = -1, time.monotonic()
while time.monotonic() < deadline:
    now = os.path.getsize(log)
    if now != size:
        size, since = now, time.monotonic()
    elif time.monotonic() - since > 1.0:
        break
    time.sleep(0.05)
"""

IN_NAMESPACE = """
set -u
mount -t tmpfs -o size=256k footprint-test "$MNT" || exit 90
"$PY" -m footprint run --interval 50ms --log "$MNT/run.jsonl" --json-file "$OUT/result.json" -- \
    "$PY" -c "$CHILD" "$MNT/run.jsonl" "$MNT/filler"
rc=$?
cp "$MNT/run.jsonl" "$OUT/run.jsonl"
exit $rc
"""


def test_a_disk_that_fills_mid_run_loses_the_log_not_the_result(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    assert unshare, "the fault-injection test needs util-linux's unshare"
    mnt, out = tmp_path / "small-fs", tmp_path / "out"
    mnt.mkdir()
    out.mkdir()
    variables = env(MNT=str(mnt), OUT=str(out), PY=PY, CHILD=FILL_THEN_WAIT)
    done = subprocess.run([unshare, "--map-root-user", "--mount", "sh", "-c", IN_NAMESPACE], cwd=tmp_path, env=variables,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 90, f"could not mount a tmpfs: {done.stderr}"
    assert done.returncode == 0, done.stderr  # the command's exit code, not the meter's trouble
    assert not any(mnt.iterdir())  # the small file system went away with its namespace
    assert "Traceback" not in done.stderr
    loss = [line for line in done.stderr.splitlines() if "writing the log" in line]
    assert len(loss) == 1 and "(No space left on device)" in loss[0] and "metering went on in memory" in loss[0]
    failed_at = float(loss[0].split(" failed at ")[1].split(" s ")[0])
    assert "footprint run: summary: cannot write" in done.stderr  # it would go next to the log, on the full disk
    assert "(exit 0)" in done.stdout and "energy, GPU" in done.stdout and "incomplete" in done.stdout
    result = json.loads((out / "result.json").read_text())
    seconds = result["duration"]["magnitude"] * 3600
    assert seconds > failed_at + 1.0  # the result covers the run after the failure too
    assert result["energy_gpu"]["magnitude"] * 3.6e6 == pytest.approx(2 * 350 * seconds, rel=0.05)
    # the log kept what it could: a report of it covers the run up to the failure and says so
    report = subprocess.run([PY, "-m", "footprint", "report", str(out / "run.jsonl"), "--json"], env=env(None),
                            capture_output=True, text=True, timeout=60)
    assert report.returncode == 0, report.stderr
    assert "did not finish" in report.stderr
    assert json.loads(report.stdout)["duration"]["magnitude"] * 3600 <= failed_at + 0.1
