"""The cost of each framework callback per training step, against bare steps of 1 ms and 10 ms.

Each callback's per-step hook (the Trainer's ``on_step_end``, Lightning's ``on_train_batch_end``, Keras's
``on_train_batch_end``) is called the way its framework calls it, with the framework's own state objects, while
the callback's own tracker meters a fake GPU in the background (as on a real node: a meter thread reading every
second). What a step pays is one ``progress()`` report and, at most every 0.2 s, a look at the live snapshot and
the budgets. Logging steps (every 5 to 50 steps) add the framework's own logging of the figures, which is the
framework's cost of logging any metric and is not counted here.

    python benchmarks/callback_overhead.py            # about 20 seconds
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KERAS_BACKEND", "torch")

from footprint.meter.fake_nvml import FakeGpu, fake_nvml  # noqa: E402
from footprint.meter.nvml import NvmlGpuMeter  # noqa: E402
from footprint.plugins.contract import MeterSettings  # noqa: E402

OPTIONS = {"interval": "1s", "quiet": True, "factories": [NvmlGpuMeter()],
           "settings": MeterSettings(powercap_root=Path("/nonexistent"), proc_root=Path("/nonexistent"))}


def transformers_hook(calls: int) -> tuple[Any, Any]:
    from transformers import TrainerControl, TrainerState

    from footprint.integrations.transformers import FootprintCallback

    callback, state, control = FootprintCallback(**OPTIONS), TrainerState(max_steps=calls), TrainerControl()
    callback.on_train_begin(None, state, control)

    def step(i: int) -> None:
        state.global_step, state.num_input_tokens_seen, state.total_flos = i, i * 4096, i * 2.4e13
        callback.on_step_end(None, state, control)

    return callback, step


def lightning_hook(calls: int) -> tuple[Any, Any]:
    from footprint.integrations.lightning import FootprintCallback

    callback = FootprintCallback(tokens_per_batch=4096, flops_per_batch=2.4e13, **OPTIONS)
    # the Trainer's attributes the hook reads; no logging step falls in the loop (log_every_n_steps beyond it)
    trainer = SimpleNamespace(global_step=0, max_steps=calls, log_every_n_steps=10**9, should_stop=False,
                              estimated_stepping_batches=calls)
    callback.on_train_start(trainer, None)

    def step(i: int) -> None:
        trainer.global_step = i
        callback.on_train_batch_end(trainer, None, None, None, i)

    return callback, step


def keras_hook(calls: int) -> tuple[Any, Any]:
    import keras

    from footprint.integrations.keras import FootprintCallback

    callback = FootprintCallback(tokens_per_batch=4096, flops_per_batch=2.4e13, **OPTIONS)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    callback.set_model(model)
    callback.set_params({"epochs": 1, "steps": calls, "verbose": 0})
    callback.on_train_begin()
    callback.on_epoch_begin(0)
    logs = {"loss": 0.5}

    def step(i: int) -> None:
        callback.on_train_batch_end(i, logs)

    return callback, step


def per_call(make: Any, calls: int) -> float:
    callback, step = make(calls)
    try:
        step(1)  # the first report maps the channel once
        start = time.perf_counter()
        for i in range(2, calls + 2):
            step(i)
        return (time.perf_counter() - start) / calls
    finally:
        callback.session.end()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    hooks = {"transformers": transformers_hook, "lightning": lightning_hook, "keras": keras_hook}
    print(f"{'callback':<14}{'per step':>12}{'/ 1 ms step':>14}{'/ 10 ms step':>15}")
    with fake_nvml([FakeGpu(power="350 W")]):
        for name, make in hooks.items():
            try:
                cost = statistics.median(per_call(make, args.calls) for _ in range(args.rounds))
            except ImportError as exc:
                print(f"{name:<14}skipped: {exc}")
                continue
            print(f"{name:<14}{cost * 1e6:>9.2f} us{cost / 0.001:>14.3%}{cost / 0.010:>15.3%}")


if __name__ == "__main__":
    main()
