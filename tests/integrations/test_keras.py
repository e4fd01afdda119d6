"""The Keras 3 callback on a real fit: a small Dense model on the torch backend (no TensorFlow needed)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras", reason="the Keras callback needs keras 3: pip install 'footprint[keras]'")
np = pytest.importorskip("numpy")

from footprint.integrations.keras import FootprintCallback  # noqa: E402
from footprint.meter.fake_nvml import FakeGpu, fake_nvml  # noqa: E402
from tests.integrations.helpers import GPU_W, meter_options  # noqa: E402


class Pace(keras.callbacks.Callback):
    """Steps of at least 30 ms, as a real model's are (the meter reads every 100 ms)."""

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        time.sleep(0.03)


class Seen(keras.callbacks.Callback):
    """A callback placed after the footprint one: what it finds in the epoch logs is what TensorBoard would log."""

    def __init__(self) -> None:
        super().__init__()
        self.epochs: list[dict[str, Any]] = []

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.epochs.append(dict(logs or {}))


def model() -> Any:
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    return m


def data() -> tuple[Any, Any]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 8)).astype("float32")
    return x, x.sum(axis=1, keepdims=True)


def test_fit_puts_figures_into_the_epoch_logs_for_the_callbacks_after_it(tmp_path: Path) -> None:
    x, y = data()
    callback, seen = FootprintCallback(samples_per_batch=16, **meter_options()), Seen()
    with fake_nvml([FakeGpu(power=f"{GPU_W} W")]):
        history = model().fit(x, y, batch_size=16, epochs=4, verbose=0, callbacks=[callback, seen, Pace()])
    assert callback.result is not None and callback.result.work["work"]["steps"] == 20
    assert callback.result.work["work"]["total_steps"] == 20 and callback.result.work["work"]["samples"] == 320
    energy = history.history["footprint/energy_kwh"]  # Keras's own History got them too
    assert len(energy) == 4 and energy == sorted(energy) and energy[-1] > 0
    assert [e["footprint/energy_kwh"] for e in seen.epochs] == energy


def test_a_budget_with_stop_sets_stop_training_and_model_checkpoint_saves(tmp_path: Path) -> None:
    x, y = data()
    callback = FootprintCallback(budget="0.02 Wh", on_budget="stop", **meter_options())
    saved = tmp_path / "model.keras"
    with fake_nvml([FakeGpu(power=f"{GPU_W} W")]):
        history = model().fit(x, y, batch_size=16, epochs=500, verbose=0,
                              callbacks=[callback, keras.callbacks.ModelCheckpoint(str(saved)), Pace()])
    assert len(history.history["loss"]) < 500
    assert callback.session.stop_reason.startswith("budget 0.02 Wh reached")
    assert saved.is_file()


def test_a_state_file_carries_the_energy_over_a_resume(tmp_path: Path) -> None:
    x, y = data()
    state = tmp_path / "footprint-state.json"
    m = model()
    with fake_nvml([FakeGpu(power=f"{GPU_W} W")]):
        m.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[FootprintCallback(state_file=state, **meter_options()), Pace()])
        carried = json.loads(state.read_text())["carried"]["energy_kwh"]
        assert carried > 0
        callback = FootprintCallback(state_file=state, **meter_options())
        history = m.fit(x, y, batch_size=16, epochs=4, initial_epoch=2, verbose=0, callbacks=[callback, Pace()])
    assert all(e > carried for e in history.history["footprint/energy_kwh"])
    assert callback.result.work["work"]["steps"] == 10  # this segment's own steps; the logs count all 20
    assert history.history["footprint/steps"][-1] <= 20


def test_a_damaged_state_file_is_named(tmp_path: Path) -> None:
    from footprint.errors import FootprintError

    x, y = data()
    state = tmp_path / "footprint-state.json"
    state.write_text("{not json", encoding="utf-8")
    with pytest.raises(FootprintError, match=r"state_file .*footprint-state\.json.*cannot read it"):
        model().fit(x, y, epochs=1, verbose=0, callbacks=[FootprintCallback(state_file=state, **meter_options())])


