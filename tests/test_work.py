"""The work a run did: progress() from training code (plain Python loops in real subprocesses, fake GPUs), the
efficiency it gives, the forecast and its checks, budgets that warn and stop, the plan beside the measurement, and
the same figures rebuilt from the log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import footprint
from footprint.errors import FootprintError
from footprint.meter.budget import parse_budget
from footprint.meter.fake_nvml import FakeGpu, fake_nvml
from footprint.meter.forecast import epoch_mean_forecast, forecast
from footprint.meter.log import read_runs
from footprint.meter.nvml import NvmlGpuMeter
from footprint.meter.progress import ProgressWriter, create_channel, read_channel
from footprint.plugins.contract import MeterSettings
from tests.forecast_traces import SHAPES, make_trace, run_errors

FIXTURES = Path(__file__).parent / "fixtures"
TRAIN = str(FIXTURES / "work" / "train.py")
PY = sys.executable
NO_HOST = MeterSettings(powercap_root=Path("/nonexistent"), proc_root=Path("/nonexistent"))
TOKENS_PER_STEP, SAMPLES_PER_STEP, PARAMS = 4096, 8, 1e9  # as tests/fixtures/work/train.py reports them
LIVE_KEYS = {"elapsed_s", "energy_kwh", "emissions_kg", "cost_usd", "steps", "total_steps", "tokens", "samples", "flops",
             "energy_per_step_j", "energy_per_token_j", "energy_per_sample_j", "energy_per_flop_j", "mfu", "power_w",
             "forecast_energy_kwh", "forecast_energy_kwh_low", "forecast_energy_kwh_high", "forecast_emissions_kg",
             "forecast_cost_usd", "forecast_end_unix", "forecast_fraction_done", "budget_reached", "budget_stop"}


def env(fake: str | None = "two-h100.toml") -> dict[str, str]:
    out = {k: v for k, v in os.environ.items()
           if k not in ("FOOTPRINT_FAKE_GPUS", "CUDA_VISIBLE_DEVICES", "FOOTPRINT_PROGRESS", "FOOTPRINT_LIVE")}
    out["FOOTPRINT_LOAD_PLUGINS"] = ""
    out["PYTHONPATH"] = str(Path(footprint.__file__).parent.parent)
    if fake:
        out["FOOTPRINT_FAKE_GPUS"] = str(FIXTURES / "meter" / fake)
    return out


def run(*args: str, cwd: Path, fake: str | None = "two-h100.toml") -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "footprint", "run", *args], cwd=cwd, env=env(fake), capture_output=True, text=True,
                          timeout=120)


def _json(done: subprocess.CompletedProcess[str]) -> dict:
    """The result JSON of 'run --json', after the line the training script printed."""
    return json.loads(done.stdout[done.stdout.index("\n{") + 1:])


def peak_bf16_h100() -> float:
    from footprint.plugins.catalog import get_profile

    return float(get_profile("h100-sxm").peak("bf16").value.to("FLOP/s").magnitude)


# --- the channel ----------------------------------------------------------------------------------------------

def test_progress_without_a_meter_does_nothing_and_bad_values_are_named(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FOOTPRINT_PROGRESS", raising=False)
    footprint.progress(step=3, tokens=100)  # neither track() nor run: nothing happens, nothing raises
    assert footprint.live() is None
    channel = create_channel(tmp_path / "p.progress")
    monkeypatch.setenv("FOOTPRINT_PROGRESS", channel)
    with pytest.raises(FootprintError, match="progress: step=-1"):
        footprint.progress(step=-1)
    footprint.progress(step=2, tokens=float("1e6"))
    assert read_channel(channel) == {"steps": 2.0, "tokens": 1e6}


def test_a_stale_channel_variable_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTPRINT_PROGRESS", str(tmp_path / "gone.bin"))
    footprint.progress(step=1)  # the meter is gone: reporting becomes a no-op, never an error in training code


def test_ranks_of_a_node_each_claim_a_slot_and_rank_zero_counts(tmp_path: Path) -> None:
    channel = create_channel(tmp_path / "node.progress")
    code = "import footprint, sys; footprint.progress(step=int(sys.argv[1]), tokens=int(sys.argv[2]))"
    for rank, step, tokens in ((1, 7, 999), (0, 5, 500)):
        e = {**env(None), "FOOTPRINT_PROGRESS": channel, "LOCAL_RANK": str(rank)}
        subprocess.run([PY, "-c", code, str(step), str(tokens)], env=e, check=True, timeout=60)
    # the job's counts are rank 0's: every rank reports the same global step, so summing would count it twice
    assert read_channel(channel) == {"steps": 5.0, "tokens": 500.0}


def test_a_process_and_its_child_in_one_rank_take_the_highest_value(tmp_path: Path) -> None:
    channel = create_channel(tmp_path / "c.progress")
    parent = ProgressWriter(channel)
    parent.write({"steps": 10.0})
    code = "import footprint; footprint.progress(step=4, samples=32)"
    subprocess.run([PY, "-c", code], env={**env(None), "FOOTPRINT_PROGRESS": channel}, check=True, timeout=60)
    assert read_channel(channel) == {"steps": 10.0, "samples": 32.0}


def test_a_torn_slot_is_skipped_not_read_as_numbers(tmp_path: Path) -> None:
    channel = create_channel(tmp_path / "t.progress")
    writer = ProgressWriter(channel)
    writer.write({"steps": 42.0})
    writer.map[10] ^= 0xFF  # a byte changed under the reader: the slot's CRC no longer matches
    assert read_channel(channel) is None
    writer.write({"steps": 43.0})  # the next write is whole again
    assert read_channel(channel) == {"steps": 43.0}


# --- the forecaster, offline ----------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
def test_forecast_beats_the_epoch_mean_at_10_25_and_50_percent(shape: str) -> None:
    ours, theirs = {}, {}
    for seed in range(1, 6):
        trace = make_trace(shape, seed=seed)
        total = trace[-1][2]
        for f, e in run_errors(trace, total, lambda t, total=total: forecast(t, total).energy_j).items():
            ours[f] = ours.get(f, 0.0) + e
        for f, e in run_errors(trace, total, lambda t, total=total: epoch_mean_forecast(t, total, 10)).items():
            theirs[f] = theirs.get(f, 0.0) + e
    for f in (0.1, 0.25, 0.5):
        assert ours[f] < theirs[f], (shape, f, ours[f] / 5, theirs[f] / 5)


def test_forecast_follows_a_power_drop_once_it_has_seen_it() -> None:
    trace = make_trace("power drop")
    total = trace[-1][2]
    after = run_errors(trace, total, lambda t: forecast(t, total).energy_j, (0.75,))[0.75]
    before = run_errors(trace, total, lambda t: forecast(t, total).energy_j, (0.5,))[0.5]
    assert after < before / 10


def test_forecast_of_a_steady_run_is_exact_and_its_range_holds_it() -> None:
    trace = [(float(t), 100.0 * t, float(t)) for t in range(0, 101, 5)]  # 100 J per unit of work, one unit a second
    made = forecast(trace, 400.0)
    assert made is not None and made.energy_j == pytest.approx(400 * 100.0)
    assert made.low_j <= made.energy_j <= made.high_j
    assert made.end_s == pytest.approx(400.0) and made.fraction == pytest.approx(0.25)
    assert forecast([(5.0, 500.0, 0.0)], 10) is None  # before any work there is nothing to go on


# --- budgets --------------------------------------------------------------------------------------------------

def test_budgets_read_energy_emissions_and_money() -> None:
    assert parse_budget("5 MWh").kind == "energy" and parse_budget("5 MWh").limit == pytest.approx(5000)
    assert parse_budget("2 tCO2e").kind == "emissions" and parse_budget("2 tCO2e").limit == pytest.approx(2000)
    assert parse_budget("10000 USD").kind == "cost" and parse_budget("10000 USD").limit == pytest.approx(10000)
    for bad in ("5 MW", "ten kWh", "-1 kWh", "0 USD", ""):
        with pytest.raises(FootprintError, match="budget"):
            parse_budget(bad)


def test_a_bad_budget_is_one_line_and_exit_2_before_the_command_starts(tmp_path: Path) -> None:
    done = run("--budget", "5 MW", "--", PY, "-c", "open('started', 'w')", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "--budget: cannot read '5 MW'" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "started").exists()
    unpriced = run("--budget", "100 USD", "--", PY, "-c", "open('started', 'w')", cwd=tmp_path)
    assert unpriced.returncode == 2 and "the run's cost is unknown; expected --price" in unpriced.stderr
    assert not (tmp_path / "started").exists()


def test_a_budget_stops_a_real_training_loop_which_saves_a_checkpoint(tmp_path: Path) -> None:
    # two fake H100s at 350 W: the budget is about 1.5 s of the run, the loop would take 10 s
    budget_wh = 2 * 350 * 1.5 / 3600
    budget = f"{budget_wh:.4f} Wh"
    done = run("--interval", "200ms", "--json", "--budget", budget, "--on-budget", "stop", "--",
               PY, TRAIN, "500", "0.02", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    saved = json.loads((tmp_path / "checkpoint.json").read_text())
    assert saved["signal"] == "SIGTERM" and 0 < saved["step"] < 500
    data = _json(done)
    assert data["budget"]["stopped_by"] == budget and data["budget"]["signal"] == "SIGTERM"
    assert data["energy"]["magnitude"] >= budget_wh / 1000  # it stopped once the actual reached the budget
    assert data["work"]["steps"] == saved["step"]
    assert sum(f"budget {budget} reached" in line for line in done.stderr.splitlines()) == 1
    summary = run("--interval", "200ms", "--budget", budget, "--on-budget", "stop", "--budget-signal", "SIGUSR1", "--",
                  PY, TRAIN, "500", "0.02", "--checkpoint", "usr1.json", cwd=tmp_path)
    assert json.loads((tmp_path / "usr1.json").read_text())["signal"] == "SIGUSR1"
    assert f"the budget {budget} stopped the run" in summary.stdout and "SIGUSR1 sent to the command" in summary.stdout


def test_a_warn_budget_says_the_forecast_passes_it_once_and_lets_the_run_finish(tmp_path: Path) -> None:
    budget = f"{2 * 350 * 0.5 / 3600:.4f} Wh"  # the whole run (about 2 s) needs more than that
    done = run("--interval", "200ms", "--budget", budget, "--", PY, TRAIN, "100", "0.02", cwd=tmp_path)
    assert done.returncode == 0 and not (tmp_path / "checkpoint.json").exists()
    lines = done.stderr.splitlines()
    assert sum(f"budget {budget}: the forecast for the whole run" in line for line in lines) == 1
    assert sum(f"budget {budget} reached" in line for line in lines) == 1


# --- work and efficiency, live and from the log ----------------------------------------------------------------

def test_work_and_efficiency_of_a_run_and_the_same_from_its_log(tmp_path: Path) -> None:
    steps = 100
    done = run("--interval", "200ms", "--json", "--log", "run.jsonl", "--", PY, TRAIN, str(steps), "0.02", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = _json(done)
    tokens = steps * TOKENS_PER_STEP
    assert data["work"] == {"steps": steps, "total_steps": steps, "tokens": tokens, "samples": steps * SAMPLES_PER_STEP,
                            "flops": 6 * PARAMS * tokens}
    joules = data["energy"]["magnitude"] * 3.6e6
    eff = data["efficiency"]
    assert eff["energy_per_step"]["magnitude"] == pytest.approx(joules / steps, rel=1e-6)
    assert eff["energy_per_token"]["magnitude"] == pytest.approx(joules / tokens, rel=1e-6)
    assert eff["energy_per_sample"]["magnitude"] == pytest.approx(joules / (steps * SAMPLES_PER_STEP), rel=1e-6)
    gpu_j = data["energy_gpu"]["magnitude"] * 3.6e6
    assert eff["energy_per_flop"] == {"magnitude": pytest.approx(gpu_j / (6 * PARAMS * tokens), rel=1e-6), "units": "J/FLOP"}
    seconds = data["duration"]["magnitude"] * 3600
    assert eff["mfu"] == pytest.approx(6 * PARAMS * tokens / seconds / (2 * peak_bf16_h100()), rel=1e-3)
    assert eff["power_fraction"] == data["details"]["estimate"]["measured_power_fraction"]
    # the forecast ran to the end: its checks are set against the actual
    checks = data["forecast"]["checks"]
    assert [c["at"] for c in checks] == [0.1, 0.25, 0.5]
    for check in checks:
        assert check["error"] == pytest.approx(check["energy"]["magnitude"] / data["energy"]["magnitude"] - 1, abs=1e-5)
    again = subprocess.run([PY, "-m", "footprint", "report", "run.jsonl", "--json"], cwd=tmp_path, env=env(), capture_output=True,
                           text=True, timeout=60)
    rebuilt = json.loads(again.stdout)
    assert rebuilt["work"] == data["work"] and rebuilt["efficiency"] == data["efficiency"]
    assert rebuilt["forecast"] == data["forecast"]


def test_total_steps_from_the_command_line_and_work_from_a_child_process(tmp_path: Path) -> None:
    done = run("--interval", "200ms", "--json", "--total-steps", "80", "--", PY, TRAIN, "80", "0.02", "--no-total", "--child",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = _json(done)
    assert data["work"]["steps"] == 80 and data["work"]["total_steps"] == 80
    assert data["forecast"]["fraction_done"] == 1.0 and data["forecast"]["unit"] == "steps"


def test_a_cpu_only_run_gives_energy_per_flop_from_the_cpu_and_no_mfu(tmp_path: Path) -> None:
    done = run("--interval", "200ms", "--json", "--", PY, TRAIN, "30", "0.02", cwd=tmp_path, fake="no-driver.toml")
    assert done.returncode == 0, done.stderr
    eff = _json(done)["efficiency"]
    assert eff["energy_per_flop_basis"] == "CPU energy (no GPU metered)" and eff["mfu"] is None
    cpu_j = _json(done)["energy_cpu"]["magnitude"] * 3.6e6
    assert eff["energy_per_flop"]["magnitude"] == pytest.approx(cpu_j / (6 * PARAMS * 30 * TOKENS_PER_STEP), rel=1e-6)


def test_the_plan_beside_the_measurement_and_one_warning_above_its_high_end(tmp_path: Path) -> None:
    plan = subprocess.run([PY, "-m", "footprint", "estimate", "--profile", "h100-sxm", "--gpus", "2", "--hours", "0.0001",
                           "--json"], env=env(), capture_output=True, text=True, timeout=60, check=True).stdout
    (tmp_path / "plan.json").write_text(plan)
    planned = json.loads(plan)
    done = run("--interval", "200ms", "--json", "--plan", "plan.json", "--", PY, TRAIN, "100", "0.02", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = _json(done)
    rows = data["plan"]["rows"]
    assert rows["energy"]["plan"][0] == planned["energy"]["magnitude"]
    assert rows["energy"]["ratio"] == pytest.approx(data["energy"]["magnitude"] / planned["energy"]["magnitude"], rel=1e-3)
    assert rows["gpu_hours"]["measured"] == pytest.approx(data["gpu_hours"]["magnitude"], rel=1e-6)
    assert rows["power_fraction"]["plan"][0] == 1.0  # the estimate's default: TDP x 1.0
    assert data["plan"]["forecast_above_plan"] is True
    assert sum("is above the plan's high end" in line for line in done.stderr.splitlines()) == 1
    bad = run("--plan", "missing.json", "--", PY, "-c", "pass", cwd=tmp_path)
    assert bad.returncode == 2 and "--plan: cannot read 'missing.json'" in bad.stderr


def test_the_command_reads_the_live_snapshot(tmp_path: Path) -> None:
    code = ("import footprint, json, time\n"
            "for s in range(1, 61):\n"
            "    time.sleep(0.02); footprint.progress(step=s, total_steps=60, flops=s * 1e12)\n"
            "print(json.dumps(footprint.live()))\n")
    done = run("--interval", "200ms", "--quiet", "--", PY, "-c", code, cwd=tmp_path)
    live = json.loads(done.stdout)
    assert set(live) == LIVE_KEYS
    assert live["total_steps"] == 60 and 0 < live["steps"] <= 60 and live["forecast_energy_kwh"] > 0
    assert live["energy_per_flop_j"] > 0 and live["mfu"] > 0


# --- track() --------------------------------------------------------------------------------------------------

def test_track_holds_a_budget_with_should_stop_and_answers_live() -> None:
    with fake_nvml([FakeGpu(name="NVIDIA H100 80GB HBM3", power="400 W")]):
        budget = f"{400 * 0.4 / 3600:.5f} Wh"  # reached after about 0.4 s of the 2 s loop
        with footprint.track(interval="100ms", settings=NO_HOST, factories=[NvmlGpuMeter()], quiet=True, total_steps=200,
                             budget=budget, on_budget="stop") as t:
            step = 0
            while step < 200 and not t.should_stop:
                threading.Event().wait(0.01)
                step += 1
                t.progress(step=step, flops=step * 1e12)
            live = footprint.live()
    assert t.should_stop and step < 200
    assert live is not None and set(live) == LIVE_KEYS and live["budget_stop"] is True and budget in live["budget_reached"]
    assert t.result is not None and t.result.work["budget"]["stopped_by"] == budget
    assert footprint.live() is None  # the tracker is gone


def test_track_refuses_a_bad_budget_where_it_is_made() -> None:
    with pytest.raises(FootprintError, match="track: budget: cannot read '2 bananas'"):
        footprint.track(budget="2 bananas")
    with pytest.raises(FootprintError, match="track: on_budget"):
        footprint.track(on_budget="panic")


def test_prometheus_shows_the_forecast() -> None:
    pytest.importorskip("prometheus_client")
    from prometheus_client import generate_latest

    from footprint.meter.exporter import Exporter, MeterCollector

    with fake_nvml([FakeGpu(name="NVIDIA H100 80GB HBM3", power="400 W")]):
        with footprint.track(interval="100ms", settings=NO_HOST, factories=[NvmlGpuMeter()], quiet=True, total_steps=50) as t:
            collector = MeterCollector("job", "node", 1.1, 475.0)
            collector.work = t.recorder.work
            for step in range(1, 51):
                threading.Event().wait(0.01)
                footprint.progress(step=step)
            threading.Event().wait(0.15)
            text = generate_latest(Exporter(collector).registry).decode()
            live = t.live()
    assert live is not None
    line = next(x for x in text.splitlines() if x.startswith("footprint_forecast_energy_joules{"))
    assert float(line.split()[-1]) == pytest.approx(live["forecast_energy_kwh"] * 3.6e6)
    assert "footprint_work_steps{" in text


def test_a_torch_training_loop_reports_its_work(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="torch is optional: the plain Python loops above cover the rest")
    code = ("import torch, footprint\n"
            "model = torch.nn.Linear(64, 64); opt = torch.optim.SGD(model.parameters(), lr=0.01)\n"
            "for step in range(1, 41):\n"
            "    x = torch.randn(32, 64); loss = model(x).pow(2).mean(); opt.zero_grad(); loss.backward(); opt.step()\n"
            "    footprint.progress(step=step, total_steps=40, samples=step * 32, flops=step * 6 * 64 * 64 * 32)\n")
    done = run("--interval", "100ms", "--json", "--", PY, "-c", code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["work"]["steps"] == 40 and data["work"]["samples"] == 40 * 32


# --- where the figures show ------------------------------------------------------------------------------------

def test_a_forked_child_reports_from_a_slot_of_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import struct

    channel = create_channel(tmp_path / "f.progress")
    monkeypatch.setenv("FOOTPRINT_PROGRESS", channel)
    footprint.progress(step=10)
    pid = os.fork()
    if pid == 0:  # a forked data-loader worker: it must not write into its parent's slot
        try:
            footprint.progress(samples=5)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    data = Path(channel).read_bytes()
    owners = {struct.unpack_from("<i", data, offset)[0] for offset in range(0, len(data), 64)} - {0}
    assert owners == {os.getpid(), pid}
    assert read_channel(channel) == {"steps": 10.0, "samples": 5.0}


def test_the_status_line_shows_the_forecast() -> None:
    import io

    from footprint.meter.status import StatusLine

    with fake_nvml([FakeGpu(name="NVIDIA H100 80GB HBM3", power="400 W")]):
        with footprint.track(interval="100ms", settings=NO_HOST, factories=[NvmlGpuMeter()], quiet=True, total_steps=40) as t:
            for step in range(1, 21):
                threading.Event().wait(0.01)
                footprint.progress(step=step)
            threading.Event().wait(0.25)
            status = StatusLine(io.StringIO(), 1.1, 475.0, size=(24, 300))
            status.work = t.recorder.work
            line = status.text({"type": "interval", "dt": 0.1, "e": [40.0]}, t.recorder.ledger)
            live = t.live()
    assert live is not None
    assert f"{live['forecast_fraction_done']:.0%} done, forecast " in line and ", ends " in line


def test_a_damaged_work_record_is_named_and_the_rest_rebuilt(tmp_path: Path) -> None:
    done = run("--interval", "200ms", "--json", "--log", "run.jsonl", "--", PY, TRAIN, "40", "0.02", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "run.jsonl").read_text().splitlines(keepends=True)
    last_work = max(i for i, line in enumerate(lines) if '"type":"work"' in line)
    t = json.loads(lines[last_work - 1])["t"]
    lines.insert(last_work, json.dumps({"type": "work", "t": t, "steps": "many"}) + "\n")  # before the last good one
    (tmp_path / "damaged.jsonl").write_text("".join(lines))
    again = subprocess.run([PY, "-m", "footprint", "report", "damaged.jsonl", "--json"], cwd=tmp_path, env=env(),
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 0
    assert f"damaged.jsonl:{last_work + 1}:" in again.stderr and "'steps'" in again.stderr
    assert json.loads(again.stdout)["work"] == _json(done)["work"]


def test_the_page_and_the_statement_say_what_the_budget_did(tmp_path: Path) -> None:
    budget = f"{2 * 350 * 1.0 / 3600:.4f} Wh"
    done = run("--interval", "200ms", "--log", "run.jsonl", "--budget", budget, "--on-budget", "stop", "--",
               PY, TRAIN, "500", "0.02", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    statement = subprocess.run([PY, "-m", "footprint", "report", "run.jsonl", "--statement", "markdown", "--html", "run.html"],
                               cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=60)
    assert statement.returncode == 0, statement.stderr
    assert f"The run was stopped by its budget of {budget}" in statement.stdout
    page = (tmp_path / "run.html").read_text()
    assert "<h2>Work and efficiency</h2>" in page and "<h2>Budgets</h2>" in page and f"the budget {budget} stopped the run" in page


def test_progress_loads_neither_pint_nor_nvml(tmp_path: Path) -> None:
    channel = create_channel(tmp_path / "light.progress")
    code = ("import sys, footprint\n"
            "footprint.progress(step=1, tokens=10)\n"
            "print(sorted(m for m in ('pint', 'pynvml', 'numpy', 'footprint.plugins.manager') if m in sys.modules))\n")
    done = subprocess.run([PY, "-c", code], env={**env(None), "FOOTPRINT_PROGRESS": channel}, capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]"
    assert read_channel(channel) == {"steps": 1.0, "tokens": 10.0}


def test_a_job_report_of_a_directory_keeps_the_work(tmp_path: Path) -> None:
    done = run("--interval", "200ms", "--json", "--log-dir", "logs", "--", PY, TRAIN, "40", "0.02", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    job = subprocess.run([PY, "-m", "footprint", "report", "logs", "--json"], cwd=tmp_path, env=env(), capture_output=True,
                         text=True, timeout=60)
    assert job.returncode == 0, job.stderr
    data, merged = _json(done), json.loads(job.stdout)
    # a finished node log is summed from its final record: the work comes with it
    assert merged["work"] == data["work"] and merged["forecast"]["checks"] == data["forecast"]["checks"]
    assert merged["efficiency"]["energy_per_step"]["magnitude"] == pytest.approx(
        merged["energy"]["magnitude"] * 3.6e6 / data["work"]["steps"], rel=1e-6)


def test_two_ranks_of_a_node_one_meter_the_other_reports_its_work(tmp_path: Path) -> None:
    # srun starts 'footprint run' on each rank: one meters the node; the other's command reports through the
    # node's shared channel, and the meter counts it
    processes = []
    for rank, command in ((0, [PY, "-c", "import time; time.sleep(2)"]), (1, [PY, TRAIN, "40", "0.02"])):
        e = {**env(), "SLURM_JOB_ID": "4242", "SLURM_PROCID": str(rank), "SLURM_LOCALID": str(rank),
             "SLURM_NTASKS_PER_NODE": "2", "FOOTPRINT_LOCK_DIR": str(tmp_path / "locks")}
        processes.append(subprocess.Popen([PY, "-m", "footprint", "run", "--interval", "200ms", "--quiet", "--log-dir", "logs",
                                           "--", *command], cwd=tmp_path, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True))
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    job = subprocess.run([PY, "-m", "footprint", "report", "logs", "--json"], cwd=tmp_path, env=env(), capture_output=True,
                         text=True, timeout=60)
    assert job.returncode == 0, job.stderr
    work = json.loads(job.stdout)["work"]
    assert work["steps"] == 40 and work["tokens"] == 40 * TOKENS_PER_STEP


def test_a_log_cut_short_and_read_from_its_last_checkpoint_keeps_the_work(tmp_path: Path) -> None:
    from footprint.meter.checkpoint import Checkpoints, read_runs_resumed
    from footprint.meter.fake_nvml import FakeClock

    clock = FakeClock()
    log = tmp_path / "run.jsonl"
    with fake_nvml([FakeGpu(name="NVIDIA H100 80GB HBM3", power="400 W")], clock=clock.now):
        t = footprint.track(log=log, interval="1s", clock=clock, settings=NO_HOST, factories=[NvmlGpuMeter()], quiet=True,
                            total_steps=100).start()
        assert t.recorder is not None
        t.recorder.checkpoints = Checkpoints(3.0)
        for step in range(1, 81):
            clock.advance(0.1)
            footprint.progress(step=step)
            if step % 5 == 0:
                with t.window("tick"):  # with a fake clock, reads happen at window edges
                    pass
        cut = log.read_bytes()  # the log as a killed meter leaves it: no final record
        t.stop()
    (tmp_path / "cut.jsonl").write_bytes(cut)
    assert b'"type":"checkpoint"' in cut
    resumed = read_runs_resumed(tmp_path / "cut.jsonl")[0]
    whole = read_runs(tmp_path / "cut.jsonl")[0]
    assert resumed.ledger.work.summary()["work"] == whole.ledger.work.summary()["work"]
    assert resumed.ledger.work.summary()["checks"] == whole.ledger.work.summary()["checks"] != {}


TRACKED_RANK = """
import json, time, footprint
with footprint.track(interval="100ms", quiet=True, budget={budget!r}, on_budget="stop") as t:
    step = 0
    while not t.should_stop and step < 1000:
        time.sleep(0.01)
        step += 1
        footprint.progress(step=step)
