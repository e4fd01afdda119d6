"""``footprint plugins``: loaded plugins and their hooks (imports neither pint nor NVML)."""

from __future__ import annotations

import click


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins(as_json: bool) -> None:
    """List loaded plugins (built-in and installed through the 'footprint' entry-point group) and their hooks.

    FOOTPRINT_LOAD_PLUGINS chooses which installed plugins load: unset = all, empty = none, or a comma-separated
    list of entry-point names.
    """
    import json

    from footprint.plugins import describe

    found = describe()
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    for p in found:
        origin = "built-in" if p["builtin"] else f"{p.get('package', '?')} {p.get('version', '')}".strip()
        if "error" in p:
            click.echo(f"{p['name']}  FAILED: {p['error']}")
        else:
            click.echo(f"{p['name']}  ({origin})  hooks: {', '.join(p['hooks'])}")
