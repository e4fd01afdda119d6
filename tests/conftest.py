"""Fixtures every test gets: no installed plugin and no user profile leaks in, and plugins load afresh."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from footprint import plugins


@pytest.fixture(autouse=True)
def isolated_plugins(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Load no external plugin (tests that need one set FOOTPRINT_LOAD_PLUGINS themselves) and no user profiles."""
    monkeypatch.setenv("FOOTPRINT_LOAD_PLUGINS", "")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
    monkeypatch.delenv("FOOTPRINT_PROFILE_PATH", raising=False)
    plugins.reset()
    yield
    plugins.reset()
