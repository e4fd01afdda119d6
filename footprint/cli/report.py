"""``footprint report``: rebuild the result of a metered run from its log(s), finished or cut short."""

from __future__ import annotations

import click

from footprint.cli.options import site_options
from footprint.cli.page_options import page_options, wrote


@click.command()
@click.argument("logs", nargs=-1, required=True, metavar="LOG...")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@click.option("-o", "--output", metavar="PATH", help="Also write the JSON result to PATH (atomically).")
@click.option("--label", default=None, help="A name for the result (default: the run's label).")
@site_options
@page_options
def report(logs: tuple[str, ...], as_json: bool, output: str | None, label: str | None, html_path: str | None,
           statement: str | None, **site: str | None) -> None:
    """Rebuild the result of a metered run from its log.

    Reads logs written by 'footprint run' (or footprint.track(log=...)), whether the run finished or was killed;
    a last line cut mid-write is skipped. Several logs (one per node of a multi-node job) are merged into one
    result. Site options given here replace those the run was started with.

    \b
    Examples:
      footprint report footprint-runs/20261122T101500Z-node1-4242.jsonl
      footprint report node*.jsonl --region CHN --json
    """
    from footprint.meter.from_log import footprint_from_logs
    from footprint.meter.log import write_atomic
    from footprint.meter.summary import summary
    from footprint.report import to_json

    fp, warnings = footprint_from_logs(list(logs), site, label)
    for warning in warnings:
        click.echo(f"footprint: {warning}", err=True)
    data = fp.as_json()
    if output:
        write_atomic(output, to_json(data) + "\n")
    what = logs[0] if len(logs) == 1 else f"{len(logs)} logs"
    if html_path:
        import os
        from pathlib import Path

        from footprint.render import html
        from footprint.render.series import read_nodes

        paths = [Path(p) for p in logs]
        root = Path(os.path.commonpath([p.resolve().parent for p in paths]))
        html.write(html_path, html.footprint_page(fp, f"footprint report: {what}", read_nodes([p.resolve() for p in paths], root)))
        wrote(html_path)
    if as_json:
        click.echo(to_json(data))
    elif statement:
        from footprint.render.statement import footprint_statement

        click.echo(footprint_statement(fp, statement), nl=False)
    else:
        click.echo(summary(fp, f"footprint report: {what}"))
