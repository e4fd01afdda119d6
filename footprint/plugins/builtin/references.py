"""Built-in plugin: the published reference footprints shipped in ``footprint/data/references.toml``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from footprint import hookimpl


@hookimpl
def footprint_register_references(register: Callable[[Any], None]) -> None:
    from footprint.claims.references import load_reference_file, shipped_reference_file

    for reference in load_reference_file(shipped_reference_file()):
        register(reference)
