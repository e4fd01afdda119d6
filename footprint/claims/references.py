"""Published reference footprints: the model, the strict TOML reader, and the registry filled by plugins.

A reference keeps a training run's inputs exactly as published, the publisher's own formula and its published
outputs, each with its source. ``footprint.claims.reproduce`` checks that our estimator, fed those inputs, gives those
outputs. Plugins add references through the ``footprint_register_references`` hook::

    from footprint import hookimpl
    from footprint.claims.references import load_reference_file

    @hookimpl
    def footprint_register_references(register):
        for ref in load_reference_file("my_runs.toml"):
            register(ref)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from footprint.core import units as u
from footprint.core.span import Span, parse_span
from footprint.errors import FootprintError, suggest
from footprint.plugins.contract import Field, Method, Output, Reference

STATUSES = ("primary", "secondary", "third-party estimate")

# input name -> (kind, bare unit); "int" = a whole number, "text" = free text
_INPUT_KINDS: dict[str, tuple[Any, str | None]] = {
    "gpus": ("int", None),
    "gpu_hours": (u.TIME, "h"),
    "duration": (u.TIME, None),
    "gpu_power": (u.POWER, None),
    "host_power": (u.POWER, None),
    "pue": (u.COUNT, ""),
    "intensity": (u.INTENSITY, None),
    "params": (u.COUNT, ""),
    "active_params": (u.COUNT, ""),
    "tokens": (u.COUNT, ""),
    "flops": (u.COMPUTE, "FLOP"),
    "price": (u.PRICE_PER_TIME, None),
    "mfu": (u.COUNT, ""),
    "energy_gpu": (u.ENERGY, None),
}
_METHOD_KEYS = ("pue", "intensity", "gpu_power", "host_power")
_METHOD_KINDS: dict[str, tuple[Any, str | None]] = {"pue": (u.COUNT, ""), "intensity": (u.INTENSITY, None),
                                                     "host_power": (u.POWER, None)}
# Footprint field -> the kind its published value is read as
_OUTPUT_KINDS: dict[str, Any] = {
    "energy": u.ENERGY,
    "energy_gpu": u.ENERGY,
    "emissions": u.EMISSIONS,
    "cost": u.MONEY,
    "duration": u.TIME,
    "gpu_hours": u.TIME,
    "implied_mfu": u.COUNT,
}
_REF_KEYS = {"name", "status", "profile", "hardware", "location", "inputs", "method", "outputs", "notes", "part_of", "stages"}
_OUTPUT_KEYS = {"value", "source", "rounding", "mode", "tolerance", "quantity", "method", "expect", "reason", "note"}


def field_text(f: Field) -> str:
    """A published value as printed: a Span with its unit, a whole number with separators, or the text."""
    from footprint.render.text import number, show

    if isinstance(f.value, Span):
        return show(f.value)
    if isinstance(f.value, int):
        return number(f.value)
    return f.value


class _ReferenceReader:
    """Validates one reference mapping, naming the origin and key in every error."""

    def __init__(self, ref_id: str, data: dict[str, Any], sources: dict[str, str], origin: str) -> None:
        self.id, self.data, self.sources, self.origin = ref_id, data, sources, origin

    def fail(self, key: str, message: str) -> FootprintError:
        return FootprintError(f"{self.origin}: reference {self.id!r}, {key}: {message}")

    def factor(self, key: str, name: str, raw: Any) -> None:
        """A method factor is kept raw (parsed when the estimate runs) but read here, so a bad one names its key."""
        from footprint.estimates.inputs import parse_fraction_or_power

        try:
            if name == "gpu_power":
                parse_fraction_or_power(raw, key)
            else:
                kind, bare = _METHOD_KINDS[name]
                parse_span(raw, kind, key, bare_unit=bare)
        except FootprintError as exc:
            raise self.fail(key, str(exc)) from None

    def table(self, key: str) -> dict[str, Any]:
        raw = self.data.get(key, {})
        if not isinstance(raw, dict):
            raise self.fail(key, "expected a table")
        return raw

    def source(self, key: str, raw: Any) -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise self.fail(key, "missing source; every published figure needs one")
        return self.sources.get(raw, raw)

    def parse(self, key: str, raw: Any, kind: Any, bare: str | None) -> Span | int | str:
        if kind == "int":
            if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
                raise self.fail(key, f"{raw!r} is not a positive whole number")
            return raw
        if kind == "text":
            return str(raw)
        try:
            return parse_span(raw, kind, key, bare_unit=bare)
        except FootprintError as exc:
            raise self.fail(key, str(exc)) from None

    def sourced(self, key: str, raw: Any, kind: Any = "text", bare: str | None = None) -> Field:
        if not isinstance(raw, dict) or "value" not in raw:
            raise self.fail(key, "expected { value = ..., source = ... }")
        extra = set(raw) - {"value", "source", "note"}
        if extra:
            raise self.fail(key, f"unknown keys {sorted(extra)}; expected value, source, note")
        src = raw.get("source")
        short = src if isinstance(src, str) and src in self.sources else ""
        return Field(self.parse(key, raw["value"], kind, bare), self.source(key, src), str(raw.get("note", "")), short)

    def output(self, name: str, raw: Any) -> Output:
        key = f"outputs.{name}"
        if not isinstance(raw, dict):
            raise self.fail(key, "expected a table")
        unknown = set(raw) - _OUTPUT_KEYS
        if unknown:
            raise self.fail(key, f"unknown keys {sorted(unknown)}{suggest(sorted(unknown)[0], _OUTPUT_KEYS)}")
        quantity = str(raw.get("quantity", name))
        if quantity not in _OUTPUT_KINDS:
            raise self.fail(key, f"quantity {quantity!r} is unknown; expected one of {', '.join(_OUTPUT_KINDS)}")
        kind = _OUTPUT_KINDS[quantity]
        value = self.parse(key, raw.get("value"), kind, "" if kind is u.COUNT else None)
        assert isinstance(value, Span)
        step = None
        if "rounding" in raw:
            s = self.parse(f"{key}.rounding", raw["rounding"], kind, "" if kind is u.COUNT else None)
            assert isinstance(s, Span)
            step = s.central
        mode = str(raw.get("mode", "round"))
        if mode not in ("round", "truncate"):
            raise self.fail(key, f"mode {mode!r} is unknown; expected round or truncate")
        expect = str(raw.get("expect", "match"))
        if expect not in ("match", "differs"):
            raise self.fail(key, f"expect {expect!r} is unknown; expected match or differs")
        if expect == "differs" and not raw.get("reason"):
            raise self.fail(key, "expect = 'differs' needs a reason")
        method = raw.get("method", {})
        if not isinstance(method, dict) or set(method) - set(_METHOD_KEYS):
            raise self.fail(key, f"method may set only {', '.join(_METHOD_KEYS)}")
        for factor_name, factor in method.items():
            self.factor(f"{key}.method.{factor_name}", factor_name, factor)
        tol = raw.get("tolerance")
        if tol is not None and (isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < 1):
            raise self.fail(f"{key}.tolerance", f"{tol!r} is not a relative tolerance from 0 to 1, such as 0.01")
        return Output(name, quantity, value, self.source(key, raw.get("source")), step, mode,
                      None if tol is None else float(tol), dict(method), expect, str(raw.get("reason", "")))

    def check_head(self) -> None:
        """The checks a reference passes before its values are read: known keys, a status, name and hardware."""
        d = self.data
        unknown = set(d) - _REF_KEYS
        if unknown:
            first = sorted(unknown)[0]
            raise self.fail(first, f"unknown key{suggest(first, _REF_KEYS)}")
        status = d.get("status")
        if status not in STATUSES:
            raise self.fail("status", f"{status!r} is unknown; expected one of {', '.join(STATUSES)}")
        if "name" not in d or "hardware" not in d:
            raise self.fail("name", "name and hardware are required")

    def reference(self) -> Reference:
        d = self.data
        self.check_head()
        status = d.get("status")
        inputs: dict[str, Field] = {}
        for key, raw in self.table("inputs").items():
            if key not in _INPUT_KINDS:
                raise self.fail(f"inputs.{key}", f"unknown input{suggest(key, _INPUT_KINDS)}")
            kind, bare = _INPUT_KINDS[key]
            inputs[key] = self.sourced(f"inputs.{key}", raw, kind, bare)
        raw_method = dict(self.table("method"))
        text = str(raw_method.pop("text", ""))
        source = self.source("method.source", raw_method.pop("source", None))
        bad = set(raw_method) - set(_METHOD_KEYS)
        if bad:
            raise self.fail("method", f"unknown factors {sorted(bad)}; expected {', '.join(_METHOD_KEYS)}")
        for name, factor in raw_method.items():
            self.factor(f"method.{name}", name, factor)
        outputs = tuple(self.output(name, raw) for name, raw in self.table("outputs").items())
        location = self.sourced("location", d["location"]) if "location" in d else None
        return Reference(
            id=self.id, name=str(d["name"]), status=status, hardware=self.sourced("hardware", d["hardware"]),
            inputs=inputs, method=Method(text, source, raw_method), outputs=outputs,
            profile=d.get("profile"), location=location, notes=str(d.get("notes", "")), part_of=d.get("part_of"),
            stages=tuple(d.get("stages", ())), origin=self.origin,
        )


def _file_shape(data: dict[str, Any], origin: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The sources and the [references.ID] tables of a references file, its shape checked."""
    if data.get("schema", 1) != 1:
        raise FootprintError(f"{origin}: schema {data.get('schema')!r} is unsupported; expected 1")
    raw_sources = data.get("sources", {})
    if not isinstance(raw_sources, dict):
        raise FootprintError(f"{origin}: sources: expected a table of KEY = \"source text\"")
    table = data.get("references")
    if not isinstance(table, dict) or not table:
        raise FootprintError(f"{origin}: no [references.ID] tables")
    for ref_id, body in table.items():
        if not isinstance(body, dict):
            raise FootprintError(f"{origin}: reference {ref_id!r}: expected a table")
    return {str(k): str(v) for k, v in raw_sources.items()}, table


