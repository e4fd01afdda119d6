"""Files a run writes for the user (summary JSON, ``report -o``, ``--json-file``, ``--csv``): checked before the
job starts, written whole, and written the way the user's file system expects: a new file follows the umask, an
existing file keeps its mode, and a symlink stays a link to the file it names.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from footprint.errors import FootprintError


def _umask() -> int:
    """The process umask, read without changing it (os.umask would, for a moment, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def check_writable(path: str | Path, option: str, *, replaced: bool = True) -> None:
    """Raise a one-line FootprintError now if ``path`` cannot be written later (before a job runs for hours).

    The check writes as the later write will: a file is made beside it (in the nearest existing directory when
    the file's own is still to be made), so that a directory that refuses files (``/proc``, a read-only mount, one
    owned by another user) is found now, whatever the permission bits say. An existing file is opened for
    appending, which changes nothing in it; ``replaced``: the file is later replaced whole, which needs its
    directory writable too.
    """
    p = Path(path)
    expected = "expected a writable file path"
    if p.exists():
        if p.is_dir():
            raise FootprintError(f"{option}: {str(p)!r} is a directory; expected a file path")
        if replaced or not p.is_file():  # a replaced file needs its directory; /dev/null is opened as it is
            if not os.access(p, os.W_OK):
                raise FootprintError(f"{option}: cannot write {str(p)!r}: permission denied; {expected}")
            if not p.is_file():
                return
        else:
            try:  # as the later write opens it, without changing it
                os.close(os.open(p, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC))
            except OSError as exc:
                raise FootprintError(f"{option}: cannot write {str(p)!r}: {_why(exc)}; {expected}") from None
            return
    parent = p.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent  # missing directories are created when the file is written
    if not parent.is_dir():
        raise FootprintError(f"{option}: cannot write {str(p)!r}: {str(parent)!r} is not a directory; {expected}")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".check", dir=parent)
    except OSError as exc:
        raise FootprintError(f"{option}: cannot write {str(p)!r}: cannot create files in {str(parent)!r} ({_why(exc)}); "
                             f"{expected}") from None
    os.close(fd)
    os.unlink(probe)


def _why(exc: OSError) -> str:
    return "permission denied" if exc.errno in (errno.EACCES, errno.EPERM) else (exc.strerror or str(exc))


def write_file(path: str | Path, text: str) -> None:
    """Replace a file's content atomically (readers see the old file or the new one), keeping its mode and links;
    a failure (a full disk) is a one-line FootprintError and leaves the old file as it was."""
    try:
        _replace(Path(path), text)
    except OSError as exc:
        raise FootprintError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None


def _replace(p: Path, text: str) -> None:
    target = Path(os.path.realpath(p)) if p.is_symlink() else p
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    data = text.encode("utf-8")
    if st is not None and not stat.S_ISREG(st.st_mode):
        # /dev/stdout, a pipe, /dev/null: there is nothing to replace, only something to write to
        with open(target, "wb") as fh:
            fh.write(data)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
