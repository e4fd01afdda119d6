"""Building long-lived state without pauses of the cyclic garbage collector.

Importing modules and building pint's unit registry allocate some 10^5 objects that live as long as the
process. Python's collector runs about a hundred times meanwhile (a tenth of a command's start-up, measured in
benchmarks/RESULTS.md) and frees nothing, because nothing built there is garbage yet. ``building()`` pauses it for such a bounded
phase and restores it after, so a long job (a metered run, a report over many logs) still collects as usual.

Paused, the collector would scan those objects at its next runs instead; in the command line's own process
(``own_process()``) they are moved out of its reach with ``gc.freeze()`` as the phase ends, which also spares
a long metered run from scanning them at every full collection. In a user's process (``footprint.track()``,
``footprint.estimate()``) nothing is frozen: that would keep the user's own objects from being collected.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_own = False


def own_process() -> None:
    """Declare this process footprint's own (the command line): long-lived state built here is frozen."""
    global _own
    _own = True


@contextmanager
def building() -> Iterator[None]:
    """Pause the cyclic collector while long-lived state is built; nested uses and a collector that the caller
    had already disabled stay as they were."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _own:
            gc.freeze()
        if was_enabled:
            gc.enable()
