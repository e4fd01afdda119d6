"""``footprint plugins``: loaded plugins, their hooks, and those that failed (``--check`` runs every hook to find out)."""

from __future__ import annotations

import click


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--check", is_flag=True, help="Also run every hook once (touching no hardware) and list the plugins "
              "that fail inside one or answer with the wrong kind of value.")
def plugins(as_json: bool, check: bool) -> None:
    """List loaded plugins (built-in and installed through the 'footprint' entry-point group) and their hooks.

    Each plugin is imported and registered, so one that fails to import, implements an unknown hook or clashes
    with another is listed as FAILED; no hook runs, so this stays as light as --help. With --check every hook
    also runs once (no hardware is touched: meters are registered, not opened), so a plugin that fails inside
    one, or answers with the wrong kind of value, is listed with what went wrong. FOOTPRINT_LOAD_PLUGINS chooses
    which installed plugins load: unset = all, empty = none, or a comma-separated list of entry-point names.
    FOOTPRINT_TRACE=1 prints every hook call with its plugin and time.
    """
    import json

    from footprint.plugins.manager import describe

    if check:
        health_check()
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
        for reason in p.get("dropped", []):
            click.echo(f"{p['name']}  ignored: {reason}")
    if not check:
        click.echo("(hooks not run: 'footprint plugins --check' runs each once to find plugins that fail inside one)")


def health_check() -> None:
    """Run every hook a command would (touching no hardware), so that plugins failing inside one are listed.

    It lives in the CLI layer: the plugin manager knows nothing of the features built on its hooks.
    """
    import sys

    from footprint.claims import references
    from footprint.errors import FootprintError
    from footprint.meter.calibrate import registered_backends
    from footprint.meter.sampler import registered_meters
    from footprint.plugins import catalog, grid

    for step in (catalog.all_profiles, references.all_references, registered_meters, grid.all_regions,
                 registered_backends):
        try:
            step()
        except FootprintError as exc:  # e.g. a clash between two plugins: reported here, not fatal
            print(f"footprint: warning: {' '.join(str(exc).split())}", file=sys.stderr)
