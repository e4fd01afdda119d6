"""Real plugins for tests, installed the way Python finds them: a ``*.dist-info`` folder with ``entry_points.txt``
on ``sys.path`` (and on ``PYTHONPATH`` for subprocesses), next to the plugin's modules.

The repo's example plugins are put on the path from ``plugins/`` the same way, so the tests pass whether or not
they are installed in the test venv (a dist-info earlier on the path wins over an installed one of that name).
"""

from __future__ import annotations

import importlib
import os
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = {
    # distribution -> (entry-point name, module, folder holding the module)
    "footprint-tpu": ("tpu", "footprint_tpu", REPO / "plugins" / "footprint-tpu"),
    "footprint-gridcsv": ("gridcsv", "footprint_gridcsv", REPO / "plugins" / "footprint-gridcsv"),
    "footprint-filemeter": ("filemeter", "footprint_filemeter", REPO / "plugins" / "footprint-filemeter"),
}


class Site:
    """A folder on ``sys.path`` where tests install plugin distributions; ``pythonpath`` is for subprocesses."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.monkeypatch = monkeypatch
        self.paths: list[str] = [str(root)]
        self.modules: list[str] = []
        root.mkdir(parents=True, exist_ok=True)
        monkeypatch.syspath_prepend(str(root))

    @property
    def pythonpath(self) -> str:
        return os.pathsep.join(self.paths)

    def env(self, **extra: str) -> dict[str, str]:
        """os.environ for a subprocess that sees this site first."""
        return {**os.environ, "PYTHONPATH": self.pythonpath, **extra}

    def dist(self, dist: str, eps: dict[str, str], modules: dict[str, str] | None = None, version: str = "0.1") -> Path:
        """Install distribution ``dist`` with entry points ``eps`` (name -> module) and modules (name -> source)."""
        info = self.root / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text("[footprint]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items()))
        for name, code in (modules or {}).items():
            (self.root / f"{name}.py").write_text(textwrap.dedent(code))
            self.modules.append(name)
        importlib.invalidate_caches()
        return self.root

    def example(self, dist: str) -> None:
        """Put one of the repo's example plugins (plugins/<dist>) on the path, with its entry point."""
        name, module, folder = EXAMPLES[dist]
        self.dist(dist, {name: module}, version="0.1.0")
        self.paths.append(str(folder))
        self.monkeypatch.syspath_prepend(str(folder))
        # the dist-info must come first: syspath_prepend put the folder before it
        self.monkeypatch.syspath_prepend(str(self.root))
        importlib.invalidate_caches()

    def forget(self) -> None:
        for name in self.modules:
            sys.modules.pop(name, None)
        for _, module, _ in EXAMPLES.values():
            for loaded in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
                sys.modules.pop(loaded, None)


def checked() -> list[dict[str, object]]:
    """What ``footprint plugins --json`` lists: every hook run once, then the plugins with their errors."""
    from footprint.cli.plugins import health_check
    from footprint.plugins.manager import describe

    health_check()
    return describe()
