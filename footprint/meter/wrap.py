"""Runs the wrapped command as a child process (no shell), forwards signals to it, and waits for it.

``SignalGuard`` blocks the forwarded signals (and SIGCHLD) in the main thread before anything starts a thread, so
every thread of this process inherits the block (numerical libraries start thread pools on import). The main
thread then waits with ``sigtimedwait``, which wakes when a signal arrives or the child exits, and says who sent
each signal: one the terminal generated (Ctrl-C, Ctrl-\\, a window resize; ``si_code == SI_KERNEL``) already
reached the child, which shares our process group, so it is not sent twice; one sent to us with ``kill`` is
forwarded, every time (a second SIGTERM too): the meter never kills the command itself.

The child's end is seen through a pidfd: a small thread waits on it and sends SIGCHLD to the main thread itself,
so a thread that did not block SIGCHLD cannot take the wake-up away. The child starts with an empty signal mask
and ``PR_SET_PDEATHSIG``: if this process is killed with SIGKILL, the kernel sends the child SIGTERM, so the job
does not run on unmetered. This process is a child subreaper, so descendants that the command leaves behind when
it exits become ours, and are named (they are not waited for).
"""

from __future__ import annotations

import ctypes
import os
import select
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from footprint.errors import FootprintError

# every signal a user or a scheduler sends to ask a job something (Slurm's --signal uses SIGUSR1 by default);
# not the job-control stops (SIGTSTP, SIGTTIN, SIGTTOU), which stop us and the command together at a terminal
FORWARDED = (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGALRM, signal.SIGTERM, signal.SIGUSR1,
             signal.SIGUSR2, signal.SIGWINCH)
SI_KERNEL = 0x80  # Linux si_code of signals the kernel (here: the tty driver) generated
SAFETY_WAKE_S = 1.0  # without a pidfd (old kernels), notice a child's end within this even if SIGCHLD went astray
PR_SET_PDEATHSIG = 1  # linux/prctl.h
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


def _prctl() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


@dataclass
class ChildResult:
    """How the child ended: ``exit_code`` follows the shell (128+N for death by signal N)."""

    returncode: int
    forwarded: list[str] = field(default_factory=list)
    started: bool = True
    left_running: list[int] = field(default_factory=list)  # descendants still running when the command exited

    @property
    def signal(self) -> int | None:
        return -self.returncode if self.returncode < 0 else None

    @property
    def exit_code(self) -> int:
        return 128 - self.returncode if self.returncode < 0 else self.returncode


def _executable(command: list[str]) -> str:
    if not command:
        raise FootprintError("no command to run; expected 'footprint run [OPTIONS] -- COMMAND [ARGS...]'")
    program = command[0]
    path = program if os.sep in program else shutil.which(program)
    if path is None or not os.path.exists(path):
        raise FootprintError(f"cannot run {program!r}: command not found; expected a program on PATH or a path to one")
    if os.path.isdir(path) or not os.access(path, os.X_OK):
        raise FootprintError(f"cannot run {program!r}: permission denied; expected an executable file")
    return path


class SignalGuard:
    """``with SignalGuard() as guard: ...; result = guard.run(command)``: block first, start threads, then run."""

    def __init__(self) -> None:
        self.supported = hasattr(signal, "pthread_sigmask") and hasattr(signal, "sigtimedwait") and hasattr(os, "posix_spawn")
        self.signals = [s for s in FORWARDED if signal.getsignal(s) is not signal.SIG_IGN]
        self.watch = {*self.signals, signal.SIGCHLD}
        self.old_mask: set[signal.Signals] | None = None
        self.previous: dict[int, object] = {}
        self.pid: int | None = None
        self.forwarded: list[str] = []

    def __enter__(self) -> SignalGuard:
        if self.supported:
            # a fallback for threads that existed before the block: Python runs this in the main thread
            self.previous = {s: signal.signal(s, self._late) for s in self.signals}
            self.old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, self.watch)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.old_mask is not None:
            while signal.sigtimedwait(self.watch, 0) is not None:
                pass  # drop what is pending: the child is gone, and a pending SIGTERM must not kill the summary
            signal.pthread_sigmask(signal.SIG_SETMASK, self.old_mask)
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]

    def _late(self, signum: int, frame: object) -> None:
        self._send(signum)

    def _send(self, signum: int) -> None:
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signum)
            self.forwarded.append(signal.Signals(signum).name)
        except ProcessLookupError:
            pass

    def run(self, command: list[str], on_started: Callable[[int], None] | None = None,
            env: dict[str, str] | None = None) -> ChildResult:
        """Start the command, call ``on_started(pid)``, forward signals until it ends, and say how it ended."""
        path = _executable(command)
        if not self.supported:
            child = subprocess.Popen(command, env=env)
            if on_started is not None:
                on_started(child.pid)
            return ChildResult(child.wait())
        early = signal.sigpending() & set(self.signals)
        if early:  # asked to stop before the command started: do not start it
            signum = min(early)
            return ChildResult(-int(signum), started=False)
        prctl = _prctl()
        if prctl is not None:
            prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        try:
            child = subprocess.Popen(command, executable=path, close_fds=False, env=env,
                                     preexec_fn=_child_setup(os.getpid(), prctl))
        except OSError as exc:
            raise FootprintError(f"cannot run {command[0]!r}: {exc.strerror}") from None
        self.pid = child.pid
        self._watch_exit(child.pid)
        if on_started is not None:
            on_started(self.pid)
        while True:
            info = signal.sigtimedwait(self.watch, SAFETY_WAKE_S)
            if info is not None and info.si_signo != signal.SIGCHLD:
                if not (info.si_code == SI_KERNEL and _same_group(self.pid)):
                    self._send(info.si_signo)
                # else: typed at the terminal; the child, in our process group, got it already
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done == self.pid:
                child.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait again
                return ChildResult(child.returncode, self.forwarded, left_running=descendants(os.getpid()))

    def _watch_exit(self, pid: int) -> None:
        """Wake the main thread when the child exits, with a SIGCHLD sent to that thread alone."""
        try:
            pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            return  # no pidfd: SIGCHLD and the safety wake-up still work
        main = threading.main_thread().ident
        assert main is not None

        def wait() -> None:
            try:
                select.select([pidfd], [], [])
                signal.pthread_kill(main, signal.SIGCHLD)
            finally:
                os.close(pidfd)

        threading.Thread(target=wait, name="footprint-child-exit", daemon=True).start()


def _child_setup(parent: int, prctl: Any) -> Callable[[], None]:
    """What the child does between fork and exec: an empty signal mask, and SIGTERM should the meter die."""

    def setup() -> None:
        signal.pthread_sigmask(signal.SIG_SETMASK, ())
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
            if os.getppid() != parent:  # the meter died before the line above: act as the kernel would have
                os.kill(os.getpid(), signal.SIGTERM)

    return setup


def descendants(pid: int, proc: Path = Path("/proc")) -> list[int]:
    """Live processes below ``pid`` (children, their children, ...), from /proc; empty where it is unreadable."""
    from footprint.meter.proctree import stat_fields, tree

    below = tree(proc, str(pid))[1:]
    return sorted(int(p) for p in below if (fields := stat_fields(proc, p)) is not None and fields[:1] != ["Z"])


def _same_group(pid: int) -> bool:
    try:
        return os.getpgid(pid) == os.getpgrp()
    except OSError:
        return False
