"""The check shared by the deferred-reading tests: records read in two steps equal those read in full."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any


def assert_reads_alike(deferred: Sequence[Any], full: Sequence[Any], record_type: type) -> None:
    """Same ids in the same order, every field equal, and the records equal both ways."""
    assert [r.id for r in deferred] == [r.id for r in full]
    for lazy, eager in zip(deferred, full, strict=True):
        for f in dataclasses.fields(record_type):
            assert getattr(lazy, f.name) == getattr(eager, f.name), (eager.id, f.name)
        assert lazy == eager and eager == lazy