budget = t.result.work.get("budget") if t.result is not None else None
print(json.dumps({{"step": step, "metering": t.metering, "stop": t.should_stop, "budget": budget}}))
"""


def test_every_rank_of_a_node_under_track_learns_of_the_budget_stop(tmp_path: Path) -> None:
    # two ranks on one node of a two-node job: the budget is the job's, so this node counts for both nodes
    budget = f"{2 * 350 * 2.0 / 3600:.4f} Wh"  # the two fake GPUs alone would take 2 s; counted twice, about 1 s
    processes = []
    for rank in (0, 1):
        e = {**env(), "SLURM_JOB_ID": "77", "SLURM_PROCID": str(rank), "SLURM_LOCALID": str(rank), "SLURM_NTASKS_PER_NODE": "2",
             "SLURM_JOB_NUM_NODES": "2", "FOOTPRINT_LOCK_DIR": str(tmp_path / "locks")}
        processes.append(subprocess.Popen([PY, "-c", TRACKED_RANK.format(budget=budget)], cwd=tmp_path, env=e,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(json.loads(out))
    assert sorted(r["metering"] for r in results) == [False, True]
    assert all(r["stop"] and r["step"] < 1000 for r in results)  # both left the loop, the unmetered one too
    meter = next(r for r in results if r["metering"])
    assert meter["budget"]["stopped_by"] == budget and "x 2 nodes" in meter["budget"]["basis"]
