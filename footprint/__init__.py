"""footprint: energy, carbon and cost of AI training runs, estimated before and metered during.

Importing this package loads no plugin, builds no unit registry and touches no GPU; the public names below are
imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

__version__ = "0.1.0"

PLUGIN_API_VERSION = (1, 0)
"""(major, minor) of the plugin interface (hooks, ``footprint.plugin_api``): a plugin can check
``footprint.PLUGIN_API_VERSION[0] == 1``. A minor bump only adds; a major bump removes or renames."""

hookimpl = pluggy.HookimplMarker("footprint")

__all__ = ["PLUGIN_API_VERSION", "Footprint", "FootprintError", "Tracker", "__version__", "estimate", "hookimpl", "live",
           "plugin_api", "progress", "track"]

if TYPE_CHECKING:
    from footprint.core.result import Footprint
    from footprint.errors import FootprintError
    from footprint.estimates.api import estimate
    from footprint.meter.progress import live, progress
    from footprint.meter.track import Tracker

_LAZY = {
    "estimate": "footprint.estimates.api",
    "Footprint": "footprint.core.result",
    "FootprintError": "footprint.errors",
    "track": "footprint.meter.track",
    "Tracker": "footprint.meter.track",
    # the training code's calls: the work channel module alone, no pint, no NVML, no plugin
    "progress": "footprint.meter.progress",
    "live": "footprint.meter.progress",
}
_LAZY_MODULES = {"plugin_api"}
# the names that hand out Footprints also load the text renderer, which gives a Footprint its str() and summary()
_TEXT_RENDERER = "footprint.render.as_text"
_GIVE_FOOTPRINTS = {"estimate", "Footprint", "track", "Tracker"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        if name in _GIVE_FOOTPRINTS:
            importlib.import_module(_TEXT_RENDERER)
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _LAZY_MODULES:
        import importlib

        return importlib.import_module(f"footprint.{name}")
    raise AttributeError(f"module 'footprint' has no attribute {name!r}")
