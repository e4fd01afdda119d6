"""Start-up builds its long-lived state (modules, pint's registry, the plugins) with the cyclic collector
paused, and leaves the collector as it found it, so that a long metered run or report still collects."""

from __future__ import annotations

import gc
import subprocess
import sys

from footprint.core.startup import building


def test_the_collector_is_paused_while_building_and_restored_after() -> None:
    assert gc.isenabled()
    with building():
        assert not gc.isenabled()
        with building():
            assert not gc.isenabled()
        assert not gc.isenabled()  # an inner phase does not end the outer one
    assert gc.isenabled()
    gc.disable()
    try:
        with building():
            pass
        assert not gc.isenabled()  # a caller that had disabled it keeps it disabled
    finally:
        gc.enable()


def test_a_failure_while_building_restores_the_collector() -> None:
    try:
        with building():
            raise ValueError("a plugin's import failed")
    except ValueError:
        pass
    assert gc.isenabled()


CHECK = """
import gc, sys
from footprint.core import startup
from footprint.core.units import registry
frozen = gc.get_freeze_count()
registry()
library = gc.get_freeze_count() - frozen
startup.own_process()
from footprint.plugins import manager
manager.state()
print(library, gc.get_freeze_count() - frozen, gc.isenabled())
"""


def test_only_the_command_lines_own_process_freezes_what_it_built() -> None:
    """A user's process that calls footprint (track, estimate) keeps every object collectable; the command line
    moves what its start-up built out of the collector's reach, and collects whatever comes after."""
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True).stdout.split()
    library, own, enabled = int(out[0]), int(out[1]), out[2]
    assert library == 0 and own > 10_000 and enabled == "True"


def test_the_console_script_leaves_the_collector_running_for_the_command() -> None:
    code = ("import gc, sys; sys.argv = ['footprint', 'estimate', '--profile', 'h800', '--gpus', '8', '--hours', '1'];"
            "import atexit; atexit.register(lambda: print('collector', gc.isenabled(), gc.get_freeze_count() > 0));"
            "from footprint.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "collector True True"
