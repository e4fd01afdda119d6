"""The wheel: built from this tree, installed into a fresh venv, it runs `footprint estimate` with its own profiles.

No network: the fresh venv gets the wheel through pip's ``--python`` option (pip runs from the test venv, installs
into the new one, and writes a console script whose shebang is the new interpreter), and gets the dependencies by
a ``.pth`` file naming a folder of links to exactly the dependency closure installed in the test venv. The
editable footprint (and any plugin) of the test venv is never on the new venv's path, so the only footprint it
can import is the one the wheel installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Installed:
    wheel: Path
    python: Path
    script: Path
    site_packages: Path


def dependency_closure(name: str) -> list[metadata.Distribution]:
    """The installed distributions that ``name`` requires, transitively (extras left out), without ``name``."""
    seen: dict[str, metadata.Distribution] = {}
    todo = [name]
    while todo:
        dist = metadata.distribution(todo.pop())
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            key = canonicalize_name(req.name)
            if key not in seen and key != canonicalize_name(name):
                seen[key] = metadata.distribution(req.name)
                todo.append(req.name)
    return list(seen.values())


def link_distributions(dists: list[metadata.Distribution], into: Path) -> None:
    """Symlink each distribution's top-level files (packages, modules, dist-info) into one folder."""
    into.mkdir()
    for dist in dists:
        for file in dist.files or []:
            top = file.parts[0]
            if top in ("..", "__pycache__") or top.endswith(".pth") or (into / top).exists():
                continue
            source = Path(str(dist.locate_file(top)))
            if source.exists():
                (into / top).symlink_to(source)


def run(*cmd: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{cmd}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """Build the wheel, make a fresh venv without pip, install the wheel into it, link the dependencies."""
    root = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", root / "dist", REPO, cwd=root)
    (wheel,) = (root / "dist").glob("footprint-*.whl")
    venv = root / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=root)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--no-compile",
        "--disable-pip-version-check", wheel, cwd=root)
    site_packages = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=root).stdout.strip())
    link_distributions(dependency_closure("footprint"), root / "deps")
    (site_packages / "zz_footprint_test_deps.pth").write_text(f"{root / 'deps'}\n")
    yield Installed(wheel, python, venv / "bin" / "footprint", site_packages)


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    return env


def test_wheel_holds_the_package_profiles_data_and_console_script(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as whl:
        names = set(whl.namelist())
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        scripts = whl.read(entry_points).decode()
    shipped = {f"footprint/profiles/{p.name}" for p in (REPO / "profiles").glob("*.toml")}
    assert len(shipped) >= 17
    assert shipped <= names
    assert {"footprint/__init__.py", "footprint/core/units.txt", "footprint/data/defaults.toml",
            "footprint/cli/estimate.py", "footprint/plugins/builtin/shipped_profiles.py"} <= names
    assert not any(n.startswith(("tests/", "plugins/", "benchmarks/")) for n in names)
    assert "[console_scripts]\nfootprint = footprint.cli:main" in scripts


def test_installed_wheel_estimates_with_its_own_profiles_outside_the_source_tree(installed: Installed, tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    probe = "import footprint, importlib.util as u; print(footprint.__file__, u.find_spec('footprint_tpu'))"
    where, tpu = run(installed.python, "-c", probe, cwd=tmp_path, env=env).stdout.split()
    assert Path(where) == installed.site_packages / "footprint" / "__init__.py"
    assert tpu == "None"  # nothing of the test venv's editable installs is visible

    result = run(installed.script, "estimate", "--profile", "h800", "--gpus", "2048", "--hours", "1300", cwd=tmp_path, env=env)
    assert result.stderr == ""
    text = " ".join(result.stdout.split())  # the table wraps long sources at spaces
    assert "GPU-hours 2,662,400 h" in text
    assert "energy, GPU 1,864 MWh" in text
    assert str(REPO) not in text
    # the installed profile file reads as footprint's own, not as a site-packages path
    assert "from profiles/h800-sxm.toml (shipped) via plugin 'shipped-profiles'" in text
    assert str(installed.site_packages) not in text

    as_json = run(installed.script, "estimate", "--profile", "h800", "--gpus", "2048", "--hours", "1300", "--json",
                  cwd=tmp_path, env=env).stdout
    profile = next(a for a in json.loads(as_json)["assumptions"] if a["name"] == "profile")
    profile_file = installed.site_packages / "footprint" / "profiles" / "h800-sxm.toml"
    assert profile["source"] == f"from {profile_file} via plugin 'shipped-profiles'"


def test_installed_wheel_lists_every_shipped_profile_and_its_version(installed: Installed, tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    version = run(installed.script, "--version", cwd=tmp_path, env=env).stdout
    assert version == "footprint, version 0.1.0\n"
    listing = run(installed.script, "profiles", cwd=tmp_path, env=env).stdout
    ids = {line.split()[0] for line in listing.splitlines()[1:-1]}
    assert ids == {p.stem for p in (REPO / "profiles").glob("*.toml")}


def test_tpu_plugin_wheel_ships_its_profiles_and_entry_point(tmp_path: Path) -> None:
    plugin = REPO / "plugins" / "footprint-tpu"
    run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", tmp_path, plugin, cwd=tmp_path)
    (wheel,) = tmp_path.glob("footprint_tpu-*.whl")
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        assert whl.read(entry_points).decode().startswith("[footprint]\ntpu = footprint_tpu")
    assert {f"footprint_tpu/profiles/tpu-{v}.toml" for v in ("v4", "v5e", "v5p")} <= names
