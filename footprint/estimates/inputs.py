"""Turns user inputs (strings, numbers or Quantities) into a RunSpec plus the assumptions behind it.

This is the edge where names become data: profiles and regions are looked up through the plugins, defaults
are read from footprint/data/defaults.toml, and every value used is recorded with its origin and source.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from footprint.core import units as u
from footprint.core.estimator import RunSpec
from footprint.core.precisions import PRECISIONS
from footprint.core.result import Assumption, GridUsed
from footprint.core.span import Span, parse_span
from footprint.errors import FootprintError
from footprint.estimates.schema import BY_NAME, NAMES, check_names, defaults

if TYPE_CHECKING:
    from footprint.core.profiles import HardwareProfile

# build_spec takes a resolved HardwareProfile in place of the names that pick one
SPEC_INPUTS = tuple(n for n in NAMES if n not in ("profile", "profile_file"))


def read_quantity(name: str, value: Any, what: str | None = None) -> Span:
    """Parse and check the quantity input `name` by its schema bounds; errors name `what` (default: its flag)."""
    i = BY_NAME[name]
    b = i.bounds
    assert b is not None, f"{name} is not a quantity input"
    what = what or i.flag
    span = parse_span(value, _kind(name), what, bare_unit=b.bare_unit, counts=b.counts)
    if b.unit is not None:
        span = span.to(b.unit)
    return _check(span, what, minimum=b.minimum, inclusive=b.inclusive, maximum=b.maximum, expected=b.expected,
                  given=value)


@functools.cache
def _kind(name: str) -> u.Kind:
    """The unit kind of input `name`, worded as the input: an unreadable --pue expects 'a PUE of at least 1, such as
    1.1', not just 'a number'; a count names its suffixes."""
    b = BY_NAME[name].bounds
    assert b is not None
    kind = getattr(u, b.dimension)
    subject, such_as, example = b.expected.partition(" such as ")
    if such_as:
        kind = replace(kind, name=subject, example=example)
    if b.counts:
        kind = replace(kind, hint=f"counts take the suffixes {u.COUNT_SUFFIX_TEXT} on a bare number")
    return kind


def _check(span: Span, what: str, *, minimum: float = 0.0, inclusive: bool = False, maximum: float | None = None,
           expected: str = "a positive value", given: Any = None) -> Span:
    for q in (span.lo, span.hi):
        # a dimensionless value is checked as a plain number: '5 %' is 0.05, not 5
        m = float(q.to("").magnitude) if q.dimensionless else float(q.magnitude)
        bad = m < minimum if inclusive else m <= minimum
        if bad or (maximum is not None and m > maximum):
            shown = f"{q:~P}"
            if q.dimensionless and isinstance(given, str) and any(c.isalpha() or c == "%" for c in given):
                shown = f"{given!r} (= {m:g})"  # name what was typed, and the plain number it was checked as
            raise FootprintError(f"{what}: {shown} is out of range; expected {expected}")
    return span


MAX_COUNT = 10**9  # accelerators in one run; the largest announced clusters hold a few hundred thousand


def parse_count(value: Any, what: str) -> int:
    """A positive whole number (GPUs), at most MAX_COUNT; '16k' is 16,000 (see units.COUNT_SUFFIXES)."""
    expected = f"expected a whole number from 1 to {MAX_COUNT:,}, such as 2048 or 16k"
    if isinstance(value, bool):
        raise FootprintError(f"{what}: {value!r} is not a positive whole number; {expected}")
    if isinstance(value, int):
        n = value
    elif isinstance(value, (str, float)):
        text = str(value).strip().replace("_", "").replace(",", "")
        if len(text) > u.MAX_TEXT or not text.isascii():
            raise FootprintError(f"{what}: {_short(value)!r} is not a positive whole number; {expected}")
        try:
            n = int(text)
        except ValueError:
            try:
                scaled = u.read_count_suffix(text)
            except u.UnreadableValueError:
                raise FootprintError(f"{what}: {_short(value)!r} is out of range; {expected}") from None
            try:
                f = float(text) if scaled is None else scaled
            except ValueError:
                raise FootprintError(f"{what}: {value!r} is not a positive whole number; {expected}") from None
            if not f.is_integer():
                raise FootprintError(f"{what}: {value!r} is not a positive whole number; {expected}") from None
            n = int(f)
    else:
        raise FootprintError(f"{what}: {value!r} is not a positive whole number; {expected}")
    if not 1 <= n <= MAX_COUNT:
        raise FootprintError(f"{what}: {_short(value)!r} is out of range; {expected}")
    return n


