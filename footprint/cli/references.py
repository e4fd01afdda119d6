"""``footprint references``: published training footprints, and whether our estimator reproduces them."""

from __future__ import annotations

import textwrap
from typing import Any

import click


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of the table.")
@click.pass_context
def references(ctx: click.Context, as_json: bool) -> None:
    """List published training footprints and check we reproduce them.

    Each reference keeps its inputs exactly as published, the publisher's own formula and its published outputs,
    each with a source and a status (primary, secondary, third-party estimate). Plugins add more through the
    footprint_register_references hook.

    \b
    Examples:
      footprint references
      footprint references show llama-3.1-405b
      footprint references show deepseek-v3 --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from footprint.claims.references import all_references
    from footprint.render.text import to_json

    refs = all_references()
    if as_json:
        click.echo(to_json([_summary(r) for r in refs]))
        return
    click.echo(_list_table(refs))


@references.command()
@click.argument("ref_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the text.")
def show(ref_id: str, as_json: bool) -> None:
    """Show one reference: every input with its source, and our reproduction of its published outputs."""
    from footprint.claims.references import get_reference
    from footprint.render.text import to_json

    ref = get_reference(ref_id)
    if as_json:
        click.echo(to_json(detail_json(ref)))
    else:
        click.echo(detail_text(ref))


def _value_json(value: Any) -> Any:
    from footprint.core.span import Span

    return value.as_json() if isinstance(value, Span) else value


def _reproduction_summary(ref: Any) -> str:
    from footprint.claims.reproduce import reproduce

    rows = reproduce(ref)
    if not rows:
        return "no published outputs"
    if all(r.within for r in rows):
        return "reproduced"
    gaps = [f"{r.name} {r.difference:+.1%}" for r in rows if not r.within]
    return ("known gap: " if all(r.verdict == "known gap" for r in rows if not r.within) else "NOT reproduced: ") + ", ".join(gaps)


def _summary(ref: Any) -> dict[str, Any]:
    from footprint.claims.reproduce import reproduce

    return {
        "id": ref.id, "name": ref.name, "status": ref.status, "hardware": ref.hardware.value, "profile": ref.profile,
        "inputs": {k: _value_json(f.value) for k, f in ref.inputs.items()},
        "outputs": {o.name: o.value.as_json() for o in ref.outputs},
        "reproduced": all(r.within for r in reproduce(ref)), "reproduction": _reproduction_summary(ref),
        "part_of": ref.part_of, "plugin": ref.plugin,
    }


def _list_table(refs: list[Any]) -> str:
    from footprint.render.text import show as show_span

    rows = [("id", "status", "GPU-hours", "published outputs", "our estimate, publisher's method")]
    for r in refs:
        hours = r.value("gpu_hours")
        if hours is None and r.value("duration") is not None and r.value("gpus") is not None:
            hours = (r.value("duration") * r.value("gpus")).to("h")
        outputs = ", ".join(show_span(o.value) for o in r.outputs) or "-"
        rows.append((r.id, r.status, show_span(hours, "h") if hours is not None else "-", outputs, _reproduction_summary(r)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(f"{c:<{w}}" for c, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1] for row in rows]
    lines.append("")
    lines.append("'footprint references show ID' shows every input with its source.")
    return "\n".join(line.rstrip() for line in lines)


def detail_json(ref: Any) -> dict[str, Any]:
    """The whole reference as JSON: inputs and outputs with sources, the reproduction rows and MFU checks."""
    from footprint.claims.reproduce import reproduce

    return {
        "id": ref.id, "name": ref.name, "status": ref.status, "profile": ref.profile, "plugin": ref.plugin,
        "hardware": {"value": ref.hardware.value, "source": ref.hardware.source},
        "location": None if ref.location is None else {"value": ref.location.value, "source": ref.location.source},
        "notes": ref.notes, "part_of": ref.part_of, "stages": list(ref.stages),
        "inputs": {k: {"value": _value_json(f.value), "source": f.source, "note": f.note} for k, f in ref.inputs.items()},
        "method": {"text": ref.method.text, "source": ref.method.source, "factors": ref.method.factors},
        "reproduction": [r.as_json() for r in reproduce(ref)],
        "mfu": [c.as_json() for c in mfu_checks(ref)],
    }


def mfu_checks(ref: Any) -> list[Any]:
    """Implied MFU at BF16 and, where the hardware has it, FP8 (none when compute or GPU-hours are unknown)."""
    from footprint.claims.plausibility import check_reference, reference_flops, reference_gpu_hours
    from footprint.plugins.catalog import get_profile

    if not ref.profile or reference_flops(ref) is None or reference_gpu_hours(ref) is None:
        return []
    profile = get_profile(ref.profile)
    return [check_reference(ref, p) for p in ("bf16", "fp8") if p in profile.peaks]


def _wrap(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(text, width=112, initial_indent=pad, subsequent_indent=pad)


def detail_text(ref: Any) -> str:
    """The human view of one reference."""
    from footprint.claims.references import field_text
    from footprint.claims.reproduce import reproduce
    from footprint.render.text import number
    from footprint.render.text import show as show_span

    cited: dict[str, str] = {}

    def cite(f: Any) -> str:
        if f.key:
            cited[f.key] = f.source
            return f"[{f.key}]"
        return f.source

    lines = [f"{ref.id}: {ref.name}  [{ref.status}]  (plugin {ref.plugin!r})"]
    head = [("hardware", ref.hardware), ("location", ref.location)]
    for key, f in head:
        if f is not None:
            lines.append(f"  {key:<14}{field_text(f)}  {cite(f)}")
    if ref.profile:
        lines.append(f"  {'profile':<14}{ref.profile} (TDP and dense peaks for compare and MFU)")
    if ref.part_of:
        lines.append(f"  {'part of':<14}{ref.part_of}")
    if ref.stages:
        lines.append(f"  {'stages':<14}{', '.join(ref.stages)}")
    if ref.notes:
        lines.extend(_wrap(ref.notes, 2))
    lines += ["", "inputs as published (value, source)"]
    for key, f in ref.inputs.items():
        lines.append(f"  {key:<14}{field_text(f)}  {cite(f)}" + (f"  ({f.note})" if f.note else ""))
    lines += ["", "publisher's method"]
    lines.extend(_wrap(ref.method.text, 2))
    if ref.method.factors:
        lines.append("  factors: " + ", ".join(f"{k} = {v}" for k, v in ref.method.factors.items()))
    lines.extend(_wrap(f"source: {ref.method.source}", 2))
    rows = reproduce(ref)
    lines += ["", "published outputs vs our estimator fed the published inputs and the publisher's formula"]
    if not rows:
        lines.append("  (no published outputs)")
    for r in rows:
        units = f"{r.published.central.units:~P}"
        lines.append(f"  {r.name}: published {show_span(r.published, units)}, ours {show_span(r.ours, units)}, "
                     f"difference {r.difference:+.2%} -> {r.verdict} ({r.allowance})")
        if r.reason:
            lines.extend(_wrap(f"why: {r.reason}", 4))
    checks = mfu_checks(ref)
    if checks:
        lines += ["", "implied MFU of the claimed GPU-hours (FLOPs / (GPU-hours x dense peak))"]
        for c in checks:
            from footprint.core.fmt import percent

            text = percent(c.mfu)
            lines.append(f"  {c.precision:<5} {text}: {number(c.flops.central.magnitude, 4)} FLOP ({c.flops_how}) / "
                         f"({show_span(c.gpu_hours, 'h')} x {number(c.peak.to('TFLOP/s').magnitude)} TFLOP/s) -> {c.verdict}")
            lines.extend(_wrap(c.why, 8))
    if cited:
        lines += ["", "sources"]
        for key, text in cited.items():
            lines.extend(textwrap.wrap(text, width=112, initial_indent=f"  [{key}] ", subsequent_indent="    "))
    return "\n".join(lines)
