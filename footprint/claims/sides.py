"""The sides of a comparison: a reference ID, a scenario TOML file, a saved result (JSON) or a metered run's log.

Each side keeps what it was given (the published, estimated or measured Footprint) and the facts needed to put
it on another method: GPU-hours, hardware profile, GPU count, FLOPs and precision, and its own grid intensity and
price. ``footprint.claims.compare`` does the putting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from footprint.core.numbers import count_read_back
from footprint.core.profiles import HardwareProfile
from footprint.core.result import JSON_UNITS, Assumption, Footprint, GridUsed
from footprint.core.span import Span
from footprint.errors import FootprintError, suggest
from footprint.estimates.schema import BY_NAME, NAME, NAMES, check_names

# The keys a scenario file may use: exactly the inputs of `footprint estimate` (and of footprint.estimate()).
SCENARIO_KEYS = NAMES


@dataclass(frozen=True)
class Work:
    """What a side computed: FLOPs and tokens, each with where it came from (for ``--basis work``)."""

    flops: Span | None = None  # in FLOP
    tokens: Span | None = None  # a count (dimensionless)
    flops_from: str = ""
    tokens_from: str = ""

    def __bool__(self) -> bool:
        return self.flops is not None or self.tokens is not None


@dataclass(frozen=True)
class Side:
    """One thing being compared, with its own result and the inputs needed to re-estimate it on a common basis."""

    label: str
    kind: str  # "reference", "scenario", "result" or "log"
    origin: str  # the reference id or the file path
    status: str  # reference status, or the Footprint kind ("estimate", "measurement")
    given: Footprint | None  # as published (publisher's method), estimated or measured; None if not computable
    gpu_hours: Span | None
    profile: HardwareProfile | None
    gpus: int | None = None
    flops: Span | None = None
    precision: str | None = None
    intensity: Span | None = None  # the side's own grid intensity (None: the default region)
    price: Span | None = None  # the side's own price per GPU-hour
    energy_price: Span | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    work: Work = field(default_factory=Work)  # its FLOPs and tokens, for --basis work


def load_side(text: str) -> Side:
    """A side from a command-line argument: an existing file (by suffix or content) or a reference ID."""
    from footprint.claims.references import all_references, find_reference

    path = Path(text)
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".toml":
            return scenario_side(path)
        if suffix == ".json":
            return result_side(path)
        return log_or_result_side(path)
    ref = find_reference(text)
    if ref is not None:
        return reference_side(ref)
    ids = [r.id for r in all_references()]
    raise FootprintError(f"{text!r} is neither a reference ID{suggest(text, ids)} nor a file; expected a reference "
                         f"('footprint references' lists them), a scenario .toml, or a saved result .json / run log")


def reference_side(ref: Any) -> Side:
    """A published reference: given = our estimator under the publisher's formula (see footprint.claims.reproduce)."""
    from footprint.claims.plausibility import reference_flops, reference_gpu_hours
    from footprint.claims.reproduce import _factor, publisher_estimate
    from footprint.plugins.catalog import get_profile

    profile = get_profile(ref.profile) if ref.profile else None
    hours = reference_gpu_hours(ref)
    flops = reference_flops(ref)
    given = publisher_estimate(ref)
    own_grid = _factor(ref, None, "intensity") is not None  # else the default region, not the reference's own
    notes = []
    if ref.status != "primary":
        notes.append(f"{ref.id} is a {ref.status}, not a published figure")
    if hours is None:
        notes.append(f"{ref.id} publishes no GPU-hours (only measured energy)")
    return Side(
        label=ref.id, kind="reference", origin=ref.id, status=ref.status, given=given,
        gpu_hours=hours, profile=profile, gpus=ref.value("gpus"), flops=None if flops is None else flops[0],
        precision="bf16" if flops is not None else None,
        intensity=given.input("intensity") if own_grid else None, price=ref.value("price"),
        notes=tuple(notes), work=_reference_work(ref, flops),
    )


