"""`footprint report` over logs that disagree: every conflicting site option is named in one error."""

from __future__ import annotations

from pathlib import Path

from footprint.testing import FakeGpu
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
