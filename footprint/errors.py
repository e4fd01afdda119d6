"""The one exception type whose message is shown to users."""

from __future__ import annotations

from collections.abc import Iterable


class FootprintError(Exception):
    """A problem with the user's input or data, worded for the user (one line, no traceback)."""


def suggest(value: str, choices: Iterable[str], n: int = 3) -> str:
    """Return ' (did you mean: a, b?)' for the closest choices, or '' when none is close."""
    from difflib import get_close_matches  # needed only once a value is wrong

    lowered = {c.lower(): c for c in choices}
    matches = get_close_matches(value.lower(), list(lowered), n=n, cutoff=0.5)
    if not matches:
        return ""
    return " (did you mean: " + ", ".join(lowered[m] for m in matches) + "?)"
