"""Parsed TOML data files kept on disk by content, so start-up does not re-parse the same bytes every run.

Python's TOML parser is pure Python: the shipped references and profiles (about 60 kB) take ~13 ms to parse, a
tenth of what ``footprint references`` adds to building the pint registry. The parsed table is stored with
``marshal`` (plain dicts, lists, strings and numbers, dates as tagged ISO text; nothing executes on load) under
the user's cache folder,
named by a hash of the file's bytes and the Python version, so an edited file is simply a new entry. Any
failure to read or write the cache falls back to parsing, exactly as ``read_toml`` does.
"""

from __future__ import annotations

import datetime
import hashlib
import marshal
import os
import stat
import sys
from pathlib import Path
from typing import Any

from footprint.core.derived_cache import cache_root, store, switched_off
from footprint.core.tomlfile import MAX_BYTES, read_toml

# bump when the stored layout changes
_LAYOUT = b"footprint-toml-2"
# TOML dates and times are stored as (tag, ISO text): TOML arrays load as lists, so a tuple never means anything else
_TIME_TYPES = {"date": datetime.date, "datetime": datetime.datetime, "time": datetime.time}


def cache_dir() -> Path:
    """The parsed TOML files' folder in footprint's cache (``derived_cache.cache_root``)."""
    return cache_root() / "toml"


def read_toml_cached(path: str | Path, what: str, expected: str = "a TOML file") -> dict[str, Any]:
    """``read_toml(path, what, expected)``, answered from the cache when these exact bytes were parsed before."""
    if switched_off("toml"):
        return read_toml(path, what, expected)
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
        dated, table = marshal.loads(entry.read_bytes())
        if isinstance(table, dict):
            return _thaw(table) if dated else table
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        pass  # no entry yet, or an unreadable one: parse
    table = read_toml(path, what, expected)
    _store(entry, table)
    return table


def _freeze(value: Any) -> Any:
    """The table with every date and time as (tag, ISO text), which marshal can store."""
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_freeze(v) for v in value]
    for tag, kind in _TIME_TYPES.items():
        if type(value) is kind:
            return (tag, value.isoformat())
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_thaw(v) for v in value]
    if isinstance(value, tuple):
        tag, text = value
        return _TIME_TYPES[tag].fromisoformat(text)
    return value


def _store(entry: Path, table: dict[str, Any]) -> None:
    frozen = _freeze(table)
    store(entry, (frozen != table, frozen))  # a value marshal cannot keep leaves the file parsed every time
