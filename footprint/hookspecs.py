"""Every hook footprint calls. Built-in features implement these exactly as third-party plugins do.

A plugin is a module (or object) with functions decorated by ``footprint.hookimpl`` and named as below. It may
accept fewer arguments than the spec lists, so specs can grow without breaking plugins. Register it through the
entry-point group ``footprint`` in its pyproject::

    [project.entry-points.footprint]
    my-plugin = "my_package.plugin_module"
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from footprint.grid import GridIntensity
    from footprint.meter.channels import MeterFactory
    from footprint.profiles import HardwareProfile
    from footprint.references import Reference

hookspec = pluggy.HookspecMarker("footprint")


@hookspec
def footprint_register_profiles(register: Callable[[HardwareProfile], None]) -> None:
    """Register hardware profiles.

    :param register: call once per profile; build profiles with ``footprint.profiles.load_profile_file`` (from a
        TOML file) or ``footprint.profiles.profile_from_dict``. An id or alias clash with another plugin is an error
        that names both plugins.
    """


@hookspec(firstresult=True)
def footprint_carbon_intensity(region: str) -> GridIntensity | None:
    """Return the grid carbon intensity of ``region`` (a code, matched case-insensitively), or None if unknown.

    The first plugin that answers wins; the built-in codecarbon data answers last, so plugins can override it.
    """


@hookspec
def footprint_regions() -> list[GridIntensity]:
    """List every region this plugin can answer for (used by ``footprint regions`` and by close-match hints)."""


@hookspec
def footprint_register_references(register: Callable[[Reference], None]) -> None:
    """Register published reference footprints for ``footprint references``, ``compare`` and ``claims``.

    :param register: call once per reference; build them with ``footprint.references.load_reference_file`` (a TOML
        file shaped like footprint/data/references.toml) or ``footprint.references.references_from_dict``. An id
        clash with another plugin is an error that names both plugins.
    """


@hookspec
def footprint_register_meters(register: Callable[[MeterFactory], None]) -> None:
    """Register live meters (GPU, CPU, RAM power sources) used by ``footprint run`` and ``footprint.track``.

    :param register: call once per ``footprint.meter.channels.MeterFactory``; its ``component`` is "gpu", "cpu" or
        "ram" and its ``open(settings)`` returns the channels it can meter here (or none, with a reason). Every GPU
        meter's channels are used; for CPU and RAM the first factory with channels wins, and plugins are asked
        before the built-in meters.
    """
