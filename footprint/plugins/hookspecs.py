"""Every hook footprint calls, with its arguments and what it expects back. Built-in features implement these
exactly as third-party plugins do.

How to write, register, configure and test a plugin, and what footprint enforces (isolation, checked answers,
global names, the API version), is the plugin guide, docs/plugins.md; the documentation's hook reference is
generated from this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

if TYPE_CHECKING:
    from datetime import datetime

    from footprint.core.profiles import HardwareProfile
    from footprint.plugins.contract import GridIntensity, LoadBackend, MeterFactory, Reference

_marker = pluggy.HookspecMarker("footprint")

# hook name -> {old argument name: the warning an implementation still using it gets}. Empty in API 1.0; when an
# argument is renamed, its old name goes here (and the spec keeps accepting it for one major version).
RENAMED_ARGS: dict[str, dict[str, Warning]] = {}

F = TypeVar("F", bound=Callable[..., Any])


def hookspec(function: F | None = None, *, firstresult: bool = False) -> Any:
    """pluggy's spec marker, with each hook's renamed arguments (``RENAMED_ARGS``) wired to ``warn_on_impl_args``."""

    def mark(f: F) -> F:
        return _marker(f, firstresult=firstresult, warn_on_impl_args=RENAMED_ARGS.get(f.__name__) or None)

    return mark if function is None else mark(function)


@hookspec
def footprint_register_profiles(register: Callable[[HardwareProfile], None]) -> None:
    """Register hardware profiles.

    :param register: call once per profile; build profiles with ``footprint.plugin_api.profile_dir`` or
        ``profile_file`` (TOML files shipped with the plugin) or ``profile`` (a mapping).
    """


@hookspec(firstresult=True)
def footprint_carbon_intensity(region: str, start: datetime | None, end: datetime | None) -> GridIntensity | None:
    """Return the grid carbon intensity of ``region`` (a code, matched case-insensitively), or None if unknown.

    Build the answer with ``footprint.plugin_api.grid_intensity``. ``start`` and ``end`` (timezone-aware, UTC) are
    None for a single figure (``estimate``), or the span of a metered run: a plugin with time-resolved data
    (hourly Electricity Maps or WattTime exports) may then add ``periods`` (``plugin_api.intensity_period``),
    and the meter weights each UTC hour's energy by the period the hour's middle falls in (periods need not be
    clipped to the span). A plugin without such data leaves the two arguments out of its signature. The first
    answer wins, and the built-in codecarbon data answers last, so plugins can override it.
    """


@hookspec
def footprint_regions() -> list[GridIntensity]:
    """List every region this plugin can answer for (used by ``footprint regions`` and by close-match hints)."""


@hookspec
def footprint_register_references(register: Callable[[Reference], None]) -> None:
    """Register published reference footprints for ``footprint references``, ``compare`` and ``claims``.

    :param register: call once per reference; build them with ``footprint.plugin_api.reference_file`` (a TOML
        file shaped like footprint/data/references.toml) or ``footprint.plugin_api.references`` (a mapping).
    """


@hookspec
def footprint_register_meters(register: Callable[[MeterFactory], None]) -> None:
    """Register live meters (GPU, CPU, RAM power sources) used by ``footprint run`` and ``footprint.track``.

    :param register: call once per ``footprint.plugins.contract.MeterFactory``; its ``component`` is "gpu", "cpu" or
        "ram" and its ``open(settings)`` returns the channels it can meter here (or none, with a reason). Every GPU
        meter's channels are used; for CPU and RAM the first factory with channels wins, and plugins are asked
        before the built-in meters. A channel's ``read(now)`` returns a ``Reading``
        (``footprint.plugin_api.reading``) of the energy since its previous call, failed or not. The keys a
        channel's ``info()`` may return are ``footprint.plugin_api.CHANNEL_INFO_KEYS``; the job's visible-devices
        variables, every vendor's, are in ``settings.visible``.
    """


@hookspec
def footprint_register_load_backends(register: Callable[[type[LoadBackend]], None]) -> None:
    """Register load generators for ``footprint calibrate --backend NAME``.

    :param register: call once per backend class (``footprint.meter.calibrate.LoadBackend``: a ``name`` class
        attribute, and ``check``, ``prepare``, ``step``, ``describe``); it is instantiated with no arguments
        when chosen. Built in: "torch" (matmuls on the GPU) and "python" (a CPU load that tests the pipeline).
    """
