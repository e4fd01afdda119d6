"""``footprint profiles``: list hardware profiles; ``footprint profiles show NAME``: one, with its sources."""

from __future__ import annotations

from typing import Any

import click


def _peak_text(profile: Any, precision: str) -> str:
    figure = profile.peaks.get(precision)
    return "-" if figure is None else f"{figure.value.to('TFLOP/s').magnitude:g}"


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def profiles(ctx: click.Context, as_json: bool) -> None:
    """List hardware profiles: id, aliases, TDP, dense FP8/BF16 peak (TFLOP/s) and the plugin that gave each.

    \b
    Examples:
      footprint profiles
      footprint profiles show h800
    """
    if ctx.invoked_subcommand is not None:
        return
    from footprint.plugins.catalog import all_profiles
    from footprint.render.text import to_json

    found = all_profiles()
    if as_json:
        click.echo(to_json([_summary(p) for p in found]))
        return
    header = ("id", "aliases", "TDP", "FP8", "BF16", "plugin")
    rows = [(p.id, ",".join(p.aliases), (f"{p.tdp.value.to('W').magnitude:g} W" if p.tdp else "unknown"), _peak_text(p, "fp8"),
             _peak_text(p, "bf16"), p.plugin) for p in found]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    click.echo("(FP8/BF16: dense peak TFLOP/s; '-' = unsupported)")


def _sourced(figure: Any, units: str) -> dict[str, Any]:
    return {"value": {"magnitude": float(figure.value.to(units).magnitude), "units": units},
            "source": figure.source, "note": figure.note}


def _summary(p: Any) -> dict[str, Any]:
    return {
        "id": p.id, "name": p.name, "aliases": list(p.aliases), "vendor": p.vendor, "plugin": p.plugin,
        "tdp": {"magnitude": float(p.tdp.value.to("W").magnitude), "units": "W"} if p.tdp else None,
        "peak_dense": {k: {"magnitude": float(v.value.to("TFLOP/s").magnitude), "units": "TFLOP/s"}
                       for k, v in p.peaks.items()},
    }


def _detail(p: Any) -> dict[str, Any]:
    out = _summary(p)
    out["tdp"] = _sourced(p.tdp, "W") if p.tdp else {"unknown": p.tdp_unknown}
    out["peak_dense"] = {k: _sourced(v, "TFLOP/s") for k, v in p.peaks.items()}
    for key, units in (("idle_power", "W"), ("memory", "GB"), ("memory_bandwidth", "GB/s")):
        figure = getattr(p, key)
        if figure is not None:
            out[key] = _sourced(figure, units)
    host = p.host_power()
    if host is not None:
        out["host_power"] = _sourced(host, "W")
    if p.node is not None:
        out["node"] = {"name": p.node.name, "gpus_per_node": p.node.gpus_per_node,
                       "max_power": None if p.node.max_power is None else _sourced(p.node.max_power, "W"),
                       "training_power": None if p.node.training_power is None else _sourced(p.node.training_power, "W")}
    out.update({"nvml_names": list(p.nvml_names), "interconnect": p.interconnect, "notes": p.notes, "path": p.path})
    return out


@profiles.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show(name: str, as_json: bool) -> None:
    """Show one profile (by id or alias) with every figure's source."""
    from footprint.plugins.catalog import get_profile
    from footprint.render.text import to_json

    p = get_profile(name)
    data = _detail(p)
    if as_json:
        click.echo(to_json(data))
        return
    from footprint.render.text import profile_file

    click.echo(f"{p.name} ({p.id}); aliases: {', '.join(p.aliases) or '-'}; plugin {p.plugin}; file {profile_file(p.path, p.plugin)}")

    def line(label: str, figure: Any, units: str) -> None:
        note = f" ({figure.note})" if figure.note else ""
        click.echo(f"  {label:<18}{figure.value.to(units).magnitude:g} {units}{note}\n  {'':<18}source: {figure.source}")

    if p.tdp is not None:
        line("TDP", p.tdp, "W")
    else:
        click.echo(f"  {'TDP':<18}unknown: power must be given (--gpu-power '170 W')\n  {'':<18}source: {p.tdp_unknown}")
    for key, label, units in (("idle_power", "idle power", "W"), ("memory", "memory", "GB"),
                              ("memory_bandwidth", "memory bandwidth", "GB/s")):
        if getattr(p, key) is not None:
            line(label, getattr(p, key), units)
    for precision, figure in p.peaks.items():
        line(f"dense {precision}", figure, "TFLOP/s")
    if p.node is not None:
        click.echo(f"  {'node':<18}{p.node.name}, {p.node.gpus_per_node} GPUs"
                   + (f", max {p.node.max_power.value:~P}" if p.node.max_power else ""))
    measured = p.host_power_measured() if p.host_power_figure is None else None
    if measured is not None:
        line("host power/GPU", measured, "W")  # the default: the node's maximum measured draw less its GPUs at TDP
    host = p.host_power()
    if host is not None:
        line("host, nameplate" if measured is not None else "host power/GPU", host, "W")
    if p.interconnect:
        click.echo(f"  {'interconnect':<18}{p.interconnect}")
    if p.nvml_names:
        click.echo(f"  {'NVML names':<18}{', '.join(p.nvml_names)}")
    if p.notes:
        click.echo(f"  {'notes':<18}{p.notes}")
