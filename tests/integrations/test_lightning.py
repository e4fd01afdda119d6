"""The Lightning callback on a real Trainer: Lightning's BoringModel on the CPU, with its CSV and MLflow loggers."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("lightning", reason="the Lightning callback needs lightning: pip install 'footprint[lightning]'")
import lightning.pytorch as pl
from lightning.pytorch.callbacks import Callback, ModelCheckpoint
from lightning.pytorch.demos.boring_classes import BoringModel
from lightning.pytorch.loggers import CSVLogger

from footprint.integrations.lightning import FootprintCallback
from footprint.meter.fake_nvml import FakeGpu, fake_nvml
from tests.integrations.helpers import GPU_W, meter_options


class Pace(Callback):
    """Steps of at least 30 ms, as a real model's are (the meter reads every 100 ms)."""

    def on_train_batch_end(self, *args: Any) -> None:
        time.sleep(0.03)


def trainer(root: Path, callbacks: list[Any], **kw: Any) -> pl.Trainer:
    base = {"accelerator": "cpu", "devices": 1, "max_steps": 30, "log_every_n_steps": 5, "default_root_dir": str(root),
            "enable_progress_bar": False, "enable_model_summary": False, "limit_val_batches": 0,
            "logger": CSVLogger(str(root), name="csv")}
    return pl.Trainer(callbacks=[*callbacks, Pace()], **{**base, **kw})


def csv_rows(t: pl.Trainer) -> list[dict[str, str]]:
    with open(Path(t.logger.log_dir) / "metrics.csv", encoding="utf-8") as fh:
        return [row for row in csv.DictReader(fh) if row.get("footprint/energy_kwh")]


def test_boring_model_logs_figures_through_the_trainers_logger(tmp_path: Path) -> None:
    callback = FootprintCallback(tokens_per_batch=128, flops_per_batch=lambda batch: 6.0 * 32 * 2 * len(batch), **meter_options())
    with fake_nvml([FakeGpu(power=f"{GPU_W} W")]):
        t = trainer(tmp_path, [callback])
        t.fit(BoringModel())
    result = callback.result
    assert result is not None and result.work["work"]["steps"] == 30
    assert result.work["work"]["tokens"] == 30 * 128
    assert result.work["work"]["total_steps"] == 30
    rows = csv_rows(t)
    assert len(rows) >= 4  # logging steps 5..30 (the first may come before the meter's first reading)
    energy = [float(r["footprint/energy_kwh"]) for r in rows]
    assert energy == sorted(energy) and energy[-1] <= float(result.energy.central.to("kWh").magnitude) * 1.0001
    assert all(float(r["footprint/power_w"]) == pytest.approx(GPU_W, rel=0.2) for r in rows if r.get("footprint/power_w"))


def test_mlflow_logger_gets_the_figures(tmp_path: Path) -> None:
    pytest.importorskip("mlflow", reason="the MLflow check needs mlflow")
    from lightning.pytorch.loggers import MLFlowLogger
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    logger = MLFlowLogger(experiment_name="footprint-lightning", tracking_uri=uri)
    with fake_nvml([FakeGpu(power=f"{GPU_W} W")]):
        t = trainer(tmp_path, [FootprintCallback(**meter_options())], logger=logger)
        t.fit(BoringModel())
    history = MlflowClient(uri).get_metric_history(logger.run_id, "footprint/energy_kwh")
    assert len(history) >= 4 and [m.value for m in history] == sorted(m.value for m in history)


def test_a_budget_with_stop_sets_should_stop_and_the_checkpoint_is_saved(tmp_path: Path) -> None:
    saver = ModelCheckpoint(dirpath=tmp_path / "ckpt", save_last=True, every_n_train_steps=10**6)
    callback = FootprintCallback(budget="0.02 Wh", on_budget="stop", **meter_options())
    with fake_nvml([FakeGpu(power=f"{GPU_W} W")]):
        t = trainer(tmp_path, [callback, saver], max_steps=5000, max_epochs=None)
        t.fit(BoringModel())
    assert 0 < t.global_step < 5000 and t.should_stop
    assert callback.session.stop_reason.startswith("budget 0.02 Wh reached")
    assert (tmp_path / "ckpt" / "last.ckpt").is_file()


def test_a_resume_from_a_checkpoint_carries_the_energy_on(tmp_path: Path) -> None:
    import torch

    saver = ModelCheckpoint(dirpath=tmp_path / "ckpt", every_n_train_steps=10, save_top_k=-1)
    with fake_nvml([FakeGpu(power=f"{GPU_W} W")]):
        first = FootprintCallback(tokens_per_batch=100, **meter_options())
        trainer(tmp_path / "a", [first, saver], max_steps=10).fit(BoringModel())
        (path,) = (tmp_path / "ckpt").glob("*.ckpt")
        saved = torch.load(path, weights_only=False)["callbacks"]
        (state,) = [v for k, v in saved.items() if "FootprintCallback" in k]
        carried = state["carried"]["energy_kwh"]
        assert carried > 0 and state["totals"]["tokens"] == 1000
        second = FootprintCallback(tokens_per_batch=100, **meter_options())
        t = trainer(tmp_path / "b", [second], max_steps=20)
        t.fit(BoringModel(), ckpt_path=str(path))
    rows = csv_rows(t)
    assert rows and all(float(r["footprint/energy_kwh"]) > carried for r in rows)
    assert second.result.work["work"]["steps"] == 10  # this segment's meter counts from the resume point
    assert second.result.work["work"]["tokens"] == 1000
    assert float(rows[-1]["footprint/tokens"]) <= 2000  # the loop's own count, the first segment's included
