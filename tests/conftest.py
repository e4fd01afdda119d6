"""Fixtures every test gets: no installed plugin and no user profile leaks in, and plugins load afresh."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from footprint.plugins import manager as plugins
from tests.plugin_dists import Site

# The system programs some tests drive, and the Debian package that brings each (.ci/run installs them all).
SYSTEM_PROGRAMS = {
    "munged": "munge", "slurmctld": "slurm-wlm", "slurmd": "slurm-wlm", "srun": "slurm-wlm", "sinfo": "slurm-wlm",
    "mpirun": "openmpi-bin", "prometheus": "prometheus", "prometheus-pushgateway": "prometheus-pushgateway",
    "chromium": "chromium",
}
REQUIRE_VARIABLE = "FOOTPRINT_SYSTEM_TESTS"


def find_program(name: str) -> str | None:
    """Where a system program is installed (sbin folders too, where Debian puts daemons), or None."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "system(*programs): the test drives these system programs; it skips where one is missing, "
                   f"and fails instead with {REQUIRE_VARIABLE}=require (as CI sets it)")
    mode = os.environ.get(REQUIRE_VARIABLE, "")
    if mode not in ("", "skip", "require"):
        raise pytest.UsageError(f"{REQUIRE_VARIABLE}={mode!r}: expected 'require' (fail when a system program is missing) "
                                "or 'skip' (the default)")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a system test's fixtures start any daemon: skip it (or, under CI, fail it) naming what is missing."""
    missing = sorted({name for mark in item.iter_markers("system") for name in mark.args if find_program(name) is None})
    if not missing:
        return
    packages = sorted({SYSTEM_PROGRAMS.get(name, name) for name in missing})
    needs = f"{', '.join(missing)} (apt-get install {' '.join(packages)})"
    if os.environ.get(REQUIRE_VARIABLE) == "require":
        pytest.fail(f"needs {needs}; {REQUIRE_VARIABLE}=require makes a missing system program a failure", pytrace=False)
    pytest.skip(f"needs {needs}")


@pytest.fixture(scope="session")
def test_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the whole test run, so that no test writes into the user's ~/.cache."""
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(autouse=True)
def isolated_plugins(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory,
                     test_cache_home: Path) -> Iterator[None]:
    """Load no external plugin (tests that need one set FOOTPRINT_LOAD_PLUGINS themselves), no user profiles, and
    keep every cache (footprint's and pint's) in the test run's own folder."""
    monkeypatch.setenv("FOOTPRINT_LOAD_PLUGINS", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(test_cache_home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
    monkeypatch.delenv("FOOTPRINT_PROFILE_PATH", raising=False)
    plugins.reset()
    yield
    plugins.reset()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """A folder on sys.path to install plugin distributions into (see tests/plugin_dists.py)."""
    folder = Site(tmp_path / "site", monkeypatch)
    yield folder
    folder.forget()


@pytest.fixture
def tpu_site(site: Site) -> Site:
    """The repo's footprint-tpu example on the path, installed in the test venv or not."""
    site.example("footprint-tpu")
    return site
