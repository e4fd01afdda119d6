"""Start-up stays light: ``import footprint`` and the commands that need no units never import pint, NVML or codecarbon.

A behaviour test, not a timing one: each case runs in a fresh interpreter and reports which modules it imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugin_dists import Site

HEAVY = ("pint", "pynvml", "codecarbon", "numpy")

# Runs a footprint command (or just the import) and, at exit, writes the top-level names of loaded modules to argv[1].
RUNNER = """
import atexit, json, sys
out, args = sys.argv[1], sys.argv[2:]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
if args == ["--import-only"]:
    import footprint
else:
    from footprint.cli import main
    main(args)
"""


def loaded_modules(tmp_path: Path, *args: str, plugins: str = "", site: Site | None = None) -> set[str]:
    out = tmp_path / "modules.json"
    env = {**(site.env() if site is not None else os.environ), "FOOTPRINT_LOAD_PLUGINS": plugins}
    done = subprocess.run([sys.executable, "-c", RUNNER, str(out), *args], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return set(json.loads(out.read_text()))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def test_import_footprint_loads_no_plugin_registry_or_gpu_library(tmp_path: Path) -> None:
    modules = loaded_modules(tmp_path, "--import-only")
    assert heavy(modules) == []
    assert not {"footprint.plugins.manager", "footprint.core.units", "footprint.meter", "click"} & modules


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("estimate", "--help"), ("plugins",), ("plugins", "--json")])
def test_commands_that_need_no_units_do_not_import_pint_or_nvml(tmp_path: Path, args: tuple[str, ...], tpu_site: Site) -> None:
    # with the tpu plugin selected, so its module's import is held to the same rule
    modules = loaded_modules(tmp_path, *args, plugins="tpu", site=tpu_site)
    assert heavy(modules) == []


@pytest.mark.parametrize("args", [("plugins", "--check"), ("plugins", "--check", "--json")])
def test_plugins_check_runs_every_hook_but_touches_no_gpu_library(tmp_path: Path, args: tuple[str, ...], tpu_site: Site) -> None:
    # `footprint plugins --check` runs the hooks to find plugins that fail inside them; meters are registered, not opened
    modules = loaded_modules(tmp_path, *args, plugins="tpu", site=tpu_site)
    assert "footprint_tpu" in modules
    assert not {"pynvml", "codecarbon"} & {m.split(".")[0] for m in modules}


def test_the_runner_would_see_pint_if_it_were_imported(tmp_path: Path) -> None:
    modules = loaded_modules(tmp_path, "estimate", "--profile", "h100", "--gpus", "1", "--hours", "1")
    assert "pint" in modules
