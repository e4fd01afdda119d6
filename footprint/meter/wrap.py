"""Runs the wrapped command as a child process (no shell) and forwards SIGINT, SIGTERM and SIGHUP to it.

``SignalGuard`` blocks those signals (and SIGCHLD) in the main thread before anything starts a thread, so every
thread of this process inherits the block (numerical libraries start thread pools on import). The main thread
then waits with ``sigtimedwait``, which wakes when a signal arrives or the child exits, and says who sent each
signal: one the terminal generated (Ctrl-C; ``si_code == SI_KERNEL``) already reached the child, which shares our
process group, so it is not sent twice; one sent to us with ``kill`` is forwarded. The child is started with
``posix_spawn`` and an empty signal mask, so it sees signals exactly as it would without us; a signal that was
ignored when we started (``nohup``) stays ignored.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

from footprint.errors import FootprintError

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
SI_KERNEL = 0x80  # Linux si_code of signals the kernel (here: the tty driver) generated
SAFETY_WAKE_S = 1.0  # if SIGCHLD went to a thread that did not block it, notice the child's end within this


@dataclass
class ChildResult:
    """How the child ended: ``exit_code`` follows the shell (128+N for death by signal N)."""

    returncode: int
    forwarded: list[str] = field(default_factory=list)
    started: bool = True

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

    def run(self, command: list[str], on_started: Callable[[int], None] | None = None) -> ChildResult:
        """Start the command, call ``on_started(pid)``, forward signals until it ends, and say how it ended."""
        path = _executable(command)
        if not self.supported:
            child = subprocess.Popen(command)
            if on_started is not None:
                on_started(child.pid)
            return ChildResult(child.wait())
        early = signal.sigpending() & set(self.signals)
        if early:  # asked to stop before the command started: do not start it
            signum = min(early)
            return ChildResult(-int(signum), started=False)
        try:
            self.pid = os.posix_spawn(path, command, dict(os.environ), setsigmask=set(), setsigdef=self.signals)
        except OSError as exc:
            raise FootprintError(f"cannot run {command[0]!r}: {exc.strerror}") from None
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
                return ChildResult(os.waitstatus_to_exitcode(status), self.forwarded)


def _same_group(pid: int) -> bool:
    try:
        return os.getpgid(pid) == os.getpgrp()
    except OSError:
        return False
