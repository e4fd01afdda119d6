"""How a Footprint reads as text: registers the renderers behind ``str(footprint)`` and ``footprint.summary()``
with footprint.core.result, which holds no text of its own and never imports this layer."""

from __future__ import annotations

from footprint.core.result import Footprint, register_text
from footprint.render.summary import summary
from footprint.render.text import result_lines, table, title


def _rows(fp: Footprint, heading: str) -> str:
    return "\n".join([heading or title(fp), *result_lines(fp)])


def _measurement(fp: Footprint, heading: str) -> str:
    return summary(fp, heading or f"footprint measurement{': ' + fp.label if fp.label else ''}")


register_text("rows", _rows)
register_text("estimate", table)
register_text("measurement", _measurement)