def _reference_work(ref: Any, flops: tuple[Span, str] | None) -> Work:
    tokens = ref.value("tokens")
    how = None if flops is None else ("published" if flops[1] == "published" else flops[1])
    return Work(flops=None if flops is None else flops[0], tokens=tokens,
                flops_from=f"{ref.id}: {how}" if how else "", tokens_from=f"{ref.id}: published" if tokens is not None else "")


def read_scenario(path: Path) -> dict[str, Any]:
    """A scenario file's inputs, checked against SCENARIO_KEYS; profile_file is resolved next to the file."""
    from footprint.core.tomlfile import read_toml

    data = read_toml(path, "scenario", "a TOML file with the inputs of 'footprint estimate'")
    check_names(data, f"scenario {str(path)!r}", noun="key")
    for key in data:
        _check_scenario_value(path, key, data[key])
    if "profile_file" in data:
        data["profile_file"] = str((path.parent / str(data["profile_file"])).resolve())
    return data


def _check_scenario_value(path: Path, key: str, value: Any) -> None:
    """Names are strings; every other input is what its option takes: a string, a number, or [LOW, HIGH] where
    the schema allows a range."""
    def plain(v: Any) -> bool:
        return isinstance(v, (str, int, float)) and not isinstance(v, bool)

    i = BY_NAME[key]
    if i.value == NAME:
        ok, expected = isinstance(value, str), "a string"
    elif not i.range_ok:
        ok, expected = plain(value), "a single value such as 8"
    else:
        ok = plain(value) or (isinstance(value, list) and len(value) == 2 and all(plain(v) for v in value))
        expected = "a value such as \"550 W\" or 1.1, or a range such as \"1.1..1.4\" or [1.1, 1.4]"
    if not ok:
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:40] + "..."
        raise FootprintError(f"scenario {str(path)!r}: key {key!r}: {shown} is not {expected}")


def scenario_side(path: Path) -> Side:
    """A scenario TOML file with the same inputs as `footprint estimate` (a measured profile via profile_file)."""
    from footprint.estimates.api import estimate
    from footprint.plugins.catalog import resolve_profile

    data = read_scenario(path)
    label = str(data.pop("label", "") or path.stem)
    try:
        given = estimate(data.pop("profile", None), label=label, **data)
    except FootprintError as exc:
        raise FootprintError(f"scenario {str(path)!r}: {exc}") from None
    profile = resolve_profile(given.profile if not data.get("profile_file") else None, data.get("profile_file"))
    side = _from_footprint(given, label, "scenario", str(path), "estimate", profile)
    tokens = given.input("tokens")
    work = Work(flops=given.flops, tokens=tokens if isinstance(tokens, Span) else None,
                flops_from=f"scenario {path.name}: " + ("flops" if "flops" in data else "6 x parameters x tokens") if given.flops else "",
                tokens_from=f"scenario {path.name}: tokens" if isinstance(tokens, Span) else "")
    return replace(side, work=work)


def _own(fp: Footprint, name: str) -> Span | None:
    value = fp.input(name)
    return value if isinstance(value, Span) else None


def _from_footprint(fp: Footprint, label: str, kind: str, origin: str, status: str, profile: HardwareProfile | None,
                    notes: tuple[str, ...] = ()) -> Side:
    # the side's facts come from the inputs the Footprint was computed from, never from its printed assumptions
    precision = fp.input("precision")
    chosen = fp.assumption("intensity")
    defaulted = chosen is not None and chosen.origin == "default"  # the default region: not the side's own grid
    return Side(
        label=label, kind=kind, origin=origin, status=status, given=fp, gpu_hours=fp.gpu_hours, profile=profile,
        gpus=fp.gpus, flops=fp.flops, precision=None if precision is None else str(precision),
        intensity=None if defaulted else _own(fp, "intensity"), price=_own(fp, "price"),
        energy_price=_own(fp, "energy_price"), notes=notes,
    )


