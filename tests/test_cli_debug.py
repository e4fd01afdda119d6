"""--debug (or FOOTPRINT_DEBUG=1) keeps tracebacks; it is footprint's own option, read by click, never a word
that happens to appear in a metered command's arguments."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from footprint.errors import FootprintError
from tests.cli_run import run_cli


def test_debug_option_lets_the_error_propagate_with_its_traceback() -> None:
    with pytest.raises(FootprintError, match="profile 'no-such-gpu' is unknown"):
        run_cli("--debug", "estimate", "--profile", "no-such-gpu", "--gpus", "1", "--hours", "1")


def test_without_debug_the_same_error_is_one_line_and_exit_2() -> None:
    result = run_cli("estimate", "--profile", "no-such-gpu", "--gpus", "1", "--hours", "1")
    assert result.code == 2 and result.err.count("\n") == 1


def test_debug_in_the_metered_commands_arguments_does_not_switch_on_tracebacks(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "footprint", "run", "--region", "nowhere-land", "--", sys.executable,
                           "-c", "pass", "--debug"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("footprint run: error: region 'nowhere-land' is unknown")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
