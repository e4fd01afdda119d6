"""A dataclass field read on first access: for records whose names are needed at once and whose figures later."""

from __future__ import annotations

from typing import Any


class Deferred:
    """A field filled by the owner's ``_read_deferred()`` on first access (a non-data descriptor: once read, the
    instance's own value is found first, and dataclasses.replace() sets it like any field)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        obj._read_deferred()
        return obj.__dict__[self.name]