def span_from_json(value: Any, what: str) -> Span:
    """A Span from {"magnitude", "units"[, "low", "high"]} (the JSON that Footprint.as_json writes)."""
    import math

    from footprint.core.units import Q, UnreadableValueError, read_unit

    if not isinstance(value, dict) or "magnitude" not in value:
        raise FootprintError(f"{what}: expected {{\"magnitude\": x, \"units\": \"...\"}}, got {value!r}")
    try:
        units = read_unit(str(value.get("units", "")))  # the strict reader: pint never evaluates file text
        numbers = [value["magnitude"]] + ([value["low"], value["high"]] if "low" in value and "high" in value else [])
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in numbers):
            raise FootprintError(f"{what}: {numbers!r} are not all finite numbers")
        central = Q(float(value["magnitude"]), units)
        if len(numbers) == 3:
            return Span(central, Q(float(value["low"]), units), Q(float(value["high"]), units))
        return Span(central)
    except FootprintError:
        raise
    except UnreadableValueError as why:
        raise FootprintError(f"{what}: cannot read {value!r}: {why}") from None


def footprint_from_json(data: Any, origin: str) -> Footprint:
    """Rebuild a Footprint from the object `estimate --json` / `run --json` print."""
    if not isinstance(data, dict) or "energy" not in data or "gpu_hours" not in data:
        raise FootprintError(f"{origin}: not a footprint result; expected the JSON object that 'footprint estimate --json' "
                             "or 'footprint run --json' prints (with energy and gpu_hours)")
    spans = {key: span_from_json(data[key], f"{origin}: {key}").to(units)
             for key, units in JSON_UNITS.items() if data.get(key) is not None}
    from footprint.core.units import Q

    zero_kwh = Span(Q(0.0, "kWh"))
    assumptions = []
    for a in data.get("assumptions", []):
        value = a.get("value")
        value = span_from_json(value, f"{origin}: assumption {a.get('name')}") if isinstance(value, dict) else str(value)
        assumptions.append(Assumption(str(a.get("name")), value, str(a.get("origin", "")), str(a.get("source", ""))))
    mfu = data.get("implied_mfu")
    return Footprint(
        inputs=_inputs_from_json(data, assumptions, origin),
        kind=str(data.get("kind", "estimate")), gpu_hours=spans["gpu_hours"],
        energy_gpu=spans.get("energy_gpu", zero_kwh), energy_host=spans.get("energy_host", zero_kwh),
        energy_overhead=spans.get("energy_overhead", zero_kwh), energy=spans["energy"],
        emissions=spans.get("emissions", Span(Q(0.0, "kgCO2e"))), assumptions=tuple(assumptions), cost=spans.get("cost"),
        cost_gpu_rental=spans.get("cost_gpu_rental"), cost_electricity=spans.get("cost_electricity"),
        gpus=data.get("gpus"), duration=spans.get("duration"), profile=data.get("profile"), flops=spans.get("flops"),
        implied_mfu=None if mfu is None else span_from_json(mfu, f"{origin}: implied_mfu"),
        energy_cpu=spans.get("energy_cpu"), energy_ram=spans.get("energy_ram"), label=str(data.get("label") or ""),
        details=dict(data.get("details") or {}), grid=_grid_of(assumptions), device_kind=_device_kind(data.get("profile")),
    )


def _device_kind(profile_id: Any) -> str:
    from footprint.plugins.catalog import device_kind_of

    return device_kind_of(str(profile_id) if profile_id else None)


def _grid_of(assumptions: list[Assumption]) -> GridUsed | None:
    """The grid factor a saved result rests on: its intensity, and where a region's data gave it, the region and the
    gases that region's factor counts (a saved result names the region; the gases come from its data now)."""
    by_name = {a.name: a for a in assumptions}
    intensity, region = by_name.get("intensity"), by_name.get("region")
    if intensity is None or not isinstance(intensity.value, Span):
        return None
    if region is None or intensity.origin == "user":
        return GridUsed(intensity.value)
    from footprint.plugins.grid import lookup

    try:
        return GridUsed(intensity.value, lookup(str(region.value)).gases, str(region.value))
    except FootprintError:
        return GridUsed(intensity.value, region=str(region.value))


