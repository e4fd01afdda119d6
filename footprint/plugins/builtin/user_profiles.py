"""Built-in plugin: profiles users add without code, as TOML files in ``FOOTPRINT_PROFILE_PATH`` directories
(separated by the OS path separator) or in the user config directory (``$XDG_CONFIG_HOME/footprint/profiles``,
default ``~/.config/footprint/profiles``). A file that does not load is skipped with one warning naming it; a
``FOOTPRINT_PROFILE_PATH`` entry that is no directory is an error."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from footprint import hookimpl


def user_profile_dirs() -> list[Path]:
    dirs = [Path(p) for p in os.environ.get("FOOTPRINT_PROFILE_PATH", "").split(os.pathsep) if p]
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    dirs.append(config / "footprint" / "profiles")
    return dirs


@hookimpl
def footprint_register_profiles(register: Callable[[Any], None]) -> None:
    from footprint.core.profiles import load_profile_file
    from footprint.errors import FootprintError
    from footprint.plugins.manager import state

    for directory in user_profile_dirs():
        if directory.is_dir():
            # one bad file costs its own profile, with one warning naming it, as a failing plugin costs its own
            # contributions; the others still load (and `run` still matches its GPUs against them). A file named
            # with --profile-file is another matter: that one is the user's choice, and its error is the command's.
            for path in sorted(directory.glob("*.toml")):
                try:
                    profile = load_profile_file(path)
                except FootprintError as exc:
                    state().warn(f"profile file skipped: {exc}")
                    continue
                register(profile)
        elif str(directory) in os.environ.get("FOOTPRINT_PROFILE_PATH", "").split(os.pathsep):
            raise FootprintError(f"FOOTPRINT_PROFILE_PATH: {str(directory)!r} is not a directory; expected directories of .toml profiles")
