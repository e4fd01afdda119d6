"""``footprint compare``: runs, references and scenarios on one method, side by side, with ratios."""

from __future__ import annotations

from typing import Any

import click

from footprint.cli.page_options import page_options, wrote


@click.command()
@click.argument("sides", nargs=-1, required=True, metavar="A B [...]")
@click.option("--basis", default="tdp", show_default=True, metavar="B",
              help="tdp (GPU-hours x TDP), a fraction of TDP (0.8, '80%'), a power per GPU ('550 W'), "
                   "or as-is (each side's own method).")
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
    """
    from footprint.compare import compare as run_compare
    from footprint.compare import parse_basis
    from footprint.report import to_json
    from footprint.sides import load_side

    chosen = parse_basis(basis, host_power=host_power, pue=pue, intensity=intensity, region=region, price=price,
                          own_intensity=own_intensity)
    if plot_path:
        from footprint.compare_plot import require_matplotlib

        require_matplotlib()
    result = run_compare([load_side(s) for s in sides], chosen)
    if plot_path:
        from footprint.compare_plot import plot

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
        click.echo(text(result))
        if plot_path:
            click.echo(f"\nplot written to {plot_path}")


def rows(result: Any) -> list[tuple[str, list[str]]]:
    """The side-by-side rows (the first holds the side labels): one unit per row, picked by its largest value."""
    from footprint.render.fmt import column, percent
    from footprint.report import co2_only

    fps, sides = result.footprints, result.sides
    co2 = [co2_only(fp) for fp in fps]
    out: list[tuple[str, list[str]]] = [
        ("", [s.label for s in sides]),
        ("kind", [f"{s.kind} ({s.status})" for s in sides]),
        ("hardware", [(f"{s.profile.id} ({s.profile.tdp.value:~P} TDP)" if s.profile.tdp else f"{s.profile.id} (TDP unknown)")
                      if s.profile else "-" for s in sides]),
        ("GPU-hours", column([fp.gpu_hours for fp in fps], "time")),
        ("energy", column([fp.energy for fp in fps], "energy")),
        ("  ratio to first", [percent(r) for r in result.ratios]),
        ("emissions", column([fp.emissions for fp in fps], "emissions", co2)),
        ("  ratio to first", [percent(r) for r in result.emissions_ratios]),
        ("cost", column([fp.cost for fp in fps], "money")),
        ("  ratio to first", [percent(r) for r in result.cost_ratios]),
        ("grid intensity", [_assumed(fp, "intensity", c) for fp, c in zip(fps, co2, strict=True)]),
    ]
    if any(fp.implied_mfu is not None for fp in fps):
        out.append(("implied MFU", [f"{percent(fp.implied_mfu)} {_assumed(fp, 'precision')}" if fp.implied_mfu is not None else "-"
                                     for fp in fps]))
    return out


def text(result: Any) -> str:
    """The side-by-side table."""
    from footprint.render.table import grid

    lines = [f"compare on basis: {result.basis.describe()}", ""]
    lines += grid([(key, *cells) for key, cells in rows(result)])
    if result.notes:
        lines += ["", "notes"]
        lines.extend(f"  - {n}" for n in result.notes)
    return "\n".join(lines)


def _assumed(fp: Any, name: str, co2_only: bool = False) -> str:
    from footprint.render.fmt import span
    from footprint.span import Span

    a = fp.assumption(name)
    if a is None:
        return "-"
    value = span(a.value, co2_only=co2_only) if isinstance(a.value, Span) else str(a.value)
    return value + (" (default)" if a.origin == "default" else "")
