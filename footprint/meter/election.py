"""One meter per node: the ranks of a job on one node elect the process that meters, through node-local locks.

Every rank opens two lock files keyed by job and node in a node-local directory (``FOOTPRINT_LOCK_DIR``, else
``/dev/shm``, else the temporary directory):

- ``.meter``: whoever takes it exclusively (``flock``, non-blocking) meters the node; the kernel drops it when
  that process ends, however it ends.
- ``.ranks``: every rank, the meter included, holds it shared while its command runs. The meter, once its own
  command has ended, keeps metering until it can take this one exclusively: then no rank of the node is left.

A rank that arrives while the meter is finishing blocks on ``.ranks`` until the meter has written its final
record and let ``.meter`` go; it then takes ``.meter`` itself and meters what is left of the job in a log of its
own, so no interval is metered twice and none is lost. A meter killed while ranks run lets ``.meter`` go too (the
kernel drops its lock): a rank whose command still runs takes it over (``take_over``) and meters the rest in a log
of its own, whose header names the meter it replaced. Ranks append a line to ``.registry`` so that the meter can
record which ranks it metered. The lock files are left in place: removing a lock file that another process may
have just opened would split the lock in two.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from footprint.errors import FootprintError
from footprint.meter.launcher import Launch, safe_name

POLL_S = 0.2  # how often the meter checks whether the node's last rank has ended


def lock_dir() -> Path:
    """The node-local directory for the lock files."""
    chosen = os.environ.get("FOOTPRINT_LOCK_DIR")
    if chosen:
        return Path(chosen)
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return Path(tempfile.gettempdir())


class Election:
    """``join()`` says whether this process meters the node; see the module docstring for the protocol."""

    def __init__(self, launch: Launch, directory: str | Path | None = None) -> None:
        self.launch = launch
        key = hashlib.sha256(f"{launch.job}\0{launch.node}".encode()).hexdigest()[:20]
        base = Path(directory) if directory is not None else lock_dir()
        try:
            base.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FootprintError(f"FOOTPRINT_LOCK_DIR: cannot create {str(base)!r}: {exc.strerror}; expected a writable node-local directory") from None
        self.prefix = base / f"footprint-{key}"
        self.elected = False
        self._meter_fd: int | None = None
        self._rank_fd: int | None = None
        self._last_fd: int | None = None

    def _open(self, suffix: str) -> int:
        path = f"{self.prefix}{suffix}"
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            raise FootprintError(f"cannot open the node lock {path!r}: {exc.strerror}; set FOOTPRINT_LOCK_DIR to a writable node-local directory") from None

    def join(self) -> bool:
        """Register this rank; True if it is the one that meters the node."""
        self._meter_fd = self._open(".meter")
        self._rank_fd = self._open(".ranks")
        if _try_lock(self._meter_fd, fcntl.LOCK_EX):
            fcntl.flock(self._rank_fd, fcntl.LOCK_SH)  # waits while a finishing meter holds it exclusively
            self.elected = True
        else:
            fcntl.flock(self._rank_fd, fcntl.LOCK_SH)
            # the meter may have finished while we waited: then this rank meters the rest of the job
            self.elected = _try_lock(self._meter_fd, fcntl.LOCK_EX)
        if self.elected:
            os.ftruncate(self._meter_fd, 0)
            os.pwrite(self._meter_fd, str(os.getpid()).encode(), 0)
        else:
            os.close(self._meter_fd)
            self._meter_fd = None
        self._register()
        return self.elected

    def take_over(self) -> bool:
        """(A rank that does not meter, while its command runs) take the node's meter lock if its holder has gone:
        killed, or stopped before the node's last rank. True if this process now meters the node."""
        if self.elected:
            return True
        fd = self._open(".meter")
        if not _try_lock(fd, fcntl.LOCK_EX):
            os.close(fd)
            return False
        self._meter_fd, self.elected = fd, True
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        return True

    def drop_meter(self) -> None:
        """(A rank that took over but could not start metering) let the meter lock go, keep this rank's own."""
        if self._meter_fd is not None:
            os.close(self._meter_fd)
            self._meter_fd = None
        self.elected = False

    def meter_pid(self) -> int | None:
        """The pid of the process that meters the node, as it wrote it."""
        try:
            text = Path(f"{self.prefix}.meter").read_text().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def _register(self) -> None:
        entry = {"pid": os.getpid(), "rank": self.launch.rank, "local_rank": self.launch.local_rank, "t": round(time.time(), 3)}
        fd = self._open(".registry")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # lines of concurrent ranks must not interleave
            os.lseek(fd, 0, os.SEEK_END)
            os.write(fd, (json.dumps(entry) + "\n").encode())
        finally:
            os.close(fd)

    def rank_done(self) -> None:
        """This rank's command has ended."""
        if self._rank_fd is not None:
            os.close(self._rank_fd)
            self._rank_fd = None

    def wait_last(self, stop: Callable[[], bool] = lambda: False, poll: float = POLL_S) -> bool:
        """(Meter) wait until every rank of the node has ended; False if ``stop()`` said to give up first."""
        self.rank_done()
        self._last_fd = self._open(".ranks")
        while not _try_lock(self._last_fd, fcntl.LOCK_EX):
            if stop():
                return False
            time.sleep(poll)
        return True

    def ranks(self) -> list[dict[str, Any]]:
        """The ranks registered since the node's previous meter finished, one entry per process."""
        try:
            lines = Path(f"{self.prefix}.registry").read_text().splitlines()
        except OSError:
            return []
        seen: dict[int, dict[str, Any]] = {}
        for line in lines:
            try:
                entry = json.loads(line)
                seen[int(entry["pid"])] = entry
            except (ValueError, KeyError, TypeError):
                continue
        return sorted(seen.values(), key=lambda e: (e.get("rank") is None, e.get("rank") or 0, e["pid"]))

    def release(self) -> None:
        """(Meter) after the final record: clear the registry for the next meter and let the locks go."""
        if self._last_fd is not None:  # only with every rank gone may the registry be cleared
            try:
                Path(f"{self.prefix}.registry").write_text("")
            except OSError:
                pass
        for name in ("_meter_fd", "_last_fd", "_rank_fd"):
            fd = getattr(self, name)
            if fd is not None:
                os.close(fd)
                setattr(self, name, None)


def _try_lock(fd: int, kind: int) -> bool:
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def node_log_path(log_dir: str | Path, launch: Launch) -> Path:
    """DIR/<job>/<node>.jsonl; a later run of the same job on the node (another step) gets <node>.2.jsonl, ..."""
    folder = Path(log_dir) / safe_name(str(launch.job))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FootprintError(f"--log-dir: cannot create {str(folder)!r}: {exc.strerror}; expected a writable directory") from None
    node = safe_name(launch.node)
    n = 1
    while True:
        path = folder / (f"{node}.jsonl" if n == 1 else f"{node}.{n}.jsonl")
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))  # claim the name
            return path
        except FileExistsError:
            n += 1
        except OSError as exc:
            raise FootprintError(f"--log-dir: cannot write {str(path)!r}: {exc.strerror}; expected a writable directory") from None


def rank_entries(entries: list[dict[str, Any]]) -> list[int]:
    """The global ranks among registry entries (those the launcher numbered)."""
    return sorted({int(e["rank"]) for e in entries if isinstance(e.get("rank"), int)})
