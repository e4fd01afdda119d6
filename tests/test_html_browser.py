"""The HTML page in a real headless browser (Debian's chromium, installed in CI): it renders from a file:// URL with
no network, the screenshot is not blank and shows the plots' colours, and the DOM carries the tables' text."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from footprint.meter.fake_nvml import FakeGpu
from tests.cli_run import run_cli
from tests.conftest import find_program
from tests.fixtures.meter.helpers import metered

pytestmark = pytest.mark.system("chromium")

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    found = find_program("chromium")
    assert found, "the browser test carries pytest.mark.system('chromium'), which skips it where chromium is missing"
    return found


def browse(page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=120, check=False)


def read_png(path: Path) -> tuple[int, int, set[bytes], float]:
    """(width, height, the set of RGB colours, the share of pixels that are not white) of a screenshot."""
    from matplotlib.image import imread  # the test extra installs matplotlib (and Pillow with it)

    pixels = (imread(str(path))[:, :, :3] * 255).round().astype("uint8")
    height, width = pixels.shape[:2]
    flat = pixels.reshape(-1, 3)
    import numpy

    colours = {bytes(c) for c in numpy.unique(flat, axis=0)}
    inked = float((flat != 255).any(axis=1).mean())
    return width, height, colours, inked


@pytest.fixture
def job_page(tmp_path: Path) -> tuple[Path, dict]:
    logs = []
    for name, gpus in (("node-a", [FakeGpu(power="600 W"), FakeGpu(power="550 W")]), ("node-b", [FakeGpu(power="300 W", lost=[(20.0, 30.0)])])):
        log = tmp_path / f"{name}.jsonl"
        metered(gpus, 60.0, interval=5.0, log=log, site={"region": "FRA"})
        logs.append(str(log))
    page = tmp_path / "job.html"
    r = run_cli("report", *logs, "--html", str(page))
    assert r.code == 0, r.err
    return page, json.loads(run_cli("report", *logs, "--json").out)


@pytest.mark.parametrize("use_matplotlib", [True, False])
def test_page_renders_with_its_plots_and_tables_in_chromium(job_page: tuple[Path, dict], tmp_path: Path,
                                                            use_matplotlib: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    page, data = job_page
    if not use_matplotlib:
        from footprint.render import plot

        monkeypatch.setattr(plot, "have_matplotlib", lambda: False)
        page = tmp_path / "own-svg.html"
        logs = [str(p) for p in sorted(tmp_path.glob("node-*.jsonl"))]
        assert run_cli("report", *logs, "--html", str(page)).code == 0
    shot = tmp_path / "page.png"
    done = browse(page, tmp_path, f"--screenshot={shot}", "--window-size=1200,2000")
    assert shot.exists(), done.stderr[-2000:]
    width, height, colours, inked = read_png(shot)
    assert (width, height) == (1200, 2000)
    assert inked > 0.05  # not blank: text, tables and plots
    # the plot lines are there: matplotlib's first colours (tab10) or our own palette's
    line_colours = {bytes.fromhex(c) for c in (("1f77b4", "ff7f0e") if use_matplotlib else ("4477aa", "ee6677"))}
    assert line_colours <= colours

    dom = browse(page, tmp_path, "--dump-dom").stdout
    text = " ".join(re.sub(r"<[^>]+>", " ", dom).split())
    from footprint.core.fmt import span
    from footprint.core.units import Q

    assert f"energy, total {span(Q(data['energy']['magnitude'], 'kWh'))}" in text
    assert "Per GPU" in text and "Methods statement" in text and "Touvron et al. 2023" in text
    assert dom.count("<svg") == page.read_text(encoding="utf-8").count("<svg") >= 1


def _figure_alone(page: Path, out: Path) -> tuple[Path, int]:
    """The page's first plot, alone at its own size at the top left of a white page: (page, its width in px)."""
    svg = re.search(r"<svg.*?</svg>", page.read_text(encoding="utf-8"), flags=re.S)
    assert svg, "the page lost its plot"
    width_pt = float(re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', svg.group(0)).group(1))
    out.write_text(f'<!DOCTYPE html><html><body style="margin:0;background:#fff">{svg.group(0)}</body></html>',
                   encoding="utf-8")
    return out, round(width_pt * 4 / 3)  # CSS: 1pt = 4/3 px


def test_a_long_plot_title_is_not_cut_off_in_chromium(tmp_path: Path) -> None:
    page = tmp_path / "long.html"
    # a long title: ranges of energy, emissions and cost (a range of PUE, both prices) and a cloud region's code
    r = run_cli("estimate", "--profile", "h800", "--gpus", "2048", "--hours", "1300", "--pue", "1.1..1.4", "--price",
                "2 USD/h", "--energy-price", "0.08 USD/kWh", "--region", "gcp:us-central1", "--html", str(page))
    assert r.code == 0, r.err
    alone, width = _figure_alone(page, tmp_path / "figure.html")
    shot = tmp_path / "figure.png"
    done = browse(alone, tmp_path, f"--screenshot={shot}", f"--window-size={width + 100},900")
    assert shot.exists(), done.stderr[-2000:]
    from matplotlib.image import imread

    pixels = (imread(str(shot))[:, :, :3] * 255).round()
    edges = pixels[:, list(range(3)) + list(range(width - 3, width))]  # the figure's three outermost columns a side
    assert (edges > 240).all(), "ink reaches the figure's edge: a title or label is cut off"
    assert (pixels[:, :width] < 200).any()  # the figure itself was drawn
