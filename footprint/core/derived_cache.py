"""Answers derived from installed data files, kept on disk until one of those files changes.

``footprint run`` needs two small answers from codecarbon's large data files at every start: the CPU's TDP
(matched by name among ~5,000 rows of cpu_power.csv) and the grid table (five JSON files and a CSV). Reading and
matching them took ~25-35 ms of each run's start-up, for answers that change only when codecarbon is upgraded.
Each answer is stored with ``marshal`` (plain data only; nothing executes on load) under the user's cache
folder, named by a hash of what it depends on: the question, the layout of the answer and each file's path,
size, modification and change times and inode (a reinstall writes new files). Any failure to read or write the
cache computes the answer, as if there were no cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def cache_root() -> Path:
    """$XDG_CACHE_HOME/footprint, else ~/.cache/footprint (where pint keeps its own cache, too)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "footprint"


def switched_off(name: str) -> bool:
    """``FOOTPRINT_NO_CACHE``: "1" or "all" switches every on-disk cache off, else a comma-separated list of the
    caches to switch off (benchmarks/caches.py measures what each one saves this way)."""
    value = os.environ.get("FOOTPRINT_NO_CACHE", "")
    names = {v.strip() for v in value.split(",")}
    return bool(names & {"1", "all", name})


def derived(kind: str, question: Any, sources: Sequence[str | Path], compute: Callable[[], T]) -> T:
    """``compute()``, answered from the cache when the same question was asked of the same files before.

    ``kind`` names the answer and its layout (change it when the layout changes); ``question`` is any
    marshal-able value the answer depends on besides the files; the answer must be marshal-able too (dicts,
    lists, tuples, strings, numbers, None), else it is computed every time."""
    if switched_off(kind.rsplit("-", 1)[0]):
        return compute()
    try:
        identity = [kind, question, sys.version]
        for source in sources:
            info = os.stat(source)
            # a reinstall writes new files: a new inode and change time even where the size and the modification
            # time it restores from the wheel are the same
            identity.append((os.fspath(source), info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino))
        key = hashlib.sha256(marshal.dumps(identity)).hexdigest()[:40]
    except (OSError, ValueError):  # a file missing (compute words that) or a question marshal cannot keep
        return compute()
    entry = cache_root() / "derived" / f"{kind}-{key}.marshal"
    try:
        stored = marshal.loads(entry.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        stored = None  # no entry yet, or an unreadable one: compute
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == kind:
        return stored[1]  # type: ignore[no-any-return]
    answer = compute()
    store(entry, (kind, answer))
    return answer


def store(entry: Path, value: Any) -> None:
    """Write ``value`` to ``entry`` with marshal, whole or not at all; a value marshal cannot keep, or a
    read-only or full home, leaves the cache as it was."""
    try:
        blob = marshal.dumps(value)
    except ValueError:
        return
    partial = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(blob)
        os.replace(partial, entry)  # readers see the whole entry or none
    except OSError:
        with contextlib.suppress(OSError):  # nothing more to do where even that fails
            partial.unlink(missing_ok=True)
