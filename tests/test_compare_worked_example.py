"""The worked example of the documentation's page on the work (docs/work.md), run as written: a script that
reports its work under `footprint run`, then `compare --basis work` and `claims --measured` on its result.
Measured numbers differ from run to run, so the output is compared with every number read as a number: the words,
the rows and the sources must match."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_run import run_cli

PAGE = (Path(__file__).resolve().parent.parent / "docs" / "work.md").read_text(encoding="utf-8")
SECTION = PAGE.split("## From a run to the claims: a worked example", 1)[1].split("\n## ", 1)[0]
NUMBER = re.compile(r"\d[\d,]*(\.\d+)?(e[+-]?\d+)?")


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", SECTION, flags=re.S)


ENERGY_UNIT = re.compile(r"\b[µumkMGT]?Wh\b")


def shape(text: str) -> list[str]:
    """The words of the output, every number (and the whitespace that aligns it) read alike, and an energy in
    whichever prefix of Wh its size picks."""
    return ENERGY_UNIT.sub("Wh", NUMBER.sub("N", text)).split()


@pytest.fixture(scope="module")
def worked_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("worked")
    (script,) = blocks("python")
    (folder / "train.py").write_text(script, encoding="utf-8")
    first = blocks("console")[0].splitlines()[0]
    assert first.startswith("$ footprint run ")
    done = subprocess.run([sys.executable, "-m", "footprint", *shlex.split(first[2:])[1:]], cwd=folder,
                          capture_output=True, text=True, timeout=300, env={**_env(), "FOOTPRINT_LOAD_PLUGINS": ""})
    assert done.returncode == 0, done.stderr
    return folder


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("FOOTPRINT_PROGRESS", "FOOTPRINT_LIVE"))}


def examples() -> list[tuple[str, str]]:
    out = []
    for block in blocks("console"):
        lines = block.splitlines()
        commands = [i for i, line in enumerate(lines) if line.startswith("$ footprint ") and " run " not in line]
        for i in commands:
            following = [j for j in commands if j > i]
            out.append((lines[i][2:], "\n".join(lines[i + 1:following[0] if following else len(lines)])))
    return out


def test_the_example_has_its_three_steps() -> None:
    assert [c.split()[1] for c, _ in examples()] == ["compare", "claims"]
    assert "footprint.progress(" in blocks("python")[0]


@pytest.mark.parametrize(("command", "printed"), examples(), ids=[c for c, _ in examples()])
def test_each_command_prints_what_the_page_shows(worked_run: Path, command: str, printed: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(worked_run)
    r = run_cli(*shlex.split(command)[1:])
    assert r.code == 0, r.err
    assert shape(r.out) == shape(printed)


def test_the_carried_efficiency_is_the_runs_own(worked_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(worked_run)
    run = json.loads((worked_run / "run.json").read_text())
    assert run["work"]["steps"] == run["work"]["total_steps"] > 0
    compared = json.loads(run_cli("compare", "run.json", "deepseek-v3", "--basis", "work", "--json").out)
    assert compared["basis"]["energy_per_work"]["magnitude"] == pytest.approx(run["efficiency"]["energy_per_flop"]["magnitude"], rel=1e-6)


def test_the_runs_log_carries_the_same_work(worked_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(worked_run)
    (log,) = (worked_run / "footprint-runs").glob("*.jsonl")
    from_log = json.loads(run_cli("compare", str(log), "deepseek-v3", "--basis", "work", "--json").out)
    from_json = json.loads(run_cli("compare", "run.json", "deepseek-v3", "--basis", "work", "--json").out)
    assert from_log["sides"][0]["work"] == from_json["sides"][0]["work"]
    assert from_log["basis"]["energy_per_work"]["magnitude"] == pytest.approx(from_json["basis"]["energy_per_work"]["magnitude"], rel=1e-6)
