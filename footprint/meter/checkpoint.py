"""Checkpoint records: the live meter's running totals, written every few minutes, so that a log cut short (the
meter killed, the node lost) is read from its last checkpoint on instead of from its first record.

A checkpoint is the meter's own ledger, written by the same process as the records it sums, and the final record
carries one too. It is used only when its checksum (see ``LogWriter.write``) shows that neither it nor a byte of
its run before it changed, and its totals pass ``footprint.meter.stored_totals``. It names where it stands (``at``:
its own byte offset; ``from``: the byte offset of its run's header; ``line``: its line number counted from that
header), so a copy of it at any other place (a log pasted after itself, or after another file) is not taken for
one, and the records around it are read as ever. A checkpoint holds the energy of the last few hours only, and
points back to the one that holds the hours before, so it stays about a kilobyte however long the run. A checkpoint
that cannot be used is passed over for the one before it, or for a read from the start; the reader that streams the
records after it still names a damaged one by its line.
"""

from __future__ import annotations

import io
import json
import zlib
from bisect import bisect_right
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from footprint.meter.ledger import Ledger
from footprint.meter.log import (
    FORMAT,
    MAX_LINE,
    VERSION,
    MeterLog,
    _blocks,
    _Reader,
    check_header,
    sealed,
)
from footprint.meter.log_values import log_number
from footprint.meter.stored_totals import checkpoint_problem, stored_problem

CHECKPOINT_EVERY_S = 600.0  # of run time: 144 short lines a day, against 17,280 intervals at the default 5 s
ANCHOR_HOURS = 6  # a checkpoint holding more hours than this becomes the one later checkpoints point back to for
# their earlier hours, so that a checkpoint stays about a kilobyte however long the run (a month of hours in every
# checkpoint would add half again to a month's log); a reader follows one link per 6 hours of run
SCAN_BYTES = 1 << 20  # read backwards from the end in blocks of this many bytes
START = b'{"type":"checkpoint",'  # how the meter writes one: "type" is its first key, as in every record
FINAL_START = b'{"type":"final",'  # a final record is placed and resumable as a checkpoint is
NEAR_BYTES = 1 << 16  # a checkpoint or final record follows its last interval within this many bytes (its notes,
# marks); one that does not is not resumed from, and its run is read record by record
CRC_READ = 1 << 22  # bytes read at once to hash forward (zlib.crc32 runs at GB/s: few, large reads)
CRC_STEP = 1 << 16  # bytes: the running checksum of a run is kept at this spacing, so that checking an earlier
# checkpoint after a later one failed hashes at most this much again
KEYS = ("t", "run_id", "from", "at", "line", "ledger", "older", "since")


class Checkpoints:
    """When a live meter appends a checkpoint, and what it holds: the ledger's state after the interval just
    written, with the energy of the hours from ``since`` on; the earlier hours (final by then) are in the
    checkpoint at byte offset ``older``, which points back in turn (null: it holds every hour)."""

    def __init__(self, every: float = CHECKPOINT_EVERY_S) -> None:
        self.every = every
        self.next = every
        self.since: int | None = None
        self.older: int | None = None

    def due(self, t: float) -> bool:
        return t >= self.next

    def record(self, ledger: Ledger, run_id: Any, start: int, at: int, line: int) -> dict[str, Any]:
        """The checkpoint to append at byte offset ``at`` and line ``line`` of a run whose header starts at byte
        offset ``start``."""
        self.next = ledger.t + self.every
        state = ledger.state(self.since)
        record = checkpoint_record(ledger.t, state, run_id, start, at, line, self.older, self.since)
        hours = state["hourly"]
        if len(hours) > ANCHOR_HOURS and (self.since is None or hours[-1][0] > self.since):
            # later ones hold the hours from the last one here on, and point back here
            self.older, self.since = at, hours[-1][0]
        return record


def checkpoint_record(t: float, state: dict[str, Any], run_id: Any, start: int, at: int, line: int,
                      older: int | None = None, since: int | None = None) -> dict[str, Any]:
    """A checkpoint record (see ``Checkpoints``): a ledger's ``state`` at run time ``t``."""
    return {"type": "checkpoint", "t": t, "run_id": run_id, "from": start, "at": at, "line": line,
            "older": older, "since": since, "ledger": state}


