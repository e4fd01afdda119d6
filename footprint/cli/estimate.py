"""``footprint estimate``: a training run's energy, emissions and cost from its hardware and length."""

from __future__ import annotations

import click

from footprint.cli.options import input_options
from footprint.cli.page_options import page_options, wrote
from footprint.estimates.schema import BY_NAME, NAMES


@click.command()
@input_options(*NAMES)
@click.option("--basis", "convention", type=click.Choice(["model-card", "tdp"], case_sensitive=False),
              help="model-card (or tdp): GPU-hours x TDP, host 0 W, PUE 1, the basis of published model cards "
                   "and of 'footprint compare'. Replaces --gpu-power, --host-power and --pue.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@page_options
def estimate(as_json: bool, convention: str | None, html_path: str | None, statement: str | None, **options: str | None) -> None:
    """Estimate a training run's energy, emissions and cost.

    Energy = GPU-hours x (GPU power + host power) x PUE; emissions = energy x grid intensity; cost = GPU-hours x
    price. Every default used is printed as an assumption with its source.

    \b
    Examples:
      footprint estimate --profile h800 --gpus 2048 --hours 1300
      footprint estimate --profile h800 --gpu-hours 2.788e6 --price "2 USD/h" --region CHN
      footprint estimate --profile h800 --gpus 2048 --active-params 37e9 --tokens 14.8e12 --precision fp8 --mfu 0.3..0.4
      footprint estimate --profile h100 --gpu-hours 1.46e6 --basis model-card --intensity '0.411 kg/kWh'
    """
    from footprint.estimates.api import estimate as run_estimate
    from footprint.render.text import table, to_json

    if convention is not None:  # --basis: a published convention for the power inputs
        given = [BY_NAME[k].flag for k in ("gpu_power", "host_power", "pue") if options.get(k) is not None]
        if given:
            from footprint.errors import FootprintError

            raise FootprintError(f"--basis {convention} sets GPU power (TDP), host power (0 W) and PUE (1); "
                                 f"do not also give {', '.join(given)}")
        options.update(gpu_power="1", host_power="0 W", pue="1")
    fp = run_estimate(options.pop("profile"), **options)  # type: ignore[arg-type]
    if html_path:
        from footprint.render import html

        html.write(html_path, html.footprint_page(fp, _title(fp)))
        wrote(html_path)
    if as_json:
        click.echo(to_json(fp.as_json()))
    elif statement:
        from footprint.render.statement import footprint_statement

        click.echo(footprint_statement(fp, statement), nl=False)
    else:
        click.echo(table(fp, _title(fp)))


def _title(fp: object) -> str:
    from footprint.core.result import Footprint

    assert isinstance(fp, Footprint)
    from footprint.render.text import accelerators, show

    parts = [fp.profile or "custom power"]
    if fp.gpus:
        parts.append(f"x {accelerators(fp)}")
    if fp.duration is not None:
        parts.append(f"for {show(fp.duration, ladder='time')}")
    return "footprint estimate: " + " ".join(parts) + (f" ({fp.label})" if fp.label else "")
