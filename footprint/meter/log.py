"""The meter log: append-only JSON lines (a header, one record per interval, a final record), and its reader.

Each line is written whole with one ``write`` call, so a meter killed by SIGKILL loses at most the interval in
progress; the reader skips a last line cut mid-write. ``os.fsync`` (which protects against a machine crash, not a
process kill) runs every ``FSYNC_EVERY`` records and at the end: syncing every interval would cost a disk flush
every few seconds on shared file systems, for no gain against the common failure (a killed job).

A log may hold several runs (a ``--log`` path used again appends): each header starts one, named by its
``run_id``. A live log is locked (``flock``), so two meters never interleave their records in one file. A write
that fails (a full disk) stops the writing, never the metering: ``failed`` says when and why.
"""

from __future__ import annotations

import fcntl
import functools
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, compress, count, islice, repeat
from operator import add, itemgetter, le, sub
from pathlib import Path
from typing import IO, Any

from footprint.errors import FootprintError
from footprint.meter.ledger import Ledger
from footprint.meter.log_values import MAX_JOULES, MAX_SECONDS, excerpt, log_number, time_problem
from footprint.meter.stored_totals import checkpoint_problem, stored_problem

FORMAT = "footprint-meter-log"
VERSION = 1
FSYNC_EVERY = 12  # records: about a minute at the default interval
MAX_LINE = 1 << 20  # characters: a header with hundreds of devices is a few tens of kB
MAX_PROBLEMS_SHOWN = 10  # per file; the rest are counted in one line
COMPONENTS = ("gpu", "cpu", "ram")
RECORD_TYPES = ("interval", "mark", "note", "checkpoint", "final", "work")
SEALED = ("checkpoint", "final")  # records that carry totals, and so a checksum: see ``LogWriter.write``
SEAL = b',"crc":"'  # how the checksum ends such a record: its last key, 8 hex digits


class LogWriter:
    """Appends records to a log file, one JSON object per line, holding an exclusive lock on it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.count = 0
        self.failed: str | None = None  # why writing stopped (e.g. "No space left on device")
        self.appended = False  # the file already held a run: this one follows it
        self.start = 0  # the byte offset of this writer's first record (its run's header) in a regular file
        self.written = 0  # bytes of records written since
        self.crc = 0  # CRC-32 of those bytes, header included
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # 0o666 and the umask, as any program that creates a file; O_APPEND keeps each line whole
            self.fd: int | None = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            raise FootprintError(f"--log: cannot write {str(self.path)!r}: {exc.strerror}; expected a writable file path") from None
        self.regular = stat.S_ISREG(os.fstat(self.fd).st_mode)
        if self.regular:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(self.fd)
                self.fd = None
                raise FootprintError(f"--log: {str(self.path)!r} is being written by another running meter; "
                                     "expected a log path that no running 'footprint run' uses") from None
            self._end_cut_line()
            self.start = os.fstat(self.fd).st_size

    def _end_cut_line(self) -> None:
        """A log whose last writer died mid-line gets a newline first, so our header starts a line of its own."""
        assert self.fd is not None
        size = os.fstat(self.fd).st_size
        self.appended = size > 0
        if size == 0:
            return
        with open(self.path, "rb") as fh:
            fh.seek(size - 1)
            last = fh.read(1)
        if last != b"\n":
            self._write_bytes(b"\n")

    def _write_bytes(self, data: bytes) -> bool:
        if self.fd is None or self.failed is not None:
            return False
        try:
            while data:
                written = os.write(self.fd, data)
                data = data[written:]
        except OSError as exc:
            self.failed = exc.strerror or type(exc).__name__
            return False
        return True

    def write(self, record: dict[str, Any]) -> bool:
        """Append one record; False once writing has failed (the caller keeps metering in memory).

        A record that carries totals (a checkpoint, the final record) ends with ``"crc"``: the CRC-32 of every
        byte of its run before it (header included) continued over its own text up to that key. A reader that
        takes totals from it instead of from the records checks that nothing it summarises, nor itself, changed."""
        text = json.dumps(record, separators=(",", ":")).encode("utf-8")
        if record.get("type") in SEALED and text.endswith(b"}"):
            body = text[:-1]
            data = body + SEAL + b"%08x\"}\n" % zlib.crc32(body, self.crc)
        else:
            data = text + b"\n"
        if not self._write_bytes(data):
            return False
        self.count += 1
        self.written += len(data)
        self.crc = zlib.crc32(data, self.crc)
        # the header is synced by its writer once the meter's clock has started: a flush between the header's
        # wall-clock stamp and the meter's zero (tens of ms on a slow disk) would shift the log's timeline
        if self.count % FSYNC_EVERY == 0 or record.get("type") == "final":
            self.sync()
        return True

    def sync(self) -> None:
        if self.fd is not None and self.failed is None:
            try:
                os.fsync(self.fd)
            except OSError:  # some files (pipes, /dev/stdout) do not sync; the data is written anyway
                pass

    def close(self) -> None:
        if self.fd is not None:
            self.sync()
            os.close(self.fd)  # also releases the lock
            self.fd = None


@dataclass
class MeterLog:
    """One run of a log: its header, its records (or their running totals), the final record if it ended cleanly."""

    path: str
    header: dict[str, Any]
    records: list[dict[str, Any]] = field(default_factory=list)
    final: dict[str, Any] | None = None
    cut_line: bool = False  # the last line was cut mid-write
    bad_lines: int = 0
    line: int = 1  # the header's line number
    problems: list[str] = field(default_factory=list)  # one line each: "PATH:LINE: what; skipped"
    ledger: Any = None  # a footprint.meter.ledger.Ledger fed with every valid record
    last_t: float = 0.0
    refused: list[dict[str, Any]] = field(default_factory=list)  # stored totals not used: {"log", "line", "what"}

    @property
    def complete(self) -> bool:
        return self.final is not None

    @property
    def run_id(self) -> str:
        """The header's run_id; logs written before run ids existed are named by host, pid and start time."""
        rid = self.header.get("run_id")
        if isinstance(rid, str) and rid:
            return rid
        return f"{self.header.get('host')}/{self.header.get('pid')}/{self.header.get('start_unix')}"


