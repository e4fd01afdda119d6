"""Property: whatever values are typed into `footprint estimate`, the answer is a finite, non-negative result
(exit 0) or one line naming what is wrong (exit 2): never a traceback, never a hang, never 'Infinity'."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_run import run_cli
from tests.property_checks import check_result_or_one_line

UNITS = ["", " W", "W", " kW", " PW", " h", " days", " s", " ms", " kg", " g/kWh", " kg/kWh", " lb/MWh", " gCO2e/kWh",
         " USD/h", " USD/kWh", " USD", " %", " ppm", " FLOP", " TFLOP/s", " kWh", " J", " dimensionless", " m", " W*h",
         " W h", " 1/h", " µs", " parsec", " meter / second"]
NUMBERS = st.one_of(
    st.sampled_from(["0.5", "1", "1.2", "5", "8", "50", "80", "120", "700", "1e3", "2.788e6", "3.3e24"]),  # realistic
    st.floats(0, 200).map(lambda x: f"{x:.3g}"),
    st.integers(-10**6, 10**12).map(str),
    st.integers(-10**400, 10**400).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-9, 99), st.integers(-400, 400)),
    st.sampled_from(["0", "-0", ".5", "5.", "+3", "1_000", "1,000", "0x10", "nan", "inf", "١٢٣", "１２", "1e", "e5",
                     "1e308", "1e-320", "1e100", "1.0000000000000002"]),
)
# dimensionless units twice as often: a percent or ppm must be checked as the plain number it stands for
UNIT = st.one_of(st.sampled_from(UNITS), st.sampled_from(["", " %", " ppm", "%"]))
QUANTITY = st.builds(lambda n, u: n + u, NUMBERS, UNIT)
# what an attacker, or a slip of the fingers, types: arithmetic, powers, parentheses, code, huge and odd text
HOSTILE = st.one_of(
    st.builds(lambda a, op, b: f"{a}{op}{b}", QUANTITY, st.sampled_from(["*", "/", "+", "-", "**", " * ", "^", " "]),
              QUANTITY),
    st.builds(lambda q: f"({q})", QUANTITY),
    st.builds(lambda n, k: "10" + "**10" * k + n, st.sampled_from([" s", " h", ""]), st.integers(1, 4)),
    st.sampled_from(["__import__('os') h", "().__class__ h", "[1] h", "{1} h", "5 h; rm -rf /", "5 h # x", "\x00 h",
                     "5\nh", "5 h\n", "..", "1..", "..1", "1..2..3", "1...2 h", "5 %..", "h", "%", "W 5"]),
    st.builds(lambda c, n: c * n, st.sampled_from(["1", "9", "(", "*", " ", "1e", "h"]), st.integers(150, 70_000)),
    st.text(max_size=24),
)
VALUE = st.one_of(QUANTITY, QUANTITY, st.builds(lambda a, b, u: f"{a}..{b}{u}", NUMBERS, NUMBERS, UNIT),
                  HOSTILE)
OPTIONS = ["--gpus", "--hours", "--duration", "--gpu-hours", "--gpu-power", "--host-power", "--pue", "--intensity",
           "--price", "--energy-price", "--flops", "--params", "--active-params", "--tokens", "--mfu", "--precision"]
# a run length, so that most examples get past "no run length" and exercise the arithmetic
LENGTHS = [(), ("--gpus", "8", "--hours", "10"), ("--gpu-hours", "2.788e6"), ("--flops", "3.3e24", "--mfu", "0.4"),
           ("--gpus", "2048", "--active-params", "37e9", "--tokens", "14.8e12", "--mfu", "0.3..0.4")]


# ~10 ms a call: 500 examples take a few seconds; the deadline is the hang guard (a read value takes < 50 ms,
# an evaluated '10**10**10' hours), generous so that a loaded CI machine never trips it
@settings(max_examples=500, deadline=timedelta(seconds=3), suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(OPTIONS), VALUE, min_size=1, max_size=4), st.sampled_from(LENGTHS),
       st.sampled_from(["h100", "a100", "h800", None]))
def test_estimate_gives_a_finite_result_or_one_line(options: dict[str, str], length: tuple[str, ...],
                                                    profile: str | None) -> None:
    args = ["estimate", "--json", *(["--profile", profile] if profile else [])]
    given_names = set(options)
    for i in range(0, len(length), 2):
        if length[i] not in given_names:
            args += length[i:i + 2]
    for key, value in options.items():
        args += [key, value]
    check_result_or_one_line(run_cli(*args), "estimate", args)


# a fraction written as a percent is the same input: the range check and the arithmetic see the plain number
@settings(max_examples=100, deadline=timedelta(seconds=3), suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([("--pue", ("--gpus", "8", "--hours", "10")), ("--gpu-power", ("--gpus", "8", "--hours", "10")),
                        ("--mfu", ("--flops", "3.3e24"))]),
       st.floats(0.001, 12, allow_nan=False).map(lambda x: round(x, 3)))
def test_a_percent_is_the_plain_fraction(option_and_length: tuple[str, tuple[str, ...]], fraction: float) -> None:
    option, length = option_and_length
    base = ["estimate", "--json", "--profile", "h100", *length]
    plain = run_cli(*base, option, repr(fraction))
    percent = run_cli(*base, option, f"{fraction * 100!r} %")
    assert plain.code == percent.code, (option, fraction, plain.err, percent.err)
    if plain.code == 0:
        a, b = json.loads(plain.out), json.loads(percent.out)
        assert b["energy"]["magnitude"] == pytest.approx(a["energy"]["magnitude"], rel=1e-9), (option, fraction)
