"""The documentation site: it builds with ``mkdocs build --strict`` (a broken link or page fails), every page is in
its navigation, the generated reference pages cover the code, and every page's examples are what the tool does
today: console blocks are run and their output compared, Python blocks are run and their ``# -> `` outputs
checked, with the README checker's own helpers."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from tests.cli_run import run_cli
from tests.test_readme import _claims, _console_examples, _normalise, run_block

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _load_hooks() -> ModuleType:
    """docs/hooks.py, loaded from its file: the site's generator, which MkDocs loads the same way."""
    spec = importlib.util.spec_from_file_location("footprint_docs_hooks", DOCS / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = _load_hooks()
HELP_WIDTH, expand, help_commands = hooks.HELP_WIDTH, hooks.expand, hooks.help_commands
PAGES = sorted(p.name for p in DOCS.glob("*.md"))
EXAMPLE_PAGES = [p for p in PAGES if p != "index.md"]  # the home page is the README, whose examples test_readme runs


def _page(name: str) -> str:
    """A page as the site shows it: its generated parts written out."""
    return expand((DOCS / name).read_text(encoding="utf-8"))


def _nav_pages(entries: list) -> list[str]:
    found = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        found.extend(_nav_pages(value) if isinstance(value, list) else [value])
    return found


def _build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
                          capture_output=True, text=True, env=env, cwd=config.parent, timeout=300)


def test_every_page_is_in_the_navigation_once() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = _nav_pages(config["nav"])
    assert sorted(nav) == PAGES


def test_the_site_builds_strictly_with_its_generated_pages(tmp_path: Path) -> None:
    built = _build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert built.returncode == 0, built.stderr
    hooks = (tmp_path / "site" / "plugin-hooks" / "index.html").read_text(encoding="utf-8")
    from footprint.plugins.manager import known_hooks

    assert all(f'id="{name}"' in hooks for name in known_hooks())
    cli = (tmp_path / "site" / "cli" / "index.html").read_text(encoding="utf-8")
    assert "Usage: footprint estimate [OPTIONS]" in cli


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    """The strict build is what catches a page that links to nothing: shown on a copy of the site."""
    shutil.copytree(DOCS, tmp_path / "docs")
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["hooks"] = [str(ROOT / hook) for hook in config["hooks"]]
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    page = tmp_path / "docs" / "logs.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nSee [the missing page](no-such-page.md).\n", encoding="utf-8")
    built = _build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert built.returncode != 0
    assert "no-such-page.md" in built.stderr


def test_the_generated_pages_are_written_from_the_code_not_copied() -> None:
    from footprint.plugins.manager import known_hooks

    raw = (DOCS / "plugin-hooks.md").read_text(encoding="utf-8") + (DOCS / "cli.md").read_text(encoding="utf-8")
    assert not any(name in raw for name in known_hooks()) and "Usage:" not in raw
    hooks, cli = _page("plugin-hooks.md"), _page("cli.md")
    assert all(f"## `{name}`" in hooks for name in known_hooks())
    from footprint.cli import COMMANDS

    shown = re.findall(r"^\$ (footprint.*) --help$", cli, flags=re.M)
    assert shown == [" ".join(["footprint", *args]) for args in help_commands()]
    assert {line.split()[1] for line in shown if " " in line} == set(COMMANDS)


def test_the_home_page_is_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    home = _page("index.md")
    first_paragraph = readme.split("\n\n")[1]
    assert first_paragraph in home
    assert "](docs/" not in home


def test_the_plugin_guide_names_every_export_of_the_plugin_api() -> None:
    from footprint import plugin_api

    guide = (DOCS / "plugins.md").read_text(encoding="utf-8")
    assert [name for name in plugin_api.__all__ if f"`{name}" not in guide] == []
    assert "[profile TOML file](profiles.md)" in guide


def _unwrapped(text: str) -> str:
    """As the README checker normalises, and a line broken after a hyphen (click wraps help text there at a width
    that depends on the terminal) read as one word."""
    return re.sub(r"- ", "-", _normalise(text))


def _page_console_examples() -> list[tuple[str, str, str]]:
    return [(page, command, printed) for page in EXAMPLE_PAGES for command, printed in _console_examples(_page(page))]


@pytest.mark.parametrize(("page", "command", "printed"), _page_console_examples(),
                         ids=[f"{p}: {c}" for p, c, _ in _page_console_examples()])
def test_console_examples_print_what_the_tool_prints(page: str, command: str, printed: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    if command.endswith("--help"):  # click fits help to the terminal: the width the reference was written at
        monkeypatch.setenv("COLUMNS", HELP_WIDTH)
    r = run_cli(*shlex.split(command)[1:])
    assert r.code == 0, r.err
    assert _unwrapped(printed) == _unwrapped(r.out), f"{page}: {command}"


def _page_python_blocks() -> list[tuple[str, int, str]]:
    found = []
    for page in EXAMPLE_PAGES:
        blocks = re.findall(r"^( *)```python\n(.*?)^\1```", _page(page), flags=re.S | re.M)
        found.extend((page, i, re.sub(rf"^{indent}", "", block, flags=re.M)) for i, (indent, block) in enumerate(blocks))
    return found


@pytest.mark.parametrize(("page", "index", "block"), _page_python_blocks(),
                         ids=[f"{p}: block {i}" for p, i, _ in _page_python_blocks()])
def test_python_blocks_run_and_print_what_they_say(page: str, index: int, block: str, tmp_path: Path) -> None:
    claims = _claims(block)
    printed = dict(run_block(block, tmp_path))
    for line, expected in claims.items():
        assert line in printed, f"{page} python block {index}: line {line} is not a statement of its own"
        assert printed[line].rstrip("\n") == expected, f"{page} python block {index}, line {line}"


def test_the_pages_have_examples_to_check() -> None:
    """The checks above run over the whole site: the plugin guide's harness examples and the claims are in it."""
    assert sum(p == "plugins.md" for p, _, _ in _page_python_blocks()) >= 5
    assert any(c.startswith("footprint claims") for _, c, _ in _page_console_examples())


def test_the_readme_stays_short_and_leads_to_every_page() -> None:
    """The README is what a newcomer reads on one or two screens; the rest is on the site, each page linked."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 250
    linked = set(re.findall(r"\]\(docs/([a-z-]+\.md)\)", readme))
    assert [page for page in EXAMPLE_PAGES if page not in linked] == []
