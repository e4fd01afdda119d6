"""CPU and RAM: RAPL package zones with wraparound (a fake sysfs tree), the fallback when it is unreadable, and
codecarbon's CPU and RAM models."""

from __future__ import annotations

from pathlib import Path

import pytest

from footprint.meter.host_model import (
    GENERIC_CPU_TDP_W,
    W_PER_THREAD,
    ModelCpuMeter,
    ModelRamMeter,
    cpu_load_factor,
    cpu_power_table,
    match_tdp,
    ram_power_w,
)
from footprint.meter.rapl import RaplCpuMeter, Zone, delta_uj, package_zones
from footprint.meter.sampler import open_session
from footprint.plugins.contract import MeterSettings


def make_zone(root: Path, name: str, label: str, energy: int, max_range: int = 262_143_328_850) -> Path:
    zone = root / name
    zone.mkdir(parents=True)
    (zone / "name").write_text(label + "\n")
    (zone / "energy_uj").write_text(f"{energy}\n")
    (zone / "max_energy_range_uj").write_text(f"{max_range}\n")
    return zone


def test_only_package_zones_are_summed(tmp_path: Path) -> None:
    make_zone(tmp_path, "intel-rapl:0", "package-0", 1000)
    make_zone(tmp_path, "intel-rapl:0:0", "core", 500)  # a subzone: part of package-0
    make_zone(tmp_path, "intel-rapl:0:1", "dram", 300)
    make_zone(tmp_path, "intel-rapl:1", "package-1", 2000)
    make_zone(tmp_path, "intel-rapl:2", "psys", 9000)  # contains the packages
    zones = package_zones(tmp_path)
    assert [z.name for z in zones] == ["package-0", "package-1"]


def test_wraparound(tmp_path: Path) -> None:
    assert delta_uj(900, 100, 1000) == 200
    assert delta_uj(100, 900, 1000) == 800
    zone_dir = make_zone(tmp_path, "intel-rapl:0", "package-0", 65_000_000_000, max_range=65_532_610_987)
    opened = RaplCpuMeter().open(MeterSettings(powercap_root=tmp_path))
    (channel,) = opened.channels
    assert channel.method == "RAPL (1 package zone: package-0)"
    channel.start(0.0)
    (zone_dir / "energy_uj").write_text("467_389_013".replace("_", ""))  # wrapped: 1 kJ later
    assert channel.read(10.0).energy == pytest.approx(1000.0)


def test_permission_denied_falls_back_to_the_model_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_zone(tmp_path / "powercap", "intel-rapl:0", "package-0", 1)

    def denied(self: Zone) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Zone, "energy_uj", denied)  # as root, chmod would not stop the read
    settings = MeterSettings(powercap_root=tmp_path / "powercap", proc_root=tmp_path)
    session = open_session(settings, [RaplCpuMeter(), ModelCpuMeter(), ModelRamMeter()])
    cpu = next(c for c in session.channels if c.component == "cpu")
    assert cpu.method.startswith("modelled")
    assert any("RAPL is not readable" in n and "root only" in n for n in session.notes)


def test_rapl_wins_over_the_model_when_readable(tmp_path: Path) -> None:
    make_zone(tmp_path, "intel-rapl:0", "package-0", 1)
    session = open_session(MeterSettings(powercap_root=tmp_path, proc_root=tmp_path), [RaplCpuMeter(), ModelCpuMeter()])
    assert [c.method for c in session.channels if c.component == "cpu"] == ["RAPL (1 package zone: package-0)"]


def test_cpu_tdp_from_codecarbons_table() -> None:
    table = cpu_power_table()
    assert len(table) > 2000
    assert match_tdp("AMD EPYC 7543 32-Core Processor", table) == ("AMD EPYC 7543", 225.0)
    assert match_tdp("Intel(R) Xeon(R) Platinum 8480+", table)[1] == 350.0
    assert match_tdp("AMD EPYC", table) is None  # ambiguous: no guess
    assert match_tdp("", table) is None


def test_cpu_model_uses_load_and_tdp(tmp_path: Path) -> None:
    (tmp_path / "cpuinfo").write_text("model name\t: AMD EPYC 7543 32-Core Processor\nphysical id\t: 0\nphysical id\t: 1\n")
    (tmp_path / "stat").write_text("cpu  0 0 0 1000 0 0 0 0 0 0\n")
    (channel,) = ModelCpuMeter().open(MeterSettings(proc_root=tmp_path, cpu_scope="machine")).channels
    assert "TDP 225 W of 'AMD EPYC 7543'" in channel.method and "2 socket(s)" in channel.method
    channel.start(0.0)
    (tmp_path / "stat").write_text("cpu  500 0 0 1500 0 0 0 0 0 0\n")  # 50% busy since
    assert channel.read(10.0).energy == pytest.approx(225 * 2 * cpu_load_factor(0.5) * 10)
    assert cpu_load_factor(0) == 0.1 and cpu_load_factor(1) == 1.0


