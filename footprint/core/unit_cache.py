"""pint's parsed unit definitions kept on disk, checked before pint reads them.

Building the unit registry from pint's own disk cache (its ``cache_folder``) is several times faster than from
pint's definition files (measured in benchmarks/RESULTS.md), at the start of every command that prints a figure. pint reads its cache files as
they are, so footprint keeps them in a folder of its own (``$XDG_CACHE_HOME/footprint/pint``) with a manifest: the
SHA-256 of each file, and of what they were made from (pint's and footprint's definition files, the versions of
pint and Python). Before pint is given the folder, every file in it is checked against the manifest; a file that
is not listed or that differs (edited, cut short by a full disk, left by another version) empties the folder, and
pint parses the definitions afresh and writes it again. A folder that cannot be made, read or emptied means no
cache: the registry is built from the definitions, as if there were none. The folder never holds more than one
set of files, and over ``MAX_BYTES`` it is emptied.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MANIFEST = "footprint-manifest.json"
MAX_BYTES = 8 * 1024 * 1024  # pint keeps ~0.3 MB for footprint's definitions
_LAYOUT = "footprint-unit-cache-1"


def cache_root() -> Path:
    """$XDG_CACHE_HOME/footprint, else ~/.cache/footprint."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "footprint"


def switched_off() -> bool:
    """``FOOTPRINT_NO_CACHE=1`` (or ``all``, or a list naming ``pint``) builds the registry without a cache
    (benchmarks/caches.py measures what the cache saves this way)."""
    names = {v.strip() for v in os.environ.get("FOOTPRINT_NO_CACHE", "").split(",")}
    return bool(names & {"1", "all", "pint"})


def folder() -> Path:
    return cache_root() / "pint"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sources_digest(sources: Sequence[Path], versions: Sequence[str]) -> str:
    """One digest of the definition files' contents and the versions that read them."""
    h = hashlib.sha256(_LAYOUT.encode())
    for text in (*versions, sys.version):
        h.update(text.encode() + b"\0")
    for source in sources:
        h.update(source.read_bytes() + b"\0")
    return h.hexdigest()


def _files(where: Path) -> dict[str, str] | None:
    """Each cache file's digest (the manifest aside), or None when the folder cannot be read or is too large."""
    found: dict[str, str] = {}
    total = 0
    for entry in where.iterdir():
        if entry.name == MANIFEST:
            continue
        if not entry.is_file() or entry.is_symlink():
            return None  # pint writes plain files only: anything else is not its cache
        data = entry.read_bytes()
        total += len(data)
        if total > MAX_BYTES:
            return None
        found[entry.name] = _digest(data)
    return found


def _manifest(where: Path) -> dict[str, Any] | None:
    """The manifest's content, when it is whole (its own digest matches), else None."""
    try:
        stored = json.loads((where / MANIFEST).read_text(encoding="utf-8"))
        body = stored["body"]
        if not isinstance(body, dict) or stored["check"] != _digest(json.dumps(body, sort_keys=True).encode()):
            return None
        if not isinstance(body.get("sources"), str) or not isinstance(body.get("files"), dict):
            return None
        return body
    except (OSError, ValueError, KeyError, TypeError):
        return None


def prepare(sources_id: str) -> Path | None:
    """The folder to give pint: its files are those the manifest lists for these sources, or it is empty. None
    where the cache is switched off or the folder cannot be used."""
    if switched_off():
        return None
    where = folder()
    try:
        where.mkdir(parents=True, exist_ok=True)
        files = _files(where)
        manifest = _manifest(where)
        if files is not None and manifest is not None and manifest["sources"] == sources_id \
                and manifest["files"] == files:
            return where  # every file is the one recorded when pint last wrote it from these sources
        if files == {}:
            return where if os.access(where, os.W_OK) else None
        empty(where)
        return where if _files(where) == {} and os.access(where, os.W_OK) else None
    except OSError:
        return None


def empty(where: Path) -> None:
    """Remove every file in the folder (best effort: what cannot be removed makes ``prepare`` give no folder)."""
    with contextlib.suppress(OSError):
        for entry in where.iterdir():
            with contextlib.suppress(OSError):
                if entry.is_dir() and not entry.is_symlink():
                    continue
                entry.unlink()


def seal(where: Path, sources_id: str) -> None:
    """Record the digest of every file pint wrote, whole or not at all; a write that fails leaves no manifest,
    and the next start empties the folder."""
    try:
        files = _files(where)
        if files is None:
            empty(where)
            return
        body = {"sources": sources_id, "files": files}
        if _manifest(where) == body:
            return
        text = json.dumps({"body": body, "check": _digest(json.dumps(body, sort_keys=True).encode())})
        partial = where / f"{MANIFEST}.{os.getpid()}.tmp"
        try:
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, where / MANIFEST)
        finally:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
    except OSError:
        with contextlib.suppress(OSError):
            (where / MANIFEST).unlink(missing_ok=True)
