"""Property: whatever a profile TOML file holds, `estimate --profile-file` gives a finite, non-negative result
(exit 0) or one line naming the file (exit 2): never a traceback, never a hang."""

from __future__ import annotations

import copy
import math
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprint.core.profiles import PRECISIONS
from tests.cli_run import run_cli
from tests.property_checks import check_result_or_one_line

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=16)  # any text a UTF-8 file can hold
SCALAR = st.one_of(st.integers(-2**63, 2**63 - 1), st.floats(), st.booleans(), TEXT)
NUMBER = st.one_of(st.integers(-10, 10**5).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr),
                   st.sampled_from(["0", "700", "1e3", "1e400", "-5", ".5", "١٢٣", "10**10**10", "(700)", "nan", "inf"]))
UNITS = ["W", "kW", "mW", "TFLOP/s", "PFLOP/s", "GB", "TB/s", "GB/s", "%", "kg", "h", "W*h", "W / s", "", "dimensionless"]
# what a figure's text may be: a number and a unit (right, wrong or unknown), arithmetic, code, or any text
QUANTITY_TEXT = st.one_of(
    st.builds(lambda n, u: f"{n} {u}".strip(), NUMBER, st.sampled_from(UNITS)),
    st.builds(lambda a, op, b: f"{a} {op} {b}", NUMBER, st.sampled_from(["W *", "*", "W /", "W +", "**"]), NUMBER),
    st.sampled_from(["700 W * 5 %", "__import__('os') W", "10**10**10 W", "(10**400) W", "700", "W", ""]),
    TEXT,
)
# an independent spelling of the one accepted shape, to check the reader against
NUMBER_AND_UNIT = re.compile(r" *[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)? *[A-Za-z%µ][A-Za-z0-9_ */]*", re.ASCII)
# expressions whose value would pass the plausibility bounds: only reading (not evaluating) refuses them
PLAUSIBLE_EXPRESSION = st.builds(lambda a, op, b, u: f"{a}{op}{b}{u}", st.integers(1, 900),
                                 st.sampled_from([" W * ", " W / ", "*", " W + ", " W - "]), st.integers(1, 5),
                                 st.sampled_from(["", " W", " %", " W*1"]))
HOSTILE = st.one_of(PLAUSIBLE_EXPRESSION, QUANTITY_TEXT, SCALAR, st.lists(SCALAR, max_size=2),
                    st.dictionaries(TEXT, SCALAR, max_size=2))


def figure(low: float, high: float, unit: str) -> st.SearchStrategy:
    """A plausible sourced figure: a number in [low, high] with its unit, as the shipped profiles write them."""
    number = st.one_of(st.integers(int(low) + 1, int(high)).map(str), st.floats(low, high).map(lambda x: f"{x:.4g}"))
    return st.fixed_dictionaries({"value": number.map(lambda n: f"{n} {unit}"), "source": st.just("sheet")})


# a valid profile, the shape of profiles/*.toml, which MUTATIONS then damage
VALID = st.fixed_dictionaries(
    {"id": st.just("gen-gpu"), "name": st.just("Generated GPU"), "tdp": figure(100, 1500, "W"),
     "sources": st.just({"sheet": "vendor datasheet"})},
    optional={
        "idle_power": figure(10, 90, "W"), "memory": figure(16, 288, "GB"), "memory_bandwidth": figure(1, 8, "TB/s"),
        "host_power": figure(0, 500, "W"),
        "peak": st.dictionaries(st.sampled_from(PRECISIONS), figure(10, 5000, "TFLOP/s"), max_size=3),
        "node": st.fixed_dictionaries({"gpus_per_node": st.integers(1, 16), "max_power": st.just("10.2 kW"),
                                       "source": st.just("sheet")}),
        "measured": st.dictionaries(st.sampled_from(PRECISIONS), st.fixed_dictionaries(
            {"throughput": st.just("600 TFLOP/s"), "power": st.just("650 W"), "source": st.just("calibrate")}),
            max_size=2),
        "aliases": st.lists(st.sampled_from(["gen", "g1"]), max_size=2, unique=True),
    },
)
PATHS = [("id",), ("name",), ("tdp",), ("tdp", "value"), ("tdp", "value"), ("tdp", "value"), ("host_power", "value"), ("tdp", "source"), ("tdp", "note"), ("tdp", "extra"),
         ("idle_power", "value"), ("memory", "value"), ("memory_bandwidth", "value"), ("host_power", "value"),
         ("peak",), ("peak", "bf16"), ("peak", "bf16", "value"), ("peak", "fp8", "value"), ("peak", "bf61"),
         ("node",), ("node", "gpus_per_node"), ("node", "max_power"), ("node", "source"),
         ("measured",), ("measured", "bf16"), ("measured", "bf16", "power"), ("measured", "bf16", "throughput"),
         ("measured", "fp8", "power"), ("sources",), ("sources", "sheet"), ("aliases",), ("year",), ("schema",),
         ("vendor",), ("unknown_key",)]
