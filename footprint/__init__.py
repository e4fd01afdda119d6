"""footprint: energy, carbon and cost of AI training runs, estimated before and metered during.

Importing this package loads no plugin, builds no unit registry and touches no GPU; the public names below are
imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("footprint")

__all__ = ["Footprint", "FootprintError", "__version__", "estimate", "hookimpl", "track"]

if TYPE_CHECKING:
    from footprint.api import estimate
    from footprint.errors import FootprintError
    from footprint.result import Footprint

_LAZY = {
    "estimate": "footprint.api",
    "Footprint": "footprint.result",
    "FootprintError": "footprint.errors",
    "track": "footprint.meter.track",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'footprint' has no attribute {name!r}")