def check_header(record: dict[str, Any]) -> str | None:
    """What is wrong with a header record (None if it can be read)."""
    version = record.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        return f"'version' is {excerpt(version)}; expected a whole number from 1"
    channels = record.get("channels", [])
    if not isinstance(channels, list):
        return f"'channels' is {excerpt(channels)}; expected a list"
    for i, channel in enumerate(channels):
        if not isinstance(channel, dict) or not isinstance(channel.get("key"), str) or channel.get("component") not in COMPONENTS:
            return f"channel {i} is {excerpt(channel)}; expected an object with a 'key' and a 'component' (gpu, cpu or ram)"
    settings = record.get("settings", {})
    if not isinstance(settings, dict):
        return f"'settings' is {excerpt(settings)}; expected an object"
    interval = log_number(settings.get("interval_s", 5.0))
    if interval is None or not 0 < interval <= MAX_SECONDS:
        return f"'settings.interval_s' is {excerpt(settings.get('interval_s'))}; expected a positive number of seconds"
    site = settings.get("site", {})
    if not isinstance(site, dict) or not all(v is None or (isinstance(v, str | int | float) and not isinstance(v, bool)) for v in site.values()):
        return f"'settings.site' is {excerpt(site)}; expected an object of option values"
    if "run_id" in record and not isinstance(record["run_id"], str):
        return f"'run_id' is {excerpt(record['run_id'])}; expected a string"
    return _described(record) or next(filter(None, map(_channel_described, range(len(channels)), channels)), None)


MAX_UNIX = 1e11  # seconds since 1970: the year 5138; a start time past it is a damaged header
# what the header's optional fields must be when present (null stands for unknown), as the reports read them
_TEXT = (str,)
_HEADER_FIELDS: dict[str, tuple[tuple[type, ...], str]] = {
    "facts": ((dict,), "an object"), "host": (_TEXT, "a string"), "node": ((str, int), "a name"),
    "job": ((str, int), "a job id"), "label": (_TEXT, "a string"), "ranks": ((list,), "a list of rank numbers"),
    "expected_nodes": ((list,), "a list of node names"), "num_nodes": ((int,), "a whole number"),
    "nodelist": (_TEXT, "a compact node list"),
}
_CHANNEL_FIELDS: dict[str, tuple[tuple[type, ...], str]] = {
    "name": (_TEXT, "a string"), "profile": (_TEXT, "a profile id"), "method": (_TEXT, "a string"),
    "index": ((int,), "a whole number"),
}