def _short(value: Any) -> Any:
    text = str(value)
    return text if len(text) <= 60 else text[:40] + f"... ({len(text):,} characters)"


# a power, worded for a value that may also have been a fraction: "expected a fraction of TDP ..., or a power ..."
_FRACTION_OR_POWER = replace(u.POWER, name="a fraction of TDP such as 0.8 or '80%', or a power")


def parse_fraction_or_power(value: Any, what: str) -> tuple[str, Span]:
    """('fraction', dimensionless span) for 0.8 / '80%' / '0.6..0.9', or ('power', span in W) for '550 W'."""
    try:
        span = parse_span(value, u.COUNT, what)
        kind = "fraction"
    except FootprintError:
        span = parse_span(value, _FRACTION_OR_POWER, what)
        kind = "power"
    if kind == "fraction":
        _check(span, what, maximum=1.0, expected="a fraction of TDP in (0, 1] such as 0.8 or '80%', or a power such as '550 W'",
               given=value)
    else:
        _check(span.to("W"), what, expected="a positive power such as '550 W'")
    return kind, span


def build_spec(*, profile: HardwareProfile | None = None, **inputs: Any) -> tuple[RunSpec, tuple[Assumption, ...]]:
    """Validate and resolve every input; raise FootprintError (one line, naming the value) on bad input.

    `inputs` are the schema's inputs (footprint.estimates.schema) but the profile, which comes resolved. Every
    value used, given or defaulted, is kept on the RunSpec as `inputs` (name -> Span, int or str). Each step below
    appends the assumptions behind its values to `notes`, in the order the report lists them.
    """
    check_names(inputs, "build_spec()", SPEC_INPUTS)
    given = {k: v for k, v in inputs.items() if v is not None}
    label = str(inputs.get("label") or "")
    notes: list[Assumption] = []
    resolved: dict[str, Any] = {}
    n_gpus = _profile_and_gpus(profile, given.get("gpus"), notes, resolved)
    wall, total_hours = _run_length(given.get("hours"), given.get("duration"), given.get("gpu_hours"), notes, resolved)
    total_flops, peak, mfu_span, chosen_precision = _compute_inputs(
        profile, given.get("flops"), given.get("params"), given.get("active_params"), given.get("tokens"),
        given.get("precision"), given.get("mfu"), notes, timed=wall is not None or total_hours is not None,
        resolved=resolved)
    power = _gpu_power(profile, given.get("gpu_power"), chosen_precision, notes)
    host = _host_power(profile, given.get("host_power"), notes)
    resolved["gpu_power"] = power
    resolved["host_power"] = host
    site = resolve_site(pue=given.get("pue"), region=given.get("region"), intensity=given.get("intensity"),
                        price=given.get("price"), energy_price=given.get("energy_price"), notes=notes, resolved=resolved)
    if label:
        resolved["label"] = label

    spec = RunSpec(
        gpu_power=power, host_power=host, pue=site.pue, intensity=site.intensity, gpus=n_gpus, duration=wall,
        gpu_hours=total_hours, flops=total_flops, peak=peak, mfu=mfu_span, price=site.price,
        energy_price=site.energy_price, profile=profile.id if profile is not None else None, label=label,
        inputs=resolved, grid=site.grid, device_kind=profile.device_kind if profile is not None else "gpu",
    )
    return spec, tuple(notes)


