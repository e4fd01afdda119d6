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


def _shipped_h800() -> str:
    from footprint.plugins.catalog import get_profile

    return get_profile("h800").path  # where this installation keeps its shipped profiles


def test_a_shipped_profile_reads_as_profiles_name_shipped_in_text_html_and_statements(tmp_path) -> None:
    args = ("estimate", "--profile", "h800", "--gpus", "8", "--hours", "2")
    installed = _shipped_h800()
    text = run_cli(*args).out
    assert "from profiles/h800-sxm.toml (shipped) via plugin 'shipped-profiles'" in text
    page = tmp_path / "e.html"
    assert run_cli(*args, "--html", str(page)).code == 0
    html = page.read_text(encoding="utf-8")
    statement = run_cli(*args, "--statement", "markdown").out.replace("\n", " ")
    for shown in (text, html, statement):
        assert installed not in shown
    assert "profiles/h800-sxm.toml (shipped)" in html
    assert "from the hardware profile profiles/h800-sxm.toml (shipped)" in statement.replace("\\", "")
    assert "file profiles/h800-sxm.toml (shipped)" in run_cli("profiles", "show", "h800").out
    # scripts still get the file the figures were read from
    import json

    data = json.loads(run_cli(*args, "--json").out)
    assert installed in next(a["source"] for a in data["assumptions"] if a["name"] == "profile")


def test_a_users_own_profile_file_keeps_its_path(tmp_path) -> None:
    from pathlib import Path

    own = tmp_path / "my-h100.toml"
    own.write_text(Path(_shipped_h800()).read_text(encoding="utf-8").replace('id = "h800-sxm"', 'id = "my-h800"', 1),
                   encoding="utf-8")
    r = run_cli("estimate", "--profile-file", str(own), "--gpus", "8", "--hours", "2")
    assert r.code == 0, r.err
    assert f"from {own} via plugin" in r.out.replace("\n                ", " ")
    statement = run_cli("estimate", "--profile-file", str(own), "--gpus", "8", "--hours", "2", "--statement", "text").out
    assert f"from the hardware profile {own}" in " ".join(statement.split())
