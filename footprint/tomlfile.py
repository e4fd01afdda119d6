"""Reading a user-supplied TOML file, with every failure turned into one FootprintError line."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from footprint.errors import FootprintError


def read_toml(path: str | Path, what: str, expected: str = "a TOML file") -> dict[str, Any]:
    """Parse `path`; `what` names the file's role in messages ("profile file", "scenario"), `expected` its content."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise FootprintError(f"{what} {str(p)!r} does not exist; expected {expected}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FootprintError(f"{what} {str(p)!r} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise FootprintError(f"{what} {str(p)!r} cannot be read: {exc.strerror or exc}") from None
