"""``import footprint`` (and the integrations package itself) never imports a training framework: only the module of
the callback a user imports brings its framework in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FRAMEWORKS = ("torch", "transformers", "lightning", "pytorch_lightning", "keras", "tensorflow", "mlflow", "wandb")

RUNNER = """
import json, sys
for name in sys.argv[2:]:
    __import__(name)
json.dump(sorted({m.split(".")[0] for m in sys.modules}), open(sys.argv[1], "w"))
"""


def imported(tmp_path: Path, *modules: str) -> set[str]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "FOOTPRINT_LOAD_PLUGINS": "", "KERAS_BACKEND": "torch"}
    done = subprocess.run([sys.executable, "-c", RUNNER, str(out), *modules], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return set(json.loads(out.read_text()))


@pytest.mark.parametrize("modules", [("footprint",), ("footprint", "footprint.integrations"),
                                     ("footprint.integrations.session",)])
def test_footprint_imports_no_framework(tmp_path: Path, modules: tuple[str, ...]) -> None:
    assert not set(FRAMEWORKS) & imported(tmp_path, *modules)
