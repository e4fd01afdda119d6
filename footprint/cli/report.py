"""``footprint report``: rebuild the result of a metered run from its log(s), finished or cut short."""

from __future__ import annotations

import click

from footprint.cli.options import site_options


@click.command()
@click.argument("logs", nargs=-1, required=True, metavar="LOG...")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@click.option("-o", "--output", metavar="PATH", help="Also write the JSON result to PATH (atomically).")
@click.option("--label", default=None, help="A name for the result (default: the run's label).")
@site_options
def report(logs: tuple[str, ...], as_json: bool, output: str | None, label: str | None, **site: str | None) -> None:
    """Rebuild the result of a metered run from its log.

    Reads logs written by 'footprint run' (or footprint.track(log=...)), whether the run finished or was killed;
    a last line cut mid-write is skipped. Several logs (one per node of a multi-node job) are merged into one
    result. Site options given here replace those the run was started with.

    \b
    Examples:
      footprint report footprint-runs/20261122T101500Z-node1-4242.jsonl
      footprint report node*.jsonl --region CHN --json
    """
    from footprint.meter.ledger import load_totals
    from footprint.meter.log import write_atomic
    from footprint.meter.measured import build_footprint
    from footprint.meter.summary import summary
    from footprint.report import to_json

    parts = []
    for path in logs:
        ledger, log = load_totals(path)
        ledger.header["log"] = path
        parts.append(ledger.totals(complete=log.complete))
        if not log.complete:
            click.echo(f"footprint: {path}: the run did not finish (no final record): the result covers the first "
                       f"{ledger.t:g} s, up to the last complete interval" + (" (last line cut mid-write, skipped)" if log.cut_line else ""),
                       err=True)
        if log.bad_lines:
            click.echo(f"footprint: {path}: {log.bad_lines} unreadable line(s) skipped", err=True)
    name = label if label is not None else str(parts[0].header.get("label", "")) if len(parts) == 1 else ""
    fp = build_footprint(parts, site, name)
    data = fp.as_json()
    if output:
        write_atomic(output, to_json(data) + "\n")
    if as_json:
        click.echo(to_json(data))
    else:
        what = logs[0] if len(logs) == 1 else f"{len(logs)} logs"
        click.echo(summary(fp, f"footprint report: {what}"))