def _wrong_type(value: Any, types: tuple[type, ...]) -> bool:
    return value is not None and (isinstance(value, bool) or not isinstance(value, types))


def _described(record: dict[str, Any]) -> str | None:
    """What is wrong with the header's description of the run (its start, machine, job), if anything."""
    start = record.get("start_unix")
    if start is not None and ((number := log_number(start)) is None or not 0 <= number <= MAX_UNIX):
        return f"'start_unix' is {excerpt(start)}; expected the run's start in seconds since 1970"
    for key, (types, expected) in _HEADER_FIELDS.items():
        if _wrong_type(record.get(key), types):
            return f"{key!r} is {excerpt(record[key])}; expected {expected}"
    return None


def _channel_described(i: int, channel: dict[str, Any]) -> str | None:
    for key, (types, expected) in _CHANNEL_FIELDS.items():
        if _wrong_type(channel.get(key), types):
            return f"channel {i} {key!r} is {excerpt(channel[key])}; expected {expected}"
    limit = channel.get("power_limit_w")
    if limit is not None and ((number := log_number(limit)) is None or number <= 0):
        return f"channel {i} 'power_limit_w' is {excerpt(limit)}; expected a power limit in W"
    return None


def check_record(record: dict[str, Any], channels: int, last_t: float) -> str | None:
    """What is wrong with a record of a run with ``channels`` channels whose last time was ``last_t``."""
    kind = record.get("type")
    if kind not in RECORD_TYPES:
        return f"unknown record type {excerpt(kind)}; expected one of {', '.join(RECORD_TYPES)}"
    if kind == "note":
        return None  # free text about a channel; nothing is counted from it
    if kind == "final":
        return time_problem(record, last_t) if "t" in record else None
    if kind == "checkpoint":
        return checkpoint_problem(record, channels, last_t)
    wrong = time_problem(record, last_t)
    if wrong:
        return wrong
    if kind == "work":
        from footprint.meter.work import check_work_record

        return check_work_record(record)
    if kind == "mark":
        if not isinstance(record.get("window"), str) or record.get("edge") not in ("start", "end"):
            return "a window mark needs a 'window' name and an 'edge' of start or end"
        return None
    dt = log_number(record.get("dt"))
    if dt is None or not 0 <= dt <= float(record["t"]) - last_t + 0.002:  # both are rounded to 1 ms
        return f"'dt' is {excerpt(record.get('dt'))}; expected the seconds since the previous record"
    flags = record.get("flags", {})
    if not isinstance(flags, dict) or not all(
            isinstance(k, str) and k.isdigit() and int(k) < channels and isinstance(v, list) and all(isinstance(f, str) for f in v)
            for k, v in flags.items()):
        return f"'flags' is {excerpt(flags)}; expected lists of flag names by channel number"
    energies = record.get("e")
    values = [log_number(x) for x in energies] if isinstance(energies, list) else []
    if not isinstance(energies, list) or len(energies) != channels or any(
            x is None or (x < 0 and "gap-measured" not in flags.get(str(i), [])) for i, x in enumerate(values)):
        # a negative energy is only the correction of a gap estimate, once the counter measured across the gap
        return f"'e' is {excerpt(energies)}; expected {channels} finite, non-negative energies in J"
    estimated = record.get("est", {})
    if not isinstance(estimated, dict) or not all(
            isinstance(k, str) and k.isdigit() and int(k) < channels and log_number(v) is not None for k, v in estimated.items()):
        return f"'est' is {excerpt(estimated)}; expected estimated energies in J by channel number"
    return None


