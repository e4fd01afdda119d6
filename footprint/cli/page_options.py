"""The --html and --statement options shared by estimate, report, compare and claims."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

F = Callable[..., Any]


def page_options(f: F) -> F:
    """Add --html FILE and --statement FORMAT to a command."""
    f = click.option("--statement", "statement", metavar="FORMAT", type=click.Choice(["markdown", "latex", "text"]),
                     help="Print a methods statement for a paper (markdown, latex or text) instead of the table.")(f)
    return click.option("--html", "html_path", metavar="FILE",
                        help="Also write a self-contained HTML page (tables, plots, assumptions, statement) to FILE.")(f)


def wrote(path: str) -> None:
    """Say where the page went, on stderr, so that --json and --statement output stays clean."""
    click.echo(f"footprint: HTML page written to {path}", err=True)
