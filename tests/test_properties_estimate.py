"""Property: whatever values are typed into `footprint estimate`, the answer is a finite, non-negative result
(exit 0) or one line naming what is wrong (exit 2): never a traceback, never a hang, never 'Infinity'."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_run import run_cli
from tests.property_checks import check_result_or_one_line

UNITS = ["", " W", "W", " kW", " PW", " h", " days", " s", " ms", " kg", " g/kWh", " kg/kWh", " lb/MWh", " gCO2e/kWh",
         " USD/h", " USD/kWh", " USD", " %", " ppm", " FLOP", " TFLOP/s", " kWh", " J", " dimensionless", " m", " W*h",
         " W h", " 1/h", " µs", " parsec", " meter / second"]
NUMBERS = st.one_of(
    st.integers(-10**6, 10**12).map(str),
    st.integers(-10**400, 10**400).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-9, 99), st.integers(-400, 400)),
    st.sampled_from(["0", "-0", ".5", "5.", "+3", "1_000", "1,000", "0x10", "nan", "inf", "١٢٣", "１２", "1e", "e5",
                     "1e308", "1e-320", "1e100", "1.0000000000000002"]),
)
QUANTITY = st.builds(lambda n, u: n + u, NUMBERS, st.sampled_from(UNITS))
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
VALUE = st.one_of(QUANTITY, QUANTITY, st.builds(lambda a, b, u: f"{a}..{b}{u}", NUMBERS, NUMBERS, st.sampled_from(UNITS)),
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
