"""A dataclass field read on first access: for records whose names are needed at once and whose figures later."""

from __future__ import annotations

import dataclasses
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


class DeferredRecord:
    """Mixed into a subclass of a frozen dataclass (`record`) whose fields in `deferred` are read on first use:
    equal to the record the same data reads to, and copied with a plugin name without reading anything.

    The subclass defines ``_read_deferred()``, which fills every field in `deferred` into the instance's __dict__.
    """

    record: type
    deferred: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls.deferred:
            setattr(cls, name, Deferred(name))

    def with_plugin(self, plugin: str) -> Any:
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__, plugin=plugin)
        return copy

    def __eq__(self, other: object) -> bool:
        # where the figures were read is no difference
        if not isinstance(other, self.record):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in dataclasses.fields(self.record))
