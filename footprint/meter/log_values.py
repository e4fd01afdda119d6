"""The plain values of a meter log, checked: numbers within bounds, times since the start, and short excerpts of
what a damaged record held. The log's reader, its checkpoints and the checks of stored totals share them."""

from __future__ import annotations

import json
from typing import Any

MAX_JOULES = 1e15  # per interval and channel: a 1 PW reading is a corrupt record, not a measurement
MAX_SECONDS = 1e9  # about 30 years


def log_number(value: Any) -> float | None:
    """A finite float within bounds, or None: JSON booleans, strings, 400-digit integers and NaN are not numbers."""
    kind = type(value)  # exact types: bool is an int subclass, and JSON has no others
    if kind is float:
        return value if -MAX_JOULES <= value <= MAX_JOULES else None  # NaN fails both comparisons
    if kind is int:
        return float(value) if -MAX_JOULES <= value <= MAX_JOULES else None
    return None


def excerpt(value: Any) -> str:
    """A value as JSON, cut to 40 characters, for a message that names what a record held."""
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:37] + "..."


def time_problem(record: dict[str, Any], last_t: float) -> str | None:
    """What is wrong with a record's time 't' after a run's last time ``last_t`` (None if it is right)."""
    t = log_number(record.get("t"))
    if t is None or not 0 <= t <= MAX_SECONDS:
        return f"'t' is {excerpt(record.get('t'))}; expected seconds since the start"
    if t < last_t:
        return f"time goes backwards ('t' {t:g} s after {last_t:g} s)"
    return None
