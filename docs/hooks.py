"""The documentation site's generated parts, written from the code at build time so that no copy can drift.

MkDocs calls ``on_page_markdown`` for every page (``hooks:`` in mkdocs.yml); a page asks for generated text with
one line of its own:

- ``<!-- footprint:readme -->``: the README, its links into ``docs/`` made relative to the site;
- ``<!-- footprint:cli-help -->``: ``footprint --help`` and every command's ``--help``, as the CLI prints them;
- ``<!-- footprint:hooks -->``: every hook of ``footprint/plugins/hookspecs.py``, its signature and docstring;
- ``<!-- footprint:include PATH -->``: a Markdown file of the repository, its headings one level down.

tests/test_docs_pages.py reads the pages through ``expand`` as well, so the examples it runs are those the site shows.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MARK = re.compile(r"^<!-- footprint:([a-z-]+)(?: (\S+))? -->$", re.M)
HELP_WIDTH = "110"  # the CLI's max_content_width: the help reads as in a wide terminal


def expand(markdown: str) -> str:
    """The page with every ``<!-- footprint:... -->`` line replaced by what it asks for."""
    return MARK.sub(lambda m: _generate(m.group(1), m.group(2)), markdown)


def on_page_markdown(markdown: str, **_: Any) -> str:
    return expand(markdown)


def _generate(kind: str, argument: str | None) -> str:
    if kind == "readme":
        return readme()
    if kind == "cli-help":
        return cli_help()
    if kind == "hooks":
        return hook_reference()
    if kind == "include" and argument:
        return include(argument)
    raise ValueError(f"unknown generated block {kind!r} (argument {argument!r})")


def readme() -> str:
    """README.md for the site's home page: its first heading dropped (the site has its own), its links to
    ``docs/X`` pointing at page X, its other relative links at the repository's files."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    text = re.sub(r"\A# [^\n]*\n", "", text)
    return re.sub(r"\]\(docs/([^)]+)\)", r"](\1)", text)


def include(path: str) -> str:
    """A Markdown file of the repository, with its headings one level deeper so that it sits under the page's."""
    text = (ROOT / path).read_text(encoding="utf-8")
    out, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        out.append("#" + line if line.startswith("#") and not fenced else line)
    return "\n".join(out) + "\n"


def _command_help(args: list[str]) -> str:
    from footprint.cli import main

    out = io.StringIO()
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_WIDTH
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            main([*args, "--help"])
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved
    return out.getvalue()


def help_commands() -> list[list[str]]:
    """Every command line whose ``--help`` the reference shows: the root, each command, each subcommand."""
    import click

    from footprint.cli import cli

    found: list[list[str]] = [[]]
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        found.append([name])
        command = cli.get_command(ctx, name)
        if isinstance(command, click.Group):
            found.extend([name, sub] for sub in command.list_commands(ctx))
    return found


def cli_help() -> str:
    parts = []
    for args in help_commands():
        line = " ".join(["footprint", *args, "--help"])
        title = " ".join(["footprint", *args])
        parts.append(f"## `{title}`\n\n```console\n$ {line}\n{_command_help(args).rstrip()}\n```\n")
    return "\n".join(parts)


def _rst_to_markdown(text: str) -> str:
    """The hookspecs' docstrings use ``code`` and ``:param x:``; Markdown wants `code` and a list."""
    text = re.sub(r"``([^`]+)``", r"`\1`", text)
    text = re.sub(r"^:param (\w+):", r"- **`\1`**:", text, flags=re.M)
    return re.sub(r"::\n\n((?:    .*\n?|\n)+)", lambda m: ":\n\n```\n" + inspect.cleandoc(m.group(1)) + "\n```\n\n", text)


def hook_reference() -> str:
    from footprint.plugins import hookspecs

    parts = []  # the module's docstring points code readers to the guide; the site has its own links
    for name, function in vars(hookspecs).items():  # in the order the module defines them
        if not (name.startswith("footprint_") and inspect.isfunction(function)):
            continue
        options = getattr(function, "footprint_spec", {}) or {}
        signature = inspect.signature(function)
        returns = signature.return_annotation
        params = ", ".join(f"{p.name}: {p.annotation}" for p in signature.parameters.values())
        answer = "The first plugin that answers wins (`firstresult`)" if options.get("firstresult") else \
            "Every plugin is called, and every answer counts"
        parts.append(f"## `{name}`\n\n```py\ndef {name}({params}) -> {returns}\n```\n\n{answer}.\n\n"
                     f"{_rst_to_markdown(inspect.cleandoc(function.__doc__ or ''))}\n")
    return "\n".join(parts)