def read_runs_resumed(path: str | Path) -> list[MeterLog]:
    """Every run in a log with its totals, as ``read_runs`` gives them, but each run that carries a usable
    checkpoint is taken up from its last one: only the records after it are read (and checked). A log without
    checkpoints is read whole. A checkpoint (or final record) is used only if its checksum shows that neither it
    nor any byte of its run before it changed since the meter wrote them, and its totals pass the checks of
    ``footprint.meter.stored_totals``; so the totals are those of reading every record, and a record that fails
    is read, and named, by the reader that streams the records after an earlier one."""
    from footprint.meter.log import read_runs

    p = Path(path)
    if not p.is_file():
        return read_runs(p)  # says why in one line
    try:
        fh = p.open("rb")
    except OSError:
        return read_runs(p)
    with fh:
        end = fh.seek(0, io.SEEK_END)
        chain = []
        limit = end
        crcs: dict[int, _RunCrc] = {}
        while limit > 0:
            found = _last_usable(fh, limit, crcs)
            if found is None:
                break
            chain.append(found)
            limit = found[0]
        if not chain:
            return read_runs(p)
        reader = _Reader(p, keep_records=False)
        pos = 0
        for start, header_text, record, ledger, after in reversed(chain):
            _feed(reader, fh, pos, start)
            reader.line(header_text)
            current = reader.current
            assert current is not None  # the header was checked as the reader checks it
            ledger.header = current.header  # one dict, as the reader's own ledger shares it with its run
            current.ledger = ledger
            current.last_t = float(record["t"])
            reader.lineno += record["line"] - (1 if after > record["at"] else 2)  # a final record is read again
            pos = after
        _feed(reader, fh, pos, end)
    reader.runs[0].problems[:0] = reader.orphan_problems
    return reader.runs


def _feed(reader: _Reader, fh: IO[bytes], start: int, stop: int) -> None:
    """Bytes ``start`` to ``stop`` of the log (whole lines, except perhaps a last one cut) through the reader."""
    if start >= stop:
        return
    window = io.BufferedReader(_Window(fh, start, stop), SCAN_BYTES)
    for text in _blocks(window):
        reader.block(text)


class _Window(io.RawIOBase):
    """Bytes ``start`` to ``stop`` of an open file, as a file of their own."""

    def __init__(self, fh: IO[bytes], start: int, stop: int) -> None:
        self.fh, self.start, self.stop, self.pos = fh, start, stop, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.stop - self.start}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self.stop - self.start - self.pos)
        if want <= 0:
            return 0
        self.fh.seek(self.start + self.pos)
        data = self.fh.read(want)
        buffer[:len(data)] = data
        self.pos += len(data)
        return len(data)


