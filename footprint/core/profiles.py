"""HardwareProfile: an accelerator's sourced figures, and the strict loader for profile TOML files."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from footprint.core.precisions import PRECISIONS
from footprint.errors import FootprintError, suggest

if TYPE_CHECKING:
    import pint


_TOP_KEYS = {
    "schema", "id", "name", "aliases", "vendor", "device_kind", "year", "form_factor", "nvml_names", "device_names", "notes", "sources",
    "tdp", "idle_power", "memory", "memory_bandwidth", "peak", "node", "host_power", "interconnect", "measured",
}
DEVICE_KINDS = ("gpu", "accelerator")  # a profile's device_kind: what reports call the device
_MEASURED_KEYS = {"throughput", "power", "source", "note", "date", "gpu_name", "driver"}
_SOURCED_KEYS = {"value", "source", "note"}
_NODE_KEYS = {"name", "gpus_per_node", "max_power", "source", "note", "training_power"}

# Sanity bounds that catch typos (a kW for a W, a sparse PFLOP for a dense TFLOP); not physics.
_BOUNDS: dict[str, tuple[str, float, float]] = {
    "tdp": ("W", 1, 5000),
    "idle_power": ("W", 0, 2000),
    "memory": ("GB", 0.1, 10000),
    "memory_bandwidth": ("GB/s", 1, 1e5),
    "host_power": ("W", 0, 5000),
    "peak": ("TFLOP/s", 0.01, 1e5),
    "node.max_power": ("W", 1, 1e6),
}


@dataclass(frozen=True)
class Sourced:
    """A Quantity with the source it came from (and an optional note, e.g. 'sparse figure halved')."""

    value: pint.Quantity
    source: str
    note: str = ""


@dataclass(frozen=True)
class NodeInfo:
    """The server the accelerator usually ships in."""

    name: str
    gpus_per_node: int
    max_power: Sourced | None
    training_power: Sourced | None = None  # the node's maximum measured draw while training


@dataclass(frozen=True)
class Measured:
    """What `footprint calibrate` measured at one precision: achieved FLOP/s and average board power."""

    throughput: pint.Quantity
    power: pint.Quantity
    source: str
    note: str = ""

    @property
    def energy_per_flop(self) -> pint.Quantity:
        return (self.power / self.throughput).to("pJ/FLOP")


@dataclass(frozen=True)
class HardwareProfile:
    """An accelerator: TDP, memory, dense peak throughput per precision, its usual node, each figure sourced."""

    id: str
    name: str
    tdp: Sourced | None  # None: the vendor publishes no power figure (tdp_unknown says so), so power must be given
    aliases: tuple[str, ...] = ()
    vendor: str = ""
    year: int | None = None
    idle_power: Sourced | None = None
    memory: Sourced | None = None
    memory_bandwidth: Sourced | None = None
    peaks: dict[str, Sourced] = field(default_factory=dict)
    node: NodeInfo | None = None
    host_power_figure: Sourced | None = None
    nvml_names: tuple[str, ...] = ()
    device_names: tuple[str, ...] = ()  # names any vendor's meter reports for this device (channel info "name")
    interconnect: str = ""
    notes: str = ""
    path: str = ""
    plugin: str = ""
    measured: dict[str, Measured] = field(default_factory=dict)
    tdp_unknown: str = ""  # why no TDP is given, with its source
    device_kind: str = "gpu"  # "gpu", or "accelerator" for a TPU or another device that is not a GPU: the word reports use

    @property
    def names(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)

    def peak(self, precision: str) -> Sourced:
        """Dense peak at `precision`, or FootprintError naming the precisions this accelerator has."""
        p = precision.lower()
        if p not in PRECISIONS:
            raise FootprintError(f"precision {precision!r} is unknown; expected one of {', '.join(PRECISIONS)}")
        if p not in self.peaks:
            have = ", ".join(k for k in PRECISIONS if k in self.peaks) or "none"
            raise FootprintError(f"profile {self.id!r} has no {p} throughput (it supports: {have})")
        return self.peaks[p]

    def host_power_measured(self) -> Sourced | None:
        """Non-GPU power per GPU such that GPUs at TDP plus it equal the node's maximum measured draw (the split between
        GPUs and host is footprint's assumption: the measurement is of the whole node)."""
        if "_host_power_measured" not in self.__dict__:  # derived once per profile, as host_power()
            object.__setattr__(self, "_host_power_measured", self._derive_host_power_measured())
        return self.__dict__["_host_power_measured"]

    def _derive_host_power_measured(self) -> Sourced | None:
        if self.node is None or self.node.training_power is None or self.tdp is None:
            return None
        n = self.node.gpus_per_node
        measured = self.node.training_power
        per_gpu = self._overhead_per_gpu(measured.value)
        if per_gpu is None:
            return None
        return Sourced(
            per_gpu.to("W"),
            f"derived: ({self.node.name} maximum measured draw {measured.value:~P} - {n} x TDP) / {n}, footprint's split "
            f"of the node's draw between GPUs and host; measurement from {measured.source}",
            measured.note or "at TDP the node totals its maximum measured draw",
        )

    def _overhead_per_gpu(self, node_power: Any) -> Any:
        """Node power less its GPUs at TDP, per GPU; None when the GPUs alone reach the node figure."""
        assert self.node is not None and self.tdp is not None
        n = self.node.gpus_per_node
        per_gpu = (node_power - n * self.tdp.value) / n
        return per_gpu if per_gpu.magnitude > 0 else None

    def host_power(self) -> Sourced | None:
        """Non-GPU IT power per GPU: the profile's own figure, else the node's nameplate overhead per GPU."""
        # derived once per profile (a fifth of an estimate's time otherwise): sweeps call estimate() thousands of times
        if "_host_power" not in self.__dict__:
            object.__setattr__(self, "_host_power", self._derive_host_power())
        return self.__dict__["_host_power"]

    def _derive_host_power(self) -> Sourced | None:
        if self.host_power_figure is not None:
            return self.host_power_figure
        if self.node is None or self.node.max_power is None or self.tdp is None:
            return None
        n = self.node.gpus_per_node
        per_gpu = self._overhead_per_gpu(self.node.max_power.value)
        if per_gpu is None:
            return None
        return Sourced(
            per_gpu.to("W"),
            f"derived: ({self.node.name} max {self.node.max_power.value:~P} - {n} x TDP) / {n}; "
            f"node figure from {self.node.max_power.source}",
            "nameplate upper bound for CPUs, DRAM, NICs, switches, fans and PSU loss",
        )

    def with_plugin(self, plugin: str) -> HardwareProfile:
        return replace(self, plugin=plugin)


