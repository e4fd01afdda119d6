"""The live one-line status on a terminal: power now, energy and CO2e so far, refreshed at most once a second."""

from __future__ import annotations

import time
from typing import IO, Any

from footprint.meter.ledger import Ledger

MIN_REFRESH_S = 1.0


class StatusLine:
    """Rewrites one stderr line in place; ``clear()`` before anything else is printed."""

    def __init__(self, stream: IO[str], pue: float, intensity_g_per_kwh: float) -> None:
        self.stream = stream
        self.pue = pue
        self.intensity = intensity_g_per_kwh
        self.last = 0.0
        self.shown = False

    def update(self, record: dict[str, Any], ledger: Ledger) -> None:
        if record.get("type") != "interval":
            return
        now = time.monotonic()
        if now - self.last < MIN_REFRESH_S:
            return
        self.last = now
        dt = float(record.get("dt") or 0.0)
        power = sum(record.get("e", [])) / dt if dt > 0 else 0.0
        joules = sum(c.energy for c in ledger.channels)
        kwh = joules / 3.6e6 * self.pue
        grams = kwh * self.intensity
        co2 = f"{grams / 1000:.3f} kgCO2e" if grams >= 1000 else f"{grams:.1f} gCO2e"
        energy = f"{kwh:.3f} kWh" if kwh >= 1 else f"{kwh * 1000:.1f} Wh"
        elapsed = int(ledger.t)
        text = f"footprint: {power:,.0f} W now | {energy} | {co2} | {elapsed // 3600:d}:{elapsed // 60 % 60:02d}:{elapsed % 60:02d}"
        self.stream.write("\r\033[K" + text)
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False
