"""README promises: the two newcomer commands exist, CI runs the test command verbatim, and the example
output printed in README is what the tool prints today."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.cli_run import run_cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def test_install_and_estimate_command() -> None:
    first = _bash_blocks()[0].strip()
    assert "pip install ." in first
    assert first.endswith("footprint estimate --profile h800 --gpus 2048 --hours 1300")


def test_ci_runs_the_readme_test_command() -> None:
    test_command = _bash_blocks()[1].strip()
    assert "pytest" in test_command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_readme_names_the_packages_the_system_tests_need() -> None:
    """The README's apt-get line, CI's install step and the tests' own list of system programs name the same
    Debian packages, so a newcomer who installs what the README says runs the whole suite."""
    from tests.conftest import SYSTEM_PROGRAMS

    wanted = set(SYSTEM_PROGRAMS.values())
    readme = re.search(r"`apt-get install ([a-z0-9 -]+)`", README)
    assert readme is not None and set(readme.group(1).split()) == wanted
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    installed = re.search(r"apt-get install -y -q --no-install-recommends \\\n\s*([a-z0-9 -]+)", ci)
    assert installed is not None and wanted <= set(installed.group(1).split())
    assert "export FOOTPRINT_SYSTEM_TESTS=require" in ci.splitlines()


def _console_examples(text: str = README) -> list[tuple[str, str]]:
    """(command, printed output) of every console block in `text` (the README's by default) that shows one whole,
    deterministic command."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        first, _, output = block.partition("\n")
        if not first.startswith("$ footprint ") or "#" in first or re.search(r"\.(toml|json|png|jsonl|csv)\b", first):
            continue
        if first.split()[2] in {"run", "report", "calibrate"}:  # metered: timings differ between runs
            continue
        found.append((first[2:], output))
    return found


@pytest.mark.parametrize(("command", "printed"), _console_examples(), ids=[c for c, _ in _console_examples()])
def test_readme_console_examples_are_current(command: str, printed: str) -> None:
    r = run_cli(*shlex.split(command)[1:])
    assert r.code == 0, r.err
    assert _normalise(printed) == _normalise(r.out)


def test_readme_estimate_output_is_current() -> None:
    block = re.search(r"```console\n\$ footprint estimate --profile h800 --gpus 2048 --hours 1300\n(.*?)```", README, re.S)
    assert block, "README lost its estimate example"
    r = run_cli("estimate", "--profile", "h800", "--gpus", "2048", "--hours", "1300")
    assert r.code == 0
    assert _normalise(block.group(1)) == _normalise(r.out)


def _normalise(text: str) -> str:
    """Install paths and the codecarbon version differ between machines; wrapping follows their length."""
    text = re.sub(r"\S*/profiles/", "profiles/", text)
    text = re.sub(r"codecarbon \d[\w.]*", "codecarbon X", text)
    return " ".join(text.split())
