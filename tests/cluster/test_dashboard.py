"""The Grafana dashboard shipped in docs/ is valid JSON and charts only metrics the exporter serves."""

from __future__ import annotations

import json
import re

from footprint.meter.exporter import MeterCollector
from footprint.meter.ledger import Ledger
from tests.cluster.helpers import ROOT


def _served() -> set[str]:
    """Sample names the exporter serves for a node with one GPU, after one interval."""
    header = {"settings": {"interval_s": 1.0}, "channels": [
        {"key": "GPU-1", "component": "gpu", "index": 0}, {"key": "cpu", "component": "cpu"}, {"key": "ram", "component": "ram"}]}
    ledger = Ledger(header)
    record = {"type": "interval", "t": 1.0, "dt": 1.0, "e": [300.0, 50.0, 10.0]}
    ledger.add(record)
    collector = MeterCollector("7", "n1", 1.1, 400.0)
    collector.update(record, ledger)
    return {sample.name for family in collector.collect() for sample in family.samples}


def test_dashboard_references_served_metrics() -> None:
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {name for expr in exprs for name in re.findall(r"\bfootprint_[a-z_]+\b", expr)} - {"footprint_job"}
    served = _served()
    assert used and used <= served, used - served
    # energy, power per GPU and emissions per job, as the README promises
    assert {"footprint_gpu_power_watts", "footprint_emissions_grams_total", "footprint_facility_energy_joules_total"} <= used
    assert any("by (footprint_job)" in e and "emissions" in e for e in exprs)


def test_exporter_values() -> None:
    header = {"settings": {"interval_s": 1.0}, "channels": [
        {"key": "GPU-1", "component": "gpu", "index": 0}, {"key": "cpu", "component": "cpu"}, {"key": "ram", "component": "ram"}]}
    ledger = Ledger(header)
    collector = MeterCollector("7", "n1", 1.5, 400.0)
    for t in (2.0, 4.0):
        record = {"type": "interval", "t": t, "dt": 2.0, "e": [600.0, 100.0, 20.0]}
        ledger.add(record)
        collector.update(record, ledger)
    values = {(s.name, s.labels.get("index")): s.value for f in collector.collect() for s in f.samples}
    assert values[("footprint_gpu_energy_joules_total", "0")] == 1200.0
    assert values[("footprint_gpu_power_watts", "0")] == 300.0  # 600 J over the last 2 s
    assert values[("footprint_facility_energy_joules_total", None)] == (1200 + 200 + 40) * 1.5
    # 2160 J = 0.0006 kWh at 400 gCO2e/kWh
    assert values[("footprint_emissions_grams_total", None)] == 2160 / 3.6e6 * 400.0
