"""Shipped profiles are read in two steps (names at once, figures on first use) and give exactly what the full
loader gives; matching a GPU by name needs no unit registry, so ``footprint run`` can match before the command."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from footprint.core.profiles import HardwareProfile, defer_profile_dir, load_profile_dir
from footprint.errors import FootprintError
from footprint.plugins.builtin.shipped_profiles import shipped_profile_dir
from tests.deferred_checks import assert_reads_alike


def test_every_shipped_profile_reads_as_the_full_loader_reads_it() -> None:
    full = load_profile_dir(shipped_profile_dir())
    deferred = defer_profile_dir(shipped_profile_dir())
    assert_reads_alike(deferred, full, HardwareProfile)
    for lazy, eager in zip(deferred, full, strict=True):
        assert lazy.host_power() == eager.host_power()


def test_a_copy_keeps_its_own_figures() -> None:
    (first, *_) = defer_profile_dir(shipped_profile_dir())
    named = first.with_plugin("elsewhere")
    assert named.plugin == "elsewhere" and first.plugin == ""
    assert named.tdp == first.tdp
    changed = dataclasses.replace(first, name="renamed")
    assert changed.name == "renamed" and changed.peaks == first.peaks


def test_a_bad_figure_is_named_when_the_profile_is_used(tmp_path: Path) -> None:
    (tmp_path / "x1.toml").write_text('id = "x1"\nname = "X1"\nnvml_names = ["X One"]\n'
                                      'tdp = { value = "700 Wh", source = "datasheet" }\n', encoding="utf-8")
    (profile,) = defer_profile_dir(tmp_path)
    assert profile.nvml_names == ("X One",)
    with pytest.raises(FootprintError, match=r"x1\.toml: key 'tdp'.*'700 Wh'"):
        _ = profile.tdp


def test_a_bad_name_is_named_at_once(tmp_path: Path) -> None:
    (tmp_path / "x2.toml").write_text('id = "X 2"\nname = "X2"\ntdp = { value = "700 W", source = "datasheet" }\n',
                                      encoding="utf-8")
    with pytest.raises(FootprintError, match=r"x2\.toml: key 'id': 'X 2' must be lower-case"):
        defer_profile_dir(tmp_path)


def test_matching_a_gpu_by_name_builds_no_unit_registry(tmp_path: Path) -> None:
    code = ("import sys\nfrom footprint.plugins.catalog import all_profiles, profile_for_device\n"
            "print(len(all_profiles()) > 10, profile_for_device('NVIDIA H100 80GB HBM3').id, 'pint' in sys.modules)")
    env = {**os.environ, "FOOTPRINT_LOAD_PLUGINS": ""}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["True", "h100-sxm", "False"], done.stderr
