"""Every input of an estimate, defined once: the CLI options, ``footprint.estimate()`` keywords, scenario-file keys
and the checks of ``build_spec`` are all derived from ``INPUTS``.

This module imports neither pint nor the plugin layer, so that the CLI can build its options (and ``--help``) from
it without loading a unit registry; its records are plain classes, since generating dataclasses or named tuples
costs milliseconds on every start. Units and bounds are written as the names the parser understands
(``footprint.core.units`` dimension names such as ``"TIME"``) and are resolved only when a value is read.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from footprint.core.precisions import PRECISIONS
from footprint.errors import FootprintError, suggest

# What a value of an input may be.
QUANTITY = "quantity"  # a number, a string with units, a Quantity; a range where allowed
COUNT = "count"  # a positive whole number
FRACTION_OR_POWER = "fraction or power"  # a fraction of TDP (0.8, '80%') or a power ('550 W')
NAME = "name"  # a string: a profile, a path, a region code, a precision, a label


class Bounds:
    """How a quantity input is parsed and checked: its dimension, the unit it is kept in, and its valid range."""

    __slots__ = ("bare_unit", "counts", "dimension", "expected", "inclusive", "maximum", "minimum", "unit")

    def __init__(self, dimension: str, unit: str | None, expected: str, *, bare_unit: str | None = None,
                 minimum: float = 0.0, inclusive: bool = False, maximum: float | None = None,
                 counts: bool = False) -> None:
        self.dimension = dimension  # an attribute of footprint.core.units: TIME, POWER, COUNT, INTENSITY, ...
        self.unit = unit  # the unit the resolved value is expressed in (None: as parsed)
        self.expected = expected  # the end of the out-of-range message: "expected <this>"
        self.bare_unit = bare_unit  # the unit a plain number means ("h" for --hours)
        self.minimum = minimum
        self.inclusive = inclusive  # whether the minimum itself is allowed
        self.maximum = maximum
        self.counts = counts  # a count: a bare number may carry a suffix, '14.8T' (footprint.core.units.COUNT_SUFFIXES)


class Input:
    """One input of an estimate, under the same name in every front door."""

    __slots__ = (
        "bounds",
        "cli_default",
        "default",
        "default_key",
        "default_source",
        "help",
        "metavar",
        "name",
        "range_ok",
        "value",
    )

    def __init__(self, name: str, help: str, value: str = QUANTITY, range_ok: bool = True, metavar: str = "X", *,
                 bounds: Bounds | None = None, default: str = "", default_key: str = "", default_source: str = "",
                 cli_default: str | None = None) -> None:
        self.name = name  # the keyword of footprint.estimate() and the key of a scenario file
        self.help = help  # the CLI help, without the default
        self.value = value  # QUANTITY, COUNT, FRACTION_OR_POWER or NAME
        self.range_ok = range_ok  # whether LOW..HIGH (or [LOW, HIGH] in a scenario file) is allowed
        self.metavar = metavar
        self.bounds = bounds
        self.default = default  # what is used when the input is not given, in words ("" = nothing)
        self.default_key = default_key  # the defaults.toml table whose source backs the default
        self.default_source = default_source  # the source of the default, where it is not in defaults.toml
        self.cli_default = cli_default  # the click default (only --label has one)

    def __repr__(self) -> str:
        return f"Input({self.name!r})"

    @property
    def flag(self) -> str:
        """The CLI option: the name with dashes."""
        return "--" + self.name.replace("_", "-")

    def default_text(self) -> str:
        """'Default: ... (source)' for --help, or '' when the input has no default."""
        if not self.default:
            return ""
        source = self.default_source
        if self.default_key:
            source = str(defaults()[self.default_key]["source"])
        return f"Default: {self.default}" + (f" ({source})" if source else "") + "."

    def help_text(self) -> str:
        return " ".join(part for part in (self.help, self.default_text()) if part)


@functools.cache
def defaults() -> dict[str, Any]:
    """The documented defaults (footprint/data/defaults.toml), each with its source; read when a default or its
    source is needed, so --help of other commands stays lean."""
    from footprint.core.tomlfile import read_toml

    return read_toml(Path(__file__).resolve().parents[1].joinpath("data", "defaults.toml"), "defaults file")


INPUTS: tuple[Input, ...] = (
    Input("profile", "Hardware profile or alias (h800, h100, a100, ...).", NAME, False, "NAME"),
    Input("profile_file", "A profile TOML file to use instead of --profile.", NAME, False, "PATH"),
    Input("gpus", "Number of accelerators, e.g. 2048 or 16k.", COUNT, False, "N"),
    Input("hours", "Wall time in hours (or any time: '54 days').", metavar="H",
          bounds=Bounds("TIME", "h", "a positive time", bare_unit="h")),
    Input("duration", "Wall time as a quantity: '54 days', '80 h'.", metavar="TEXT",
          bounds=Bounds("TIME", "h", "a positive time")),
    Input("gpu_hours", "Total accelerator-hours instead of GPUs x time, e.g. 2.788e6 or 2.788M.",
          bounds=Bounds("TIME", "h", "a positive number of GPU-hours such as 2.788e6 or 2.788M", bare_unit="h",
                        counts=True)),
    Input("gpu_power", "Average draw per GPU: a power ('550 W') or a fraction of TDP (0.8, '80%'), or LOW..HIGH.",
          FRACTION_OR_POWER, default="the profile's measured power where it was calibrated, else TDP x the default "
          "fraction 1.0", default_key="gpu_power_fraction"),
    Input("host_power", "Non-GPU IT power per GPU (CPU, DRAM, NIC, switches), e.g. '150 W'; '0 W' = GPU-only.",
          bounds=Bounds("POWER", "W", "a power of 0 W or more, such as '150 W'", inclusive=True),
          default="the profile's node overhead per GPU, else 0 W",
          default_source="the node figures and their sources in the profile's TOML; 'footprint profiles' shows them"),
    Input("pue", "Data-centre PUE (>= 1), or LOW..HIGH.",
          bounds=Bounds("COUNT", None, "a PUE of at least 1, such as 1.1 or '1.1..1.4'", minimum=1.0, inclusive=True,
                        maximum=10.0),
          default="1.1", default_key="pue"),
    Input("region", "Grid region: ISO-3 country (CHN), province/state (CN-ZJ, US-VA), cloud region (gcp:us-central1) "
          "or 'world'. See 'footprint regions'.", NAME, False, "CODE", default="world", default_key="region"),
    Input("intensity", "Grid carbon intensity, e.g. '582 g/kWh' or '0.385 kg/kWh', or LOW..HIGH.",
          bounds=Bounds("INTENSITY", "gCO2e/kWh", "a carbon intensity of 0 or more, such as '582 g/kWh'", inclusive=True),
          default="the region's intensity", default_source="the grid data of the region's plugin"),
    Input("price", "Price per GPU-hour, e.g. '2 USD/h' or '$2/GPU-h'.",
          bounds=Bounds("PRICE_PER_TIME", "USD/h", "a price per GPU-hour such as '2 USD/h'", inclusive=True)),
    Input("energy_price", "Electricity price, e.g. '0.08 USD/kWh' (added to cost).",
          bounds=Bounds("PRICE_PER_ENERGY", "USD/kWh", "an electricity price such as '0.1 USD/kWh'", inclusive=True)),
    Input("flops", "Compute mode: total training FLOPs, e.g. 3.3e24.",
          bounds=Bounds("COMPUTE", "FLOP", "a positive FLOP count such as 3.3e24", counts=True)),
    Input("params", "Compute mode: parameters (FLOPs = 6 x params x tokens), e.g. 671e9 or 671B.",
          bounds=Bounds("COUNT", None, "a positive parameter count such as 37e9 or 37B", counts=True)),
    Input("active_params", "Compute mode: active parameters per token (MoE), e.g. 37e9 or 37B.",
          bounds=Bounds("COUNT", None, "a positive parameter count such as 37e9 or 37B", counts=True)),
    Input("tokens", "Compute mode: training tokens, e.g. 14.8e12 or 14.8T.",
          bounds=Bounds("COUNT", None, "a positive token count such as 14.8e12 or 14.8T", counts=True)),
    Input("precision", f"Compute mode: the precision of the dense peak, one of {', '.join(PRECISIONS)}.", NAME, False, "P",
          default="bf16",
          default_source="the usual training precision"),
    Input("mfu", "Compute mode: model FLOP utilisation in (0, 1], or LOW..HIGH.",
          bounds=Bounds("COUNT", None, "an MFU in (0, 1], such as 0.4", maximum=1.0)),
    Input("label", "A name for this run in reports.", NAME, False, "TEXT", cli_default=""),
)

BY_NAME: dict[str, Input] = {i.name: i for i in INPUTS}
NAMES: tuple[str, ...] = tuple(BY_NAME)


def check_names(names: Any, where: str, allowed: tuple[str, ...] = NAMES, noun: str = "input") -> None:
    """Raise UnknownInputError for the first name that is not an input, naming the valid ones."""
    for name in names:
        if name not in allowed:
            raise UnknownInputError(f"{where}: unknown {noun} {name!r}{suggest(str(name), allowed)}; "
                                    f"expected the inputs of 'footprint estimate': {', '.join(allowed)}")


class UnknownInputError(FootprintError, TypeError):
    """A keyword or key that is not an input; also a TypeError, as an unknown keyword argument always was."""