def _profile_and_gpus(profile: HardwareProfile | None, gpus: Any, notes: list[Assumption],
                      resolved: dict[str, Any]) -> int | None:
    """Record the resolved profile; read --gpus."""
    if profile is not None:
        notes.append(Assumption("profile", f"{profile.name} ({profile.id})", "profile",
                                f"from {profile.path or 'plugin'} via plugin {profile.plugin!r}"))
        resolved["profile"] = profile.id
    n_gpus = parse_count(gpus, "--gpus") if gpus is not None else None
    if n_gpus is not None:
        notes.append(Assumption("gpus", f"{n_gpus:,}", "user"))
        resolved["gpus"] = n_gpus
    return n_gpus


def _run_length(hours: Any, duration: Any, gpu_hours: Any, notes: list[Assumption],
                 resolved: dict[str, Any]) -> tuple[Span | None, Span | None]:
    """The wall time (--hours or --duration) and the GPU-hours, at most one of the two given."""
    if hours is not None and duration is not None:
        raise FootprintError("give either --hours or --duration, not both")
    wall = None
    if hours is not None:
        wall = read_quantity("hours", hours)
    elif duration is not None:
        wall = read_quantity("duration", duration)
    if wall is not None and gpu_hours is not None:
        raise FootprintError("give either --hours/--duration or --gpu-hours, not both")
    total_hours = None
    if gpu_hours is not None:
        total_hours = read_quantity("gpu_hours", gpu_hours)
        notes.append(Assumption("gpu_hours", total_hours, "user"))
        resolved["gpu_hours"] = total_hours
    if wall is not None:
        notes.append(Assumption("duration", wall, "user"))
        resolved["duration"] = wall
    return wall, total_hours


def _gpu_power(profile: HardwareProfile | None, gpu_power: Any, precision: str | None, notes: list[Assumption]) -> Span:
    """The board power: given (a power, or a fraction of TDP), else measured while calibrating at `precision`,
    else the default fraction of TDP."""
    d = defaults()
    tdp = profile.tdp if profile is not None else None
    if profile is not None and tdp is None and (gpu_power is None or parse_fraction_or_power(gpu_power, "--gpu-power")[0] == "fraction"):
        raise FootprintError(f"profile {profile.id!r} has no TDP ({profile.tdp_unknown or 'no power figure is published'}); "
                             "give --gpu-power as a power such as '170 W'")
    measured = profile.measured.get(precision) if profile is not None and precision else None
    if gpu_power is None and measured is not None:
        power = Span(measured.power.to("W"))
        notes.append(Assumption("gpu_power", power, "measured", f"average board power while calibrating; {measured.source}"))
    elif gpu_power is None:
        if tdp is None:
            raise FootprintError("no GPU power: give --profile NAME, or --gpu-power as a power such as '550 W'")
        fraction = Span(u.Q(float(d["gpu_power_fraction"]["value"]), ""))
        power = (Span(tdp.value) * fraction).to("W")
        notes.append(Assumption("gpu_power", power, "default",
                                f"{fraction.central.magnitude:.0%} of TDP {tdp.value:~P} ({tdp.source}); {d['gpu_power_fraction']['source']}"))
    else:
        kind, span = parse_fraction_or_power(gpu_power, "--gpu-power")
        if kind == "fraction":
            if tdp is None:
                raise FootprintError(f"--gpu-power: {gpu_power!r} is a fraction of TDP and needs --profile NAME; or give a power such as '550 W'")
            power = (Span(tdp.value) * span).to("W")
            notes.append(Assumption("gpu_power", power, "user", f"{_pct(span)} of TDP {tdp.value:~P} ({tdp.source})"))
        else:
            power = span.to("W")
            if tdp is not None and power.hi > tdp.value:
                # refused like a fraction above 1: a board cannot average more than its power limit
                raise FootprintError(f"--gpu-power: {gpu_power!r} is above the TDP {tdp.value:~P} of {profile.id if profile else 'the profile'}; "
                                     f"expected at most the TDP (a fraction of TDP in (0, 1], or a power up to {tdp.value:~P})")
            notes.append(Assumption("gpu_power", power, "user"))
    return power


