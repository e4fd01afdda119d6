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
@click.option("--run", "run_id", metavar="ID", help="Only the run with this run id (or its first characters), from a log that holds several.")
@click.option("--job", "job_id", metavar="ID", help="With a directory: report this job when the directory holds several.")
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help="With a directory: processes that read the logs cut short (default: one per core, when there is enough to read).")
@site_options
@page_options
def report(logs: tuple[str, ...], as_json: bool, output: str | None, label: str | None, run_id: str | None, job_id: str | None,
           workers: int | None, html_path: str | None, statement: str | None, **site: str | None) -> None:
    """Rebuild the result of a metered run from its log.

    Reads logs written by 'footprint run' (or footprint.track(log=...)), whether the run finished or was killed;
    a last line cut mid-write is skipped, and a damaged line is named and skipped. Several logs (one per node of a
    multi-node job) are merged into one result; every run counts once (a log may hold several runs, and a log
    given twice is counted once). Site options given here replace those the run was started with.

    \b
    Examples:
      footprint report footprint-runs/20261122T101500Z-node1-4242.jsonl
      footprint report node*.jsonl --region CHN --json
      footprint report runs/ --job 4242

    A directory (the --log-dir of 'footprint run') is read as one job: every node counted once, with the nodes
    cut short or missing named.
    """
    import os
    from pathlib import Path

    from footprint.meter.from_log import footprint_from_logs
    from footprint.meter.log import write_atomic
    from footprint.meter.outfiles import check_writable
    from footprint.render.summary import summary
    from footprint.render.text import to_json

    if output:
        check_writable(output, "-o")
    if len(logs) == 1 and Path(logs[0]).is_dir():
        from footprint.meter.job import job_footprint, merge_job
        from footprint.render.summary import job_lines

        merge = merge_job(logs[0], job_id, workers)
        for warning in merge.warnings:
            click.echo(f"footprint: {warning}", err=True)
        fp = job_footprint(merge, site, label)
        data = fp.as_json()
        job = data["details"]["job"]
        data["nodes"], data["missing_nodes"] = job["nodes"], job["missing_nodes"]
        data["details"] = {**data["details"], "job": {k: v for k, v in job.items() if k != "nodes"}}  # nodes once, at the top
        title = f"footprint report: job {_short(merge.job)} in {logs[0]}"
        paths = [p for node in merge.nodes for p in map(Path, (log.path for log in node.logs))]
        root = Path(logs[0]).resolve()
        lines = job_lines
    else:
        if job_id is not None:
            from footprint.errors import FootprintError

            raise FootprintError(f"--job {job_id}: --job picks a job among the logs of a directory; expected 'footprint report DIR --job ID'")
        fp, warnings = footprint_from_logs(list(logs), site, label, run_id)
        for warning in warnings:
            click.echo(f"footprint: {warning}", err=True)
        data = fp.as_json()
        what = logs[0] if len(logs) == 1 else f"{len(logs)} logs"
        title = f"footprint report: {what}"
        paths = [Path(p) for p in logs]
        root = Path(os.path.commonpath([p.resolve().parent for p in paths]))
        lines = None
    from footprint.render.summary import problems

    for problem in problems(fp):
        click.echo(f"footprint: {problem}", err=True)
    if output:
        write_atomic(output, to_json(data) + "\n")
    if html_path:
        from footprint.render import html
        from footprint.render.series import read_nodes

        html.write(html_path, html.footprint_page(fp, title, read_nodes([p.resolve() for p in paths], root)))
        wrote(html_path)
    if as_json:
        click.echo(to_json(data))
    elif statement:
        from footprint.render.statement import footprint_statement

        click.echo(footprint_statement(fp, statement), nl=False)
    else:
        click.echo(summary(fp, title))
        if lines is not None:
            click.echo("")
            click.echo("\n".join(lines(fp)))


def _short(name: str, limit: int = 80) -> str:
    """A job name for a title line: a very long one (a generated id) is cut, the JSON keeps it whole."""
    return name if len(name) <= limit else name[:limit - 3] + "..."
