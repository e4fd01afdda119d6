"""Built-in plugin: the published reference footprints shipped in ``footprint/data/references.toml``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

hookimpl = pluggy.HookimplMarker("footprint")


@hookimpl
def footprint_register_references(register: Callable[[Any], None]) -> None:
    from footprint.claims.references import defer_reference_file, shipped_reference_file

    # values are read when a command first uses a reference (the test suite reads every shipped one in full)
    for reference in defer_reference_file(shipped_reference_file()):
        register(reference)
