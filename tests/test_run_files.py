"""Files a user shares keep their modes: new files follow the umask, existing ones keep mode and symlink, a log
on a device gets no summary file beside it; and ``--json-file`` keeps the JSON apart from the command's output."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

from footprint.meter.outfiles import write_file
from tests.test_run_cli import PY, env


def footprint_with_umask(umask: int, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "footprint", *args], cwd=cwd, env=env(), capture_output=True, text=True,
                          timeout=60, preexec_fn=lambda: os.umask(umask))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_files_follow_the_umask(tmp_path: Path) -> None:
    done = footprint_with_umask(0o002, "run", "--log", "run.jsonl", "--csv", "emissions.csv", "--json-file", "result.json",
                                "--quiet", "--", PY, "-c", "pass", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("run.jsonl", "run.summary.json", "emissions.csv", "result.json"):
        assert mode(tmp_path / name) == 0o664, name
    done = footprint_with_umask(0o022, "report", "run.jsonl", "-o", "report.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert mode(tmp_path / "report.json") == 0o644


def test_existing_files_keep_their_mode(tmp_path: Path) -> None:
    for name, bits in (("emissions.csv", 0o664), ("run.summary.json", 0o640), ("result.json", 0o604)):
        (tmp_path / name).write_text("")
        os.chmod(tmp_path / name, bits)
    done = footprint_with_umask(0o077, "run", "--log", "run.jsonl", "--csv", "emissions.csv", "--json-file", "result.json",
                                "--quiet", "--", PY, "-c", "pass", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert mode(tmp_path / "emissions.csv") == 0o664
    assert mode(tmp_path / "run.summary.json") == 0o640
    assert mode(tmp_path / "result.json") == 0o604
    assert json.loads((tmp_path / "result.json").read_text())["gpus"] == 2


def test_symlinked_files_stay_links_and_their_targets_get_the_data(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (tmp_path / "emissions.csv").symlink_to(shared / "emissions.csv")
    (tmp_path / "result.json").symlink_to(shared / "result.json")
    for _ in range(2):
        done = footprint_with_umask(0o022, "run", "--log", "run.jsonl", "--csv", "emissions.csv", "--json-file",
                                    "result.json", "--quiet", "--", PY, "-c", "pass", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "emissions.csv").is_symlink() and (tmp_path / "result.json").is_symlink()
    assert len((shared / "emissions.csv").read_text().splitlines()) == 3  # header and two rows
    assert json.loads((shared / "result.json").read_text())["kind"] == "measurement"
    assert sorted(p.name for p in shared.iterdir()) == ["emissions.csv", "result.json"]  # no temporary file left


def test_a_log_on_a_device_gets_no_summary_file_beside_it(tmp_path: Path) -> None:
    assert not Path("/dev/null.summary.json").exists()
    done = footprint_with_umask(0o022, "run", "--log", "/dev/null", "--", PY, "-c", "pass", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not Path("/dev/null.summary.json").exists()
    assert "summary:" not in done.stdout
    assert Path("/dev/null").is_char_device()


def test_write_file_writes_in_place_what_cannot_be_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    write_file(fifo, "through the pipe\n")
    assert reader.communicate(timeout=30)[0] == "through the pipe\n"
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_json_file_keeps_the_result_apart_from_the_commands_output(tmp_path: Path) -> None:
    done = footprint_with_umask(0o022, "run", "--json-file", "result.json", "--", PY, "-c", "print('epoch 1 loss 0.5')",
                                cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("epoch 1 loss 0.5\nfootprint run:")
    data = json.loads((tmp_path / "result.json").read_text())
    assert data["kind"] == "measurement" and data["gpus"] == 2