def test_unknown_cpu_gets_codecarbons_4_w_per_thread(tmp_path: Path) -> None:
    # codecarbon 3.3.2 core/cpu.py: an unknown model gets DEFAULT_POWER_PER_CORE = 4 W per thread
    (tmp_path / "cpuinfo").write_text("processor\t: 0\nmodel name\t: AMD EPYC\nprocessor\t: 1\nmodel name\t: AMD EPYC\n")
    (channel,) = ModelCpuMeter().open(MeterSettings(proc_root=tmp_path)).channels
    assert channel.power.step == "per-thread" and channel.power.watts == 2 * W_PER_THREAD == 8
    assert "4 W per thread x 2 threads" in channel.method


def test_no_cpu_name_gets_codecarbons_generic_85_w(tmp_path: Path) -> None:
    (tmp_path / "cpuinfo").write_text("processor\t: 0\n")
    (channel,) = ModelCpuMeter().open(MeterSettings(proc_root=tmp_path)).channels
    assert channel.power.step == "generic" and channel.power.watts == GENERIC_CPU_TDP_W == 85


def test_cpu_power_override_replaces_the_lookup(tmp_path: Path) -> None:
    (tmp_path / "cpuinfo").write_text("model name\t: AMD EPYC 7543 32-Core Processor\n")
    (channel,) = ModelCpuMeter().open(MeterSettings(proc_root=tmp_path, cpu_power_w=120.0)).channels
    assert channel.power.step == "user" and channel.power.watts == 120 and "--cpu-power 120 W" in channel.method


def fake_process(proc: Path, pid: int, ppid: int, ticks: tuple[int, int, int, int], rss_pages: int = 0) -> None:
    """A /proc/<pid>/stat with utime, stime, cutime, cstime (fields 14-17) and a command name holding ') ('."""
    d = proc / str(pid)
    d.mkdir(parents=True, exist_ok=True)
    rest = ["S", str(ppid)] + ["0"] * 9 + [str(t) for t in ticks] + ["0"] * 30
    (d / "stat").write_text(f"{pid} (odd) (name) " + " ".join(rest) + "\n")
    (d / "statm").write_text(f"100 {rss_pages} 0 0 0 0 0\n")


def test_process_scope_meters_the_tree_like_codecarbon_monitor(tmp_path: Path) -> None:
    import os

    hz = os.sysconf("SC_CLK_TCK")
    (tmp_path / "cpuinfo").write_text("".join(f"processor\t: {i}\nmodel name\t: AMD EPYC 7543 32-Core Processor\n"
                                              "physical id\t: 0\n" for i in range(4)))
    fake_process(tmp_path, 100, 1, (0, 0, 0, 0))  # the metering process
    fake_process(tmp_path, 101, 100, (0, 0, 0, 0))  # the command
    fake_process(tmp_path, 999, 1, (0, 0, 0, 0))  # not in the tree
    (channel,) = ModelCpuMeter().open(MeterSettings(proc_root=tmp_path, root_pid=100)).channels
    channel.start(0.0)
    # over 10 s: the command uses 10 CPU-s, a grandchild 5 CPU-s, a reaped child's 5 s land in the command's cutime,
    # and an unrelated process 40 s
    fake_process(tmp_path, 101, 100, (8 * hz, 2 * hz, 4 * hz, 1 * hz))
    fake_process(tmp_path, 102, 101, (5 * hz, 0, 0, 0))
    fake_process(tmp_path, 999, 1, (40 * hz, 0, 0, 0))
    # codecarbon process mode: 225 W x (20 CPU-s / 10 s) / 4 threads = 112.5 W, no 10% floor
    assert channel.read(10.0).energy == pytest.approx(225 * (20 / 10) / 4 * 10)


def test_process_scope_ram_is_codecarbons_10_w_floor_for_a_small_tree(tmp_path: Path) -> None:
    fake_process(tmp_path, 100, 1, (0, 0, 0, 0), rss_pages=1000)
    (tmp_path / "meminfo").write_text(f"MemTotal:       {24 * 1024 * 1024} kB\n")
    (channel,) = ModelRamMeter().open(MeterSettings(proc_root=tmp_path, root_pid=100)).channels
    channel.start(0.0)
    # codecarbon 3.3.2 RAM in process mode: ~4 MB resident -> 1 DIMM, but at least 2 x 5 W on x86 = 10 W
    assert channel.read(10.0).energy == pytest.approx(100.0)
    forced = ModelRamMeter().open(MeterSettings(proc_root=tmp_path, ram_power_w=3.0)).channels[0]
    forced.start(0.0)
    assert forced.read(10.0).energy == pytest.approx(30.0) and "--ram-power 3 W" in forced.method


