"""Options shared by commands that estimate (estimate, run, report): built from the one input schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from footprint.estimates.schema import BY_NAME, Input

F = Callable[..., Any]


def _stack(*decorators: F) -> F:
    def apply(f: F) -> F:
        for d in reversed(decorators):
            f = d(f)
        return f

    return apply


class InputOption(click.Option):
    """An option for one schema input; its help (with the default and the default's source) is written when shown."""

    def __init__(self, *args: Any, schema_input: Input, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema_input = schema_input

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        # the default's source lives in defaults.toml: read it only when help is printed, not on every start
        self.help = self.schema_input.help_text()
        return super().get_help_record(ctx)


def input_option(name: str) -> F:
    """The click option for the schema input `name` (its flag, metavar and help come from the schema)."""
    i = BY_NAME[name]
    return click.option(i.flag, i.name, cls=InputOption, schema_input=i, metavar=i.metavar, default=i.cli_default,
                        help=i.help)


def input_options(*names: str) -> F:
    """The click options for the schema inputs `names`, in that order."""
    return _stack(*(input_option(n) for n in names))


site_options = input_options("pue", "region", "intensity", "price", "energy_price")
power_options = input_options("gpu_power", "host_power")
profile_options = input_options("profile", "profile_file")