def references_from_dict(data: dict[str, Any], origin: str = "<references>") -> list[Reference]:
    """Read a mapping shaped like footprint/data/references.toml; raise FootprintError naming the bad field."""
    sources, table = _file_shape(data, origin)
    return [_ReferenceReader(str(ref_id), body, sources, origin).reference() for ref_id, body in table.items()]


def load_reference_file(path: str | Path) -> list[Reference]:
    """Read a references TOML file (the format of footprint/data/references.toml)."""
    from footprint.core.tomlfile import read_toml

    data = read_toml(path, "references file", "a TOML file of [references.ID] tables")
    return references_from_dict(data, str(path))


def shipped_reference_file() -> Path:
    return Path(__file__).resolve().parents[1].joinpath("data") / "references.toml"


def _build() -> dict[str, Reference]:
    from footprint.plugins.manager import collect, is_a

    found: dict[str, Reference] = {}
    for plugin, registered in collect("footprint_register_references", is_a(Reference, "a footprint Reference")):
        ref = registered.with_plugin(plugin)
        key = ref.id.lower()
        other = found.get(key)
        if other is not None:
            raise FootprintError(f"reference id clash: {ref.id!r} is registered by plugin {other.plugin!r} "
                                 f"({other.origin}) and by plugin {plugin!r} ({ref.origin}); rename one of them")
        found[key] = ref
    return found


def _registry() -> dict[str, Reference]:
    from footprint.plugins.manager import memo

    return memo("references", _build)


def reset() -> None:
    """Forget the registered references (they are rebuilt from the plugins on next use)."""
    from footprint.plugins.manager import forget

    forget("references")


def all_references() -> list[Reference]:
    """Every registered reference, in registration order."""
    return list(_registry().values())


def get_reference(ref_id: str) -> Reference:
    """A reference by id (case-insensitive); unknown ids get the closest valid ones."""
    refs = _registry()
    key = ref_id.strip().lower()
    if key in refs:
        return refs[key]
    raise FootprintError(f"reference {ref_id!r} is unknown{suggest(key, refs)}; 'footprint references' lists the {len(refs)} available")


def find_reference(ref_id: str) -> Reference | None:
    """A reference by id, or None."""
    return _registry().get(ref_id.strip().lower())
