"""Bad input: one line naming the bad value and what was expected, exit code 2, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.cli_run import run_cli

BASE = ("estimate", "--profile", "h100")


@pytest.mark.parametrize(
    ("args", "must_name"),
    [
        (("--gpus", "0", "--hours", "10"), "'0'"),
        (("--gpus", "-4", "--hours", "10"), "'-4'"),
        (("--gpus", "many", "--hours", "10"), "'many'"),
        (("--gpus", "2.5", "--hours", "10"), "'2.5'"),
        (("--gpus", "8", "--hours", "0"), "--hours"),
        (("--gpus", "8", "--hours", "-3"), "--hours"),
        (("--gpus", "8", "--hours", "soon"), "'soon'"),
        (("--gpus", "8", "--hours", "5 kg"), "'5 kg'"),
        (("--gpus", "8", "--duration", "300 W"), "'300 W'"),
        (("--gpu-hours", "-1"), "--gpu-hours"),
        (("--gpus", "8", "--hours", "10", "--gpu-hours", "80"), "--gpu-hours"),
        (("--gpus", "8", "--hours", "10", "--region", "ATLANTIS"), "'ATLANTIS'"),
        (("--gpus", "8", "--hours", "10", "--pue", "0.9"), "--pue"),
        (("--gpus", "8", "--hours", "10", "--pue", "1.4..1.2"), "1.4"),
        (("--gpus", "8", "--hours", "10", "--gpu-power", "1.5"), "--gpu-power"),
        (("--gpus", "8", "--hours", "10", "--intensity", "5 kWh"), "'5 kWh'"),
        (("--gpus", "8", "--hours", "10", "--price", "2"), "'2'"),
        (("--gpus", "8", "--flops", "1e24", "--mfu", "0"), "--mfu"),
        (("--gpus", "8", "--flops", "1e24", "--mfu", "1.5"), "--mfu"),
        (("--gpus", "8", "--flops", "1e24", "--mfu", "0.4", "--precision", "fp7"), "'fp7'"),
        (("--gpus", "8", "--hours", "10", "--region", "CHN", "--intensity", "500 g/kWh"), "--region"),
        (("--gpus", "8",), "--hours"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: tuple[str, ...], must_name: str) -> None:
    r = run_cli(*BASE, *args)
    assert r.code == 2, (r.out, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    assert lines[0].startswith("footprint estimate: error: ")
    assert must_name in lines[0]
    assert "Traceback" not in r.err


def test_unknown_profile_lists_close_matches() -> None:
    r = run_cli("estimate", "--profile", "h1000", "--gpus", "8", "--hours", "1")
    assert r.code == 2
    assert "'h1000'" in r.err and "did you mean" in r.err and "h100" in r.err


def test_unknown_region_lists_close_codes() -> None:
    r = run_cli("estimate", "--profile", "h100", "--gpus", "8", "--hours", "1", "--region", "CN-ZZ")
    assert r.code == 2
    assert "did you mean" in r.err and "CN-" in r.err


def test_fp8_on_a100_names_what_it_supports() -> None:
    # NVIDIA A100 datasheet: no FP8 Tensor Core support
    r = run_cli("estimate", "--profile", "a100", "--gpus", "8", "--flops", "1e24", "--precision", "fp8", "--mfu", "0.4")
    assert r.code == 2
    assert "fp8" in r.err and "bf16" in r.err


def test_fraction_of_tdp_without_profile() -> None:
    r = run_cli("estimate", "--gpus", "8", "--hours", "1", "--gpu-power", "0.8")
    assert r.code == 2 and "--profile" in r.err


def test_profile_file_with_bad_unit(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x1"\nname = "X1"\n[tdp]\nvalue = "700 kg"\nsource = "sheet"\n')
    r = run_cli("estimate", "--profile-file", str(bad), "--gpus", "8", "--hours", "1")
    assert r.code == 2
    assert "bad.toml" in r.err and "'tdp'" in r.err and "700 kg" in r.err


def test_profile_file_missing_source(tmp_path) -> None:
    bad = tmp_path / "nosource.toml"
    bad.write_text('id = "x1"\nname = "X1"\n[tdp]\nvalue = "700 W"\n')
    r = run_cli("estimate", "--profile-file", str(bad), "--gpus", "8", "--hours", "1")
    assert r.code == 2
    assert "nosource.toml" in r.err and "source" in r.err


def test_profile_file_unknown_key(tmp_path) -> None:
    bad = tmp_path / "typo.toml"
    bad.write_text('id = "x1"\nname = "X1"\n[tdp]\nvalue = "700 W"\nsource = "s"\n[peak]\nbf61 = { value = "1 TFLOP/s", source = "s" }\n')
    r = run_cli("estimate", "--profile-file", str(bad), "--gpus", "8", "--hours", "1")
    assert r.code == 2 and "peak.bf61" in r.err


def test_profile_file_is_used(tmp_path) -> None:
    good = tmp_path / "mine.toml"
    good.write_text('id = "my-gpu"\nname = "My GPU"\n[tdp]\nvalue = "500 W"\nsource = "our spec sheet"\n')
    r = run_cli("estimate", "--profile-file", str(good), "--gpus", "2", "--hours", "10", "--host-power", "0 W",
                "--pue", "1", "--intensity", "0 g/kWh")
    assert r.code == 0, r.err
    assert "10 kWh" in r.out  # 2 x 10 h x 500 W


def test_user_profile_directory(tmp_path, monkeypatch) -> None:
    from footprint.plugins import manager as plugins

    (tmp_path / "mine.toml").write_text('id = "lab-gpu"\nname = "Lab GPU"\naliases = ["lab"]\n[tdp]\nvalue = "300 W"\nsource = "lab"\n')
    monkeypatch.setenv("FOOTPRINT_PROFILE_PATH", str(tmp_path))
    plugins.reset()
    try:
        r = run_cli("estimate", "--profile", "lab", "--gpus", "1", "--hours", "10", "--host-power", "0 W", "--pue", "1",
                    "--intensity", "0 g/kWh")
        assert r.code == 0, r.err
        assert "3 kWh" in r.out
    finally:
        monkeypatch.delenv("FOOTPRINT_PROFILE_PATH")
        plugins.reset()


def test_real_process_has_no_traceback() -> None:
    proc = subprocess.run([sys.executable, "-m", "footprint", "estimate", "--profile", "h100", "--gpus", "x", "--hours", "1"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
