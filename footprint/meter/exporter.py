"""Prometheus metrics of a running meter: served on ``/metrics`` for the run's lifetime, or pushed to a Pushgateway.

Values come from the meter's running totals (the same Ledger that writes the log), so a scrape sees the totals as
of the last complete interval. Every series carries ``footprint_job`` and ``node`` labels: Prometheus sets ``job``
itself (the scrape job's name), so the meter's job id gets a label of its own. ``prometheus_client`` is imported
only when metrics are asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from footprint.errors import FootprintError
from footprint.meter.ledger import Ledger, coverage

J_PER_KWH = 3.6e6
PUSH_JOB = "footprint"  # the Pushgateway's grouping job; the meter's own job id is the footprint_job label


class MeterCollector:
    """A prometheus_client collector over a live Ledger."""

    def __init__(self, job: str, node: str, pue: float, intensity_g_per_kwh: float) -> None:
        self.labels = {"footprint_job": job, "node": node}
        self.pue = pue
        self.intensity = intensity_g_per_kwh
        self.ledger: Ledger | None = None
        self.power: dict[int, float] = {}
        self.lock = threading.Lock()
        self.work: Any = None  # the run's WorkMonitor: work, efficiency and forecast series

    def update(self, record: dict[str, Any], ledger: Ledger) -> None:
        """Called by the recorder for every record (from the meter thread)."""
        if record.get("type") != "interval":
            return
        dt = float(record.get("dt", 0.0))
        with self.lock:
            self.ledger = ledger
            if dt > 0:
                # a channel not read this interval has no power: its sample is left out (unknown), never a 0 W reading
                flags, estimated = record.get("flags") or {}, record.get("est") or {}
                self.power = {i: float(e) / dt for i, e in enumerate(record.get("e", []))
                              if coverage([str(f).split(":")[0] if f != "gap:start-failed" else "gap-start"
                                           for f in flags.get(str(i), [])], float(e), float(estimated.get(str(i), 0.0))) != "unknown"}

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        base = list(self.labels)
        values = list(self.labels.values())
        gpu_energy = CounterMetricFamily("footprint_gpu_energy_joules", "GPU energy since the meter started.",
                                         labels=[*base, "index", "uuid"])
        gpu_power = GaugeMetricFamily("footprint_gpu_power_watts", "GPU average power over the last interval "
                                      "(absent while the GPU is not read).", labels=[*base, "index", "uuid"])
        gpu_seconds = CounterMetricFamily("footprint_gpu_seconds", "Seconds of each GPU by how its energy is known: "
                                          "measured, filled across a gap, or unknown (not read).",
                                          labels=[*base, "index", "uuid", "coverage"])
        with self.lock:
            ledger, power = self.ledger, dict(self.power)
        joules = {"gpu": 0.0, "cpu": 0.0, "ram": 0.0}
        t = 0.0
        if ledger is not None:
            t = ledger.t
            for i, channel in enumerate(ledger.channels):
                joules[channel.component] = joules.get(channel.component, 0.0) + channel.energy
                if channel.component == "gpu":
                    labels = [*values, str(channel.info.get("index", i)), channel.key]
                    gpu_energy.add_metric(labels, channel.energy)
                    if i in power:
                        gpu_power.add_metric(labels, power[i])
                    for kind, seconds in zip(("measured", "filled", "unknown"), channel.seconds()[:3], strict=True):
                        gpu_seconds.add_metric([*labels, kind], seconds)
        yield gpu_energy
        yield gpu_power
        yield gpu_seconds
        for component, what in (("cpu", "CPU"), ("ram", "RAM")):
            family = CounterMetricFamily(f"footprint_{component}_energy_joules", f"{what} energy since the meter started "
                                         "(measured through RAPL, or modelled).", labels=base)
            family.add_metric(values, joules[component])
            yield family
        it = joules["gpu"] + joules["cpu"] + joules["ram"]
        facility = CounterMetricFamily("footprint_facility_energy_joules", "Facility energy: (GPU + CPU + RAM) x PUE.",
                                       labels=base)
        facility.add_metric(values, it * self.pue)
        yield facility
        emissions = CounterMetricFamily("footprint_emissions_grams", "Emissions in gCO2e: facility energy x grid intensity.",
                                        labels=base)
        emissions.add_metric(values, it * self.pue / J_PER_KWH * self.intensity)
        yield emissions
        yield from self._work_families(base, values)
        for name, doc, value in (("footprint_pue", "Power usage effectiveness used for facility energy.", self.pue),
                                 ("footprint_grid_intensity_grams_per_kwh", "Grid carbon intensity used, gCO2e/kWh.", self.intensity),
                                 ("footprint_metered_seconds", "Seconds metered so far (last complete interval).", t)):
            gauge = GaugeMetricFamily(name, doc, labels=base)
            gauge.add_metric(values, value)
            yield gauge


    def _work_families(self, base: list[str], values: list[str]) -> Iterator[Any]:
        """The run's work and forecast, from the live snapshot (only the series known so far)."""
        from prometheus_client.core import GaugeMetricFamily

        live = self.work.snapshot() if self.work is not None else None
        if not live:
            return
        series = (
            ("footprint_work_steps", "Steps done, as the training code reported them.", live.get("steps"), 1.0),
            ("footprint_work_total_steps", "The run's planned steps.", live.get("total_steps"), 1.0),
            ("footprint_work_tokens", "Tokens processed so far.", live.get("tokens"), 1.0),
            ("footprint_work_samples", "Samples processed so far.", live.get("samples"), 1.0),
            ("footprint_work_flops", "FLOPs done so far.", live.get("flops"), 1.0),
            ("footprint_energy_per_step_joules", "Facility energy per step so far.", live.get("energy_per_step_j"), 1.0),
            ("footprint_energy_per_token_joules", "Facility energy per token so far.", live.get("energy_per_token_j"), 1.0),
            ("footprint_energy_per_flop_joules", "Device energy per FLOP so far.", live.get("energy_per_flop_j"), 1.0),
            ("footprint_mfu_ratio", "Achieved FLOP/s over the run against the GPUs' dense peak.", live.get("mfu"), 1.0),
            ("footprint_forecast_energy_joules", "Forecast facility energy of the whole run.", live.get("forecast_energy_kwh"), J_PER_KWH),
            ("footprint_forecast_energy_low_joules", "Low end of the forecast energy.", live.get("forecast_energy_kwh_low"), J_PER_KWH),
            ("footprint_forecast_energy_high_joules", "High end of the forecast energy.", live.get("forecast_energy_kwh_high"), J_PER_KWH),
            ("footprint_forecast_emissions_grams", "Forecast emissions of the whole run, gCO2e.", live.get("forecast_emissions_kg"), 1000.0),
            ("footprint_forecast_cost_usd", "Forecast cost of the whole run, USD.", live.get("forecast_cost_usd"), 1.0),
            ("footprint_forecast_end_timestamp_seconds", "Forecast end of the run, Unix time.", live.get("forecast_end_unix"), 1.0),
            ("footprint_forecast_fraction_done", "Fraction of the planned work done.", live.get("forecast_fraction_done"), 1.0),
            ("footprint_budget_stop", "1 once a budget stopped the run.", float(bool(live.get("budget_stop"))), 1.0),
        )
        for name, doc, value, scale in series:
            if value is None:
                continue
            gauge = GaugeMetricFamily(name, doc, labels=base)
            gauge.add_metric(values, float(value) * scale)
            yield gauge