@functools.cache
def _factor(unit: Any, units: str) -> float:
    """The multiplier from ``unit`` to ``units`` (both plain multiplicative units, as profile values are)."""
    from footprint.core.units import Q

    return float(Q(1, unit).to(units).magnitude)


class _ProfileReader:
    """Validates one profile mapping, naming the file and key in every error."""

    def __init__(self, data: dict[str, Any], origin: str) -> None:
        self.data = data
        self.origin = origin
        raw_sources = data.get("sources", {})
        if not isinstance(raw_sources, dict) or not all(isinstance(v, str) for v in raw_sources.values()):
            self.fail("sources", "expected a table of KEY = \"source text\"")
        self.sources: dict[str, str] = raw_sources

    def fail(self, key: str, message: str) -> None:
        raise FootprintError(f"{self.origin}: key {key!r}: {message}")

    def check_keys(self, table: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                self.fail(f"{where}{key}", f"unknown key{suggest(key, allowed)}; expected one of {', '.join(sorted(allowed))}")

    def source(self, key: str, text: Any) -> str:
        if not isinstance(text, str) or not text.strip():
            self.fail(key, "missing source: every figure needs a 'source' (a key of [sources] or the citation itself)")
        return self.sources.get(text, text)

    def quantity(self, key: str, text: Any, units: str) -> pint.Quantity:
        """A figure written as '<number> <unit>': read by footprint's strict reader, never evaluated by pint."""
        from footprint.core.units import UnreadableValueError, quantity_from_text, registry

        if not isinstance(text, str):
            self.fail(key, f"value {text!r} must be a string with a unit, such as '1 {units}'")
        try:
            q = quantity_from_text(text)
        except UnreadableValueError as why:
            shown = text if len(text) <= 60 else text[:40] + "..."
            reason = f": {why}" if str(why) else ""
            self.fail(key, f"value {shown!r} cannot be read{reason}; expected a number and a unit convertible to {units}")
        if not isinstance(q, registry().Quantity):
            self.fail(key, f"value {text!r} has no unit; expected a unit convertible to {units}")
        if q.dimensionality != registry().get_dimensionality(units):
            self.fail(key, f"value {text!r} is not in a unit convertible to {units}")
        return q

    def sourced(self, key: str, raw: Any, bounds_key: str) -> Sourced:
        if not isinstance(raw, dict):
            self.fail(key, "expected a table with 'value' and 'source'")
        self.check_keys(raw, _SOURCED_KEYS, f"{key}.")
        if "value" not in raw:
            self.fail(key, "missing 'value'")
        units, low, high = _BOUNDS[bounds_key]
        q = self.quantity(key, raw["value"], units)
        mag = q.magnitude * _factor(q.units, units)
        if not (low <= mag <= high):
            self.fail(key, f"value {raw['value']!r} is outside the plausible range {low:g}..{high:g} {units}")
        note = raw.get("note", "")
        if not isinstance(note, str):
            self.fail(f"{key}.note", "expected a string")
        return Sourced(q, self.source(key, raw.get("source")), note)

    def string(self, key: str, required: bool = False) -> str:
        value = self.data.get(key, "")
        if required and not value:
            self.fail(key, "missing")
        if not isinstance(value, str):
            self.fail(key, f"expected a string, got {value!r}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(key, "expected a list of strings")
        return tuple(value)

    def profile(self) -> HardwareProfile:
        d = self.data
        self.check_keys(d, _TOP_KEYS, "")
        if d.get("schema", 1) != 1:
            self.fail("schema", f"unsupported schema {d.get('schema')!r}; expected 1")
        pid = self.string("id", required=True)
        if pid != pid.lower() or " " in pid:
            self.fail("id", f"{pid!r} must be lower-case with no spaces, such as 'h100-sxm'")
        if "tdp" not in d:
            self.fail("tdp", "missing: every profile needs a sourced TDP, or value = \"unknown\" with the source that says so")
        tdp: Sourced | None = None
        tdp_unknown = ""
        raw_tdp = d["tdp"]
        if isinstance(raw_tdp, dict) and raw_tdp.get("value") == "unknown":
            # no published power: the source must say so, and estimates then need --gpu-power as a power
            self.check_keys(raw_tdp, _SOURCED_KEYS, "tdp.")
            tdp_unknown = self.source("tdp", raw_tdp.get("source")) + (f" ({raw_tdp['note']})" if raw_tdp.get("note") else "")
        else:
            tdp = self.sourced("tdp", raw_tdp, "tdp")
        optional = {k: self.sourced(k, d[k], k) for k in ("idle_power", "memory", "memory_bandwidth", "host_power") if k in d}
        if "idle_power" in optional and tdp is not None and optional["idle_power"].value > tdp.value:
            self.fail("idle_power", "is above the TDP")
        peaks_raw = d.get("peak", {})
        if not isinstance(peaks_raw, dict):
            self.fail("peak", "expected a table of precision = {value, source}")
        self.check_keys(peaks_raw, set(PRECISIONS), "peak.")
        peaks = {p: self.sourced(f"peak.{p}", raw, "peak") for p, raw in peaks_raw.items()}
        node = None
        if "node" in d:
            raw = d["node"]
            if not isinstance(raw, dict):
                self.fail("node", "expected a table")
            self.check_keys(raw, _NODE_KEYS, "node.")
            n = raw.get("gpus_per_node")
            if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 1024:
                self.fail("node.gpus_per_node", f"{n!r} is not a whole number of GPUs from 1 to 1024")
            max_power = None
            if "max_power" in raw:
                q = self.quantity("node.max_power", raw["max_power"], "W")
                lo, hi = _BOUNDS["node.max_power"][1:]
                if not lo <= q.to("W").magnitude <= hi:
                    self.fail("node.max_power", f"value {raw['max_power']!r} is implausible")
                max_power = Sourced(q, self.source("node.source", raw.get("source")), raw.get("note", ""))
            training = None
            if "training_power" in raw:
                training = self.sourced("node.training_power", raw["training_power"], "node.max_power")
            node = NodeInfo(raw.get("name", "node"), n, max_power, training)
        measured = self.measured(d.get("measured", {}))
        year = d.get("year")
        if year is not None and not isinstance(year, int):
            self.fail("year", f"{year!r} is not a year")
        device_kind = self.string("device_kind") or "gpu"
        if device_kind not in DEVICE_KINDS:
            self.fail("device_kind", f"{device_kind!r}, expected one of {', '.join(map(repr, DEVICE_KINDS))}")
        return HardwareProfile(
            id=pid,
            device_kind=device_kind,
            name=self.string("name", required=True),
            tdp=tdp,
            tdp_unknown=tdp_unknown,
            aliases=tuple(a.lower() for a in self.strings("aliases")),
            vendor=self.string("vendor"),
            year=year,
            idle_power=optional.get("idle_power"),
            memory=optional.get("memory"),
            memory_bandwidth=optional.get("memory_bandwidth"),
            peaks=peaks,
            node=node,
            host_power_figure=optional.get("host_power"),
            nvml_names=self.strings("nvml_names"),
            device_names=self.strings("device_names"),
            interconnect=self.string("interconnect"),
            notes=self.string("notes"),
            path=self.origin,
            measured=measured,
        )

    def measured(self, raw: Any) -> dict[str, Measured]:
        if not isinstance(raw, dict):
            self.fail("measured", "expected tables [measured.<precision>] with throughput, power and source")
        self.check_keys(raw, set(PRECISIONS), "measured.")
        out: dict[str, Measured] = {}
        for precision, table in raw.items():
            key = f"measured.{precision}"
            if not isinstance(table, dict):
                self.fail(key, "expected a table with throughput, power and source")
            self.check_keys(table, _MEASURED_KEYS, f"{key}.")
            for needed in ("throughput", "power"):
                if needed not in table:
                    self.fail(f"{key}.{needed}", "missing")
            throughput = self.quantity(f"{key}.throughput", table["throughput"], "TFLOP/s")
            power = self.quantity(f"{key}.power", table["power"], "W")
            if throughput.to("TFLOP/s").magnitude <= 0 or power.to("W").magnitude <= 0:
                self.fail(key, "throughput and power must be positive")
            extra = ", ".join(f"{k} {table[k]}" for k in ("gpu_name", "driver", "date") if k in table)
            source = self.source(f"{key}.source", table.get("source"))
            out[precision] = Measured(throughput, power, f"{source} ({extra})" if extra else source, str(table.get("note", "")))
        return out


def profile_from_dict(data: dict[str, Any], origin: str = "<profile>") -> HardwareProfile:
    """Build a validated profile from a mapping with the TOML file's layout (see docs/profiles.md)."""
    if not isinstance(data, dict):
        raise FootprintError(f"{origin}: expected a table")
    return _ProfileReader(data, origin).profile()


def load_profile_file(path: str | Path) -> HardwareProfile:
    """Load and validate one profile TOML file; errors name the file and the key."""
    from footprint.core.tomlfile import read_toml

    data = read_toml(path, "profile file", "a path to a .toml profile")
    return profile_from_dict(data, str(path))


def load_profile_dir(directory: str | Path) -> list[HardwareProfile]:
    """Load every *.toml profile in a directory (sorted, so the order is stable)."""
    return [load_profile_file(p) for p in sorted(Path(directory).glob("*.toml"))]
