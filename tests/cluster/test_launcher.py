"""Job, node and rank from each launcher's environment (torchrun's variables are set directly: installing PyTorch
for its launcher alone would take gigabytes), and Slurm's host lists."""

from __future__ import annotations

import pytest

from footprint.errors import FootprintError
from footprint.meter.launcher import detect, expand_hostlist, safe_name

# the variables srun sets for task 3 of "srun -N2 --ntasks-per-node=2" (as seen on the test cluster's tasks)
SLURM = {"SLURM_JOB_ID": "4242", "SLURM_STEP_ID": "0", "SLURMD_NODENAME": "gpu02", "SLURM_NODEID": "1",
         "SLURM_PROCID": "3", "SLURM_LOCALID": "1", "SLURM_JOB_NUM_NODES": "2", "SLURM_JOB_NODELIST": "gpu[01-02]",
         "SLURM_STEP_TASKS_PER_NODE": "2(x2)"}


def test_slurm() -> None:
    launch = detect(SLURM)
    assert (launch.job, launch.node, launch.launcher) == ("4242", "gpu02", "slurm")
    assert (launch.rank, launch.local_rank, launch.local_size) == (3, 1, 2)
    assert (launch.num_nodes, launch.nodes, launch.step) == (2, ["gpu01", "gpu02"], "0")
    assert launch.distributed


def test_slurm_step_nodes_win_over_the_allocation() -> None:
    # srun on two nodes of a four-node sbatch allocation: the step's nodes are the ones expected to log
    launch = detect({**SLURM, "SLURM_JOB_NUM_NODES": "4", "SLURM_JOB_NODELIST": "gpu[01-04]",
                     "SLURM_STEP_NUM_NODES": "2", "SLURM_STEP_NODELIST": "gpu[01-02]"})
    assert (launch.num_nodes, launch.nodes) == (2, ["gpu01", "gpu02"])


def test_torchrun() -> None:
    # torchrun --nnodes 4 --nproc-per-node 8: worker with global rank 13 is local rank 5 of node (group) 1
    env = {"TORCHELASTIC_RUN_ID": "llm-7", "GROUP_RANK": "1", "RANK": "13", "LOCAL_RANK": "5",
           "LOCAL_WORLD_SIZE": "8", "WORLD_SIZE": "32"}
    launch = detect(env)
    assert (launch.job, launch.node, launch.launcher) == ("llm-7", "node1", "torchrun")
    assert (launch.rank, launch.local_rank, launch.local_size, launch.num_nodes) == (13, 5, 8, 4)
    assert launch.nodes == ["node0", "node1", "node2", "node3"]


def test_open_mpi_and_mpich() -> None:
    ompi = detect({"OMPI_COMM_WORLD_LOCAL_RANK": "2", "OMPI_COMM_WORLD_LOCAL_SIZE": "4", "OMPI_COMM_WORLD_RANK": "6",
                   "OMPI_MCA_ess_base_jobid": "1244856321"})
    assert (ompi.job, ompi.launcher, ompi.rank, ompi.local_rank, ompi.local_size) == ("1244856321", "openmpi", 6, 2, 4)
    mpich = detect({"PMI_RANK": "5", "MPI_LOCALRANKID": "1", "PMI_KVSNAME": "kvs_77_0"})
    assert (mpich.job, mpich.launcher, mpich.rank, mpich.local_rank) == ("kvs_77_0", "mpich", 5, 1)


def test_overrides_and_no_launcher() -> None:
    launch = detect({**SLURM, "FOOTPRINT_JOB_ID": "pretrain", "FOOTPRINT_NODE_NAME": "rack3-7"})
    assert (launch.job, launch.node, launch.launcher, launch.rank) == ("pretrain", "rack3-7", "slurm", 3)
    alone = detect({})
    assert alone.job is None and alone.launcher == "none" and not alone.distributed
    assert detect({"FOOTPRINT_JOB_ID": "x"}).distributed  # an explicit job id elects one meter per node


@pytest.mark.parametrize(("text", "names"), [
    ("n[1-3]", ["n1", "n2", "n3"]),
    ("gpu[01-02,7],login", ["gpu01", "gpu02", "gpu7", "login"]),
    ("r[1-2]n[1-2]", ["r1n1", "r1n2", "r2n1", "r2n2"]),
    ("node[098-101]", ["node098", "node099", "node100", "node101"]),
    ("solo", ["solo"]),
])
def test_expand_hostlist(text: str, names: list[str]) -> None:
    assert expand_hostlist(text) == names


@pytest.mark.parametrize("text", ["n[1-3", "n1-3]", "n[3-1]", "n[a-b]"])
def test_bad_hostlist(text: str) -> None:
    with pytest.raises(FootprintError, match="host list"):
        expand_hostlist(text)


def test_safe_name() -> None:
    assert safe_name("job/../x y") == "job_.._x_y"
    assert safe_name("..") == "_"


def test_a_header_names_its_node_and_the_job_size_not_every_node() -> None:
    env = {"SLURM_JOB_ID": "77", "SLURMD_NODENAME": "gpu0002", "SLURM_JOB_NODELIST": "gpu[0001-9999]",
           "SLURM_JOB_NUM_NODES": "9999", "SLURM_PROCID": "1"}
    header = detect(env).header()
    assert (header["node"], header["num_nodes"], header["nodelist"]) == ("gpu0002", 9999, "gpu[0001-9999]")
    assert "expected_nodes" not in header
    scattered = ",".join(f"gpu{i:05d}" for i in range(0, 4000, 2))  # an allocation with no runs to compress
    header = detect({**env, "SLURM_JOB_NODELIST": scattered, "SLURM_JOB_NUM_NODES": "2000"}).header()
    assert "nodelist" not in header and header["num_nodes"] == 2000