def _inputs_from_json(data: dict[str, Any], assumptions: list[Assumption], origin: str) -> dict[str, Any]:
    """The "inputs" object of a saved result; a result saved without one has its inputs in its assumptions."""
    raw = data.get("inputs")
    if not isinstance(raw, dict):
        # profile and gpus are shown as text there ("H800 (h800)", "2,048"); the result's own keys hold them
        return {a.name: a.value for a in assumptions if a.name in BY_NAME and a.name not in ("profile", "gpus")}
    inputs: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in BY_NAME:
            continue  # an input of a later version: not one this version can use
        if isinstance(value, dict):
            inputs[name] = span_from_json(value, f"{origin}: input {name}")
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            inputs[name] = value
        else:
            raise FootprintError(f"{origin}: input {name}: {value!r} is not a quantity, a whole number or a string")
    return inputs


def _profile_by_id(profile_id: str | None, gpus: int | None = None) -> tuple[HardwareProfile | None, tuple[str, ...]]:
    from footprint.plugins.catalog import get_profile

    if not profile_id:
        # a run that metered no GPU has no GPU profile to name: the CPU-only note says what that means
        return None, () if gpus == 0 else ("names no hardware profile",)
    try:
        return get_profile(profile_id), ()
    except FootprintError:
        return None, (f"its profile {profile_id!r} is not registered here",)


def result_side(path: Path, data: Any = None) -> Side:
    """A saved result: the JSON of `footprint estimate --json` or `footprint run --json`."""
    if data is None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FootprintError(f"{str(path)!r} is not a readable JSON result: {exc}") from None
    fp = footprint_from_json(data, str(path))
    profile, notes = _profile_by_id(fp.profile, fp.gpus)
    side = _from_footprint(fp, fp.label or path.stem, "result", str(path), fp.kind, profile, notes)
    return replace(side, work=work_of(fp, data.get("work"), str(path)))


def work_of(fp: Footprint, raw: Any, origin: str) -> Work:
    """A saved result's work: the "work" object a metered run writes (what its code reported through
    footprint.progress), else the FLOPs and tokens an estimate was computed from."""

    from footprint.core.units import Q

    if raw is None and fp.kind == "measurement":
        raw = (fp.work or {}).get("work")  # a log rebuilt by footprint report carries its work records
    if raw is not None:
        if not isinstance(raw, dict):
            raise FootprintError(f"{origin}: work: expected an object such as {{\"flops\": 1.2e15, \"tokens\": 4096}}, got {raw!r}")
        numbers = {}
        for key in ("flops", "tokens"):
            value = raw.get(key)
            if value is None:
                continue
            count = count_read_back(value)
            if count is None:
                raise FootprintError(f"{origin}: work: {key} {value!r} is not a finite count of at least 0")
            numbers[key] = count
        told = "reported by the run (footprint.progress)"
        flops = numbers.get("flops")
        tokens = numbers.get("tokens")
        return Work(flops=None if not flops else Span(Q(flops, "FLOP")), tokens=Span(Q(tokens, "")) if tokens else None,
                    flops_from=told if flops else "", tokens_from=told if numbers.get("tokens") else "")
    tokens = fp.input("tokens")
    return Work(flops=fp.flops, tokens=tokens if isinstance(tokens, Span) else None,
                flops_from=f"{origin}: FLOPs of the estimate" if fp.flops is not None else "",
                tokens_from=f"{origin}: tokens of the estimate" if isinstance(tokens, Span) else "")


def log_or_result_side(path: Path) -> Side:
    """A file without a telling suffix: one JSON object is a saved result; anything else is read as a run log."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    except OSError as exc:
        raise FootprintError(f"cannot read {str(path)!r}: {exc}") from None
    if isinstance(data, dict):
        return result_side(path, data)
    return log_side(path)


def log_side(path: Path) -> Side:
    """A metered run's log (finished or cut short), rebuilt into the same Footprint 'footprint report' gives."""
    from footprint.meter.from_log import footprint_from_log

    fp = footprint_from_log(path)
    profile, notes = _profile_by_id(fp.profile, fp.gpus)
    side = _from_footprint(fp, fp.label or path.stem, "log", str(path), fp.kind, profile, notes)
    return replace(side, work=work_of(fp, None, str(path)))
