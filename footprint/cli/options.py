"""Options shared by commands that estimate (estimate, run, compare): site, power and price."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

F = Callable[..., Any]


def _stack(*decorators: F) -> F:
    def apply(f: F) -> F:
        for d in reversed(decorators):
            f = d(f)
        return f

    return apply


site_options = _stack(
    click.option("--pue", metavar="X", help="Data-centre PUE (>= 1), or LOW..HIGH. Default 1.1."),
    click.option("--region", metavar="CODE",
                 help="Grid region: ISO-3 country (CHN), province/state (CN-ZJ, US-VA), cloud region "
                      "(gcp:us-central1) or 'world' (the default). See 'footprint regions'."),
    click.option("--intensity", metavar="X", help="Grid carbon intensity, e.g. '582 g/kWh' or '0.385 kg/kWh', or LOW..HIGH."),
    click.option("--price", metavar="X", help="Price per GPU-hour, e.g. '2 USD/h'."),
    click.option("--energy-price", metavar="X", help="Electricity price, e.g. '0.08 USD/kWh' (added to cost)."),
)

power_options = _stack(
    click.option("--gpu-power", metavar="X",
                 help="Average draw per GPU: a power ('550 W') or a fraction of TDP (0.8, '80%'), or LOW..HIGH. Default: TDP."),
    click.option("--host-power", metavar="X",
                 help="Non-GPU IT power per GPU (CPU, DRAM, NIC, switches), e.g. '150 W'; '0 W' = GPU-only. "
                      "Default: the profile's node nameplate overhead."),
)

profile_options = _stack(
    click.option("--profile", metavar="NAME", help="Hardware profile or alias (h800, h100, a100, ...)."),
    click.option("--profile-file", metavar="PATH", help="A profile TOML file to use instead of --profile."),
)