MUTATIONS = st.lists(st.tuples(st.sampled_from(PATHS), HOSTILE), max_size=2)


def mutate(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set data[path] = value, making (or replacing) the tables on the way."""
    for key in path[:-1]:
        if not isinstance(data.get(key), dict):
            data[key] = {}
        data = data[key]
    data[path[-1]] = value


# run lengths that use what a profile gives: the TDP fraction, the host power, the dense peak and measured figures
ARGS = [("--gpus", "8", "--hours", "10"), ("--gpu-hours", "1000", "--gpu-power", "0.8"),
        ("--gpus", "8", "--flops", "1e22", "--mfu", "0.4", "--precision", "bf16"),
        ("--gpus", "8", "--flops", "1e22", "--mfu", "0.4", "--precision", "fp8")]


def toml_value(value: Any) -> str:
    """One value in TOML (inline tables and arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_string(text: str) -> str:
    """A TOML basic string: control characters, quote and backslash escaped, everything else as written."""
    return '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F or c in '"\\' else c for c in text) + '"'


def toml_document(data: dict[str, Any]) -> str:
    return "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in data.items())


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[str, Any] | None]:
    """A profile document and its data (None once damaged): sometimes cut short, with junk appended, or nested deep."""
    data = copy.deepcopy(draw(VALID))  # st.just gives one shared object; mutate() must not damage it for later draws
    for path, value in draw(MUTATIONS):
        mutate(data, path, value)
    text = toml_document(data)
    damage = draw(st.sampled_from(["none"] * 9 + ["cut", "junk", "deep"]))
    if damage == "cut":
        return text[:draw(st.integers(0, len(text)))], None
    if damage == "junk":
        return text + draw(TEXT), None
    if damage == "deep":
        depth = draw(st.integers(30, 3000))
        return text + "deep = " + "[" * depth + "]" * depth + "\n", None
    return text, data


@pytest.fixture(scope="module")
def profile_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated-profiles") / "generated.toml"


# ~15 ms a call with the file write; the deadline is the hang guard, generous for a loaded CI machine
@settings(max_examples=400, deadline=timedelta(seconds=3),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(documents(), st.sampled_from(ARGS))
def test_any_profile_document_gives_a_finite_result_or_one_line(profile_path: Path,
                                                                 document_and_data: tuple[str, dict[str, Any] | None],
                                                                 args: tuple[str, ...]) -> None:
    document, data = document_and_data
    profile_path.write_text(document, encoding="utf-8")
    r = run_cli("estimate", "--json", "--profile-file", str(profile_path), *args)
    check_result_or_one_line(r, "estimate", document)
    if r.code == 2:
        # a bad file is named in its error; a good one can still lack the precision the run asks for
        assert str(profile_path) in r.err or "throughput (it supports:" in r.err, (document, r.err)
    if r.code == 0 and data is not None:
        # what was accepted was written as a number and a unit: never arithmetic, code or a non-ASCII number
        for name in ("tdp", "idle_power", "memory", "memory_bandwidth", "host_power"):
            text = data[name].get("value") if isinstance(data.get(name), dict) else None
            assert not isinstance(text, str) or NUMBER_AND_UNIT.fullmatch(text), (name, text)

