"""``footprint claims``: the claims from the DeepSeek coverage, each checked with the same method."""

from __future__ import annotations

import textwrap
from typing import Any

import click

from footprint.cli.page_options import page_options, wrote


@click.command()
@click.argument("words", nargs=-1, metavar="[check|list] [CLAIM_ID]...")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the text.")
@page_options
def claims(words: tuple[str, ...], as_json: bool, html_path: str | None, statement: str | None) -> None:
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
    """
    from footprint.render.report import to_json

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