@pytest.mark.parametrize(("gb", "watts"), [(2, 10.0), (16, 10.0), (32, 20.0), (64, 20.0), (128, 38.0), (512, 38.0), (2048, 70.0)])  # values from codecarbon 3.3.2 itself
def test_ram_model_matches_codecarbon_v3(gb: float, watts: float) -> None:
    assert ram_power_w(gb) == pytest.approx(watts)


def test_ram_channel_is_labelled_modelled(tmp_path: Path) -> None:
    (tmp_path / "meminfo").write_text(f"MemTotal:       {64 * 1024 * 1024} kB\n")
    (channel,) = ModelRamMeter().open(MeterSettings(proc_root=tmp_path, cpu_scope="machine")).channels
    assert channel.method.startswith("modelled: 20 W for 64.0 GiB")
    channel.start(0.0)
    assert channel.read(30.0).energy == pytest.approx(600.0)


def test_a_forced_cpu_power_skips_rapl_like_codecarbon(tmp_path: Path) -> None:
    make_zone(tmp_path, "intel-rapl:0", "package-0", 1)
    settings = MeterSettings(powercap_root=tmp_path, proc_root=tmp_path, cpu_power_w=50.0)
    session = open_session(settings, [RaplCpuMeter(), ModelCpuMeter()])
    assert [c.method.split(":")[0] for c in session.channels if c.component == "cpu"] == ["modelled"]


def test_run_takes_cpu_and_ram_power_overrides_and_refuses_bad_ones(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    from tests.test_run_cli import env

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "footprint", "run", *args], cwd=tmp_path, env=env("no-driver.toml"),
                              capture_output=True, text=True, timeout=60)

    # half a second: the summary's duration and the metered span may differ by a millisecond at their edges, which
    # must stay well inside the 2% asked of the constant power below
    done = run("--json", "--cpu-power", "8 W", "--ram-power", "3 W", "--", sys.executable, "-c", "import time; time.sleep(0.5)")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    seconds = data["duration"]["magnitude"] * 3600
    assert data["energy_ram"]["magnitude"] * 3.6e6 == pytest.approx(3 * seconds, rel=0.02)  # a constant 3 W
    assert "--cpu-power 8 W" in data["details"]["cpu"][0]["method"]
    assert "process tree" in data["details"]["cpu"][0]["method"]  # the default scope, as codecarbon monitor
    machine = json.loads(run("--json", "--cpu-scope", "machine", "--", sys.executable, "-c", "pass").stdout)
    assert "whole machine" in machine["details"]["cpu"][0]["method"] or machine["details"]["cpu"][0]["method"].startswith("RAPL")
    for bad in (("--cpu-power", "fast"), ("--ram-power", "-3 W"), ("--cpu-scope", "node")):
        refused = run(*bad, "--", sys.executable, "-c", "open('ran', 'w')")
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert bad[0] in refused.stderr
    assert not (tmp_path / "ran").exists()


def test_the_process_tree_read_through_children_files_is_the_tree_of_parent_pids() -> None:
    """A command's tree with grandchildren is the same read down through each thread's children file as read up
    from every process's parent pid, and a child forked by a thread other than the main one is in it."""
    import os
    import subprocess
    import threading

    from footprint.meter import host_model, proctree

    proc = Path("/proc")
    me = str(os.getpid())
    has_children_files = (proc / me / "task" / me / "children").exists()  # CONFIG_PROC_CHILDREN
    started: list[subprocess.Popen[bytes]] = [subprocess.Popen(["sh", "-c", "sleep 30 & sleep 30 & wait"])]
    thread = threading.Thread(target=lambda: started.append(subprocess.Popen(["sleep", "30"])))
    thread.start()
    thread.join()
    shell = str(started[0].pid)
    try:
        for _ in range(500):  # until the shell has started both of its children
            tree = host_model.process_tree(proc, started[0].pid)
            if tree is not None and len(tree) == 3:
                break
            threading.Event().wait(0.01)
        # the shell's tree: only this test's processes, so the three readings see the same processes
        assert tree is not None and len(tree) == 3 and tree[0] == shell
        assert sorted(proctree._tree_from_parents(proc, shell)) == sorted(tree)
        by_children = proctree._tree_from_children(str(proc), shell)  # None sends the meter to the parent pids
        assert (by_children is not None and sorted(by_children) == sorted(tree)) if has_children_files else by_children is None
        # this process's tree (pytest may have other children): ours, the thread's child and the grandchildren
        whole = host_model.process_tree(proc, os.getpid())
        assert whole is not None and {me, *tree, str(started[1].pid)} <= set(whole)
    finally:
        for p in started:
            p.kill()
            p.wait()
    assert host_model.process_tree(proc, started[0].pid) is None  # a root that has ended
