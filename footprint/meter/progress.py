"""The work channel: the training code says how far it is (``footprint.progress``), the meter reads it each interval.

The channel is a small fixed-size file of slots (``SLOTS`` x ``SLOT_BYTES``), shared by every process that reports
work and read by the node's meter; ``footprint run`` names it in ``FOOTPRINT_PROGRESS`` for its command (children
inherit it), ``footprint.track`` makes one itself. A writer maps the file and overwrites its own slot in place: no
system call, no lock, nothing that can fill up or block (a pipe could), so a call costs a few microseconds. Each slot
carries a CRC of its values, so a read that overlaps a write is seen as torn and taken again (or skipped until the
next interval); a writer never waits for the reader.

Every process claims a slot of its own once (under a short ``flock``, on its first call) and records its local rank
(``LOCAL_RANK``, ``SLURM_LOCALID``, ``OMPI_COMM_WORLD_LOCAL_RANK``). Values are cumulative. The meter merges:
within a rank (a process and its children) each value is the highest reported; across the ranks of a node it takes
the lowest rank that reported the value (rank 0 normally). That is how frameworks count: a global step and the job's
tokens, the same on every rank, so summing ranks would count them several times. Report job-wide totals.
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import mmap
import os
import struct
import tempfile
import zlib
from collections.abc import Callable
from typing import Any

FIELDS = ("steps", "total_steps", "tokens", "flops", "samples")
ENV = "FOOTPRINT_PROGRESS"
LIVE_ENV = "FOOTPRINT_LIVE"
SLOTS = 256
SLOT_BYTES = 64
FILE_BYTES = SLOTS * SLOT_BYTES
# pid, local rank, 5 values (NaN: not reported), then the CRC32 of everything before it
_VALUES = struct.Struct("<ii5d")
_SLOT = struct.Struct("<ii5dI")
_RANK_VARIABLES = ("LOCAL_RANK", "SLURM_LOCALID", "OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "PMI_LOCAL_RANK")
NAN = float("nan")


def local_rank(env: Any = None) -> int:
    """This process's rank on its node, from the launcher's variables; 0 without a launcher."""
    env = os.environ if env is None else env
    for name in _RANK_VARIABLES:
        value = env.get(name)
        if value is not None and value.strip().isdigit():
            return int(value)
    return 0


def create_channel(path: str | os.PathLike[str] | None = None) -> str:
    """Make (or keep) a channel file of the right size; returns its path. Without ``path``, a new temporary file."""
    if path is None:
        fd, name = tempfile.mkstemp(prefix="footprint-progress-", suffix=".bin")
    else:
        name = os.fspath(path)
        fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        if os.fstat(fd).st_size < FILE_BYTES:
            os.ftruncate(fd, FILE_BYTES)  # zero-filled: every slot free
    finally:
        os.close(fd)
    return name


class ProgressWriter:
    """One process's slot in a channel file: ``write(**values)`` updates the values it was given, keeps the others."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.values = [NAN] * len(FIELDS)
        self.rank = local_rank()
        self.pid = os.getpid()
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        try:
            if os.fstat(fd).st_size < FILE_BYTES:
                raise OSError(f"{path} is not a footprint progress channel")
            self.map = mmap.mmap(fd, FILE_BYTES, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
            self.offset = self._claim(fd)
        finally:
            os.close(fd)

    def _claim(self, fd: int) -> int:
        """The first free slot (its pid 0), taken under a lock so that two processes never share one; when all
        are taken (256 processes on a node), the last one is shared."""
        pid = self.pid
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            for slot in range(SLOTS):
                offset = slot * SLOT_BYTES
                owner = struct.unpack_from("<i", self.map, offset)[0]
                if owner in (0, pid):
                    break
            self._store(offset, pid)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        return offset

    def _store(self, offset: int, pid: int) -> None:
        values = self.values
        crc = zlib.crc32(_VALUES.pack(pid, self.rank, *values))
        _SLOT.pack_into(self.map, offset, pid, self.rank, *values, crc)

    def write(self, values: dict[str, float | None]) -> None:
        for i, name in enumerate(FIELDS):
            value = values.get(name)
            if value is not None:
                self.values[i] = float(value)
        self._store(self.offset, self.pid)

    def update(self, step: float | None, total_steps: float | None, tokens: float | None, flops: float | None,
               samples: float | None) -> None:
        """The hot path of progress(): the checked values in FIELDS order, None for those not given."""
        values = self.values
        if step is not None:
            values[0] = step
        if total_steps is not None:
            values[1] = total_steps
        if tokens is not None:
            values[2] = tokens
        if flops is not None:
            values[3] = flops
        if samples is not None:
            values[4] = samples
        crc = zlib.crc32(_VALUES.pack(self.pid, self.rank, *values))
        _SLOT.pack_into(self.map, self.offset, self.pid, self.rank, *values, crc)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.map.close()


def read_channel(path: str) -> dict[str, float] | None:
    """The merged values of a channel file (see the module docstring), or None when nothing was reported yet.

    A torn slot (its CRC does not match: read while written) is read again, a few times, then left for the next
    interval."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(FILE_BYTES)
    except OSError:
        return None
    by_rank: dict[int, list[float]] = {}
    for slot in range(len(data) // SLOT_BYTES):
        offset = slot * SLOT_BYTES
        if data[offset:offset + 4] == b"\0\0\0\0":
            continue
        fields = _slot(data, offset)
        for _ in range(3):
            if fields is not None:
                break
            with contextlib.suppress(OSError), open(path, "rb") as fh:
                fh.seek(offset)
                fields = _slot(fh.read(SLOT_BYTES).ljust(SLOT_BYTES, b"\0"), 0)
        if fields is None:
            continue
        rank, values = fields
        mine = by_rank.setdefault(rank, [NAN] * len(FIELDS))
        for i, value in enumerate(values):
            if math.isfinite(value) and value >= 0 and not value <= mine[i]:  # NaN in mine: take it
                mine[i] = value
    out: dict[str, float] = {}
    for i, name in enumerate(FIELDS):
        for rank in sorted(by_rank):
            if not math.isnan(by_rank[rank][i]):
                out[name] = by_rank[rank][i]
                break
    return out or None


def _slot(data: bytes, offset: int) -> tuple[int, tuple[float, ...]] | None:
    *body, crc = _SLOT.unpack_from(data, offset)
    if zlib.crc32(data[offset:offset + _VALUES.size]) != crc:
        return None
    return int(body[1]), tuple(body[2:])


# The process-wide state of footprint.progress(): the channel an in-process tracker opened, else the one the
# enclosing 'footprint run' named in the environment (opened on first use), else nothing.
_active: ProgressWriter | None = None
_from_env: ProgressWriter | None = None
_env_path: str | None = None
_live_source: Callable[[], dict[str, Any] | None] | None = None


def activate(path: str | None, live_source: Callable[[], dict[str, Any] | None] | None = None) -> None:
    """(track) Send this process's progress() calls to ``path`` and answer live() from ``live_source``; None stops."""
    global _active, _live_source
    if _active is not None:
        _active.close()
    _active = ProgressWriter(path) if path is not None else None
    _live_source = live_source


def reporting() -> bool:
    """Whether this process's progress() calls reach a meter: an in-process tracker's, or the enclosing
    ``footprint run``'s channel named in the environment."""
    return _active is not None or bool(os.environ.get(ENV))


def _checked(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not 0 <= number < math.inf:
        from footprint.errors import FootprintError

        raise FootprintError(f"progress: {name}={value!r}; expected a finite number >= 0 (a cumulative count)")
    return number


def _writer() -> ProgressWriter | None:
    """The channel of this process: the in-process tracker's, else the enclosing run's (opened on first use, and
    again in a forked child, which must not write into its parent's slot)."""
    global _from_env, _env_path
    if _active is not None:
        return _active
    path = os.environ.get(ENV)
    if not path:
        return None
    if path != _env_path or (_from_env is not None and _from_env.pid != os.getpid()):
        _env_path = path
        try:
            _from_env = ProgressWriter(path)
        except (OSError, ValueError):
            _from_env = None  # the meter is gone (or the variable is stale): reporting becomes a no-op
    return _from_env


def progress(step: float | None = None, total_steps: float | None = None, tokens: float | None = None,
             flops: float | None = None, samples: float | None = None) -> None:
    """Tell the meter how far the run is: cumulative steps, tokens, FLOPs and samples so far, and the planned total
    of steps. Works under ``footprint.track()`` and under an enclosing ``footprint run``; with neither it does
    nothing. Never blocks and never raises on a closed channel (a value that is not a count >= 0 does raise)."""
    step = None if step is None else _checked("step", step)
    total_steps = None if total_steps is None else _checked("total_steps", total_steps)
    tokens = None if tokens is None else _checked("tokens", tokens)
    flops = None if flops is None else _checked("flops", flops)
    samples = None if samples is None else _checked("samples", samples)
    writer = _active
    if writer is None or writer.pid != os.getpid():
        writer = _writer()  # the enclosing run's channel, opened again if the variable changed or this is a fork
        if writer is None:
            return
    try:
        writer.update(step, total_steps, tokens, flops, samples)
    except (ValueError, OSError, TypeError):  # the map was closed under us (the tracker stopped): nothing to report to
        pass


def live() -> dict[str, Any] | None:
    """The latest live snapshot: from the in-process tracker, else from the enclosing ``footprint run``
    (``FOOTPRINT_LIVE``, a small JSON file it rewrites atomically each interval); None when neither."""
    if _live_source is not None:
        return _live_source()
    path = os.environ.get(LIVE_ENV)
    if not path:
        return None
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