class Exporter:
    """Serves (and/or pushes) a MeterCollector; ``start()`` binds the port before the training command starts."""

    def __init__(self, collector: MeterCollector, port: int | None = None, addr: str = "0.0.0.0", push: str | None = None) -> None:
        from prometheus_client import CollectorRegistry

        self.collector = collector
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(collector)  # type: ignore[arg-type]
        self.port, self.addr, self.push_url = port, addr, push
        self.server: Any = None

    def start(self) -> None:
        if self.port is None:
            return
        from prometheus_client import start_http_server

        try:
            self.server, _ = start_http_server(self.port, self.addr, self.registry)
        except OSError as exc:
            raise FootprintError(f"--prometheus-port: cannot listen on {self.addr}:{self.port}: {exc.strerror}; "
                                 "expected a free port (another exporter running?)") from None

    def push(self) -> str | None:
        """Push the current values to the Pushgateway; the error text if that failed (metering goes on)."""
        if not self.push_url:
            return None
        from prometheus_client import push_to_gateway

        try:
            push_to_gateway(self.push_url, job=PUSH_JOB, registry=self.registry, grouping_key=self.collector.labels, timeout=10)
        except Exception as exc:  # a Pushgateway that is down must not fail the run
            return f"--prometheus-push: could not push to {self.push_url}: {exc}"
        return None

    def close(self) -> str | None:
        """Push the final values, then stop serving."""
        error = self.push()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        return error


def check_port(value: int | None) -> int | None:
    if value is not None and not 0 < value < 65536:
        raise FootprintError(f"--prometheus-port: {value} is out of range; expected a port from 1 to 65535")
    return value


def make_exporter(job: str, node: str, site: dict[str, Any], port: int | None, addr: str, push: str | None) -> Exporter:
    """An exporter for this run with the site's PUE and grid intensity (the values the summary will use)."""
    from footprint.estimates.inputs import resolve_site

    check_port(port)
    if push is not None and not push.startswith(("http://", "https://")) and "://" in push:
        raise FootprintError(f"--prometheus-push: {push!r} is not an http(s) URL; expected e.g. http://pushgateway:9091")
    resolved = resolve_site(**{k: v for k, v in site.items() if v is not None})
    collector = MeterCollector(job, node, float(resolved.pue.central.magnitude),
                               float(resolved.intensity.central.to("gCO2e/kWh").magnitude))
    return Exporter(collector, port, addr, push)
