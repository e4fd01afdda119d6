"""Fixtures every test gets: no installed plugin and no user profile leaks in, and plugins load afresh."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from footprint.plugins import manager as plugins
from tests.plugin_dists import Site


@pytest.fixture(autouse=True)
def isolated_plugins(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Load no external plugin (tests that need one set FOOTPRINT_LOAD_PLUGINS themselves) and no user profiles."""
    monkeypatch.setenv("FOOTPRINT_LOAD_PLUGINS", "")
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
