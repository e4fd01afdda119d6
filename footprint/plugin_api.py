"""What a plugin author needs: constructors that check units and say what was expected, and the types to subclass.

Everything a plugin hands to footprint (a grid intensity, a profile, a reference, a meter reading) is built here,
so a plugin never touches footprint's unit registry or its ``gCO2e`` spelling: quantities are given as text
("120 g/kWh", "350 W", "12 kJ"), as numbers in the unit the argument names, or as Quantities of this registry.
A bad value raises ``FootprintError`` with one line naming it and what was expected.

Version check, for a plugin that needs a newer interface::

    import footprint
    if footprint.PLUGIN_API_VERSION < (1, 0):
        raise ImportError("this plugin needs footprint's plugin API 1.0 or newer")

Hooks and their arguments are listed in ``footprint.plugins.hookspecs``; the plugin guide is docs/plugins.md.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from footprint import PLUGIN_API_VERSION, hookimpl
from footprint.errors import FootprintError
from footprint.plugins.contract import (
    Channel,
    ChannelBase,
    GridIntensity,
    IntensityPeriod,
    LoadBackend,
    MeterFactory,
    MeterSettings,
    Opened,
    Reading,
    Reference,
)

if TYPE_CHECKING:
    import pint

    from footprint.core.profiles import HardwareProfile

__all__ = [
    "CHANNEL_INFO_KEYS", "PLUGIN_API_VERSION", "Basis", "Channel", "ChannelBase", "FootprintError", "GridIntensity",
    "IntensityPeriod", "LoadBackend", "MeterFactory",
    "MeterSettings", "Opened", "Reading", "Reference", "energy_j", "grid_intensity", "hookimpl", "intensity_period",
    "profile", "profile_dir", "profile_file", "reading", "reading_from_power", "reference_file", "references",
    "setting", "setting_name", "visible_devices",
]

CHANNEL_INFO_KEYS: Mapping[str, str] = {
    "name": "the device name the hardware reports, e.g. 'Intel Gaudi 3' or 'NVIDIA H100 80GB HBM3'; matched "
            "against the profiles' device_names (and nvml_names) to pick the TDP and estimate comparison",
    "vendor": "who made it: 'nvidia', 'amd', 'intel', ...; shown in reports",
    "index": "the device's index as the vendor's runtime numbers it (what its visible-devices variable lists)",
    "uuid": "a stable id of the device, when the hardware has one",
    "power_limit_w": "the enforced power limit in W, when known (a number)",
    "method": "how the energy is obtained, e.g. 'energy counter (PDU log)' or 'modelled: TDP x load'",
}
"""Keys a channel's ``info()`` may return; all optional, all land in the log header's channel entry. Any other
key is kept in the header as is (prefer a vendor prefix, such as ``gaudi_firmware``)."""


@dataclass(frozen=True)
class Basis:
    """What a carbon-intensity figure counts.

    ``scope``: "location" (the grid's average) or "market" (after contracts and certificates);
    ``gases``: "CO2e" (all greenhouse gases, as CO2 equivalent) or "CO2" (carbon dioxide only, which understates
    CO2e); ``note``: anything else a reader needs ("lifecycle", "direct combustion only", "hourly marginal").
    """

    scope: Literal["location", "market"] = "location"
    gases: Literal["CO2e", "CO2"] = "CO2e"
    note: str = ""

    def __post_init__(self) -> None:
        if self.scope not in ("location", "market"):
            raise FootprintError(f"basis scope {self.scope!r} is unknown; expected 'location' or 'market'")
        if self.gases not in ("CO2e", "CO2"):
            raise FootprintError(f"basis gases {self.gases!r} is unknown; expected 'CO2e' or 'CO2'")

    def text(self) -> str:
        gases = "CO2e" if self.gases == "CO2e" else "CO2 only (not CO2e)"
        return ", ".join(x for x in (gases, f"{self.scope}-based", self.note) if x)


def _intensity(value: Any, what: str) -> pint.Quantity:
    from footprint.core import units

    q = units.parse_quantity(value, units.INTENSITY, what, bare_unit="gCO2e/kWh")
    if float(q.magnitude) < 0:
        raise FootprintError(f"{what}: {value!r} is negative; expected a carbon intensity of 0 or more")
    return q.to("gCO2e/kWh")


def intensity_period(start: datetime, end: datetime, intensity: Any) -> IntensityPeriod:
    """The grid's intensity over [start, end), e.g. one row of an hourly export. Times must be timezone-aware."""
    for name, t in (("start", start), ("end", end)):
        if not isinstance(t, datetime) or t.tzinfo is None:
            raise FootprintError(f"intensity period {name} {t!r} is not a timezone-aware datetime; expected e.g. "
                                 "datetime(2025, 1, 1, tzinfo=UTC)")
    if not start < end:
        raise FootprintError(f"intensity period {start.isoformat()} .. {end.isoformat()} is empty; expected start < end")
    return IntensityPeriod(start, end, _intensity(intensity, f"intensity from {start.isoformat()}"))


def grid_intensity(code: str, intensity: Any, *, source: str, name: str | None = None, year: int | None = None,
                   basis: Basis | None = None, periods: Iterable[IntensityPeriod] = ()) -> GridIntensity:
    """A region's carbon intensity, as ``footprint_carbon_intensity`` and ``footprint_regions`` return it.

    ``intensity``: "120 g/kWh" (read as CO2e per kWh; say ``Basis(gases="CO2")`` for a CO2-only factor), a number
    in gCO2e/kWh, or a Quantity of footprint's registry. ``source`` says where the figure comes from (publisher,
    dataset, file); ``periods`` are time-resolved values (``intensity_period``) the meter weights interval by
    interval, with ``intensity`` their fallback outside them.
    """
    if not isinstance(code, str) or not code.strip():
        raise FootprintError(f"grid intensity: region code {code!r} is empty; expected e.g. 'DE' or 'US-CAL-CISO'")
    if not isinstance(source, str) or not source.strip():
        raise FootprintError(f"grid intensity {code!r}: no source; expected the publisher or dataset of the figure")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2200):
        raise FootprintError(f"grid intensity {code!r}: year {year!r} is not a year such as 2024")
    ordered = tuple(sorted(periods, key=lambda p: p.start))
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            raise FootprintError(f"grid intensity {code!r}: periods starting {before.start.isoformat()} and "
                                 f"{after.start.isoformat()} overlap; expected disjoint periods")
    return GridIntensity(code.strip(), name or code.strip(), _intensity(intensity, f"grid intensity {code!r}"), year,
                         source.strip(), (basis or Basis()).text(), periods=ordered,
                         gases=(basis or Basis()).gases)


