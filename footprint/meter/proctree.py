"""A process's descendants from /proc: read down each thread's ``children`` file where the kernel has them
(CONFIG_PROC_CHILDREN, on in the common distributions' kernels), else up from every process's parent pid.

Going down reads a few files for a training job; going up reads one file per process on the node (and a busy
node has thousands), at every interval of the CPU model: the two are timed in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import os
from pathlib import Path


def stat_fields(proc_root: Path, pid: str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state, ppid, ...), or None when it cannot be read."""
    try:
        text = (proc_root / pid / "stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'
    return text[text.rfind(")") + 2:].split()


def tree(proc_root: Path, root: str) -> list[str]:
    """``root`` and every process below it, zombies included (they have not been waited for)."""
    found = _tree_from_children(str(proc_root), root)
    return found if found is not None else _tree_from_parents(proc_root, root)


def _tree_from_children(proc_root: str, root: str) -> list[str] | None:
    """The tree through /proc/PID/task/TID/children, or None where the kernel does not provide those files."""
    if not os.path.exists(os.path.join(proc_root, root, "task", root, "children")):
        return None
    found, todo, seen = [], [root], {root}
    while todo:
        pid = todo.pop()
        task = os.path.join(proc_root, pid, "task")
        try:
            threads = os.listdir(task)
        except OSError:
            continue  # ended since its parent listed it
        found.append(pid)
        for tid in threads:  # a child belongs to the thread that forked it
            try:
                with open(os.path.join(task, tid, "children"), "rb") as fh:
                    children = [child.decode() for child in fh.read().split()]
            except OSError:
                continue  # the thread ended meanwhile
            # a child orphaned while the tree is read may be listed under its new parent as well: count it once
            fresh = [c for c in children if c not in seen]
            seen.update(fresh)
            todo.extend(fresh)
    return found


def _tree_from_parents(proc_root: Path, root: str) -> list[str]:
    """The tree from every process's parent pid (field 4 of /proc/PID/stat)."""
    children: dict[str, list[str]] = {}
    try:
        entries = [e.name for e in proc_root.iterdir() if e.name.isdigit()]
    except OSError:
        entries = []
    for pid in entries:
        fields = stat_fields(proc_root, pid)
        if fields is not None and len(fields) > 1:
            children.setdefault(fields[1], []).append(pid)  # fields[1] is the parent pid
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found
