"""Lightning: a ``Callback`` that meters training, reports its work and logs footprint figures.

    from footprint.integrations.lightning import FootprintCallback

    trainer = L.Trainer(callbacks=[FootprintCallback(budget="2 tCO2e", on_budget="stop")])

Steps come from ``trainer.global_step`` and ``max_steps`` (else the estimated stepping batches); tokens, FLOPs and
samples per batch from ``tokens_per_batch``, ``flops_per_batch`` and ``samples_per_batch``, each a number or a
function of the batch. The figures go through ``pl_module.log`` at the Trainer's logging steps
(``log_every_n_steps``), so every logger the Trainer has (TensorBoard, W&B, MLflow, CSV) gets them. The callback's
``state_dict`` goes into each checkpoint, so ``fit(ckpt_path=...)`` carries the energy on; on a budget with
``on_budget="stop"`` it sets ``trainer.should_stop`` and training ends after that step (checkpoint callbacks save
as at any end of training).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lightning.pytorch import Callback

from footprint.integrations.session import Session

PerBatch = float | int | Callable[[Any], float] | None


class FootprintCallback(Callback):
    """Meter a Lightning ``Trainer.fit``; ``budget`` and ``on_budget`` as for ``footprint.track``; ``track`` options
    for the tracker it starts when nothing meters yet."""

    def __init__(self, budget: str | list[str] | None = None, on_budget: str = "warn", quiet: bool = False, *,
                 tokens_per_batch: PerBatch = None, flops_per_batch: PerBatch = None, samples_per_batch: PerBatch = None,
                 **track: Any) -> None:
        self.session = Session(budget=budget, on_budget=on_budget, quiet=quiet, track_options=track)
        self.per_batch = {"tokens": tokens_per_batch, "flops": flops_per_batch, "samples": samples_per_batch}
        self.totals: dict[str, float] = {}  # counted from the batches, a resumed run's included
        self.logged_step = -1
        self.total_steps: int | None = None

    @property
    def result(self) -> Any:
        """The Footprint of the run, once training has ended (None under an enclosing meter)."""
        return self.session.result

    def state_dict(self) -> dict[str, Any]:
        return {"carried": self.session.state(), "totals": dict(self.totals)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.session.restore(state_dict.get("carried"))
        self.totals = {k: float(v) for k, v in (state_dict.get("totals") or {}).items()}

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        if trainer.global_step > 0:
            self.session.resume_at(step=trainer.global_step, **self.totals)
        else:  # a new fit from step 0
            self.session.fresh()
            self.totals = {}
        self.total_steps = _total_steps(trainer)  # once: Lightning works it out from the dataloaders each time it is asked
        self.session.begin(total_steps=self.total_steps)

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        for key, per in self.per_batch.items():
            if per is not None:
                self.totals[key] = self.totals.get(key, 0.0) + float(per(batch) if callable(per) else per)
        if self.session.step(step=trainer.global_step, total_steps=self.total_steps, **self.totals):
            trainer.should_stop = True
        if trainer.global_step != self.logged_step and trainer.global_step % max(trainer.log_every_n_steps, 1) == 0:
            self.logged_step = trainer.global_step
            for key, value in self.session.metrics().items():
                pl_module.log(key, value, on_step=True, on_epoch=False, prog_bar=False, logger=True)

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        self.session.end()

    def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
        self.session.end()  # the meter stops with the loop, whatever ended it


def _total_steps(trainer: Any) -> int | None:
    if trainer.max_steps is not None and trainer.max_steps > 0:
        return int(trainer.max_steps)
    try:
        total = trainer.estimated_stepping_batches
    except Exception:  # Lightning raises when the dataloader has no length; the total is then unknown
        return None
    return int(total) if total != float("inf") else None
