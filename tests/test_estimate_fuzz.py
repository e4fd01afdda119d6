"""Property: whatever a user types into `estimate`, the answer is a result (exit 0) or one clean line (exit 2)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_run import run_cli

UNITS = ["", " W", " kW", " h", " days", " s", " kg", " g/kWh", " kg/kWh", " USD/h", " USD", " %", " FLOP",
         " TFLOP/s", " kWh", " m", " 1/h", " W/h", " dimensionless", " gCO2e/kWh", " lb/MWh", " J"]

number = st.one_of(
    st.integers(-10**6, 10**9).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "1e400", "-0", "1e-320", "nan", "inf", ".5", "5.", "1_000", "1,000", "0x10"]),
)
quantity = st.one_of(
    st.builds(lambda n, u: n + u, number, st.sampled_from(UNITS)),
    st.builds(lambda a, b, u: f"{a}..{b}{u}", number, number, st.sampled_from(UNITS)),
    st.text(max_size=12),
)
OPTIONS = ["--gpus", "--hours", "--duration", "--gpu-hours", "--gpu-power", "--host-power", "--pue", "--intensity",
           "--price", "--energy-price", "--flops", "--params", "--active-params", "--tokens", "--mfu", "--precision",
           "--region", "--profile"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(OPTIONS), quantity, min_size=1, max_size=7),
       st.sampled_from(["h100", "a100", "h800", None]))
def test_estimate_never_shows_a_traceback(options: dict[str, str], profile: str | None) -> None:
    args = ["estimate"]
    if profile and "--profile" not in options:
        args += ["--profile", profile]
    for key, value in options.items():
        args += [key, value]
    r = run_cli(*args)  # an uncaught exception here fails the test with its traceback
    assert r.code in (0, 2), (args, r.err)
    if r.code == 2:
        assert len(r.err.strip().splitlines()) == 1, (args, r.err)
        assert "Traceback" not in r.err
