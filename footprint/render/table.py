"""One text-table layout for every command: left-aligned columns, two spaces apart, trailing blanks trimmed."""

from __future__ import annotations

from collections.abc import Sequence


def grid(rows: Sequence[Sequence[str]], indent: int = 2, gap: int = 2) -> list[str]:
    """Lines of a table whose columns are as wide as their widest cell; the last column is not padded."""
    if not rows:
        return []
    columns = max(len(r) for r in rows)
    cells = [list(r) + [""] * (columns - len(r)) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(columns)]
    lines = []
    for r in cells:
        text = "".join(c.ljust(w + gap) for c, w in zip(r[:-1], widths[:-1], strict=True)) + r[-1]
        lines.append((" " * indent + text).rstrip())
    return lines