def sealed(line: bytes) -> tuple[bytes, int] | None:
    """A whole line's text before its checksum and the checksum (see ``LogWriter.write``); None if it has none."""
    end = len(line) - 11  # the checksum: 8 hex digits, a quote, a brace and the newline
    if end < len(SEAL) or not line.endswith(b'"}\n') or line[end - len(SEAL):end] != SEAL:
        return None
    digits = line[end:end + 8]
    if not all(c in b"0123456789abcdef" for c in digits):
        return None
    return line[:end - len(SEAL)], int(digits, 16)


def _parse(line: str) -> dict[str, Any] | None:
    if not line.endswith("\n"):
        return None  # cut mid-write: a complete line always ends with its newline
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):  # JSONDecodeError, and integers too long to convert
        return None
    return value if isinstance(value, dict) else None


def _bounded(line: str) -> str:
    """A line longer than MAX_LINE characters (no record is) is read as an empty, unreadable line, as a text file
    read with ``readline(MAX_LINE)`` in pieces gives it."""
    if len(line) < MAX_LINE or (len(line) == MAX_LINE and line.endswith("\n")):
        return line
    return "\n" if line.endswith("\n") else ""


def _blocks(fh: IO[bytes]) -> Iterator[str]:
    """The file as text in blocks of whole lines (each ends with a newline), then its last line if that is cut.

    A file with a CR in it, or a line of more than 4 x MAX_LINE bytes, is read on from there line by line in
    text mode (universal newlines, long lines in pieces): a meter never writes either, so only damaged or
    foreign files take that path, and memory stays bounded."""
    carry = b""
    offset = 0  # where carry starts in the file
    while True:
        data = fh.read(BLOCK_BYTES)
        if not data:
            break
        data = carry + data if carry else data
        cut = data.rfind(b"\n") + 1
        if b"\r" in data or (cut == 0 and len(data) > 4 * MAX_LINE):
            fh.seek(offset)
            yield from _bounded_lines(io.TextIOWrapper(fh, encoding="utf-8", errors="replace"))
            return
        if cut:
            yield data[:cut].decode("utf-8", "replace")
        carry = data[cut:]
        offset += cut
    if carry:
        yield carry.decode("utf-8", "replace")


def _bounded_lines(fh: IO[str]) -> Iterator[str]:
    """The file's lines; a line longer than MAX_LINE (no record is) comes back as an empty, unreadable line, read
    in pieces, so a damaged or foreign file never needs more memory than that."""
    while True:
        line = fh.readline(MAX_LINE)
        if not line:
            return
        if len(line) < MAX_LINE or line.endswith("\n"):
            yield line
            continue
        while line and not line.endswith("\n"):
            line = fh.readline(MAX_LINE)
        yield "\n" if line else ""


BLOCK_BYTES = 1 << 20
NUMBER = r"[0-9][-+.0-9eE]{0,63}+"  # starts with a digit, so never negative; json.loads checks the grammar (possessive:
# a number never gives characters back, which spares the regex engine its backtracking records)


@functools.lru_cache(maxsize=8)
def _plain_lines(channels: int) -> re.Pattern[str]:
    """One match per line: a plain interval record as the meter writes it (no flags, no estimates) in groups 1
    to 3 (t, dt, the energies), any other line in group 4."""
    return re.compile(r'^(?:\{"type":"interval","t":(' + NUMBER + r'),"dt":(' + NUMBER + r'),"e":\[((?:' + NUMBER
                      + r',){' + str(channels - 1) + r'}' + NUMBER + r')\]\}\n|(.*\n))', re.MULTILINE)


def _plain_text(row: tuple[str, str, str, str]) -> str:
    return f'{{"type":"interval","t":{row[0]},"dt":{row[1]},"e":[{row[2]}]}}\n'


_NUMBERS = json.JSONDecoder(parse_int=float)  # built once: json.loads with an option builds a decoder per call


def _floats(texts: Iterator[str]) -> list[Any]:
    """JSON numbers as floats (integers too, as float() of them gives); ValueError if one is not JSON."""
    return _NUMBERS.decode("[" + ",".join(texts) + "]")


def _repeated_floats(texts: list[str]) -> list[Any]:
    """Like _floats, for values that repeat (interval lengths): each distinct text is parsed once."""
    distinct = list(set(texts))
    return list(map(dict(zip(distinct, _floats(iter(distinct)), strict=True)).__getitem__, texts))


