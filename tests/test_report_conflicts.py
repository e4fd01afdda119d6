"""`footprint report` over logs that disagree: every conflicting site option is named in one error."""

from __future__ import annotations

from pathlib import Path

from footprint.meter.fake_nvml import FakeGpu
from tests.cli_run import run_cli
from tests.fixtures.meter.helpers import metered


def test_every_conflicting_option_is_listed_at_once(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    metered([FakeGpu()], 10.0, log=a, site={"region": "FRA", "pue": "1.1", "price": "2 USD/h"})
    metered([FakeGpu()], 10.0, log=b, site={"region": "CHN", "pue": "1.3", "price": "2 USD/h"})
    result = run_cli("report", str(a), str(b))
    assert result.code == 2
    assert result.err == ("footprint report: error: the logs were metered with different --pue (1.1, 1.3) and --region "
                          "(CHN, FRA); pass --pue and --region to choose each\n")
    assert run_cli("report", str(a), str(b), "--region", "DEU", "--pue", "1.2").code == 0


def test_codecarbon_row_takes_cpu_model_and_ram_size_from_the_channels_data(tmp_path: Path) -> None:
    import csv

    from footprint.meter.codecarbon_csv import append_row
    from tests.fixtures.meter.helpers import fake_host

    # the fake host's /proc says "AMD EPYC 7543 32-Core Processor" and 64 GiB
    fp, _ = metered([FakeGpu()], 10.0, log=tmp_path / "run.jsonl", settings=fake_host(tmp_path / "host"), gpu_only=False)
    cpu = fp.details["cpu"][0]
    assert cpu["model"] == "AMD EPYC 7543 32-Core Processor"
    assert fp.details["ram"][0]["total_gb"] == 64.0
    append_row(tmp_path / "emissions.csv", fp)
    (row,) = csv.DictReader((tmp_path / "emissions.csv").open(encoding="utf-8"))
    assert row["cpu_model"] == "AMD EPYC 7543 32-Core Processor"
    assert float(row["ram_total_size"]) == 64.0
