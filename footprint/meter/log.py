"""The meter log: append-only JSON lines (a header, one record per interval, a final record), and its reader.

Each line is written whole and flushed at once, so a meter killed by SIGKILL loses at most the interval in
progress; the reader skips a last line cut mid-write. ``os.fsync`` (which protects against a machine crash, not a
process kill) runs every ``FSYNC_EVERY`` records and at the end: syncing every interval would cost a disk flush
every few seconds on shared file systems, for no gain against the common failure (a killed job).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from footprint.errors import FootprintError

FORMAT = "footprint-meter-log"
VERSION = 1
FSYNC_EVERY = 12  # records: about a minute at the default interval


class LogWriter:
    """Appends records to a log file, one JSON object per line."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fh: IO[str] | None = self.path.open("a", encoding="utf-8")
        except OSError as exc:
            raise FootprintError(f"--log: cannot write {str(self.path)!r}: {exc.strerror}; expected a writable file path") from None
        self.count = 0

    def write(self, record: dict[str, Any]) -> None:
        if self.fh is None:
            return
        self.fh.write(json.dumps(record, separators=(",", ":")) + "\n")
        self.fh.flush()
        self.count += 1
        if self.count % FSYNC_EVERY == 0 or record.get("type") in ("header", "final"):
            self.sync()

    def sync(self) -> None:
        if self.fh is not None:
            try:
                os.fsync(self.fh.fileno())
            except OSError:  # some file systems (pipes, /dev/stdout) do not sync; the data is flushed anyway
                pass

    def close(self) -> None:
        if self.fh is not None:
            self.sync()
            self.fh.close()
            self.fh = None


@dataclass
class MeterLog:
    """A parsed log: header, records in order, the final record if the run ended cleanly."""

    path: str
    header: dict[str, Any]
    records: list[dict[str, Any]] = field(default_factory=list)
    final: dict[str, Any] | None = None
    cut_line: bool = False  # the last line was cut mid-write
    bad_lines: int = 0

    @property
    def complete(self) -> bool:
        return self.final is not None


def iter_records(path: str | Path) -> Iterator[tuple[dict[str, Any] | None, bool]]:
    """(record or None if unreadable, is_last_line) for each line; streams, so memory stays flat."""
    with Path(path).open("r", encoding="utf-8", errors="replace") as fh:
        previous: str | None = None
        for line in fh:
            if previous is not None:
                yield _parse(previous), False
            previous = line
        if previous is not None:
            yield _parse(previous), True


def _parse(line: str) -> dict[str, Any] | None:
    if not line.endswith("\n"):
        return None  # cut mid-write: a complete line always ends with its newline
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def read_log(path: str | Path, on_record: Callable[[dict[str, Any], dict[str, Any]], None] | None = None) -> MeterLog:
    """Read a log, complete or cut short; raise FootprintError if it is not a footprint meter log.

    With ``on_record(header, record)`` the records are streamed to it instead of kept (flat memory for long runs).
    """
    p = Path(path)
    if not p.is_file():
        raise FootprintError(f"log {str(p)!r} does not exist; expected a log written by 'footprint run --log'")
    log: MeterLog | None = None
    try:
        for record, last in iter_records(p):
            if log is None:
                if record is None or record.get("type") != "header" or record.get("format") != FORMAT:
                    raise FootprintError(f"{p}: not a footprint meter log (no header line); expected a log written by 'footprint run'")
                if int(record.get("version", 0)) > VERSION:
                    raise FootprintError(f"{p}: log version {record.get('version')} is newer than this footprint reads ({VERSION}); upgrade footprint")
                log = MeterLog(str(p), record)
                continue
            if record is None:
                if last:
                    log.cut_line = True
                else:
                    log.bad_lines += 1
                continue
            if record.get("type") == "final":
                log.final = record
            elif on_record is not None:
                on_record(log.header, record)
            else:
                log.records.append(record)
    except UnicodeDecodeError:
        raise FootprintError(f"{p}: not a text file; expected a footprint meter log") from None
    if log is None:
        raise FootprintError(f"{p}: empty log; the run wrote nothing (killed before it started?)")
    return log


def write_atomic(path: str | Path, text: str) -> None:
    """Write a whole file so that readers see the old file or the new one, never half of it."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
