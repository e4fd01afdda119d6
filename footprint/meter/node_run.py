"""The node side of a multi-node run, shared by ``footprint run`` and ``footprint.track``: who this rank is, whether
it meters the node, where its log goes, and (for the meter) waiting for the node's last rank.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from footprint.meter.election import Election, node_log_path, rank_entries
from footprint.meter.launcher import Launch, detect


class NodeRun:
    """``join()`` elects; a meter then records ``header()`` in its log and calls ``wait_ranks()`` and ``release()``."""

    def __init__(self, launch: Launch | None = None) -> None:
        self.launch = launch or detect()
        self.election: Election | None = Election(self.launch) if self.launch.distributed else None
        self.elected = True

    def join(self) -> bool:
        """True if this process meters the node (always, without a launcher: one process is one node's meter)."""
        if self.election is not None:
            self.elected = self.election.join()
        return self.elected

    def log_path(self, log_dir: str | Path) -> Path:
        """This node's log under ``log_dir`` (a job id is made up from host, time and pid without a launcher)."""
        if self.launch.job is None:
            self.launch = replace(self.launch, job=f"{self.launch.node}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}")
        return node_log_path(log_dir, self.launch)

    def header(self) -> dict[str, Any]:
        extra = self.launch.header()
        extra["ranks"] = [self.launch.rank] if self.launch.rank is not None else []
        return extra

    def progress_path(self) -> str | None:
        """The node's work channel, shared by its ranks (next to the election's lock files); None without a
        launcher (the meter makes a channel of its own then)."""
        return f"{self.election.prefix}.progress" if self.election is not None else None

    def visible_devices(self) -> str | None:
        """The GPUs the node's meter should see: under Slurm, those of the step (or job) on this node.

        srun's --gpus-per-task gives each rank its own CUDA_VISIBLE_DEVICES; the elected rank meters for all of
        them, so it takes the node's list, SLURM_STEP_GPUS (NVML indices), instead of its own.
        """
        if self.launch.launcher != "slurm":
            return None
        gpus = os.environ.get("SLURM_STEP_GPUS") or os.environ.get("SLURM_JOB_GPUS")
        return gpus.strip() if gpus and gpus.strip() else None

    def who_meters(self) -> str:
        pid = self.election.meter_pid() if self.election is not None else None
        job, node = (str(v) if len(str(v)) <= 80 else str(v)[:77] + "..." for v in (self.launch.job, self.launch.node))
        return f"node {node} of job {job} is metered by " + (f"pid {pid}" if pid else "another rank")

    def wait_ranks(self, stop: Callable[[], bool] = lambda: False) -> dict[str, Any]:
        """(Meter) keep metering until the node's last rank has ended; what to add to the final record."""
        if self.election is None:
            return {}
        finished = self.election.wait_last(stop)
        entries = self.election.ranks()
        out: dict[str, Any] = {"ranks": rank_entries(entries), "rank_processes": len(entries)}
        if not finished:
            out["note_ranks"] = "stopped by a signal before every rank of the node had ended"
        return out

    def rank_done(self) -> None:
        if self.election is not None:
            self.election.rank_done()

    def release(self) -> None:
        if self.election is not None:
            self.election.release()


TAKEOVER_POLL_S = 0.5  # how often a rank that does not meter checks that the node's meter still holds its lock


class Takeover:
    """(A rank that does not meter) watches the node's meter lock while the rank's command runs; should the meter
    die (SIGKILL, the OOM killer), this rank starts metering the node, with ``start`` (header keys -> a started
    recorder), and keeps metering until the node's last rank has ended, as the elected meter would have."""

    def __init__(self, node: NodeRun, start: Callable[[dict[str, Any]], Any], poll: float = TAKEOVER_POLL_S) -> None:
        self.node, self.start, self.poll = node, start, poll
        self.recorder: Any = None
        self.previous: int | None = None
        self.problem: str | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="footprint-takeover", daemon=True)

    def _watch(self) -> None:
        election = self.node.election
        assert election is not None
        self.previous = election.meter_pid()
        while not self.stop.wait(self.poll):
            previous = election.meter_pid() or self.previous
            if not election.take_over():
                self.previous = previous
                continue
            self.node.elected = True
            try:
                self.recorder = self.start({"takeover": {"previous_meter_pid": previous, "at_unix": round(time.time(), 3)}})
            except Exception as exc:  # metering what is left must never stop the rank's command
                self.problem = f"could not take over metering the node: {type(exc).__name__}: {exc}"
                election.drop_meter()
                self.node.elected = False
            return

    def finish(self, stop: Callable[[], bool], final: dict[str, Any]) -> str | None:
        """The command has ended: stop watching; if this rank took over, meter on until the node's last rank has
        ended and write the final record. One line for the user, or None."""
        self.stop.set()
        self.thread.join()
        if self.recorder is None:
            self.node.rank_done()
            return self.problem
        try:
            final.update(self.node.wait_ranks(stop))
            self.recorder.stop(**final)
        finally:
            self.node.release()
        return (f"the node's meter (pid {self.previous or '?'}) stopped while ranks ran; this rank metered the node from "
                f"then on: {self.recorder.options.log_path}")


def run_unmetered(node: NodeRun, command: list[str], quiet: bool, takeover: Callable[[dict[str, Any]], Any] | None = None) -> int:
    """A rank that does not meter: run its command (signals forwarded) and give back its exit code. With
    ``takeover`` (header keys -> a started recorder), it meters the node itself should the node's meter die."""
    from footprint.meter.wrap import SignalGuard

    if not quiet:
        print(f"footprint: {node.who_meters()}; this rank runs its command unmetered", file=sys.stderr)
    watcher = Takeover(node, takeover) if takeover is not None and node.election is not None else None
    said = None
    channel = node.progress_path()
    env = None
    if channel is not None:  # this rank's progress() reaches the node's meter through the shared channel
        from footprint.meter.progress import ENV, LIVE_ENV, create_channel

        # the node's meter publishes its live snapshot next to the channel (see cli/run.py)
        env = {**os.environ, ENV: create_channel(channel), LIVE_ENV: f"{channel}.live.json"}
    try:
        with SignalGuard() as guard:
            if watcher is not None:
                watcher.thread.start()  # after the signals are blocked: the thread inherits the block
            child = guard.run(command, env=env)
            if watcher is not None:
                said = watcher.finish(signal_pending(guard.signals), {"exit_code": child.exit_code, "signal": child.signal})
    finally:
        if watcher is None:
            node.rank_done()
        elif not watcher.stop.is_set():  # the command could not run: stop watching, finish any takeover
            watcher.finish(lambda: True, {"error": "the rank's command could not be run"})
    if said:  # a meter replaced, or a node left unmetered: said even with --quiet
        print(f"footprint: {said}", file=sys.stderr)
    return child.exit_code


def signal_pending(signals: list[signal.Signals]) -> Callable[[], bool]:
    """A ``stop`` test for ``wait_ranks``: a blocked stop signal (SIGTERM from the launcher) is waiting."""
    wanted = set(signals)
    return lambda: bool(signal.sigpending() & wanted) if hasattr(signal, "sigpending") else False
