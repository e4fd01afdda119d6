"""``footprint report``: rebuild the result of a metered run from its log(s), finished or cut short."""

from __future__ import annotations

import click

from footprint.cli.options import site_options


@click.command()
@click.argument("logs", nargs=-1, required=True, metavar="LOG...")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@click.option("-o", "--output", metavar="PATH", help="Also write the JSON result to PATH (atomically).")
@click.option("--label", default=None, help="A name for the result (default: the run's label).")
@click.option("--run", "run_id", metavar="ID", help="Only the run with this run id (or its first characters), from a log that holds several.")
@site_options
def report(logs: tuple[str, ...], as_json: bool, output: str | None, label: str | None, run_id: str | None,
           **site: str | None) -> None:
    """Rebuild the result of a metered run from its log.

    Reads logs written by 'footprint run' (or footprint.track(log=...)), whether the run finished or was killed;
    a last line cut mid-write is skipped, and a damaged line is named and skipped. Several logs (one per node of a
    multi-node job) are merged into one result; every run counts once (a log may hold several runs, and a log
    given twice is counted once). Site options given here replace those the run was started with.

    \b
    Examples:
      footprint report footprint-runs/20261122T101500Z-node1-4242.jsonl
      footprint report node*.jsonl --region CHN --json
    """
    from footprint.meter.from_log import footprint_from_logs
    from footprint.meter.log import write_atomic
    from footprint.meter.outfiles import check_writable
    from footprint.meter.summary import summary
    from footprint.report import to_json

    if output:
        check_writable(output, "-o")
    fp, warnings = footprint_from_logs(list(logs), site, label, run_id)
    for warning in warnings:
        click.echo(f"footprint: {warning}", err=True)
    data = fp.as_json()
    if output:
        write_atomic(output, to_json(data) + "\n")
    if as_json:
        click.echo(to_json(data))
    else:
        what = logs[0] if len(logs) == 1 else f"{len(logs)} logs"
        click.echo(summary(fp, f"footprint report: {what}"))
