"""A real Slurm cluster on this machine (munged, slurmctld and three slurmd named n1..n3), and real Prometheus and
Pushgateway servers on loopback. Every daemon is started by the fixture, lives under its temporary directory,
and is stopped by its pid.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cluster.helpers import Daemon, env_with, free_port, http_ok, tool, wait_for

NODES = ("n1", "n2", "n3")


@dataclass
class Slurm:
    root: Path
    env: dict[str, str]

    def srun(self, *args: str, timeout: float = 60.0, **extra: str) -> subprocess.CompletedProcess[str]:
        env = {**self.env, **extra}
        return subprocess.run([tool("srun"), *args], env=env, capture_output=True, text=True, timeout=timeout,
                              cwd=self.root)


def _slurm_conf(root: Path, host: str, socket_path: Path, ports: list[int]) -> str:
    lines = [
        "ClusterName=fptest",
        f"SlurmctldHost={host}",
        f"SlurmctldPort={ports[0]}",
        "SlurmUser=root",
        "SlurmdUser=root",
        "AuthType=auth/munge",
        f"AuthInfo=socket={socket_path}",
        "CredType=cred/munge",
        f"StateSaveLocation={root}/state",
        f"SlurmdSpoolDir={root}/spool/%n",
        f"SlurmctldPidFile={root}/slurmctld.pid",
        f"SlurmdPidFile={root}/slurmd-%n.pid",
        f"SlurmctldLogFile={root}/log/slurmctld.log",
        f"SlurmdLogFile={root}/log/slurmd-%n.log",
        # one host plays three nodes: processes tracked by parent pid, no cgroups or CPU binding to set up
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SlurmdParameters=config_overrides",
        "SchedulerType=sched/builtin",
        "SelectType=select/linear",
        "ReturnToService=2",
        "MpiDefault=none",
        "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none",
        "JobCompType=jobcomp/none",
        "SwitchType=switch/none",
        "KillWait=2",
        "InactiveLimit=0",
    ]
    for name, port in zip(NODES, ports[1:], strict=True):
        lines.append(f"NodeName={name} NodeHostname={host} Port={port} CPUs=2 State=UNKNOWN")
    lines.append("PartitionName=debug Nodes=n[1-3] Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def slurm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slurm]:
    root = tmp_path_factory.mktemp("slurm")
    for sub in ("state", "spool", "log", "munge", "locks"):
        (root / sub).mkdir()
    munge = root / "munge"
    munge.chmod(0o755)  # munged wants its socket's directory reachable by every user
    key = munge / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    sock = munge / "munge.socket"
    daemons: list[Daemon] = []
    try:
        daemons.append(Daemon([tool("munged"), "--foreground", "--force", f"--socket={sock}", f"--key-file={key}",
                               f"--pid-file={munge}/munged.pid", f"--seed-file={munge}/munged.seed",
                               f"--log-file={munge}/munged.log"], root / "log" / "munged.out"))
        wait_for(sock.exists, 10, "munged's socket", munge / "munged.log")
        host = socket.gethostname().split(".")[0]
        ports = [free_port() for _ in range(1 + len(NODES))]
        conf = root / "slurm.conf"
        conf.write_text(_slurm_conf(root, host, sock, ports))
        env = env_with(SLURM_CONF=str(conf), FOOTPRINT_LOCK_DIR=str(root / "locks"))
        daemons.append(Daemon([tool("slurmctld"), "-D", "-i"], root / "log" / "slurmctld.out", env=env))
        for name in NODES:
            daemons.append(Daemon([tool("slurmd"), "-D", "-N", name], root / "log" / f"slurmd-{name}.out", env=env))

        def idle() -> bool:
            for d in daemons:
                assert d.alive(), f"{d.args[0]} exited: {d.log.read_text(errors='replace')[-2000:]}"
            out = subprocess.run([tool("sinfo"), "-h", "-o", "%D %t"], env=env, capture_output=True, text=True, timeout=10)
            return out.stdout.split() == ["3", "idle"]

        wait_for(idle, 30, "three idle Slurm nodes", root / "log" / "slurmctld.log")
        yield Slurm(root, env)
    finally:
        for d in reversed(daemons):
            d.stop()


@dataclass
class Server:
    url: str
    daemon: Daemon


@pytest.fixture
def pushgateway(tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    daemon = Daemon([tool("prometheus-pushgateway"), f"--web.listen-address=127.0.0.1:{port}"], tmp_path / "pushgateway.log")
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: http_ok(f"{url}/-/ready"), 20, "the Pushgateway", daemon.log)
        yield Server(url, daemon)
    finally:
        daemon.stop()


def start_prometheus(tmp_path: Path, target_port: int) -> Server:
    """A Prometheus that scrapes 127.0.0.1:target_port every 500 ms."""
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 500ms\n  scrape_timeout: 400ms\n"
        "scrape_configs:\n  - job_name: training\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{target_port}']\n"
    )
    daemon = Daemon([tool("prometheus"), f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                     f"--web.listen-address=127.0.0.1:{port}"], tmp_path / "prometheus.log")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: http_ok(f"{url}/-/ready"), 30, "Prometheus", daemon.log)
    except BaseException:
        daemon.stop()
        raise
    return Server(url, daemon)
