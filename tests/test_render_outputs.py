"""`footprint plot`, --html pages and --statement paragraphs, rendered from metered fake-GPU runs (one log and a
directory of node logs) and from estimates, and checked for their content."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from footprint.meter.fake_nvml import FakeGpu
from tests.cli_run import run_cli
from tests.fixtures.meter.helpers import fake_host, metered


@pytest.fixture
def node_logs(tmp_path: Path) -> Path:
    """Two nodes' logs in a job directory: node-a has two GPUs stepping 300 -> 600 W, node-b one GPU lost for a while."""
    job = tmp_path / "job"
    (job / "node-a").mkdir(parents=True)
    (job / "node-b").mkdir(parents=True)
    trace = [(0.0, "300 W"), (30.0, "600 W")]
    metered([FakeGpu(trace=trace), FakeGpu(trace=trace)], 60.0, interval=5.0, log=job / "node-a" / "run.jsonl")
    metered([FakeGpu(power="200 W", lost=[(20.0, 35.0)])], 60.0, interval=5.0, log=job / "node-b" / "run.jsonl")
    return job


@pytest.fixture
def one_log(tmp_path: Path) -> Path:
    log = tmp_path / "run.jsonl"
    metered([FakeGpu(power="350 W"), FakeGpu(power="350 W")], 30.0, interval=5.0, log=log, site={"region": "FRA"},
            settings=fake_host(tmp_path / "host"), gpu_only=False)
    return log


