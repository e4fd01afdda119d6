"""A cache only makes things faster: whatever lies in footprint's cache folder (an edited entry, one of the wrong
shape, one cut short by a full disk) or however unusable that folder is, every command answers as it does with an
empty cache folder."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

COMMANDS = (
    ("estimate", "--profile", "h800", "--gpus", "8", "--hours", "10", "--region", "FRA", "--json"),
    ("regions", "FR"),
    ("references",),
)


def _footprint(args: tuple[str, ...], cache: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "FOOTPRINT_LOAD_PLUGINS": ""}
    env.pop("FOOTPRINT_NO_CACHE", None)
    return subprocess.run([sys.executable, "-m", "footprint", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def _answers(cache: Path, cwd: Path) -> list[tuple[int, str, str]]:
    return [(done.returncode, done.stdout, done.stderr) for done in (_footprint(a, cache, cwd) for a in COMMANDS)]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[int, str, str]]:
    """Each command's answer computed with an empty cache folder."""
    root = tmp_path_factory.mktemp("fresh")
    answers = _answers(root / "cache", root)
    assert all(code == 0 and out and not err for code, out, err in answers), answers
    return answers


def _filled(tmp_path: Path) -> Path:
    cache = tmp_path / "cache"
    _answers(cache, tmp_path)  # whatever the commands keep, they keep now
    return cache


def _scaled(value: Any) -> Any:
    """Every number a hundred times larger, as an edit of an entry would make it."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return value * 100
    if isinstance(value, dict):
        return {k: _scaled(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scaled(v) for v in value)
    return value


def _wrong_shape(value: Any) -> Any:
    """The entry's label kept, its content a list of strings."""
    return (value[0], ["not", "an", "answer"]) if isinstance(value, tuple) and value else ["not", "an", "answer"]


def _rewrite_entries(cache: Path, change: Callable[[Any], Any]) -> int:
    """Rewrite every marshal entry under the cache folder; returns how many there were."""
    count = 0
    for path in cache.rglob("*"):
        if not path.is_file():
            continue
        try:
            value = marshal.loads(path.read_bytes())
        except (EOFError, ValueError, TypeError):
            continue
        path.write_bytes(marshal.dumps(change(value)))
        count += 1
    return count


def _cut_short(cache: Path) -> int:
    """Every file in the cache folder cut to half its length, as a write on a full disk leaves it."""
    files = [p for p in cache.rglob("*") if p.is_file()]
    for path in files:
        with path.open("r+b") as fh:
            fh.truncate(path.stat().st_size // 2)
    return len(files)


@pytest.mark.parametrize("damage", [
    pytest.param(lambda cache: _rewrite_entries(cache, _scaled), id="edited"),
    pytest.param(lambda cache: _rewrite_entries(cache, _wrong_shape), id="wrong-shape"),
    pytest.param(_cut_short, id="cut-short"),
])
def test_a_damaged_cache_entry_never_changes_an_answer(tmp_path: Path, fresh: list[tuple[int, str, str]],
                                                       damage: Callable[[Path], int]) -> None:
    cache = _filled(tmp_path)
    damage(cache)
    assert _answers(cache, tmp_path) == fresh
    assert _answers(cache, tmp_path) == fresh  # and after whatever the first run rewrote


def _a_file(tmp_path: Path) -> Path:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    return blocker


def _subfolders_are_files(tmp_path: Path) -> Path:
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in ("footprint", "pint"):
        (cache / name).write_text("")
    return cache


def _read_only(tmp_path: Path) -> Path:
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder")
    cache = _filled(tmp_path)
    for path in [cache, *cache.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    return cache


@pytest.mark.parametrize("unusable", [
    pytest.param(_a_file, id="a-file"),
    pytest.param(lambda tmp_path: Path("/dev/full"), id="dev-full"),
    pytest.param(_subfolders_are_files, id="subfolders-are-files"),
    pytest.param(_read_only, id="read-only"),
    pytest.param(lambda tmp_path: Path("/proc"), id="not-writable-even-by-root"),
])
def test_every_command_works_whatever_the_cache_folder_is(tmp_path: Path, fresh: list[tuple[int, str, str]],
                                                          unusable: Callable[[Path], Path]) -> None:
    assert _answers(unusable(tmp_path), tmp_path) == fresh


def test_the_unit_cache_holds_one_set_of_files_and_stays_bounded(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from footprint.core import unit_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("FOOTPRINT_NO_CACHE", raising=False)
    folder = unit_cache.prepare("sources-a")
    assert folder == tmp_path / "cache" / "footprint" / "pint"
    (folder / "entry.pickle").write_bytes(b"parsed from a")
    unit_cache.seal(folder, "sources-a")
    assert unit_cache.prepare("sources-a") == folder  # whole and from the same sources: used as it is
    assert (folder / "entry.pickle").read_bytes() == b"parsed from a"
    # an upgrade of pint or of footprint's definitions: the old set goes, the folder never holds two
    assert unit_cache.prepare("sources-b") == folder
    assert list(folder.iterdir()) == []
    (folder / "entry.pickle").write_bytes(b"x" * (unit_cache.MAX_BYTES + 1))
    unit_cache.seal(folder, "sources-b")  # too large to keep
    assert not (folder / "entry.pickle").exists()
    monkeypatch.setenv("FOOTPRINT_NO_CACHE", "1")
    assert unit_cache.prepare("sources-b") is None
