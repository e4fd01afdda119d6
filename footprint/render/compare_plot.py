"""Side-by-side bars (energy, emissions, cost) with low..high ranges as error bars; matplotlib is optional."""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

from footprint.errors import FootprintError


def require_matplotlib() -> None:
    """Fail early, in one line, when the optional plot extra is missing."""
    if find_spec("matplotlib") is None:
        raise FootprintError("--plot needs matplotlib, which is not installed; pip install 'footprint[plot]'")


def plot(result: Any, path: str | None, fmt: str | None = None) -> bytes | None:
    """Write a PNG (or any format matplotlib knows by suffix) with one panel per measure; with no path, return
    the figure's bytes in `fmt` (an HTML page inlines the SVG)."""
    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    from footprint.core.fmt import pick_unit
    from footprint.core.numbers import unit_text

    panels = [(k, pick_unit([getattr(fp, k) for fp in result.footprints], ladder))
              for k, ladder in (("energy", "energy"), ("emissions", "emissions"), ("cost", "money"))
              if any(getattr(fp, k) is not None for fp in result.footprints)]
    labels = [s.label for s in result.sides]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4.2), squeeze=False)
    for ax, (key, units) in zip(axes[0], panels, strict=True):
        centrals, lows, highs = [], [], []
        for fp in result.footprints:
            span = getattr(fp, key)
            if span is None:
                centrals.append(0.0), lows.append(0.0), highs.append(0.0)
                continue
            s = span.to(units)
            c = float(s.central.magnitude)
            centrals.append(c)
            lows.append(c - float(s.lo.magnitude))
            highs.append(float(s.hi.magnitude) - c)
        positions = list(range(len(labels)))
        ax.bar(positions, centrals, yerr=[lows, highs], capsize=6, color="#4477aa")
        ax.set_xticks(positions, labels, rotation=20, ha="right")
        ax.set_title(f"{key} ({unit_text(units)})")
        for x, c, ratio in zip(positions, centrals, _ratios(result, key), strict=True):
            text = "not given" if getattr(result.footprints[x], key) is None else ("" if ratio is None else f"{ratio:.1%}")
            ax.annotate(text, (x, c), ha="center", va="bottom", fontsize=8)
    from footprint.render.plot import fit_title, save

    fig.suptitle(fit_title([f"basis: {result.basis.describe()}"], fig.get_figwidth(), 9), fontsize=9)
    fig.tight_layout()

    return save(plt, fig, path, fmt or "svg", dpi=120, option="--plot: ")


def _ratios(result: Any, key: str) -> list[float | None]:
    spans = {"energy": result.ratios, "emissions": result.emissions_ratios, "cost": result.cost_ratios}[key]
    return [None if r is None else float(r.central.magnitude) for r in spans]
