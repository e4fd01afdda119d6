"""``footprint plot``: power per GPU over time and cumulative energy from meter logs, or a result's energy by part."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("source", metavar="LOG|DIR|RESULT.json")
@click.option("-o", "--output", metavar="FILE",
              help="The figure to write: FILE.png, FILE.svg or FILE.pdf. Default: the source's name with .png, beside it.")
def plot(source: str, output: str | None) -> None:
    """Draw a metered run's power and energy, or a saved result's energy by component.

    LOG is a log written by 'footprint run'; DIR is a directory of node logs (every *.jsonl under it, grouped by
    node); RESULT.json is the JSON of 'estimate --json', 'run --json' or 'report --json'. A log gets what was metered, a
    panel each: power per GPU over time with the TDP as a reference line and gaps and estimated stretches shaded,
    power of CPU and RAM (read or modelled), and cumulative energy per node and for the job; a panel with nothing
    to draw is left out, and the title carries the totals and the grid intensity. Without -o the figure is written
    beside the source, as its name with .png. Needs matplotlib: pip install
    'footprint[plot]'.

    \b
    Examples:
      footprint plot footprint-runs/20261122T101500Z-node1-4242.jsonl   (writes ...-4242.png beside it)
      footprint plot footprint-runs/20261122T101500Z-node1-4242.jsonl -o power.png
      footprint plot job-logs/ -o job.svg
      footprint plot result.json -o energy.pdf
    """
    from footprint.errors import FootprintError
    from footprint.render.plot import FORMATS, log_figure, require_matplotlib, result_figure

    if output is None:
        output = default_output(source)
    suffix = Path(output).suffix.lower()
    if suffix not in FORMATS:
        raise FootprintError(f"-o {output!r}: unknown figure type; expected a file name ending in {', '.join(FORMATS)}")
    require_matplotlib()
    kind, fp, nodes = load_source(source)
    if kind == "result":
        result_figure(fp, output)
    else:
        log_figure(nodes, fp, output)
    click.echo(f"plot written to {output}")


def default_output(source: str) -> str:
    """The log's (or result's, or directory's) name with .png, beside it: run.jsonl -> run.png, job-logs/ -> job-logs.png."""
    path = Path(source)
    if path.is_dir():
        named = path if path.name else path.resolve()  # '.' names no directory; its full path does
        return str(named.with_name(named.name + ".png"))
    return str(path.with_suffix(".png"))


def load_source(source: str) -> tuple[str, object, list]:
    """('logs', Footprint, nodes) for a log or a directory of logs, ('result', Footprint, []) for a saved result."""
    import json

    from footprint.claims.sides import footprint_from_json
    from footprint.meter.from_log import footprint_from_logs
    from footprint.render.series import log_paths, read_nodes

    path = Path(source)
    if path.is_file() and path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            from footprint.errors import FootprintError

            raise FootprintError(f"{source!r} is not a readable JSON result: {exc}") from None
        return "result", footprint_from_json(data, source), []
    paths = log_paths(path)
    fp, warnings = footprint_from_logs([str(p) for p in paths])
    for warning in warnings:
        click.echo(f"footprint: {warning}", err=True)
    return "logs", fp, read_nodes(paths, path)