def profile(data: Mapping[str, Any], origin: str = "<plugin profile>") -> HardwareProfile:
    """A hardware profile from a mapping shaped like a profile TOML file (see profiles/*.toml)."""
    from footprint.core.profiles import profile_from_dict

    return profile_from_dict(dict(data), origin)


def profile_file(path: str | Path) -> HardwareProfile:
    """A hardware profile from one TOML file."""
    from footprint.core.profiles import load_profile_file

    return load_profile_file(path)


def profile_dir(directory: str | Path) -> list[HardwareProfile]:
    """Every ``*.toml`` profile in a folder (e.g. one shipped inside the plugin's package)."""
    from footprint.core.profiles import load_profile_dir

    return load_profile_dir(directory)


def references(data: Mapping[str, Any], origin: str = "<plugin references>") -> list[Reference]:
    """Published reference footprints from a mapping shaped like footprint/data/references.toml."""
    from footprint.claims.references import references_from_dict

    return references_from_dict(dict(data), origin)


def reference_file(path: str | Path) -> list[Reference]:
    """Published reference footprints from a TOML file shaped like footprint/data/references.toml."""
    from footprint.claims.references import load_reference_file

    return load_reference_file(path)


def energy_j(value: Any, what: str = "energy") -> float:
    """An energy in joules, from "12 kJ", "0.5 Wh", a Quantity, or a number of joules; finite and >= 0."""
    from footprint.core import units

    q = units.parse_quantity(value, units.ENERGY, what, bare_unit="J")
    joules = float(q.to("J").magnitude)
    if joules < 0:
        raise FootprintError(f"{what}: {value!r} is negative; expected an energy of 0 or more")
    return joules


def reading(energy: Any, estimated: Any = 0.0, flags: Iterable[str] = ()) -> Reading:
    """One channel's reading over one interval: ``energy`` (J, or text with a unit), of which ``estimated`` was
    not measured (a gap filled in, say), with ``flags`` saying why ("gap", "stale")."""
    total = energy_j(energy, "reading energy")
    guessed = energy_j(estimated, "reading estimated energy")
    if guessed > total:
        raise FootprintError(f"reading: estimated part {guessed} J exceeds the energy {total} J")
    return Reading(total, guessed, tuple(str(f) for f in flags))


def reading_from_power(power: Any, seconds: float, flags: Iterable[str] = ()) -> Reading:
    """A reading from an average power ("350 W", or a number of W) held for ``seconds``."""
    from footprint.core import units

    watts = float(units.parse_quantity(power, units.POWER, "reading power", bare_unit="W").to("W").magnitude)
    if watts < 0 or not math.isfinite(seconds) or seconds < 0:
        raise FootprintError(f"reading: power {power!r} over {seconds!r} s; expected a power >= 0 over a time >= 0")
    return Reading(watts * seconds, 0.0, tuple(str(f) for f in flags))


def visible_devices(settings: MeterSettings, variables: Iterable[str]) -> str | None:
    """What the metered job's visible-devices variable says (e.g. ``["HABANA_VISIBLE_MODULES"]``), None when unset.

    The first variable that is set wins, as in ``("HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES")``.
    """
    for name in variables:
        value = settings.visible.get(name)
        if value is not None:
            return value
    return None


def setting_name(plugin: str, key: str) -> str:
    """The environment variable that holds a plugin's setting: ``FOOTPRINT_<PLUGIN>_<KEY>``, upper case, every
    character other than a letter or digit written ``_`` (``setting_name("grid-csv", "files")`` is
    ``FOOTPRINT_GRID_CSV_FILES``)."""
    parts = [re.sub(r"[^A-Z0-9]", "_", part.upper()) for part in (plugin, key)]
    if not all(parts):
        raise FootprintError(f"plugin setting: plugin {plugin!r} and key {key!r} must both be given")
    return f"FOOTPRINT_{parts[0]}_{parts[1]}"


def setting(plugin: str, key: str, default: str | None = None) -> str | None:
    """A plugin's setting, read from its environment variable (``setting_name``) when the hook runs; ``default``
    when the variable is unset or empty. The value is text: the plugin checks it and raises ``FootprintError``
    naming the variable when it is wrong."""
    value = os.environ.get(setting_name(plugin, key), "")
    return value if value.strip() else default
