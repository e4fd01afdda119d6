"""With a price per GPU-hour and an electricity price, GPU rental and electricity are shown apart, with their sum, in
the text table, the JSON, the HTML page and the methods statement."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli_run import run_cli

ARGS = ("estimate", "--profile", "h800", "--gpus", "2048", "--hours", "1300",
        "--price", "2 USD/h", "--energy-price", "0.08 USD/kWh")


def _json(*args: str) -> dict:
    r = run_cli(*args, "--json")
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_json_carries_rental_electricity_and_their_sum() -> None:
    data = _json(*ARGS)
    rental, electricity, total = data["cost_gpu_rental"], data["cost_electricity"], data["cost"]
    assert rental["units"] == electricity["units"] == total["units"] == "USD"
    assert rental["magnitude"] == pytest.approx(data["gpu_hours"]["magnitude"] * 2)  # GPU-hours x 2 USD/h
    assert electricity["magnitude"] == pytest.approx(data["energy"]["magnitude"] * 0.08)  # facility kWh x 0.08 USD/kWh
    assert electricity["high"] == pytest.approx(data["energy"]["high"] * 0.08)
    for key in ("magnitude", "high"):
        assert total[key] == pytest.approx(rental["magnitude"] + electricity[key])


def test_text_shows_each_part_and_the_total() -> None:
    from footprint.core.fmt import column
    from footprint.core.span import Span
    from footprint.core.units import Q

    data = _json(*ARGS)
    spans = [Span(Q(data[k]["magnitude"], "USD"), *((Q(data[k]["low"], "USD"), Q(data[k]["high"], "USD"))
                                                     if "low" in data[k] else ()))
             for k in ("cost_gpu_rental", "cost_electricity", "cost")]
    rental, electricity, total = column(spans, "money")
    out = run_cli(*ARGS).out
    assert f"  cost, GPU rental   {rental}\n  cost, electricity  {electricity}\n  cost, total        {total}\n" in out


def test_one_price_shows_which_cost_it_is() -> None:
    out = run_cli(*ARGS[:-2]).out
    assert re.search(r"\n  cost, GPU rental +5,324,800 USD\n", out)  # 2,662,400 GPU-hours x 2 USD/h
    assert "electricity" not in out.split("inputs and assumptions")[0]
    data = _json(*ARGS[:-2])
    assert "cost_electricity" not in data and data["cost"] == data["cost_gpu_rental"]


def test_statement_and_html_split_the_cost(tmp_path: Path) -> None:
    from footprint.core.fmt import span
    from footprint.core.units import Q

    data = _json(*ARGS)
    total, rental, electricity = (re.escape(span(Q(data[k]["magnitude"], "USD"), "USD"))
                                  for k in ("cost", "cost_gpu_rental", "cost_electricity"))
    text = run_cli(*ARGS, "--statement", "text").out.replace("\n", " ")
    assert re.search(rf"The cost is {total} \([\d,.]+\): {rental} of GPU rental at 2 USD per GPU-hour and "
                     rf"{electricity} \([\d,.]+\) of electricity at 0\.08 USD per kWh\.", text), text
    page = tmp_path / "cost.html"
    assert run_cli(*ARGS, "--html", str(page)).code == 0
    html = page.read_text(encoding="utf-8")
    for row in ("cost, GPU rental", "cost, electricity", "cost, total"):
        assert f"<td>{row}</td>" in html


def test_a_metered_run_splits_its_cost_too(tmp_path: Path) -> None:
    from footprint.meter.fake_nvml import FakeGpu
    from tests.fixtures.meter.helpers import metered

    log = tmp_path / "run.jsonl"
    metered([FakeGpu(power="350 W")], 60.0, interval=5.0, log=log)
    data = _json("report", str(log), "--price", "3 USD/h", "--energy-price", "0.1 USD/kWh")
    assert data["cost_gpu_rental"]["magnitude"] == pytest.approx(data["gpu_hours"]["magnitude"] * 3)
    assert data["cost_electricity"]["magnitude"] == pytest.approx(data["energy"]["magnitude"] * 0.1)
    out = run_cli("report", str(log), "--price", "3 USD/h", "--energy-price", "0.1 USD/kWh").out
    assert "cost, GPU rental" in out and "cost, electricity" in out and "cost, total" in out
