"""README promises: the two newcomer commands exist, CI runs the test command verbatim, and the example
output printed in README is what the tool prints today."""

from __future__ import annotations

import ast
import contextlib
import io
import re
import shlex
import textwrap
from pathlib import Path

import pytest

from tests.cli_run import run_cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, flags=re.S)


FIRST_ESTIMATE = 'footprint estimate --profile h800 --gpus 2048 --hours 1300 --price "2 USD/h"'


def test_install_and_estimate_command() -> None:
    first = _bash_blocks()[0].strip()
    assert "pip install ." in first
    assert first.endswith(FIRST_ESTIMATE)  # the first thing a newcomer runs shows the cost as well


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
    block = re.search(rf"```console\n\$ {re.escape(FIRST_ESTIMATE)}\n(.*?)```", README, re.S)
    assert block, "README lost its estimate example"
    r = run_cli(*shlex.split(FIRST_ESTIMATE)[1:])
    assert r.code == 0
    assert _normalise(block.group(1)) == _normalise(r.out)
    assert re.search(r"\n  cost, GPU rental +5,324,800 USD\n", r.out)  # 2,662,400 GPU-hours x 2 USD/h


# --- Python blocks ---------------------------------------------------------------------------------------------
# Every ```python block of the README runs. A `print(...)` line may end in `# -> TEXT`: TEXT is what it prints.
# A comment after a print that is not `# -> ...` is refused, so that no printed-looking comment goes unchecked.
OUTPUT_MARK = "# -> "


def _python_blocks() -> list[str]:
    return [textwrap.dedent(b) for b in re.findall(r"```python\n(.*?)```", README, flags=re.S)]


def _claims(block: str) -> dict[int, str]:
    """Line number (1-based) -> the output its `# -> TEXT` comment promises."""
    claims = {}
    for number, line in enumerate(block.splitlines(), 1):
        code, hash_, comment = line.partition("#")
        if hash_ and code.strip().startswith("print("):
            assert (hash_ + comment).startswith(OUTPUT_MARK), f"README: {line.strip()!r}: a print's comment must be '# -> output'"
            claims[number] = comment[len(OUTPUT_MARK) - 1:].strip()
    return claims


def run_block(block: str, tmp_path: Path) -> list[tuple[int, str]]:
    """Run `block` statement by statement in `tmp_path`: (first line, what it printed) of each top-level statement.

    Names a reader supplies (their training step) are stand-ins that do nothing; a module's `__file__` is a file
    in `tmp_path`."""
    tree = ast.parse(block)
    scope: dict = {"__name__": "readme_block", "__file__": str(tmp_path / "readme_block.py"),
                   "train_one_epoch": lambda: None}
    printed = []
    with contextlib.chdir(tmp_path):
        for statement in tree.body:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(ast.Module([statement], type_ignores=[]), "README.md", "exec"), scope)
            printed.append((statement.lineno, out.getvalue()))
    return printed


@pytest.mark.parametrize("index", range(len(_python_blocks())))
def test_readme_python_blocks_run_and_print_what_they_say(index: int, tmp_path: Path) -> None:
    block = _python_blocks()[index]
    claims = _claims(block)
    printed = dict(run_block(block, tmp_path))
    for line, expected in claims.items():
        assert line in printed, f"README python block {index}: line {line} is not a statement of its own"
        assert printed[line].rstrip("\n") == expected, f"README python block {index}, line {line}"


def test_readme_python_example_checks_its_figures() -> None:
    # the estimate example promises energy, cost and emissions: the check above must have them to compare
    assert any(len(_claims(b)) >= 3 for b in _python_blocks())


def test_a_wrong_output_comment_is_caught(tmp_path: Path) -> None:
    block = 'print(1 + 1)  # -> 3\n'
    claims = _claims(block)
    assert claims == {1: "3"}
    assert dict(run_block(block, tmp_path))[1].rstrip("\n") != claims[1]
    with pytest.raises(AssertionError, match="must be '# -> output'"):
        _claims("print(2)  # 2\n")


def _normalise(text: str) -> str:
    """Install paths and the codecarbon version differ between machines; wrapping follows their length."""
    text = re.sub(r"\S*/profiles/", "profiles/", text)
    text = re.sub(r"codecarbon \d[\w.]*", "codecarbon X", text)
    return " ".join(text.split())
