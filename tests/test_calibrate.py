"""``footprint calibrate`` with fake GPUs and the pure-Python load: the pipeline, the profile file it writes
(accepted by ``estimate --profile-file``), and its one-line errors."""

from __future__ import annotations

import json
import os
import tomllib
from datetime import date
from pathlib import Path

import pytest

from footprint.core.profiles import load_profile_file
from footprint.errors import FootprintError
from footprint.meter.calibrate import Calibration, measured_profile_toml, parse_precisions
from footprint.plugins.catalog import get_profile
from tests.cli_run import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "meter"


@pytest.fixture
def fake_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTPRINT_FAKE_GPUS", str(FIXTURES / "h100-fast-counter.toml"))
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)


def test_calibrate_writes_a_profile_that_estimate_accepts(tmp_path: Path, fake_gpus: None) -> None:
    out = tmp_path / "h100-measured.toml"
    result = run_cli("calibrate", "--backend", "python", "--precision", "bf16,fp8", "--duration", "400ms", "-o", str(out), "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert [m["precision"] for m in data["measured"]] == ["bf16", "fp8"]
    assert all(m["power_w"] == pytest.approx(350, rel=0.05) for m in data["measured"])  # the fake draws 350 W
    assert data["gpu"]["name"] == "NVIDIA H100 80GB HBM3" and data["gpu"]["simulated"] is True
    profile = load_profile_file(out)
    assert profile.id == "h100-sxm-measured" and profile.name == "NVIDIA H100 SXM5 80GB (measured)"
    assert set(profile.measured) == {"bf16", "fp8"}
    assert profile.tdp.value == get_profile("h100-sxm").tdp.value and profile.node is not None
    assert profile.node.name == "DGX H100"
    raw = tomllib.loads(out.read_text())
    assert raw["measured"]["bf16"]["gpu_name"] == "NVIDIA H100 80GB HBM3" and raw["measured"]["bf16"]["driver"] == "570.86.15"
    estimate = run_cli("estimate", "--profile-file", str(out), "--gpus", "8", "--flops", "1e18", "--precision", "fp8", "--mfu", "0.5", "--json")
    assert estimate.code == 0, estimate.err
    power = next(a for a in json.loads(estimate.out)["assumptions"] if a["name"] == "gpu_power")
    assert power["origin"] == "measured"


def test_text_output_and_default_path(tmp_path: Path, fake_gpus: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("calibrate", "--backend", "python", "--duration", "300ms")
    assert result.code == 0, result.err
    assert "the GPUs were simulated" in result.err
    assert "bf16:" in result.out and "W (" in result.out and "pJ/FLOP" in result.out
    assert (tmp_path / "h100-sxm-measured.toml").is_file()


def test_no_gpu_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTPRINT_FAKE_GPUS", str(FIXTURES / "no-driver.toml"))
    result = run_cli("calibrate", "--backend", "python", "--duration", "100ms", "-o", str(tmp_path / "x.toml"))
    assert result.code == 2
    assert result.err.strip() == "footprint calibrate: error: calibrate needs an NVIDIA GPU: no NVIDIA driver found"


def test_missing_torch_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_torch(name: str, *args: object, **kwargs: object) -> object:
        if name == "torch":
            raise ImportError("no torch")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    result = run_cli("calibrate", "--duration", "1s")
    assert result.code == 2
    assert result.err.strip() == "footprint calibrate: error: calibrate needs PyTorch: install it with pip install 'footprint[torch]'"


@pytest.mark.parametrize(("args", "message"), [
    (["--precision", "bf17"], "--precision: 'bf17' is unknown"),
    (["--precision", ","], "--precision: ',' names no precision"),
    (["--duration", "forever"], "--duration: cannot read 'forever'"),
    (["--profile", "h1000"], "profile 'h1000' is unknown"),
])
def test_bad_options(args: list[str], message: str) -> None:
    result = run_cli("calibrate", "--backend", "python", *args)
    assert result.code == 2
    assert result.err.startswith(f"footprint calibrate: error: {message}")


def test_parse_precisions() -> None:
    assert parse_precisions(" BF16, fp8,bf16") == ["bf16", "fp8"]
    with pytest.raises(FootprintError):
        parse_precisions("int3")


def test_profile_text_replaces_old_measurements_and_keeps_node_names() -> None:
    profile = get_profile("a100-sxm4-80gb")
    result = Calibration("bf16", 10.0, 2.5e15, 3000.0, "energy counter", "torch 2.x 8192x8192 bf16 matmuls on cuda:0")
    text = measured_profile_toml(profile, [result], {"name": "NVIDIA A100-SXM4-80GB", "driver": "550.1"}, date(2026, 11, 22))
    data = tomllib.loads(text)
    assert data["id"] == "a100-sxm4-80gb-measured" and data["aliases"] == []
    assert data["measured"]["bf16"]["throughput"] == "250 TFLOP/s" and data["measured"]["bf16"]["power"] == "300 W"
    assert data["node"]["name"] == tomllib.loads(Path(profile.path).read_text())["node"]["name"]
    # calibrating from a measured file drops its old measurements
    again = measured_profile_toml(profile, [], {}, date(2026, 11, 22))
    assert "measured" not in tomllib.loads(again)
    assert os.linesep not in text or text.endswith("\n")


def test_a_multi_line_aliases_array_stays_valid_toml(tmp_path: Path) -> None:
    from footprint.plugins.catalog import resolve_profile

    datasheet = Path(get_profile("a100-sxm4-80gb").path).read_text(encoding="utf-8")
    assert 'aliases = ["a100", "a100-80gb", "a100-sxm4"]' in datasheet
    # the same profile with its aliases spread over lines, a comment inside and an old measurement to replace
    spread = datasheet.replace('aliases = ["a100", "a100-80gb", "a100-sxm4"]',
                               'aliases = [\n  "a100",  # short name\n  "a100-80gb",\n  "a100-sxm4",\n]')
    spread = spread.replace('id = "a100-sxm4-80gb"', 'id = "my-a100"')
    spread += '\n[measured.fp16]\nthroughput = "1 TFLOP/s"\npower = "1 W"\nsource = "an older run"\n'
    source = tmp_path / "my-a100.toml"
    source.write_text(spread, encoding="utf-8")
    profile = resolve_profile(None, str(source))
    result = Calibration("bf16", 10.0, 2.5e15, 3000.0, "energy counter", "torch bf16 matmuls")
    text = measured_profile_toml(profile, [result], {"name": "NVIDIA A100-SXM4-80GB", "driver": "550.1"}, date(2026, 11, 22))
    data = tomllib.loads(text)
    assert data["id"] == "my-a100-measured" and data["aliases"] == []
    assert sorted(data["measured"]) == ["bf16"]
    assert "# short name" not in text  # the old aliases are gone with their comments
    written = tmp_path / "my-a100-measured.toml"
    written.write_text(text, encoding="utf-8")
    r = run_cli("estimate", "--profile-file", str(written), "--gpus", "8", "--hours", "1", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["profile"] == "my-a100-measured"
