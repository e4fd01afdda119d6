"""Reading a user-supplied TOML file, with every failure turned into one FootprintError line."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from footprint.errors import FootprintError

# Profiles, scenarios, references and fake-GPU files are a few KiB; the cap stops '/dev/zero' or a wrong path
# to a dataset from filling memory before the parser sees a byte.
MAX_BYTES = 1024 * 1024
# Our files nest three or four levels ([references.ID.outputs.NAME.method]); a deeper document is refused here,
# before repr() of it in an error message or any recursive walk can raise RecursionError.
MAX_DEPTH = 32


def read_toml(path: str | Path, what: str, expected: str = "a TOML file") -> dict[str, Any]:
    """Parse `path`; `what` names the file's role in messages ("profile file", "scenario"), `expected` its content.

    Only a regular file of at most MAX_BYTES is read; anything else (a directory, a device, a pipe, a huge or
    too deeply nested file) is one FootprintError line naming the file.
    """
    p = Path(path)
    name = repr(str(p))
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below as not a regular file
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise FootprintError(f"{what} {name} does not exist; expected {expected}") from None
    except OSError as exc:
        raise FootprintError(f"{what} {name} cannot be read: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise FootprintError(f"{what} {name} is not a regular file; expected {expected}")
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise FootprintError(f"{what} {name} cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise FootprintError(f"{what} {name} is larger than {MAX_BYTES // 1024} KiB; expected {expected}")
    too_deep = f"{what} {name} nests tables or arrays more than {MAX_DEPTH} deep; expected {expected}"
    import tomllib  # its imports are not paid where every file comes from the parsed-TOML cache

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FootprintError(f"{what} {name} is not valid TOML: {exc}") from None
    except RecursionError:
        raise FootprintError(too_deep) from None
    if _depth(data) > MAX_DEPTH:
        raise FootprintError(too_deep)
    return data


def _depth(data: Any) -> int:
    """How deeply tables and arrays nest in `data`, walked without recursion."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, level + 1) for c in children if isinstance(c, (dict, list)))
    return deepest
