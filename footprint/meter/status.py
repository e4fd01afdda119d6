"""The live one-line status on a terminal: power now, energy and CO2e so far, refreshed at most once a second.

The child writes to the same terminal at any moment, often in the middle of a line. So the status never shares
a line with it: the bottom row is taken out of the scrolling region (DECSTBM, as apt's progress bar does), the
status is drawn there between a cursor save and restore, and the child's text scrolls above it untouched.
"""

from __future__ import annotations

import io
import os
import time
from typing import IO, Any

from footprint.meter.ledger import Ledger

MIN_REFRESH_S = 1.0
SAVE, RESTORE = "\0337", "\0338"


def terminal_rows_columns(stream: IO[str]) -> tuple[int, int] | None:
    """The terminal's size, None when `stream` is not a terminal; a terminal that reports no size (a bare pty)
    is taken as the VT100's 24 x 80."""
    try:
        fd = stream.fileno()
        if not os.isatty(fd):
            return None
        size = os.get_terminal_size(fd)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return None
    if size.lines < 3 or size.columns < 10:
        return 24, 80
    return size.lines, size.columns


class StatusLine:
    """Keeps one status line on the terminal's bottom row; ``clear()`` gives the row back before the summary."""

    def __init__(self, stream: IO[str], pue: float, intensity_g_per_kwh: float, size: tuple[int, int] | None = None,
                 co2_only: bool = False) -> None:
        self.stream = stream
        self.co2_only = co2_only  # the grid factor counts CO2 only: say gCO2, not gCO2e
        self.pue = pue
        self.intensity = intensity_g_per_kwh
        self.last = 0.0
        self.fixed_size = size
        self.rows = 0  # the terminal height the scrolling region was set for; 0 = not set
        self.shown = False
        self.work: Any = None  # the run's WorkMonitor: its forecast joins the line

    def text(self, record: dict[str, Any], ledger: Ledger) -> str:
        from footprint.core.fmt import span
        from footprint.core.units import Q

        dt = float(record.get("dt") or 0.0)
        power = sum(record.get("e", [])) / dt if dt > 0 else 0.0
        kwh = sum(c.energy for c in ledger.channels) / 3.6e6 * self.pue
        elapsed = int(ledger.t)
        line = (f"footprint: {span(Q(power, 'W'))} now | {span(Q(kwh, 'kWh'))} | {span(Q(kwh * self.intensity, 'gCO2e'), co2_only=self.co2_only)} | "
                f"{elapsed // 3600:d}:{elapsed // 60 % 60:02d}:{elapsed % 60:02d}")
        live = self.work.snapshot() if self.work is not None else None
        if live and live.get("forecast_energy_kwh") is not None:
            from datetime import datetime

            end = live.get("forecast_end_unix")
            line += (f" | {live['forecast_fraction_done']:.0%} done, forecast {span(Q(live['forecast_energy_kwh'], 'kWh'))} "
                     f"({span(Q(live['forecast_energy_kwh_low'], 'kWh'))}-{span(Q(live['forecast_energy_kwh_high'], 'kWh'))})"
                     + (f", ends {datetime.fromtimestamp(end):%H:%M}" if end else ""))
        return line

    def begin(self) -> None:
        """Reserve the bottom row; call before the child starts, while the cursor is at the start of a line."""
        size = self.fixed_size or terminal_rows_columns(self.stream)
        if size is None or self.rows:
            return
        self.rows = size[0]
        # a newline first, so that shrinking the region scrolls the last line up instead of covering it
        self.stream.write(f"\n{SAVE}\033[1;{self.rows - 1}r{RESTORE}\033[1A")
        self.stream.flush()
        self.shown = True

    def update(self, record: dict[str, Any], ledger: Ledger) -> None:
        if record.get("type") != "interval":
            return
        now = time.monotonic()
        if now - self.last < MIN_REFRESH_S:
            return
        self.last = now
        size = self.fixed_size or terminal_rows_columns(self.stream)
        if size is None or not self.rows:
            return  # not begun, or not a terminal we can measure: drawing blind could land in the child's output
        rows, columns = size
        out = []
        if rows != self.rows:  # the terminal was resized: move the reserved row to the new bottom
            out.append(f"{SAVE}\033[1;{rows - 1}r{RESTORE}")
            self.rows = rows
        out.append(f"{SAVE}\033[{rows};1H\033[2K{self.text(record, ledger)[:columns - 1]}{RESTORE}")
        self.stream.write("".join(out))  # one write, so the child's output cannot land between the pieces
        self.stream.flush()

    def _release(self) -> str:
        return f"{SAVE}\033[1;{self.rows}r\033[{self.rows};1H\033[2K{RESTORE}"

    def clear(self) -> None:
        """Give the bottom row back: full scrolling region, status erased, cursor where the child left it."""
        if self.shown:
            self.stream.write(self._release())
            self.stream.flush()
            self.shown = False
            self.rows = 0