def _svg_texts(svg: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", svg).split())


def test_plot_of_a_directory_of_node_logs_has_each_gpu_each_node_and_the_job_total(node_logs: Path, tmp_path: Path) -> None:
    out = tmp_path / "job.svg"
    r = run_cli("plot", str(node_logs), "-o", str(out))
    assert r.code == 0, r.err
    assert r.out.strip() == f"plot written to {out}"
    text = _svg_texts(out.read_text(encoding="utf-8"))
    for label in ("node-a GPU 0", "node-a GPU 1", "node-b GPU 0", "job total", "TDP 700 W", "gap"):
        assert label in text, label
    assert "power per GPU (W)" in text and "time since start (s)" in text
    # the title carries the totals of the same result 'report --json' gives, and the grid intensity
    data = json.loads(run_cli("report", *map(str, sorted(node_logs.rglob("*.jsonl"))), "--json").out)
    from footprint.core.fmt import span
    from footprint.core.units import Q

    assert f"energy {span(Q(data['energy']['magnitude'], 'kWh'))}" in text
    assert "grid 475 gCO2e/kWh (world)" in text


def test_plot_of_one_log_writes_a_png_and_a_pdf(one_log: Path, tmp_path: Path) -> None:
    png, pdf = tmp_path / "run.png", tmp_path / "run.pdf"
    assert run_cli("plot", str(one_log), "-o", str(png)).code == 0
    assert run_cli("plot", str(one_log), "-o", str(pdf)).code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_plot_of_a_saved_result_shows_energy_by_component(tmp_path: Path) -> None:
    result = tmp_path / "estimate.json"
    result.write_text(run_cli("estimate", "--profile", "h100", "--gpus", "8", "--hours", "24", "--pue", "1.1..1.3", "--json").out)
    out = tmp_path / "estimate.svg"
    assert run_cli("plot", str(result), "-o", str(out)).code == 0
    text = _svg_texts(out.read_text(encoding="utf-8"))
    # 8 x 24 h x (700 W TDP + 575 W host) x PUE 1.2 = 293.8 kWh
    for label in ("GPU", "host", "facility overhead", "total", "energy (kWh)"):
        assert label in text


def test_plot_errors_name_what_is_accepted(one_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = run_cli("plot", str(one_log), "-o", str(tmp_path / "x.gif"))
    assert r.code == 2
    assert r.err.strip().endswith("unknown figure type; expected a file name ending in .png, .svg, .pdf")
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run_cli("plot", str(empty), "-o", str(tmp_path / "x.png"))
    assert r.code == 2 and "no *.jsonl meter logs" in r.err
    from footprint.render import plot

    monkeypatch.setattr(plot, "have_matplotlib", lambda: False)
    r = run_cli("plot", str(one_log), "-o", str(tmp_path / "x.png"))
    assert r.code == 2 and r.out == ""
    assert r.err == "footprint plot: error: footprint plot needs matplotlib, which is not installed; install it with: pip install 'footprint[plot]'\n"


@pytest.mark.parametrize("use_matplotlib", [True, False])
def test_html_page_of_node_logs_holds_tables_plots_assumptions_and_statement(node_logs: Path, tmp_path: Path,
                                                                            use_matplotlib: bool,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from footprint.render import plot

    monkeypatch.setattr(plot, "have_matplotlib", lambda: use_matplotlib)
    logs = sorted(map(str, node_logs.rglob("*.jsonl")))
    page = tmp_path / "job.html"
    r = run_cli("report", *logs, "--html", str(page))
    assert r.code == 0, r.err
    assert r.err == f"footprint: HTML page written to {page}\n"
    html = page.read_text(encoding="utf-8")
    # self-contained: no script, no external stylesheet, image or font
    assert "<script" not in html and "<link" not in html and not re.search(r"""(src|href)=["']?(https?:|//)""", html)
    assert html.count("<svg") >= 1
    for heading in ("Summary", "Plots", "Nodes", "Per GPU", "Methods statement", "Inputs and assumptions"):
        assert f"<h2>{heading}</h2>" in html
    assert "Touvron et al. 2023" in html  # the PUE default's source is on the page
    per_gpu = html.split("<h2>Per GPU</h2>")[1].split("</table>")[0]
    assert per_gpu.count("<tr>") == 1 + 3  # header + three GPUs over two nodes
    assert "gap" in per_gpu
    if not use_matplotlib:
        assert html.count("<polyline") == 3 + 2  # a power line per GPU, an energy line per node


def test_html_page_of_an_estimate_compare_and_claims(tmp_path: Path) -> None:
    est, cmp, claims = tmp_path / "e.html", tmp_path / "c.html", tmp_path / "k.html"
    assert run_cli("estimate", "--profile", "h800", "--gpus", "2048", "--hours", "1300", "--html", str(est)).code == 0
    assert "2,662,400 h" in est.read_text(encoding="utf-8")
    assert run_cli("compare", "llama-3.1-405b", "deepseek-v3", "--html", str(cmp)).code == 0
    page = cmp.read_text(encoding="utf-8")
    assert "<th>llama-3.1-405b</th>" in page and "<h2>Inputs and assumptions: deepseek-v3</h2>" in page
    assert run_cli("claims", "--html", str(claims)).code == 0
    page = claims.read_text(encoding="utf-8")
    assert "<h2>energy-tenth-llama</h2>" in page and "Verdict:" in page


def test_html_to_an_unwritable_place_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    r = run_cli("estimate", "--profile", "h100", "--gpus", "1", "--hours", "1", "--html", str(blocker / "x.html"))
    assert r.code == 2 and r.err.count("\n") == 1 and "--html: cannot write" in r.err


# --- statements -------------------------------------------------------------------------------------------------

_QUANTITY = re.compile(r"(\d[\d,]*(?:\.\d+)?(?:e\d+)?) ((?:µ|m|k|M|G|T)?Wh|(?:µg|mg|g|kg|t)CO2e?|USD|GPU-hours)\b")


def _quantities(text: str) -> list[tuple[float, str]]:
    return [(float(n.replace(",", "")), u) for n, u in _QUANTITY.findall(text)]


def _has(found: list[tuple[float, str]], value: float, unit: str) -> bool:
    """Whether the statement shows `value` (in `unit`) to its four significant figures, in any unit of the dimension."""
    from footprint.core.units import Q

    for number, shown in found:
        shown_unit = "h" if shown == "GPU-hours" else (shown + "e" if shown.endswith("CO2") else shown)
        try:
            converted = Q(number, shown_unit).to(unit).magnitude
        except Exception:
            continue
        if converted == pytest.approx(value, rel=6e-4):
            return True
    return False


@pytest.mark.parametrize("style", ["text", "markdown", "latex"])
def test_estimate_statement_numbers_match_the_json(style: str) -> None:
    args = ("estimate", "--profile", "h800", "--gpus", "2048", "--hours", "1300", "--price", "2 USD/h", "--region", "CHN")
    data = json.loads(run_cli(*args, "--json").out)
    r = run_cli(*args, "--statement", style)
    assert r.code == 0, r.err
    text = r.out.replace("\\textsubscript{2}", "2").replace("CO₂", "CO2").replace("\n", " ")
    found = _quantities(text)
    for key in ("energy", "energy_gpu", "emissions", "cost", "gpu_hours"):
        assert _has(found, data[key]["magnitude"], data[key]["units"]), (key, data[key], found)
    assert "NVIDIA H800 SXM5 80GB" in text and "2,048" in text
    assert "China, 2023" in text and "CO2e, lifecycle" in text  # region, year and basis of the grid factor
    assert re.search(r"footprint \d+\.\d+", text)
    assert "power usage effectiveness (PUE) of 1.1" in text


def test_measured_statement_says_what_was_measured_and_modelled(one_log: Path) -> None:
    data = json.loads(run_cli("report", str(one_log), "--json").out)
    text = run_cli("report", str(one_log), "--statement", "text").out.replace("\n", " ")
    assert "measured through NVML's energy counter" in text
    assert "CPU energy was modelled" in text
    assert "France" in text
    found = _quantities(text)
    for key in ("energy", "energy_gpu", "emissions"):
        assert _has(found, data[key]["magnitude"], data[key]["units"]), key


def test_ranges_are_kept_in_the_statement() -> None:
    text = run_cli("estimate", "--profile", "h100", "--gpus", "8", "--hours", "24", "--pue", "1.1..1.3",
                   "--statement", "text").out.replace("\n", " ")
    assert "(PUE) of 1.2 (1.1..1.3)" in text
    assert re.search(r"used [\d.,]+ kWh \([\d.,]+\.\.[\d.,]+\) of electricity", text)


def test_latex_escaping() -> None:
    from footprint.render.statement import latex_escape

    assert latex_escape(r"100% & $5 #1 a_b {x} ~y ^z \q") == (
        r"100\% \& \$5 \#1 a\_b \{x\} \textasciitilde{}y \textasciicircum{}z \textbackslash{}q")
    assert latex_escape("“8 × 700 W ≈ 5.6 kW” – ok") == r"``8 $\times$ 700 W $\approx$ 5.6 kW'' -- ok"


def test_latex_statement_has_no_unescaped_special_characters() -> None:
    # Zhejiang's factor (CO2 only) brings a source with underscores, colons and parentheses
    r = run_cli("estimate", "--profile", "h100", "--gpus", "8", "--hours", "2", "--region", "CN-ZJ", "--statement", "latex")
    assert r.code == 0, r.err
    text = r.out.replace(r"$\times$", "")
    assert re.search(r"(?<!\\)[%&#_$^~]", text) is None
    assert "private\\_infra" in text and "kgCO\\textsubscript{2} (" in text and "of emissions" in text
    assert text.count("{") == text.count("}")


def test_markdown_statement_escapes_markdown() -> None:
    r = run_cli("estimate", "--profile", "h800", "--gpus", "8", "--hours", "2", "--region", "CHN", "--statement", "markdown")
    assert "private\\_infra/global\\_energy\\_mix.json" in r.out and "×" in r.out and "CO₂e" in r.out


def test_compare_and_claims_statements() -> None:
    r = run_cli("compare", "llama-3.1-405b", "deepseek-v3", "--statement", "text")
    assert r.code == 0, r.err
    # 2.788M / 30.84M GPU-hours on one TDP basis (both 700 W parts) = 9.0%
    assert "deepseek-v3 used 9.0% of llama-3.1-405b's energy" in r.out.replace("\n", " ")
    r = run_cli("claims", "check", "energy-tenth-llama", "--statement", "latex")
    assert r.code == 0, r.err
    assert r.out.startswith("We checked 1 published claim with footprint")


# --- what a plot draws, and where it goes without -o -----------------------------------------------------------

@pytest.fixture
def cpu_only_log(tmp_path: Path) -> Path:
    """A run on a machine without an NVIDIA driver: CPU and RAM modelled, no GPU."""
    log = tmp_path / "cpu-run.jsonl"
    metered([], 20.0, interval=5.0, log=log, settings=fake_host(tmp_path / "host"), gpu_only=False, driver=False)
    return log


def test_plot_without_o_writes_the_logs_name_with_png_beside_it(cpu_only_log: Path, tmp_path: Path) -> None:
    r = run_cli("plot", str(cpu_only_log))
    assert r.code == 0, r.err
    expected = cpu_only_log.with_suffix(".png")
    assert r.out.strip() == f"plot written to {expected}"
    assert expected.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = tmp_path / "estimate.json"
    result.write_text(run_cli("estimate", "--profile", "h100", "--gpus", "8", "--hours", "24", "--json").out)
    assert run_cli("plot", str(result)).out.strip() == f"plot written to {tmp_path / 'estimate.png'}"


def test_plot_of_a_cpu_only_run_draws_cpu_and_ram_and_no_empty_gpu_panel(cpu_only_log: Path, tmp_path: Path) -> None:
    out = tmp_path / "cpu.svg"
    assert run_cli("plot", str(cpu_only_log), "-o", str(out)).code == 0
    text = _svg_texts(out.read_text(encoding="utf-8"))
    assert "power per GPU" not in text
    for label in ("CPU (modelled)", "RAM (modelled)", "power, CPU and RAM (W)", "no GPU metered: CPU and RAM only",
                  "metered IT energy, cumulative"):
        assert label in text, label


def test_plot_of_a_gpu_run_with_host_channels_has_three_panels(one_log: Path, tmp_path: Path) -> None:
    out = tmp_path / "run.svg"
    assert run_cli("plot", str(one_log), "-o", str(out)).code == 0
    text = _svg_texts(out.read_text(encoding="utf-8"))
    for label in ("power per GPU (W)", "GPU 0", "GPU 1", "power, CPU and RAM (W)", "metered IT energy, cumulative"):
        assert label in text, label
    assert "no GPU metered" not in text


@pytest.mark.parametrize("use_matplotlib", [True, False])
def test_html_page_of_a_cpu_only_run_has_no_gpu_plot(cpu_only_log: Path, tmp_path: Path, use_matplotlib: bool,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from footprint.render import plot

    monkeypatch.setattr(plot, "have_matplotlib", lambda: use_matplotlib)
    page = tmp_path / "cpu.html"
    assert run_cli("report", str(cpu_only_log), "--html", str(page)).code == 0
    plots = page.read_text(encoding="utf-8").split("<h2>Plots</h2>")[1].split("<h2>")[0]
    assert "power per GPU" not in plots and "Power per GPU" not in plots
    assert "CPU (modelled)" in plots and "RAM (modelled)" in plots


def test_json_output_reads_back_as_json_dumps_writes_it():
    """The CLI's JSON is the same document json.dumps writes (keys, order, values), however deep, and the outer
    levels stay one key per line for people reading it."""
    import json

    from footprint.render.text import to_json

    data = {"job": {"nodes": [{"node": f"n{i}", "gpus": [{"energy": {"magnitude": i / 3, "units": "kWh"}}]}
                              for i in range(3)], "missing_nodes": [], "span": {}},
            "energy": {"magnitude": 1.5, "units": "kWh"}, 7: "seven", True: None, "name": "naïve"}
    text = to_json(data)
    assert json.loads(text) == json.loads(json.dumps(data))
    assert list(json.loads(text)) == list(json.loads(json.dumps(data)))
    assert '\n  "energy": {' in text and "naïve" in text
