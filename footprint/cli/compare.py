"""``footprint compare``: runs, references and scenarios on one method, side by side, with ratios."""

from __future__ import annotations

import click

from footprint.cli.page_options import page_options, wrote


@click.command()
@click.argument("sides", nargs=-1, required=True, metavar="A B [...]")
@click.option("--basis", default="tdp", show_default=True, metavar="B",
              help="tdp (GPU-hours x TDP), a fraction of TDP (0.8, '80%'), a power per GPU ('550 W'), "
                   "as-is (each side's own method), or work (a metered run's energy per FLOP carried to every side's FLOPs).")
@click.option("--host-power", metavar="X", help="Non-GPU IT power per GPU on the basis. Default 0 W.")
@click.option("--pue", metavar="X", help="PUE on the basis. Default 1.")
@click.option("--region", metavar="CODE", help="One grid region for every side (default: the world average).")
@click.option("--intensity", metavar="X", help="One grid intensity for every side, e.g. '500 g/kWh'.")
@click.option("--own-intensity", is_flag=True,
              help="Each side's own grid intensity (published, or of its scenario) instead of one for all sides.")
@click.option("--price", metavar="X", help="One price per GPU-hour for every side, e.g. '2 USD/h' (default: each side's own).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (ratios under 'ratios').")
@click.option("--plot", "plot_path", metavar="FILE.png", help="Draw side-by-side bars with ranges (needs matplotlib: pip install 'footprint[plot]').")
@page_options
def compare(sides: tuple[str, ...], basis: str, host_power: str | None, pue: str | None, region: str | None,
            intensity: str | None, own_intensity: bool, price: str | None, as_json: bool, plot_path: str | None,
            html_path: str | None, statement: str | None) -> None:
    """Put runs, references and scenarios on one method, side by side.

    Each side is a reference ID ('footprint references'), a scenario .toml file with the inputs of 'footprint
    estimate' (profile, gpus, hours, gpu_hours, gpu_power, pue, region, intensity, price, flops, active_params,
    tokens, precision, mfu, profile_file for a measured profile, ...), or a saved result (the JSON of 'estimate
    --json' or 'run --json'). Ratios are to the first side.

    \b
    Examples:
      footprint compare llama-3.1-405b deepseek-v3
      footprint compare gpt-4-estimate deepseek-v3 --basis 0.8 --pue 1.1 --json
      footprint compare bf16.toml fp8.toml --plot precision.png
      footprint compare run.summary.json deepseek-v3 --basis work
    """
    from footprint.claims.compare import compare as run_compare
    from footprint.claims.compare import parse_basis
    from footprint.claims.sides import load_side
    from footprint.render.text import to_json

    chosen = parse_basis(basis, host_power=host_power, pue=pue, intensity=intensity, region=region, price=price,
                          own_intensity=own_intensity)
    if chosen.name == "work":
        _compare_work([load_side(s) for s in sides], chosen, as_json, plot_path or html_path or statement)
        return
    if plot_path:
        from footprint.render.compare_plot import require_matplotlib

        require_matplotlib()
    result = run_compare([load_side(s) for s in sides], chosen)
    if plot_path:
        from footprint.render.compare_plot import plot

        plot(result, plot_path)
    if html_path:
        from footprint.render import html

        html.write(html_path, html.compare_page(result))
        wrote(html_path)
    if as_json:
        click.echo(to_json(result.as_json()))
    elif statement:
        from footprint.render.statement import compare_statement

        click.echo(compare_statement(result, statement), nl=False)
    else:
        from footprint.render.compare_table import text

        click.echo(text(result))
        if plot_path:
            click.echo(f"\nplot written to {plot_path}")


def _compare_work(sides: list, basis: object, as_json: bool, page: str | None) -> None:
    from footprint.claims.work_basis import compare_work
    from footprint.errors import FootprintError
    from footprint.render.text import to_json

    if page:
        raise FootprintError("--basis work prints a table or --json; --plot, --html and --statement take the other bases")
    result = compare_work(sides, basis)  # type: ignore[arg-type]
    if as_json:
        click.echo(to_json(result.as_json()))
    else:
        from footprint.render.compare_table import work_text

        click.echo(work_text(result))