def _host_power(profile: HardwareProfile | None, host_power: Any, notes: list[Assumption]) -> Span:
    """The non-GPU IT power of a node: given, else the profile's node figure, else 0 W (said so)."""
    if host_power is not None:
        host = read_quantity("host_power", host_power)
        notes.append(Assumption("host_power", host, "user"))
        return host
    figure = profile.host_power() if profile is not None else None
    if figure is None:
        host = Span(u.Q(0.0, "W"))
        why = "profile has no node data" if profile is not None else "no profile given"
        notes.append(Assumption("host_power", host, "default", f"{why}: non-GPU IT power not counted; pass --host-power"))
        return host
    host = Span(figure.value.to("W"))
    why = f"{figure.source} ({figure.note})" if figure.note else figure.source
    measured = profile.host_power_measured() if profile is not None and profile.host_power_figure is None else None
    if measured is not None and measured.value < figure.value:
        # the node's maximum measured draw less its GPUs at TDP is the default; the nameplate stays as the upper end
        host = Span(measured.value.to("W"), measured.value.to("W"), figure.value.to("W"))
        why = f"{measured.source} ({measured.note}); up to the nameplate: {why}"
    notes.append(Assumption("host_power", host, "profile", why))
    return host


@dataclass(frozen=True)
class Site:
    """Where and at what price a run happens: PUE, grid intensity, prices (shared by estimates and meters)."""

    pue: Span
    intensity: Span
    price: Span | None = None
    energy_price: Span | None = None
    grid: GridUsed | None = None  # the intensity with the gases it counts and its region


def resolve_site(*, pue: Any = None, region: str | None = None, intensity: Any = None, price: Any = None,
                 energy_price: Any = None, notes: list[Assumption] | None = None,
                 resolved: dict[str, Any] | None = None) -> Site:
    """Validate the site options (defaults from defaults.toml), appending an assumption for each to `notes` and
    the value used for each to `resolved` (name -> Span or region code)."""
    notes = [] if notes is None else notes
    resolved = {} if resolved is None else resolved
    d = defaults()
    if pue is None:
        pue_span = Span(u.Q(float(d["pue"]["value"]), ""))
        notes.append(Assumption("pue", pue_span, "default", d["pue"]["source"]))
    else:
        pue_span = read_quantity("pue", pue)
        notes.append(Assumption("pue", pue_span, "user"))
    resolved["pue"] = pue_span
    grid = _intensity(region, intensity, notes, resolved)
    price_span = None
    if price is not None:
        price_span = read_quantity("price", price)
        notes.append(Assumption("price", price_span, "user"))
        resolved["price"] = price_span
    energy_price_span = None
    if energy_price is not None:
        energy_price_span = read_quantity("energy_price", energy_price)
        notes.append(Assumption("energy_price", energy_price_span, "user"))
        resolved["energy_price"] = energy_price_span
    return Site(pue_span, grid.intensity, price_span, energy_price_span, grid)


def _pct(span: Span) -> str:
    if span.is_range:
        return f"{float(span.lo.magnitude):.0%}..{float(span.hi.magnitude):.0%}"
    return f"{float(span.central.magnitude):.0%}"


def _intensity(region: str | None, intensity: Any, notes: list[Assumption], resolved: dict[str, Any]) -> GridUsed:
    from footprint.plugins.grid import lookup

    if region is not None and intensity is not None:
        raise FootprintError("give either --region or --intensity, not both")
    if intensity is not None:
        span = read_quantity("intensity", intensity)
        notes.append(Assumption("intensity", span, "user", "a plain mass per kWh is read as CO2e per kWh"))
        resolved["intensity"] = span
        return GridUsed(span)
    origin = "region data"
    if region is None:
        region = str(defaults()["region"]["value"])
        origin = "default"
    grid = lookup(region)
    span = Span(grid.intensity.to("gCO2e/kWh"))
    source = grid.describe() + f" (plugin {grid.plugin!r})"
    if origin == "default":
        source = f"{defaults()['region']['source']}; {source}"
    notes.append(Assumption("region", grid.code, origin, grid.name))
    notes.append(Assumption("intensity", span, origin, source))
    resolved["region"] = grid.code
    resolved["intensity"] = span
    return GridUsed(span, grid.gases, grid.code)


