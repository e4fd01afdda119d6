"""``footprint claims``: the claims from the DeepSeek coverage, each checked with the same method."""

from __future__ import annotations

import textwrap
from typing import Any

import click

from footprint.cli.page_options import page_options, wrote


@click.command()
@click.argument("words", nargs=-1, metavar="[check|list] [CLAIM_ID]...")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the text.")
@click.option("--measured", "measured_run", metavar="RUN",
              help="A metered run (summary JSON or log) that reported its work: the energy claims with its measured "
                   "energy per FLOP beside the TDP basis.")
@page_options
def claims(words: tuple[str, ...], as_json: bool, measured_run: str | None, html_path: str | None, statement: str | None) -> None:
    """Check published claims (DeepSeek coverage) with the same method.

    Each claim gets its inputs (with sources), the method, the result and a verdict, with why: holds or does not
    hold; consistent with the claimant's own figures, where only the claimant's figures exist to test it;
    consistent (or not) with an estimate, where one side exists only as a third-party estimate; holds only for
    some inputs; or cannot be checked. Where a claim mixes methods (TDP on one side, server power on the
    other), it says so. 'footprint claims list' lists the claim ids.

    \b
    Examples:
      footprint claims
      footprint claims check energy-tenth-llama six-days-six-months
      footprint claims --json
      footprint claims --measured run.summary.json
    """
    from footprint.render.text import to_json

    if measured_run is not None:
        _measured(measured_run, words, as_json, html_path or statement)
        return
    action = words[0] if words and words[0] in ("check", "list") else "check"
    claim_ids = words[1:] if words and words[0] in ("check", "list") else words
    if action == "list":
        from footprint.claims.checks import claim_texts

        texts = claim_texts()
        if as_json:
            click.echo(to_json([{"id": k, "claim": v["text"], "said_by": v["said_by"]} for k, v in texts.items()]))
        else:
            width = max(len(k) for k in texts) + 2
            click.echo("\n".join(f"{k:<{width}}{v['text']}" for k, v in texts.items()))
        return
    from footprint.claims.checks import check

    results = check(list(claim_ids) or None)
    if html_path:
        from footprint.render import html

        html.write(html_path, html.claims_page(results))
        wrote(html_path)
    if statement and not as_json:
        from footprint.render.statement import claims_statement

        click.echo(claims_statement(results, statement), nl=False)
        return
    if as_json:
        counts: dict[str, int] = {}
        for c in results:
            counts[c.verdict] = counts.get(c.verdict, 0) + 1
        click.echo(to_json({"claims": [c.as_json() for c in results], "summary": counts}))
        return
    click.echo("\n\n".join(claim_text(c) for c in results))
    click.echo("\n" + summary(results))


def _measured(run: str, words: tuple[str, ...], as_json: bool, page: str | None) -> None:
    from footprint.claims.measured import measured_views
    from footprint.claims.sides import load_side
    from footprint.errors import FootprintError
    from footprint.render.text import to_json

    if page:
        raise FootprintError("--measured prints text or --json; --html and --statement take the claims on their own")
    ids = [w for w in words if w not in ("check", "list")]
    if words and words[0] == "list":
        raise FootprintError("--measured shows the energy claims; use 'footprint claims list' on its own to list the claims")
    efficiency, views = measured_views(load_side(run), ids or None)
    if as_json:
        click.echo(to_json({"efficiency": {"run": efficiency.run.label, "description": efficiency.describe()},
                            "claims": [v.as_json() for v in views]}))
        return
    click.echo("measured efficiency: " + efficiency.describe().removeprefix("work: "))
    for v in views:
        click.echo("\n" + measured_text(v))


def measured_text(v: Any) -> str:
    """One energy claim with the run's efficiency beside the TDP basis."""
    from footprint.render.compare_table import ratio_text
    from footprint.render.table import grid
    from footprint.render.text import show

    lines = [f"[{v.claim_id}] \"{v.text}\"", f"  verdict at TDP: {v.verdict}"]
    if v.tdp is not None and v.measured is not None:
        m = v.measured
        a, b = (s.label for s in v.tdp.sides)
        rows = [("", a, b, f"{a} / {b}"),
                ("work", *[_work(w, m.efficiency.per) for w in m.work[1:]], ratio_text(m.ratios[1] / m.ratios[2])),
                ("  from", *m.work_from[1:], ""),
                ("energy at TDP", *[show(fp.energy, "MWh") for fp in v.tdp.footprints], ratio_text(1 / v.tdp.ratios[1].central)),
                ("at your efficiency", *[show(e, "MWh") for e in m.energy[1:]], ratio_text(m.ratios[1] / m.ratios[2]))]
        lines += ["  " + line for line in grid(rows)]
    lines.extend(_wrap(v.can_show, "  a measurement can show: ", "    "))
    lines.extend(_wrap(v.cannot_show, "  it cannot show: ", "    "))
    return "\n".join(lines)


def _work(work: Any, per: str) -> str:
    x = float(work.central.magnitude)
    return f"{x:.4g}".replace("e+", "e") + (" FLOP" if per == "FLOP" else " tokens")


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, width=112, initial_indent=first, subsequent_indent=rest)


def claim_text(c: Any) -> str:
    """One claim, its inputs, method, result and verdict."""
    lines = [f"[{c.id}] \"{c.text}\""]
    lines.extend(_wrap(c.said_by, "  said by: ", "    "))
    lines.append("  inputs:")
    for name, value, source in c.inputs:
        lines.append(f"    {name}: {value}  [{source}]")
    lines.extend(_wrap(c.method, "  method: ", "    "))
    lines.append("  result:")
    for f in c.findings:
        lines.extend(_wrap(f, "    ", "      "))
    lines.extend(_wrap(f"{c.verdict.upper()}: {c.why}", "  verdict: ", "    "))
    if c.mixed_methods:
        lines.extend(_wrap(c.mixed_methods, "  mixed methods: ", "    "))
    for caveat in c.caveats:
        lines.extend(_wrap(caveat, "  caveat: ", "    "))
    return "\n".join(lines)


def summary(results: list[Any]) -> str:
    width = max(len(c.id) for c in results) + 2
    return "summary\n" + "\n".join(f"  {c.id:<{width}}{c.verdict}" for c in results)
