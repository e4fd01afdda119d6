"""Built-in plugin: the hardware profiles shipped with footprint (the TOML files in ``profiles/``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from footprint import hookimpl


def shipped_profile_dir() -> Path:
    """Inside a wheel the files sit in footprint/profiles; in a source checkout, in the repo's profiles/."""
    package = Path(__file__).resolve().parents[2]
    inside = package / "profiles"
    return inside if inside.is_dir() else package.parent / "profiles"


@hookimpl
def footprint_register_profiles(register: Callable[[Any], None]) -> None:
    from footprint.core.profiles import load_profile_dir

    for profile in load_profile_dir(shipped_profile_dir()):
        register(profile)