def test_under_an_outer_track_the_callback_reports_to_it_and_obeys_its_budget(tmp_path: Path) -> None:
    import footprint

    x, y = data()
    callback = FootprintCallback(samples_per_batch=16, **meter_options())
    with fake_nvml([FakeGpu(power=f"{GPU_W} W")]):
        with footprint.track(budget="0.02 Wh", on_budget="stop", **meter_options()) as outer:
            history = model().fit(x, y, batch_size=16, epochs=500, verbose=0, callbacks=[callback, Pace()])
    assert callback.session.tracker is None and callback.result is None  # one meter: the outer one
    assert len(history.history["loss"]) < 500  # the outer budget stopped the fit through model.stop_training
    assert callback.session.stop_reason.startswith("the enclosing meter's budget is reached")
    work = outer.result.work["work"]
    assert 0 < work["steps"] <= len(history.history["loss"]) * 5 and work["samples"] == work["steps"] * 16


def test_under_footprint_run_the_callback_reports_to_the_run(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = tmp_path / "fit.py"
    script.write_text(
        "import os, time\n"
        "os.environ.setdefault('KERAS_BACKEND', 'torch')\n"
        "import keras, numpy as np\n"
        "from footprint.integrations.keras import FootprintCallback\n"
        "class Pace(keras.callbacks.Callback):\n"
        "    def on_train_batch_end(self, batch, logs=None):\n"
        "        time.sleep(0.03)\n"
        "m = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])\n"
        "m.compile(optimizer='sgd', loss='mse')\n"
        "x = np.ones((80, 8), 'float32')\n"
        "cb = FootprintCallback(samples_per_batch=16)\n"
        "m.fit(x, x[:, :1], batch_size=16, epochs=3, verbose=0, callbacks=[cb, Pace()])\n"
        "assert cb.session.tracker is None and cb.result is None\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "footprint", "run", "--interval", "100ms", "--quiet", "--json-file",
                           str(tmp_path / "run.json"), "--", sys.executable, str(script)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "FOOTPRINT_LOAD_PLUGINS": "", "KERAS_BACKEND": "torch"})
    assert done.returncode == 0, done.stderr
    work = json.loads((tmp_path / "run.json").read_text())["work"]
    assert work == {**work, "steps": 15, "total_steps": 15, "samples": 240}


def test_a_second_fit_with_the_same_callback_goes_on_from_the_first() -> None:
    x, y = data()
    m, callback = model(), FootprintCallback(**meter_options())
    with fake_nvml([FakeGpu(power=f"{GPU_W} W")]):
        first = m.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[callback, Pace()])
        after_first = float(callback.result.energy.central.to("kWh").magnitude)
        second = m.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[callback, Pace()])
    assert callback.result.work["work"]["steps"] == 10 and callback.result.work["work"]["total_steps"] == 10
    assert first.history["footprint/energy_kwh"][-1] <= after_first
    assert all(e > after_first for e in second.history["footprint/energy_kwh"])
    assert second.history["footprint/steps"][-1] <= 20


def test_a_budget_with_warn_says_so_once_and_training_goes_on(capsys: pytest.CaptureFixture[str]) -> None:
    x, y = data()
    callback = FootprintCallback(budget="0.005 Wh", on_budget="warn", **{**meter_options(), "quiet": False})
    with fake_nvml([FakeGpu(power=f"{GPU_W} W")]):
        history = model().fit(x, y, batch_size=16, epochs=4, verbose=0, callbacks=[callback, Pace()])
    assert len(history.history["loss"]) == 4 and not callback.session.should_stop
    err = capsys.readouterr().err
    assert err.count("footprint: warning: budget 0.005 Wh reached") == 1
    assert "training goes on (on_budget='warn')" in err
