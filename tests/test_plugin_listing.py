"""``footprint plugins`` lists without running hooks, and names each distribution as importlib.metadata does."""

from __future__ import annotations

from importlib.metadata import distributions

from footprint.plugins.manager import _name_version
from tests.cli_run import run_cli


def test_distribution_names_and_versions_read_as_importlib_metadata_reads_them() -> None:
    checked = 0
    for dist in distributions():
        if dist.read_text("METADATA") is None and dist.read_text("PKG-INFO") is None:
            continue
        assert _name_version(dist) == (dist.name, dist.version)
        checked += 1
    assert checked > 10  # footprint, its dependencies and the example plugin


def test_listing_says_that_hooks_were_not_run_and_check_runs_them() -> None:
    listed = run_cli("plugins")
    assert listed.code == 0, listed.err
    assert "shipped-profiles  (built-in)  hooks: footprint_register_profiles" in listed.out
    assert listed.out.rstrip().endswith("(hooks not run: 'footprint plugins --check' runs each once to find plugins "
                                        "that fail inside one)")
    checked = run_cli("plugins", "--check")
    assert checked.code == 0, checked.err
    assert "hooks not run" not in checked.out
    assert "shipped-profiles  (built-in)  hooks: footprint_register_profiles" in checked.out
