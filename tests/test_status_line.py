"""The live status line never breaks a line of the child's output: checked on a small VT100 screen model that
interprets exactly the control sequences a terminal would (save/restore cursor, scrolling region, cursor moves)."""

from __future__ import annotations

import io
import re

from footprint.meter.ledger import Ledger
from footprint.meter.status import StatusLine


class Screen:
    """A VT100 subset: printable text, CR, NL (scrolling inside the region), ESC 7/8, CSI r, H, A, K."""

    def __init__(self, rows: int, columns: int) -> None:
        self.rows, self.columns = rows, columns
        self.lines = [[" "] * columns for _ in range(rows)]
        self.y = self.x = 0
        self.top, self.bottom = 0, rows - 1
        self.saved = (0, 0)

    def feed(self, text: str) -> None:
        i = 0
        while i < len(text):
            c = text[i]
            if c == "\033":
                if text[i + 1] in "78":
                    if text[i + 1] == "7":
                        self.saved = (self.y, self.x)
                    else:
                        self.y, self.x = self.saved
                    i += 2
                    continue
                m = re.match(r"\[([\d;]*)([A-Za-z])", text[i + 1:])
                assert m, f"unexpected escape {text[i:i + 8]!r}"
                self._csi(m.group(1), m.group(2))
                i += 1 + m.end()
                continue
            if c == "\n":  # the tty's ONLCR turns a newline into CR LF
                self.x = 0
                self._linefeed()
            elif c == "\r":
                self.x = 0
            else:
                if self.x >= self.columns:
                    self.x = 0
                    self._linefeed()
                self.lines[self.y][self.x] = c
                self.x += 1
            i += 1

    def _linefeed(self) -> None:
        if self.y == self.bottom:
            del self.lines[self.top]
            self.lines.insert(self.bottom, [" "] * self.columns)
        elif self.y < self.rows - 1:
            self.y += 1

    def _csi(self, params: str, final: str) -> None:
        args = [int(p) if p else 0 for p in params.split(";")] if params else []
        if final == "r":
            top, bottom = [*args, 0, 0][:2]
            self.top, self.bottom = max(top, 1) - 1, (bottom or self.rows) - 1
            self.y = self.x = 0
        elif final in "Hf":
            row, col = [*args, 1, 1][:2]
            self.y, self.x = max(row, 1) - 1, max(col, 1) - 1
        elif final == "A":
            self.y = max(self.top, self.y - (args[0] if args else 1))
        elif final == "K":
            self.lines[self.y] = [" "] * self.columns
        else:
            raise AssertionError(f"unexpected CSI {final}")

    def text(self) -> list[str]:
        return ["".join(line).rstrip() for line in self.lines]


class Terminal(io.StringIO):
    """stderr and stdout of the child going to one screen, in the order they are written."""

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.screen = screen

    def write(self, text: str) -> int:
        self.screen.feed(text)
        return len(text)


def _ledger() -> Ledger:
    ledger = Ledger({"channels": [{"key": "g0", "component": "gpu"}]})
    ledger.add({"type": "interval", "t": 5.0, "dt": 5.0, "e": [3500.0]})
    return ledger


def test_child_lines_stay_whole_while_the_status_refreshes(monkeypatch) -> None:
    screen = Screen(rows=8, columns=60)
    term = Terminal(screen)
    status = StatusLine(term, pue=1.0, intensity_g_per_kwh=475.0, size=(8, 60))
    clock = iter(float(t) for t in range(100, 200, 2))
    monkeypatch.setattr("footprint.meter.status.time.monotonic", lambda: next(clock))
    ledger = _ledger()
    status.begin()  # before the child starts
    lines = [f"step {i:02d} loss 0.{i:02d}" for i in range(12)]
    for line in lines:
        half = len(line) // 2
        term.write(line[:half])  # the child is in the middle of a line when the status refreshes
        status.update({"type": "interval", "dt": 5.0, "e": [3500.0]}, ledger)
        term.write(line[half:] + "\n")
    shown = screen.text()
    assert shown[-1].startswith("footprint: 700 W now | 972.2 mWh | 461.8 mgCO2e | 0:00:05")
    child = [row for row in shown[:-1] if row]
    assert child == lines[-len(child):] and len(child) >= 6  # whole lines, in order, scrolled above the status
    status.clear()
    assert screen.text()[-1] == "" and screen.bottom == 7  # the bottom row is given back
    term.write("summary\n")
    assert "summary" in screen.text()


def test_no_status_without_a_measurable_terminal() -> None:
    out = io.StringIO()  # no file descriptor: drawing blind could land in the child's output
    status = StatusLine(out, pue=1.1, intensity_g_per_kwh=475.0)
    status.begin()
    status.update({"type": "interval", "dt": 5.0, "e": [3500.0]}, _ledger())
    status.clear()
    assert out.getvalue() == ""


def test_a_co2_only_grid_factor_shows_gco2() -> None:
    screen = Screen(rows=6, columns=70)
    status = StatusLine(Terminal(screen), pue=1.0, intensity_g_per_kwh=497.4, size=(6, 70), co2_only=True)
    status.begin()
    status.update({"type": "interval", "dt": 5.0, "e": [3500.0]}, _ledger())
    assert "gCO2 |" in screen.text()[-1] and "CO2e" not in screen.text()[-1]
