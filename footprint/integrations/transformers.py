"""Hugging Face ``Trainer``: a callback that meters training, reports its work and logs footprint figures.

    from footprint.integrations.transformers import FootprintCallback, attach

    trainer = Trainer(model, args, train_dataset=data)
    attach(trainer, budget="5 MWh", on_budget="stop")   # or Trainer(..., callbacks=[FootprintCallback(...)])
    trainer.train()

Work comes from the Trainer's own state: ``global_step``, ``max_steps``, ``num_input_tokens_seen`` (with
``include_num_input_tokens_seen``) and ``total_flos`` (which the Trainer adds up at its logging steps). At each logging step the callback adds ``footprint/<key>``
figures (energy, emissions, cost, forecast, efficiency) to the logs. The Trainer calls the callbacks in the order
they were added, its reporting ones (TensorBoard, W&B, MLflow) before those passed as ``callbacks=``: ``attach``
puts the footprint callback ahead of them, so they log its figures at the same step with no further code. Its
figures are carried over a resume from a checkpoint (the Trainer saves them in ``trainer_state.json``), and on a
budget with ``on_budget="stop"`` it sets ``control.should_training_stop`` and ``should_save``: training ends at
that step and saves.
"""

from __future__ import annotations

import sys
from typing import Any

from transformers import Trainer, TrainerCallback
from transformers.trainer_callback import ExportableState

from footprint.integrations.session import Session


class FootprintCallback(TrainerCallback, ExportableState):
    """Meter a ``Trainer`` run; ``budget`` ('5 MWh', '2 tCO2e', '10000 USD' or a list) with ``on_budget`` 'warn' or
    'stop'; ``track`` options (region, pue, interval, log, ...) for the tracker it starts when nothing meters yet."""

    def __init__(self, budget: str | list[str] | None = None, on_budget: str = "warn", quiet: bool = False,
                 **track: Any) -> None:
        self.args_given = {"budget": budget, "on_budget": on_budget, "quiet": quiet, **track}
        self.session = Session(budget=budget, on_budget=on_budget, quiet=quiet, track_options=track)
        self.carried: dict[str, float] = {}  # set by the Trainer when it restores the callback from a checkpoint
        self.attached = False  # added by attach(), ahead of the reporting callbacks

    @property
    def result(self) -> Any:
        """The Footprint of the run, once training has ended (None under an enclosing meter)."""
        return self.session.result

    def state(self) -> dict[str, Any]:
        """Saved in ``trainer_state.json`` with each checkpoint: the figures so far, to carry over a resume, and the
        options that JSON can hold (the Trainer rebuilds the callback from them when it restores callback states)."""
        return {"args": {k: v for k, v in self.args_given.items() if _json_safe(v)},
                "attributes": {"carried": self.session.state()}}

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.global_step == 0:
            self.session.fresh()
        else:  # resumed: the checkpoint's trainer_state.json holds what we saved
            saved = (state.stateful_callbacks or {}).get(type(self).__name__)
            saved = saved[0] if isinstance(saved, list) and saved else saved
            carried = (saved or {}).get("attributes", {}).get("carried") if isinstance(saved, dict) else None
            self.session.restore(carried or self.carried)
            self.session.resume_at(step=state.global_step, tokens=state.num_input_tokens_seen or None,
                                   flops=state.total_flos or None)
        self.session.begin(total_steps=state.max_steps or None)
        report_to = getattr(args, "report_to", None) or []
        reporters = [r for r in ([report_to] if isinstance(report_to, str) else report_to) if r not in ("none", None)]
        if reporters and not self.attached and not self.session.quiet and state.is_world_process_zero:
            print(f"footprint: the Trainer reports to {', '.join(reporters)} before the callbacks given as callbacks=; "
                  "add the footprint callback with footprint.integrations.transformers.attach(trainer) so they log its "
                  "figures", file=sys.stderr)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        if self._report(state):
            control.should_training_stop = True
            control.should_save = True  # end at this step with a checkpoint
        return control

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if logs is None or not state.is_world_process_zero:
            return
        figures = self.session.metrics()
        logs.update(figures)
        if state.log_history and figures:
            state.log_history[-1].update(figures)  # the Trainer copied the logs there before calling us

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._report(state)  # the Trainer adds up total_flos at its logging steps and once more at the end
        self.session.end()

    def _report(self, state: Any) -> bool:
        return self.session.step(step=state.global_step, total_steps=state.max_steps or None,
                                 tokens=state.num_input_tokens_seen or None, flops=state.total_flos or None)


def _json_safe(value: Any) -> bool:
    import json

    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def attach(trainer: Trainer, callback: FootprintCallback | None = None, **options: Any) -> FootprintCallback:
    """Add the footprint callback to `trainer` ahead of its reporting callbacks (TensorBoard, W&B, MLflow, ...), so
    that they log its figures; with the Trainer's public add/pop_callback. Returns the callback."""
    callback = callback if callback is not None else FootprintCallback(**options)
    callback.attached = True
    later = [cb for cb in list(trainer.callback_handler.callbacks) if _reports(cb)]
    for cb in later:
        trainer.remove_callback(cb)
    trainer.add_callback(callback)
    for cb in later:
        trainer.add_callback(cb)
    return callback


def _reports(callback: Any) -> bool:
    """A reporting integration's callback (they live in transformers.integrations)."""
    return type(callback).__module__.startswith("transformers.integrations")
