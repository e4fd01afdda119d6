"""The node side of a multi-node run, shared by ``footprint run`` and ``footprint.track``: who this rank is, whether
it meters the node, where its log goes, and (for the meter) waiting for the node's last rank.
"""

from __future__ import annotations

import os
import signal
import sys
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
        return f"node {self.launch.node} of job {self.launch.job} is metered by " + (f"pid {pid}" if pid else "another rank")

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


def run_unmetered(node: NodeRun, command: list[str], quiet: bool) -> int:
    """A rank that does not meter: run its command (signals forwarded) and give back its exit code."""
    from footprint.meter.wrap import SignalGuard

    if not quiet:
        print(f"footprint: {node.who_meters()}; this rank runs its command unmetered", file=sys.stderr)
    channel = node.progress_path()
    env = None
    if channel is not None:  # this rank's progress() reaches the node's meter through the shared channel
        from footprint.meter.progress import ENV, LIVE_ENV, create_channel

        # the node's meter publishes its live snapshot next to the channel (see cli/run.py)
        env = {**os.environ, ENV: create_channel(channel), LIVE_ENV: f"{channel}.live.json"}
    try:
        with SignalGuard() as guard:
            child = guard.run(command, env=env)
    finally:
        node.rank_done()
    return child.exit_code


def signal_pending(signals: list[signal.Signals]) -> Callable[[], bool]:
    """A ``stop`` test for ``wait_ranks``: a blocked stop signal (SIGTERM from the launcher) is waiting."""
    wanted = set(signals)
    return lambda: bool(signal.sigpending() & wanted) if hasattr(signal, "sigpending") else False