class _Reader:
    """The state of reading one log: its runs so far, the run being read, problems before any header."""

    def __init__(self, path: Path, keep_records: bool) -> None:
        self.path = path
        self.keep_records = keep_records
        self.runs: list[MeterLog] = []
        self.current: MeterLog | None = None
        self.orphan_problems: list[str] = []
        self.lineno = 0

    def fast_channels(self) -> int:
        """The channel count of the run being read if its plain records may be read in batches, else 0."""
        current = self.current
        if current is None or self.keep_records:
            return 0
        n = len(current.ledger.channels)
        return n if 0 < n and 100 + 66 * n < MAX_LINE else 0

    def block(self, text: str) -> None:
        """Lines of the log: plain interval records in batches, any other line one by one; a last line without
        its newline (cut mid-write) is read on its own."""
        whole = text.rfind("\n") + 1
        pos = 0
        while pos < whole:
            n = self.fast_channels()
            if not n:
                end = text.find("\n", pos) + 1
                self.line(text[pos:end])
                pos = end
                continue
            stopped = self._rows(_plain_lines(n).findall(text, pos, whole), n)
            pos = whole if stopped is None else pos + stopped
        if whole < len(text) or not text:
            self.line(text[whole:])

    def _rows(self, rows: list[tuple[str, str, str, str]], n: int) -> int | None:
        """Read the matched lines; None once all are read, or the length of text read up to a header that changed
        the channel count (the rest is matched again)."""
        start = 0
        for i in compress(count(), map(itemgetter(3), rows)):  # the other lines, found at C speed
            if start < i:
                self.plain(rows[start:i])
            self.line(rows[i][3])
            start = i + 1
            if self.fast_channels() != n:
                return sum(len(row[3]) if row[3] else len(_plain_text(row)) for row in rows[:start])
        if start < len(rows):
            self.plain(rows[start:])
        return None

    def plain(self, rows: list[tuple[str, str, str, str]]) -> None:
        """Consecutive plain interval records: checked together (the checks ``check_record`` makes) and added in
        one batch; if any fails, each is read on its own, so the problem is named by its line as ever."""
        current = self.current
        assert current is not None
        try:
            ts = _floats(map(itemgetter(0), rows))
            dts = _repeated_floats(list(map(itemgetter(1), rows)))
            energies = _floats(map(itemgetter(2), rows))
        except ValueError:
            ts = []
        last = current.last_t
        if ts and ts[0] >= last and ts[-1] <= MAX_SECONDS and all(map(le, ts, islice(ts, 1, None))) \
                and max(energies) <= MAX_JOULES \
                and all(map(le, dts, map(add, map(sub, ts, chain((last,), ts)), repeat(0.002)))):
            current.ledger.add_plain(ts, dts, energies)
            current.last_t = ts[-1]
            self.lineno += len(rows)
            return
        for row in rows:
            self.line(_plain_text(row))

    def _check_stored(self, current: MeterLog, record: dict[str, Any], lineno: int) -> None:
        """Name the totals a checkpoint or final record stores if they could not stand for its records: checked on
        their own, and against the records before it when every one of those was read."""
        clean = len(current.problems) == len(current.refused) and not current.bad_lines  # refused totals add nothing
        wrong = stored_problem(current.header, record, current.ledger if clean else None)
        if wrong:
            what = f"{record['type']} record: {wrong}"
            current.problems.append(f"{self.path}:{lineno}: {what}; its totals are not used, its records are")
            current.refused.append({"log": str(self.path), "line": lineno, "what": what})

    def line(self, text: str) -> None:
        """One line, checked on its own."""
        text = _bounded(text)
        p = self.path
        self.lineno += 1
        lineno = self.lineno
        current = self.current
        record = _parse(text)
        if record is None:
            if current is None:
                if lineno == 1:
                    raise FootprintError(f"{p}: not a footprint meter log (no header line); expected a log written by 'footprint run'")
                self.orphan_problems.append(f"{p}:{lineno}: unreadable line; skipped")
            elif not text.endswith("\n"):
                current.cut_line = True
            else:
                current.bad_lines += 1
                current.problems.append(f"{p}:{lineno}: unreadable line (not a JSON object); skipped")
            return
        if record.get("type") == "header":
            if record.get("format") != FORMAT:
                raise FootprintError(f"{p}:{lineno}: not a footprint meter log header (format {excerpt(record.get('format'))}); "
                                     "expected a log written by 'footprint run'")
            version = record.get("version")
            if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
                raise FootprintError(f"{p}: log version {version} is newer than this footprint reads ({VERSION}); upgrade footprint")
            wrong = check_header(record)
            if wrong:
                if lineno == 1 and not self.runs:
                    raise FootprintError(f"{p}:{lineno}: bad header: {wrong}")
                self.orphan_problems.append(f"{p}:{lineno}: bad header: {wrong}; this run's records are skipped")
                self.current = None
                return
            self.current = MeterLog(str(p), record, line=lineno, ledger=Ledger(record))
            self.runs.append(self.current)
            return
        if current is None:
            if lineno == 1:
                raise FootprintError(f"{p}: not a footprint meter log (no header line); expected a log written by 'footprint run'")
            if not self.orphan_problems or "this run's records are skipped" not in self.orphan_problems[-1]:
                self.orphan_problems.append(f"{p}:{lineno}: a record before any header; skipped")
            return
        wrong = check_record(record, len(current.ledger.channels), current.last_t)
        if wrong:
            current.problems.append(f"{p}:{lineno}: {wrong}; skipped")
            return
        if record["type"] == "checkpoint":  # the running totals so far, for readers that resume from it: adds nothing
            self._check_stored(current, record, lineno)
            return
        if record["type"] != "note":  # notes come from polls between intervals: not part of the interval timeline
            current.last_t = float(record.get("t", current.last_t))
        if record["type"] == "final":
            current.final = record
            self._check_stored(current, record, lineno)
            return
        current.ledger.add(record)
        if self.keep_records:
            current.records.append(record)


