"""Built-in plugin: profiles users add without code, as TOML files in ``FOOTPRINT_PROFILE_PATH`` directories
(separated by the OS path separator) or in the user config directory (``$XDG_CONFIG_HOME/footprint/profiles``,
default ``~/.config/footprint/profiles``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pluggy

hookimpl = pluggy.HookimplMarker("footprint")


def user_profile_dirs() -> list[Path]:
    dirs = [Path(p) for p in os.environ.get("FOOTPRINT_PROFILE_PATH", "").split(os.pathsep) if p]
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    dirs.append(config / "footprint" / "profiles")
    return dirs


@hookimpl
def footprint_register_profiles(register: Callable[[Any], None]) -> None:
    from footprint.core.profiles import load_profile_dir
    from footprint.errors import FootprintError

    for directory in user_profile_dirs():
        if directory.is_dir():
            for profile in load_profile_dir(directory):
                register(profile)
        elif str(directory) in os.environ.get("FOOTPRINT_PROFILE_PATH", "").split(os.pathsep):
            raise FootprintError(f"FOOTPRINT_PROFILE_PATH: {str(directory)!r} is not a directory; expected directories of .toml profiles")
