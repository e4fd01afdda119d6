"""What a newcomer reads first: counts, file names and defaults of the listing and plotting commands."""

from __future__ import annotations

from tests.cli_run import run_cli


def test_regions_count_is_singular_for_one_region_and_plural_for_more() -> None:
    one = run_cli("regions", "CHN")
    assert one.code == 0, one.err
    assert one.out.splitlines()[-1] == "(1 region; sources: 'footprint regions CODE --json')"
    several = run_cli("regions", "china")
    shown = len(several.out.splitlines()) - 1
    assert shown > 1
    assert several.out.splitlines()[-1] == f"({shown} regions; sources: 'footprint regions CODE --json')"