def read_runs(path: str | Path, keep_records: bool = False) -> list[MeterLog]:
    """Every run in a log, in order, each with a Ledger fed with its valid records (memory stays flat unless
    ``keep_records``). A malformed record is skipped with a problem line naming the file and line; the records
    before and after it still count. Raises FootprintError if the file is not a footprint meter log at all.

    Plain interval records (most of a log) are matched in blocks of lines, checked together and summed in
    batches, with exactly the totals and problem lines of reading them one by one."""
    p = Path(path)
    if not p.is_file():
        what = "is not a regular file" if p.exists() else "does not exist"
        raise FootprintError(f"log {str(p)!r} {what}; expected a log written by 'footprint run --log'")
    try:
        fh = p.open("rb")
    except OSError as exc:
        raise FootprintError(f"{p}: cannot read: {exc.strerror}") from None
    reader = _Reader(p, keep_records)
    with fh:
        for text in _blocks(fh):
            reader.block(text)
    if not reader.runs:
        if reader.lineno == 0:
            raise FootprintError(f"{p}: empty log; the run wrote nothing (killed before it started?)")
        raise FootprintError(reader.orphan_problems[0] if reader.orphan_problems else f"{p}: no readable run in this log")
    reader.runs[0].problems[:0] = reader.orphan_problems
    return reader.runs


def read_log(path: str | Path) -> MeterLog:
    """The first run of a log with its records, complete or cut short (see ``read_runs`` for logs of several runs)."""
    return read_runs(path, keep_records=True)[0]


def write_atomic(path: str | Path, text: str) -> None:
    """Write a whole file so that readers see the old file or the new one, never half of it.

    A new file follows the umask; an existing one keeps its mode, and a symlink stays a link (its target is
    replaced). Something that is not a regular file (``/dev/stdout``, a pipe) is written in place.
    """
    from footprint.meter.outfiles import write_file

    write_file(path, text)


def load_totals(path: str) -> tuple[Ledger, MeterLog]:
    """The first run of a log streamed into a Ledger: (ledger, the MeterLog with header, final record, cut-off flags)."""
    log = read_runs(path)[0]
    return log.ledger, log
