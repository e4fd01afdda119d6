"""The Hugging Face Trainer callback on a real Trainer: a 2-layer GPT-2 built from a config, trained on the CPU."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("transformers", reason="the Trainer callback needs transformers: pip install 'footprint[transformers]'")
pytest.importorskip("accelerate", reason="the Trainer needs accelerate: pip install 'footprint[transformers]'")
import torch
from transformers import GPT2Config, GPT2LMHeadModel, Trainer, TrainerCallback, TrainingArguments

from footprint.integrations.transformers import FootprintCallback, attach
from footprint.meter.fake_nvml import FakeGpu, fake_nvml
from tests.integrations.helpers import GPU_W, meter_options, wandb_history


class Pace(TrainerCallback):
    """Steps of at least 30 ms, as a real model's are: the meter (read every 100 ms) has read a few times by the
    first logging step, however fast the tiny model trains on an idle machine."""

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        time.sleep(0.03)


def tiny_gpt2() -> GPT2LMHeadModel:
    torch.manual_seed(0)
    return GPT2LMHeadModel(GPT2Config(n_layer=2, n_embd=32, n_head=2, vocab_size=64, n_positions=16,
                                      bos_token_id=0, eos_token_id=0))


def data(n: int = 64) -> list[dict[str, Any]]:
    generator = torch.Generator().manual_seed(1)
    rows = []
    for _ in range(n):
        ids = torch.randint(0, 64, (16,), generator=generator)
        rows.append({"input_ids": ids, "labels": ids})
    return rows


def arguments(out: Path, **kw: Any) -> TrainingArguments:
    base = {"output_dir": str(out), "use_cpu": True, "max_steps": 30, "per_device_train_batch_size": 4, "logging_steps": 5,
            "save_strategy": "no", "report_to": [], "include_num_input_tokens_seen": "all", "disable_tqdm": True}
    return TrainingArguments(**{**base, **kw})


def footprint_rows(trainer: Trainer) -> list[dict[str, Any]]:
    return [row for row in trainer.state.log_history if "footprint/energy_kwh" in row]


def test_the_trainer_reports_its_work_and_mlflow_gets_the_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mlflow = pytest.importorskip("mlflow", reason="the MLflow check needs mlflow")
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"  # MLflow 3 refuses new file stores
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)  # the Trainer keeps a URI set earlier in the process (another test's logger)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "footprint-test")
    with fake_nvml([FakeGpu(power=f"{GPU_W} W")]):
        trainer = Trainer(model=tiny_gpt2(), args=arguments(tmp_path / "out", report_to=["mlflow"]), train_dataset=data(), callbacks=[Pace()])
        callback = attach(trainer, **meter_options())
        trainer.train()
    result = callback.result
    assert result is not None and result.kind == "measurement"
    work = result.work["work"]
    assert work["steps"] == 30 and work["total_steps"] == 30
    assert work["tokens"] == trainer.state.num_input_tokens_seen  # the Trainer's own counters reached the meter
    assert work["flops"] == pytest.approx(trainer.state.total_flos)
    seconds = float(result.duration.central.to("s").magnitude)
    assert float(result.energy_gpu.central.to("J").magnitude) == pytest.approx(GPU_W * seconds, rel=0.2)

    client = MlflowClient(uri)
    (experiment,) = [e for e in client.search_experiments() if e.name == "footprint-test"]
    (run,) = client.search_runs([experiment.experiment_id])
    energy = client.get_metric_history(run.info.run_id, "footprint/energy_kwh")
    logged = footprint_rows(trainer)
    assert len(energy) == len(logged) >= 5  # one per logging step (6, and the final log; the first may come too early)
    assert [m.step for m in energy] == [row["step"] for row in logged]
    values = [m.value for m in energy]
    assert values == sorted(values) and values[-1] > 0
    assert values[-1] <= float(result.energy.central.to("kWh").magnitude) * 1.0001
    steps = client.get_metric_history(run.info.run_id, "footprint/steps")
    assert max(m.value for m in steps) <= 30


def test_wandb_offline_run_files_hold_the_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wandb = pytest.importorskip("wandb", reason="the W&B check needs wandb")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_PROJECT", "footprint-test")
    with fake_nvml([FakeGpu(power=f"{GPU_W} W")]):
        trainer = Trainer(model=tiny_gpt2(), args=arguments(tmp_path / "out", report_to=["wandb"], max_steps=20),
                          train_dataset=data(), callbacks=[Pace()])
        attach(trainer, **meter_options())
        trainer.train()
    wandb.finish()
    wandb.teardown()  # the offline writer runs in a service process: this waits until it has written everything
    (run_dir,) = (tmp_path / "wandb").glob("offline-run-*")
    rows = [r for r in wandb_history(run_dir) if "train/footprint/energy_kwh" in r]
    logged = footprint_rows(trainer)
    at_steps = {row["step"]: row["footprint/energy_kwh"] for row in logged if "loss" in row}  # the logging steps
    assert len(at_steps) >= 3  # of 4: the first may come before the meter's first reading
    seen = {(r["train/global_step"], r["train/footprint/energy_kwh"]) for r in rows}
    assert set(at_steps.items()) <= seen
    # the meter reads the reported work each interval, so its step count trails the Trainer's by at most that
    assert all(0 < r["train/footprint/steps"] <= r["train/global_step"] for r in rows if "train/footprint/steps" in r)


def test_given_as_callbacks_it_runs_after_the_reporters_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    mlflow = pytest.importorskip("mlflow", reason="the MLflow check needs mlflow")
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "footprint-after-reporters")  # not the id another test left active
    mlflow.set_tracking_uri(uri)
    options = {**meter_options(), "quiet": False}
    with fake_nvml([FakeGpu(power=f"{GPU_W} W")]):
        callback = FootprintCallback(**options)
        trainer = Trainer(model=tiny_gpt2(), args=arguments(tmp_path / "out", max_steps=10, report_to=["mlflow"]),
                          train_dataset=data(), callbacks=[callback, Pace()])
        trainer.train()
    assert "add the footprint callback with footprint.integrations.transformers.attach(trainer)" in capsys.readouterr().err
    rows = footprint_rows(trainer)
    assert rows and "train_runtime" in rows[-1]  # the Trainer's own log history still gets the figures
    (run,) = MlflowClient(uri).search_runs([e.experiment_id for e in MlflowClient(uri).search_experiments()])
    assert "footprint/energy_kwh" not in run.data.metrics  # MLflow logged before the callback ran: hence attach()
    assert "loss" in run.data.metrics


def test_a_budget_with_stop_ends_training_at_a_step_and_saves(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with fake_nvml([FakeGpu(power=f"{GPU_W} W")]):
        trainer = Trainer(model=tiny_gpt2(), args=arguments(out, max_steps=5000, save_strategy="steps", save_steps=10**6),
                          train_dataset=data(), callbacks=[Pace()])
        callback = attach(trainer, budget="0.02 Wh", on_budget="stop", **meter_options())
        trainer.train()
    step = trainer.state.global_step
    assert 0 < step < 5000
    assert callback.session.stop_reason.startswith("budget 0.02 Wh reached")
    saved = json.loads((out / f"checkpoint-{step}" / "trainer_state.json").read_text())
    carried = saved["stateful_callbacks"]["FootprintCallback"]["attributes"]["carried"]
    assert carried["energy_kwh"] >= 0.02 / 1000  # saved at the step the budget was reached


@pytest.mark.parametrize("restore", [False, True], ids=["state-read-back", "trainer-restores-callbacks"])
def test_a_resume_from_a_checkpoint_carries_the_energy_on(tmp_path: Path, restore: bool) -> None:
    out = tmp_path / "out"
    options = {"max_steps": 20, "save_strategy": "steps", "save_steps": 10, "restore_callback_states_from_checkpoint": restore}
    with fake_nvml([FakeGpu(power=f"{GPU_W} W")]):
        first = Trainer(model=tiny_gpt2(), args=arguments(out, **options), train_dataset=data(), callbacks=[Pace()])
        attach(first, **meter_options())
        first.train()
        saved = json.loads((out / "checkpoint-10" / "trainer_state.json").read_text())
        carried = saved["stateful_callbacks"]["FootprintCallback"]["attributes"]["carried"]["energy_kwh"]
        assert carried > 0
        second = Trainer(model=tiny_gpt2(), args=arguments(out, **options), train_dataset=data(), callbacks=[Pace()])
        callback = attach(second, **meter_options())
        second.train(resume_from_checkpoint=str(out / "checkpoint-10"))
    if restore:  # the Trainer rebuilt the callback from its saved options and put the new one in its place
        callback = second.pop_callback(FootprintCallback)
    resumed = [row for row in footprint_rows(second) if row["step"] > 10]
    assert resumed and all(row["footprint/energy_kwh"] > carried for row in resumed)
    segment = float(callback.result.energy.central.to("kWh").magnitude)
    assert resumed[-1]["footprint/energy_kwh"] == pytest.approx(carried + segment, rel=0.2)
    assert 10 < resumed[-1]["footprint/steps"] <= 20  # the Trainer's own step count, not the segment's
    assert callback.result.work["work"]["steps"] == 10  # this segment's meter counts from the resume point