def _compute_inputs(profile: HardwareProfile | None, flops: Any, params: Any, active_params: Any, tokens: Any,
                    precision: str | None, mfu: Any, notes: list[Assumption], timed: bool, resolved: dict[str, Any]
                    ) -> tuple[Span | None, Any, Span | None, str | None]:
    model_params = active_params if active_params is not None else params
    if flops is not None and (model_params is not None or tokens is not None):
        raise FootprintError("give either --flops or --params/--active-params with --tokens, not both")
    total = None
    if flops is not None:
        total = read_quantity("flops", flops)
        notes.append(Assumption("flops", total, "user"))
    elif model_params is not None or tokens is not None:
        if model_params is None or tokens is None:
            raise FootprintError("compute mode needs both --params (or --active-params) and --tokens")
        which = "--active-params" if active_params is not None else "--params"
        n = read_quantity(which.strip("-").replace("-", "_"), model_params)
        if active_params is not None and params is not None:
            # the total is not in the formula, but a given value is checked all the same (and against the active)
            every = read_quantity("params", params)
            if every.lo < n.hi:
                raise FootprintError(f"--params: {_short(params)!r} is less than --active-params {_short(active_params)!r}; "
                                     "expected all the parameters, at least the active ones")
        t = read_quantity("tokens", tokens)
        resolved[which.strip("-").replace("-", "_")] = n
        resolved["tokens"] = t
        total = (n * t * 6 * u.Q(1.0, "FLOP")).to("FLOP")
        notes.append(Assumption("flops", total, "derived", f"6 x {which.strip('-')} x tokens (Kaplan et al. 2020 training-FLOP approximation)"))
    mfu_span = None
    if mfu is not None:
        if total is None:
            raise FootprintError("--mfu needs compute mode: --flops, or --params/--active-params with --tokens")
        if timed:
            raise FootprintError("--mfu derives the run length from compute; do not also give --hours/--gpu-hours")
        mfu_span = read_quantity("mfu", mfu)
        notes.append(Assumption("mfu", mfu_span, "user"))
        resolved["mfu"] = mfu_span
    peak = None
    if total is not None:
        if precision is None:
            precision = BY_NAME["precision"].default
            notes.append(Assumption("precision", precision, "default",
                                    f"{precision}: {BY_NAME['precision'].default_source}; pass --precision"))
        else:
            precision = precision.strip().lower()
            if precision not in PRECISIONS:
                raise FootprintError(f"--precision: {precision!r} is unknown; expected one of {', '.join(PRECISIONS)}")
            notes.append(Assumption("precision", precision, "user"))
        resolved["flops"] = total
        resolved["precision"] = precision
        if profile is not None and precision in profile.measured:
            m = profile.measured[precision]
            peak = m.throughput.to("FLOP/s")
            notes.append(Assumption(f"peak_{precision}", Span(m.throughput), "measured",
                                    f"achieved matmul throughput replaces the datasheet peak; {m.source}"))
        elif profile is not None:
            figure = profile.peak(precision)
            peak = figure.value.to("FLOP/s")
            notes.append(Assumption(f"peak_{precision}", Span(figure.value), "profile",
                                    f"dense peak; {figure.source}" + (f" ({figure.note})" if figure.note else "")))
        elif mfu_span is not None:
            raise FootprintError("compute mode needs --profile NAME for the dense peak throughput")
    elif precision is not None:
        raise FootprintError("--precision needs compute mode: --flops, or --params/--active-params with --tokens")
    return total, peak, mfu_span, precision if total is not None else None
