"""footprint-tpu: Google TPU v3, v4, v5e and v5p hardware profiles, and the worked example of a footprint plugin.

Quick start for plugin authors
------------------------------
A footprint plugin is an importable module whose functions are marked with ``footprint.hookimpl`` and named
after the hooks in ``footprint/plugins/hookspecs.py``. footprint finds it through the entry-point group ``footprint``,
so the whole wiring is one table in the plugin's ``pyproject.toml``::

    [project.entry-points.footprint]
    tpu = "footprint_tpu"          # entry-point name = plugin name shown by `footprint plugins`

Then ``pip install -e .`` and check it loaded::

    footprint plugins              # lists "tpu" with its hooks, or the reason it failed to load
    footprint profiles             # the tpu-* rows carry plugin "tpu"

Rules footprint enforces:

- Hook names carry the ``footprint_`` prefix. A misspelt hook (``footprint_register_profile``) is not
  silently ignored: the plugin is reported by name with the closest valid hook and skipped.
- An implementation may accept fewer arguments than the spec, so specs can grow without breaking plugins.
- A plugin that fails to import or raises is reported by name and skipped; commands that do not need it work.
- Profile ids and aliases are global: a clash with another plugin is an error naming both plugins.
- ``FOOTPRINT_LOAD_PLUGINS`` picks which installed plugins load: unset = all, ``""`` = none, ``"tpu"`` = this one.
- Keep the module import cheap (no pint, no data parsing at import time): ``footprint --help`` imports
  plugins but must stay instant. Do the work inside the hook.
- Build what you register with ``footprint.plugin_api`` (the guide is footprint's docs/plugins.md).

Data lives in TOML files shipped as package data (``footprint_tpu/profiles/*.toml``), in the schema described
in footprint's ``docs/profiles.md``: every figure carries its source next to it, never in code.

About the power figures
-----------------------
footprint's profile schema requires a sourced TDP or a sourced "unknown"; Google publishes few TPU power figures:

- **tpu-v4**: Google publishes *measured* chip power, min/mean/max 90/170/192 W. The profile's ``tdp`` is the
  measured maximum (192 W), so "accelerator-hours x TDP" stays an upper bound as it is for GPUs; ``idle_power``
  is the measured minimum. ``--gpu-power "170 W"`` gives the measured mean.
- **tpu-v3**: the chip TDP (450 W) of Jouppi et al. 2021, Table 1.
- **tpu-v5e, tpu-v5p**: no power figure is published at all, so their ``tdp`` is ``value = "unknown"`` with the
  source that says so: estimates then need ``--gpu-power`` as a power (say, a measured one), and a fraction of
  TDP is refused. Compute mode (``--flops``/``--params``+``--tokens`` with ``--precision bf16``) uses only
  published peaks.

No node or host power is published for TPU hosts, so estimates print "host power not counted" unless you pass
``--host-power``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from footprint import hookimpl

if TYPE_CHECKING:
    from footprint.core.profiles import HardwareProfile

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
"""The plugin's TOML profiles, shipped as package data inside the wheel."""


@hookimpl
def footprint_register_profiles(register: Callable[[HardwareProfile], None]) -> None:
    """Register every TOML profile in ``PROFILE_DIR`` (validated by footprint's strict loader)."""
    from footprint.plugin_api import profile_dir  # imported here so `footprint plugins` never pulls in pint

    for profile in profile_dir(PROFILE_DIR):
        register(profile)
