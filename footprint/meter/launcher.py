"""Who this process is in a distributed job: the job, the node and the rank, read from the launcher's environment.

Slurm, torchrun (torchelastic), Open MPI and MPICH (Hydra) each export their own variables; ``FOOTPRINT_JOB_ID``
and ``FOOTPRINT_NODE_NAME`` override whatever they say. A node is who the launcher says it is (Slurm's node name,
torchrun's group rank), not the host name, so several simulated nodes on one host are several nodes.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from footprint.errors import FootprintError

_SAFE = re.compile(r"[^A-Za-z0-9._-]")
MAX_NODELIST = 256  # characters of a compact node list a log header keeps ('gpu[0001-9999]'); a longer one is left out


@dataclass(frozen=True)
class Launch:
    """The job and node this process belongs to. ``job`` is None when no launcher (and no override) names one."""

    job: str | None
    node: str
    launcher: str  # "slurm", "torchrun", "openmpi", "mpich" or "none"
    rank: int | None = None  # the global rank of this process
    local_rank: int | None = None
    local_size: int | None = None  # ranks the launcher starts on this node
    num_nodes: int | None = None  # nodes the launcher says the job spans
    nodes: list[str] = field(default_factory=list)  # their names, when the launcher lists them
    step: str | None = None  # Slurm job step
    nodelist: str | None = None  # the launcher's own compact form of ``nodes`` (Slurm's 'gpu[001-128]')

    @property
    def distributed(self) -> bool:
        """True when a launcher (or an override) names the job: ranks on one node then elect one meter."""
        return self.job is not None

    def header(self) -> dict[str, Any]:
        """The keys this adds to a log header: this node and the job's size, never the job's whole node list (every
        node's header would repeat it: 100,000 names in each of 100,000 logs). A launcher's compact list short
        enough to cost no more than a few names is kept, so that a report can name the nodes that left no log."""
        compact = {"nodelist": self.nodelist} if self.nodelist and len(self.nodelist) <= MAX_NODELIST else {}
        return {"job": self.job, "node": self.node, "launcher": self.launcher, "rank": self.rank,
                "local_rank": self.local_rank, "local_size": self.local_size, "num_nodes": self.num_nodes,
                "step": self.step, **compact}


def _int(env: Mapping[str, str], *names: str) -> int | None:
    for name in names:
        value = env.get(name, "").strip()
        if value.lstrip("-").isdigit():
            return int(value)
    return None


def _host() -> str:
    return socket.gethostname().split(".")[0] or "localhost"


def detect(env: Mapping[str, str] | None = None) -> Launch:
    """The job, node and rank of this process from ``env`` (default: ``os.environ``)."""
    env = os.environ if env is None else env
    launch = _from_launcher(env)
    job = env.get("FOOTPRINT_JOB_ID", "").strip() or launch.job
    node = env.get("FOOTPRINT_NODE_NAME", "").strip() or launch.node
    if job != launch.job or node != launch.node:
        launch = replace(launch, job=job, node=node)
    return launch


def _from_launcher(env: Mapping[str, str]) -> Launch:
    if env.get("SLURM_JOB_ID"):
        listed = env.get("SLURM_STEP_NODELIST") or env.get("SLURM_JOB_NODELIST") or ""
        try:
            nodes = expand_hostlist(listed) if listed else []
        except FootprintError:
            nodes = []  # an unusual list must not stop the job; the report then knows the count only
        count = _int(env, "SLURM_STEP_NUM_NODES", "SLURM_JOB_NUM_NODES", "SLURM_NNODES")
        return Launch(env["SLURM_JOB_ID"], env.get("SLURMD_NODENAME") or _host(), "slurm",
                      _int(env, "SLURM_PROCID"), _int(env, "SLURM_LOCALID"),
                      _int(env, "SLURM_NTASKS_PER_NODE") if "SLURM_STEP_TASKS_PER_NODE" not in env else _tasks_here(env),
                      count if count is not None else (len(nodes) or None), nodes, env.get("SLURM_STEP_ID"),
                      listed if nodes else None)
    if env.get("TORCHELASTIC_RUN_ID") is not None and env.get("GROUP_RANK") is not None:
        local_size = _int(env, "LOCAL_WORLD_SIZE")
        world = _int(env, "WORLD_SIZE")
        count = world // local_size if world and local_size and world % local_size == 0 else None
        group = env["GROUP_RANK"]
        nodes = [f"node{i}" for i in range(count)] if count else []
        return Launch(env["TORCHELASTIC_RUN_ID"], f"node{group}", "torchrun",
                      _int(env, "RANK"), _int(env, "LOCAL_RANK"), local_size, count, nodes)
    if env.get("OMPI_COMM_WORLD_LOCAL_RANK") is not None:
        job = env.get("OMPI_MCA_ess_base_jobid") or env.get("PMIX_NAMESPACE") or env.get("OMPI_MCA_orte_ess_jobid")
        return Launch(job or f"mpirun-{os.getppid()}", _host(), "openmpi", _int(env, "OMPI_COMM_WORLD_RANK"),
                      _int(env, "OMPI_COMM_WORLD_LOCAL_RANK"), _int(env, "OMPI_COMM_WORLD_LOCAL_SIZE"))
    if env.get("PMI_RANK") is not None:
        # Hydra names the job's key-value space; its proxy (our parent) is shared by the node's ranks otherwise
        job = env.get("PMI_KVSNAME") or env.get("PMIX_NAMESPACE") or f"mpiexec-{os.getppid()}"
        return Launch(job, _host(), "mpich", _int(env, "PMI_RANK"), _int(env, "MPI_LOCALRANKID"),
                      _int(env, "MPI_LOCALNRANKS"))
    return Launch(None, _host(), "none")


def _tasks_here(env: Mapping[str, str]) -> int | None:
    """Tasks of this step on this node, from SLURM_STEP_TASKS_PER_NODE ('2(x3)' or '2,1') and SLURM_NODEID."""
    counts: list[int] = []
    for part in env.get("SLURM_STEP_TASKS_PER_NODE", "").split(","):
        m = re.fullmatch(r"(\d+)(?:\(x(\d+)\))?", part.strip())
        if not m:
            return None
        counts += [int(m.group(1))] * int(m.group(2) or 1)
    index = _int(env, "SLURM_NODEID") or 0
    return counts[index] if index < len(counts) else None


MAX_NAME = 100  # characters of a job or node name in a file name: file systems allow 255 bytes per name


def safe_name(value: str) -> str:
    """A job or node name as a file name: anything but letters, digits, '.', '_' and '-' becomes '_'; a name longer
    than MAX_NAME keeps its start and ends with a hash of the whole name, so that it still fits a path and two
    long names stay apart (the full name is in the log header)."""
    cleaned = _SAFE.sub("_", value).lstrip(".") or "_"
    if len(cleaned) <= MAX_NAME:
        return cleaned
    import hashlib

    return f"{cleaned[:MAX_NAME - 17]}-{hashlib.sha256(value.encode('utf-8', 'surrogateescape')).hexdigest()[:16]}"


def expand_hostlist(text: str) -> list[str]:
    """Slurm's compressed host list, expanded: 'n[1-3],gpu[01-02,7]' -> n1 n2 n3 gpu01 gpu02 gpu07.

    Ranges keep their zero padding; several bracket groups in one name multiply ('r[1-2]n[1-2]' gives four).
    """
    names: list[str] = []
    for item in _split_top(text):
        names += _expand_one(item, text)
    return names


def _split_top(text: str) -> list[str]:
    items, depth, current = [], 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise FootprintError(f"host list {text!r}: ']' without '['; expected names like 'n[1-3],m5'")
        if ch == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += ch
    if depth != 0:
        raise FootprintError(f"host list {text!r}: '[' without ']'; expected names like 'n[1-3],m5'")
    items.append(current)
    return [item.strip() for item in items if item.strip()]


def _expand_one(item: str, text: str) -> list[str]:
    m = re.match(r"([^\[]*)\[([^\]]*)\](.*)", item)
    if m is None:
        return [item]
    prefix, ranges, rest = m.groups()
    out = []
    for part in ranges.split(","):
        bounds = part.strip().split("-")
        if len(bounds) == 1 and bounds[0].isdigit():
            values = [bounds[0]]
        elif len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit() and int(bounds[0]) <= int(bounds[1]):
            width = len(bounds[0])
            values = [str(i).zfill(width) for i in range(int(bounds[0]), int(bounds[1]) + 1)]
        else:
            raise FootprintError(f"host list {text!r}: bad range {part!r}; expected numbers like '1-3' or '07'")
        for value in values:
            out += [prefix + value + tail for tail in _expand_one(rest, text)]
    return out