class _RunCrc:
    """The running CRC-32 of a run's bytes from its header on, as its writer kept it: computed forward once, and
    remembered every CRC_STEP bytes, so that the checksum at any offset costs at most CRC_STEP bytes again."""

    def __init__(self, fh: IO[bytes], start: int) -> None:
        self.fh = fh
        self.marks = [start]
        self.crcs = [0]

    def at(self, offset: int) -> int:
        """The CRC-32 of the bytes from the run's header up to ``offset``."""
        while self.marks[-1] + CRC_STEP <= offset:  # extend the marks forward, reading CRC_READ bytes at a time
            start = self.marks[-1]
            self.fh.seek(start)
            data = memoryview(self.fh.read(min(CRC_READ, (offset - start) // CRC_STEP * CRC_STEP)))
            for i in range(0, len(data) - CRC_STEP + 1, CRC_STEP):
                self.crcs.append(zlib.crc32(data[i:i + CRC_STEP], self.crcs[-1]))
                self.marks.append(start + i + CRC_STEP)
            if len(data) < CRC_STEP:
                break  # a file shorter than that: the hash below finds no match
        i = bisect_right(self.marks, offset) - 1
        return self._hash(self.marks[i], offset, self.crcs[i])

    def _hash(self, start: int, stop: int, crc: int) -> int:
        self.fh.seek(start)
        data = self.fh.read(stop - start)
        return zlib.crc32(data, crc) if len(data) == stop - start else -1  # a file shorter than that: no match


def _last_usable(fh: IO[bytes], limit: int, crcs: dict[int, _RunCrc]) -> tuple[int, str, dict[str, Any], Ledger, int] | None:
    """The last checkpoint (or final record) ending before byte ``limit`` that can be resumed from: (its run's
    header offset, the header line, the record, the ledger it resumes, the offset to read on from); None if there
    is none. ``crcs``: the running checksums of the runs met so far, by header offset."""
    for at, line in _checkpoint_lines(fh, limit):
        found = _usable(fh, at, line, crcs)
        if found is not None:
            return found
    return None


def _usable(fh: IO[bytes], at: int, line: bytes, crcs: dict[int, _RunCrc] | None = None) -> tuple[int, str, dict[str, Any], Ledger, int] | None:
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict) or not all(key in record for key in KEYS) or record.get("at") != at:
        return None
    start = record["from"]
    if type(start) is not int or not 0 <= start < at or type(record["line"]) is not int or record["line"] < 2:
        return None
    if start > 0:
        fh.seek(start - 1)
        if fh.read(1) != b"\n":
            return None
    fh.seek(start)
    raw = fh.readline(MAX_LINE)
    if not raw.endswith(b"\n") or start + len(raw) > at:
        return None
    header_text = raw.decode("utf-8", "replace")
    try:
        header = json.loads(header_text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(header, dict) or header.get("type") != "header" or header.get("format") != FORMAT \
            or type(header.get("version")) is not int or header["version"] > VERSION or check_header(header) \
            or header.get("run_id") != record["run_id"]:
        return None
    if checkpoint_problem(record, len(header.get("channels", [])), 0.0) is not None:
        return None
    seal = sealed(line)
    if seal is None:
        return None  # written before records carried checksums: its records are read instead
    crc = (crcs if crcs is not None else {}).setdefault(start, _RunCrc(fh, start))
    if zlib.crc32(seal[0], crc.at(at)) != seal[1]:
        return None  # it, or a byte of its run before it, changed since the meter wrote them

    if stored_problem(header, record) is not None or not _follows_its_interval(fh, start, at, record):
        return None
    ledger = Ledger.resume(header, record["ledger"])
    if ledger is None:
        return None
    earlier = _earlier_hours(fh, record)
    if earlier is None:
        return None
    ledger.hourly = {**earlier, **ledger.hourly}
    # a final record is read again by the reader, which so learns that the run finished
    return start, header_text, record, ledger, at if record.get("type") == "final" else at + len(line)


def _follows_its_interval(fh: IO[bytes], start: int, at: int, record: dict[str, Any]) -> bool:
    """Whether the last interval record before the one at byte ``at`` (within the NEAR_BYTES before it) ends
    when the record's totals say, as the meter writes them; a run with no intervals has no time yet."""
    lo = max(start, at - NEAR_BYTES)
    fh.seek(lo)
    before = fh.read(at - lo)
    state_t = log_number(record["ledger"].get("t")) if isinstance(record.get("ledger"), dict) else None
    j = before.rfind(b'\n{"type":"interval",')
    if j < 0:
        return state_t == 0.0 and lo == start  # no interval in the whole run: none counted yet
    try:
        t = log_number(json.loads(before[j + 1:before.index(b"\n", j + 1)]).get("t"))
    except (ValueError, RecursionError, AttributeError):
        return False
    return t is not None and state_t is not None and abs(t - state_t) <= 1e-3


def _earlier_hours(fh: IO[bytes], record: dict[str, Any]) -> dict[int, float] | None:
    """The hours before a checkpoint's ``since``, from the checkpoints it points back to (each of the same run,
    earlier in the file, holding the hours up to the next one's ``since``); None if one of them is not there."""
    from footprint.meter.ledger import hourly_entries

    parts: list[dict[int, float]] = []
    newer = record
    while newer["older"] is not None:
        at = newer["older"]
        fh.seek(at)
        raw = fh.readline(MAX_LINE)
        try:
            older = json.loads(raw) if raw.endswith(b"\n") and raw.startswith(START) else None
        except (ValueError, RecursionError):
            return None
        if not isinstance(older, dict) or not all(key in older for key in KEYS) or older["at"] != at \
                or older["from"] != record["from"] or older["run_id"] != record["run_id"] \
                or checkpoint_problem(older, len(record["ledger"]["channels"]), 0.0) is not None \
                or (older["since"] is not None and not older["since"] < newer["since"]):
            return None
        hours = hourly_entries(older["ledger"]["hourly"])
        if hours is None:
            return None
        parts.append({hour: joules for hour, joules in hours.items() if hour < newer["since"]})
        newer = older
    return {hour: joules for part in reversed(parts) for hour, joules in part.items()}


def _checkpoint_lines(fh: IO[bytes], limit: int) -> Iterator[tuple[int, bytes]]:
    """Every whole line before byte ``limit`` that starts as a checkpoint or a final record, last first, with its
    byte offset; the file is read backwards a block at a time, so memory stays bounded whatever the log's length."""
    lo = limit
    buf = b""
    step = NEAR_BYTES  # a finished log ends with its final record: the first block is small, the next ones grow
    while lo > 0:
        size = min(step, SCAN_BYTES, lo)
        step *= 4
        lo -= size
        fh.seek(lo)
        buf = fh.read(size) + buf
        found = {START: buf.rfind(START), FINAL_START: buf.rfind(FINAL_START)}  # each searched backwards once
        while (j := max(found.values())) >= 0:
            if lo + j == 0 or (j > 0 and buf[j - 1] == 0x0A):
                end = buf.find(b"\n", j)
                if end >= 0:
                    yield lo + j, buf[j:end + 1]
            kind = START if found[START] == j else FINAL_START
            found[kind] = buf.rfind(kind, 0, j) if j > 0 else -1
        # keep the part of the first line that this block may have cut: the block before completes it
        first = buf.find(b"\n")
        buf = buf[:first + 1] if first >= 0 else buf
        if len(buf) > 4 * MAX_LINE:
            buf = b""  # no record is this long: whatever line it belongs to is no checkpoint

