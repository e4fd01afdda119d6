"""Answers derived from installed data files (the CPU's TDP, the grid table) are kept on disk until a file
changes, and are the same answers as computed afresh; a damaged or unwritable cache only costs the time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from footprint.core.derived_cache import cache_root, derived


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return cache_root()


def _counting(answer: object) -> tuple[list[int], object]:
    calls: list[int] = []

    def compute() -> object:
        calls.append(1)
        return answer
    return calls, compute


def test_an_answer_is_computed_once_until_its_file_changes(tmp_path: Path, cache: Path) -> None:
    source = tmp_path / "table.csv"
    source.write_text("a,1\n")
    calls, compute = _counting({"a": (1.0, None, "x")})
    assert derived("t", "q", [source], compute) == {"a": (1.0, None, "x")}
    assert derived("t", "q", [source], compute) == {"a": (1.0, None, "x")}
    assert len(calls) == 1
    derived("t", "other question", [source], compute)
    assert len(calls) == 2
    source.write_text("a,2\n")  # a reinstall rewrites the file: size or time differ
    os.utime(source, ns=(1, 1))
    derived("t", "q", [source], compute)
    assert len(calls) == 3
    derived("t", "q", [source], compute)
    assert len(calls) == 3
    fresh = tmp_path / "new.csv"  # a new file of the same size, its modification time set to the old one's
    fresh.write_text("a,3\n")
    os.utime(fresh, ns=(1, 1))
    os.replace(fresh, source)
    derived("t", "q", [source], compute)
    assert len(calls) == 4


def test_a_damaged_or_unwritable_cache_computes_the_answer(tmp_path: Path, cache: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "table.csv"
    source.write_text("a,1\n")
    calls, compute = _counting([1, 2])
    derived("t", None, [source], compute)
    (entry,) = (cache / "derived").iterdir()
    entry.write_bytes(b"\x00not marshal")
    assert derived("t", None, [source], compute) == [1, 2]
    assert derived("t", None, [source], compute) == [1, 2]  # rewritten whole
    assert len(calls) == 2
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # the cache folder cannot be made
    assert derived("t", None, [source], compute) == [1, 2]
    assert derived("t", None, [tmp_path / "missing.csv"], compute) == [1, 2]  # compute words a missing file
    assert len(calls) == 4


def test_the_cpu_tdp_kept_on_disk_is_codecarbons_table_match(cache: Path) -> None:
    from footprint.meter.host_model import cpu_power_table, full_load_power, match_tdp, table_tdp

    table = cpu_power_table()
    models = ["AMD EPYC 7543 32-Core Processor", "Intel(R) Xeon(R) Platinum 8480+", "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz",
              "Some Unlisted CPU 9000", "Xeon"]  # listed, listed by tokens, cleaned, unlisted, ambiguous
    for model in models:
        assert table_tdp(model) == match_tdp(model, table)  # computed
        assert table_tdp(model) == match_tdp(model, table)  # kept
        assert full_load_power(model, 2, 64) == full_load_power(model, 2, 64, table=table)
    assert len(list((cache / "derived").glob("cpu-tdp-*"))) == len(models)


def test_the_grid_table_kept_on_disk_is_the_one_read_from_codecarbons_files(cache: Path) -> None:
    from footprint.plugins.builtin import codecarbon_grid

    codecarbon_grid._table.cache_clear()
    try:
        read = codecarbon_grid._read_table()
        assert codecarbon_grid._table() == read
        codecarbon_grid._table.cache_clear()
        assert codecarbon_grid._table() == read  # from the cache
        assert len(list((cache / "derived").glob("codecarbon-grid-*"))) == 1
        assert read["chn"][2] > 400 and read["world"][0] == "world"  # rows as the lookup uses them
    finally:
        codecarbon_grid._table.cache_clear()
