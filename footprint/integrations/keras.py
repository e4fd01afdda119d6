"""Keras 3: a callback that meters ``model.fit``, reports its work and puts footprint figures into the epoch logs.

    from footprint.integrations.keras import FootprintCallback

    model.fit(x, y, epochs=10, callbacks=[FootprintCallback(budget="5 kWh", on_budget="stop"), TensorBoard("logs")])

Keras calls its callbacks in the order given and hands them one logs dict: put this one first and every callback
after it (TensorBoard, ``mlflow.keras`` autologging, W&B's metrics logger, the ``History``) gets the
``footprint/<key>`` figures at each epoch end. Steps are the batches fitted, a later ``fit`` with the same callback
going on from the last (``total_steps`` from the epochs still to run and the steps per epoch); tokens, FLOPs and samples per batch from ``tokens_per_batch``, ``flops_per_batch`` and
``samples_per_batch``. Keras keeps no callback state in its checkpoints, so ``state_file`` names a JSON file the
callback rewrites (atomically) at each epoch end and reads back when a later ``fit`` starts: a resume (with
``BackupAndRestore`` or ``initial_epoch``) carries the energy on. On a budget with ``on_budget="stop"`` it sets
``model.stop_training``: Keras ends the epoch at that batch, calls ``on_epoch_end`` (``ModelCheckpoint`` saves) and
stops.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import keras

from footprint.errors import FootprintError
from footprint.integrations.session import Session


class FootprintCallback(keras.callbacks.Callback):
    """Meter a Keras ``fit``; ``budget``/``on_budget`` as for ``footprint.track``; ``track`` options for the tracker
    it starts when nothing meters yet."""

    def __init__(self, budget: str | list[str] | None = None, on_budget: str = "warn", quiet: bool = False, *,
                 tokens_per_batch: float | None = None, flops_per_batch: float | None = None,
                 samples_per_batch: float | None = None, state_file: str | Path | None = None, **track: Any) -> None:
        super().__init__()
        self.session = Session(budget=budget, on_budget=on_budget, quiet=quiet, track_options=track)
        self.per_batch = {"tokens": tokens_per_batch, "flops": flops_per_batch, "samples": samples_per_batch}
        self.state_file = None if state_file is None else Path(state_file)
        self.steps = 0  # batches fitted, earlier fits (and a resumed run's) included
        self.begun_at = 0
        self.total: int | None = None
        self.totals: dict[str, float] = {}

    @property
    def result(self) -> Any:
        """The Footprint of the run, once ``fit`` has ended (None under an enclosing meter)."""
        return self.session.result

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        saved = self._read_state()
        if saved:
            self.session.restore(saved.get("carried"))
            self.steps = int(saved.get("steps") or 0)
            self.totals = {k: float(v) for k, v in (saved.get("totals") or {}).items()}
        # a later fit with the same callback goes on from the last (as initial_epoch does): its meter counts from here
        self.session.resume_at(step=self.steps, **self.totals)
        self.begun_at, self.total = self.steps, None
        self.session.begin()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.total is None:  # the fit's first epoch (initial_epoch, or 0): the steps still to go are known now
            params = self.params or {}
            epochs, per_epoch = params.get("epochs"), params.get("steps")
            if epochs and per_epoch:
                self.total = self.begun_at + max(int(epochs) - epoch, 0) * int(per_epoch)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.steps += 1
        for key, per in self.per_batch.items():
            if per is not None:
                self.totals[key] = self.totals.get(key, 0.0) + float(per)
        if self.session.step(step=self.steps, total_steps=self.total, **self.totals):
            self.model.stop_training = True

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None:
            logs.update(self.session.metrics())
        self._write_state()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.session.end()
        self._write_state()  # after the meter's last reading: the whole fit is carried

    def _read_state(self) -> dict[str, Any] | None:
        if self.state_file is None or not self.state_file.exists():
            return None
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FootprintError(f"state_file {str(self.state_file)!r}: cannot read it ({exc}); expected the JSON this callback writes") from None
        if not isinstance(data, dict):
            raise FootprintError(f"state_file {str(self.state_file)!r}: expected a JSON object, got {type(data).__name__}")
        return data

    def _write_state(self) -> None:
        if self.state_file is None:
            return
        data = {"carried": self.session.state(), "steps": self.steps, "totals": self.totals}
        tmp = self.state_file.with_name(self.state_file.name + ".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self.state_file)  # a crash mid-write leaves the previous state whole
