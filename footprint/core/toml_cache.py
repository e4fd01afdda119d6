"""Parsed TOML data files kept on disk by content, so start-up does not re-parse the same bytes every run.

Python's TOML parser is pure Python: the shipped references and profiles (about 60 kB) take ~13 ms to parse, a
tenth of what ``footprint references`` adds to building the pint registry. The parsed table is stored with
``marshal`` (plain dicts, lists, strings and numbers; nothing executes on load) under the user's cache folder,
named by a hash of the file's bytes and the Python version, so an edited file is simply a new entry. Any
failure to read or write the cache falls back to parsing, exactly as ``read_toml`` does.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import stat
import sys
from pathlib import Path
from typing import Any

from footprint.core.tomlfile import MAX_BYTES, read_toml

# bump when the stored layout changes
_LAYOUT = b"footprint-toml-1"


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/footprint, else ~/.cache/footprint (where pint keeps its own cache, too)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "footprint" / "toml"


def read_toml_cached(path: str | Path, what: str, expected: str = "a TOML file") -> dict[str, Any]:
    """``read_toml(path, what, expected)``, answered from the cache when these exact bytes were parsed before."""
    try:
        info = os.stat(path)
        # only regular files within read_toml's bound: a FIFO or /dev/zero must get read_toml's own refusal,
        # never a blocking or unbounded read here
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return read_toml(path, what, expected)
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError:
        return read_toml(path, what, expected)  # words the error
    if len(data) > MAX_BYTES:
        return read_toml(path, what, expected)
    key = hashlib.sha256(_LAYOUT + sys.version.encode() + b"\0" + data).hexdigest()
    entry = cache_dir() / f"{key}.marshal"
    try:
        table = marshal.loads(entry.read_bytes())
        if isinstance(table, dict):
            return table
    except (OSError, EOFError, ValueError, TypeError):
        pass  # no entry yet, or an unreadable one: parse
    table = read_toml(path, what, expected)
    _store(entry, table)
    return table


def _store(entry: Path, table: dict[str, Any]) -> None:
    try:
        blob = marshal.dumps(table)
    except ValueError:  # a TOML date or time: not a plain value, so this file is parsed every time
        return
    partial = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(blob)
        os.replace(partial, entry)  # readers see the whole entry or none
    except OSError:  # read-only or full home: run without the cache
        try:
            partial.unlink(missing_ok=True)
        except OSError:
            pass
