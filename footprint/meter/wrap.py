"""Runs the wrapped command as a child process (no shell) and forwards SIGINT, SIGTERM and SIGHUP to it.

The signals are blocked in every thread of this process and taken by one thread with ``sigtimedwait``, which
also says who sent them: a signal the terminal generated (Ctrl-C; ``si_code == SI_KERNEL``) already reached the
child, which shares our process group, so it is not sent twice; one sent to us with ``kill`` is forwarded. A
signal that was ignored when we started (``nohup``) stays ignored, as it would be without us.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from footprint.errors import FootprintError

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
SI_KERNEL = 0x80  # Linux si_code of signals the kernel (here: the tty driver) generated


@dataclass
class ChildResult:
    """How the child ended: ``exit_code`` follows the shell (128+N for death by signal N)."""

    returncode: int
    forwarded: list[str] = field(default_factory=list)

    @property
    def signal(self) -> int | None:
        return -self.returncode if self.returncode < 0 else None

    @property
    def exit_code(self) -> int:
        return 128 - self.returncode if self.returncode < 0 else self.returncode


def _send(child: subprocess.Popen[bytes] | None, signum: int, log: list[str]) -> None:
    if child is None:
        return
    try:
        child.send_signal(signum)
        log.append(signal.Signals(signum).name)
    except (ProcessLookupError, OSError):  # the child is already gone
        pass


def run_child(command: list[str], on_started: Callable[[subprocess.Popen[bytes]], None] | None = None) -> ChildResult:
    """Start ``command``, call ``on_started(child)`` (start metering threads there: they inherit the blocked
    signals), wait for it and return how it ended. Must be called from the main thread."""
    if not command:
        raise FootprintError("no command to run; expected 'footprint run [OPTIONS] -- COMMAND [ARGS...]'")
    signals = [s for s in FORWARDED if signal.getsignal(s) is not signal.SIG_IGN]
    forwarded: list[str] = []
    pending: list[int] = []
    holder: list[subprocess.Popen[bytes]] = []

    def early(signum: int, frame: object) -> None:
        # before the signals are blocked (and after they are unblocked) Python delivers them here
        if holder:
            _send(holder[0], signum, forwarded)
        else:
            pending.append(signum)

    previous = {s: signal.signal(s, early) for s in signals}
    old_mask: set[signal.Signals] | None = None
    stop = threading.Event()
    waiter: threading.Thread | None = None
    try:
        try:
            child = subprocess.Popen(command)
        except FileNotFoundError:
            raise FootprintError(f"cannot run {command[0]!r}: command not found; expected a program on PATH or a path to one") from None
        except PermissionError:
            raise FootprintError(f"cannot run {command[0]!r}: permission denied; expected an executable file") from None
        except OSError as exc:
            raise FootprintError(f"cannot run {command[0]!r}: {exc.strerror}") from None
        holder.append(child)
        for signum in pending:
            _send(child, signum, forwarded)
        if hasattr(signal, "pthread_sigmask") and hasattr(signal, "sigtimedwait") and signals:
            old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
            waiter = threading.Thread(target=_forward_loop, args=(child, signals, stop, forwarded),
                                      name="footprint-signals", daemon=True)
            waiter.start()
        if on_started is not None:
            on_started(child)
        returncode = child.wait()
    finally:
        stop.set()
        if waiter is not None:
            waiter.join()
        if old_mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return ChildResult(returncode, forwarded)


def _forward_loop(child: subprocess.Popen[bytes], signals: list[signal.Signals], stop: threading.Event, forwarded: list[str]) -> None:
    # a short timeout only so that the thread notices the end; it costs a few wake-ups a second
    while not stop.is_set():
        info = signal.sigtimedwait(signals, 0.25)
        if info is None:
            continue
        if info.si_code == SI_KERNEL and _same_group(child.pid):
            continue  # typed at the terminal: the child, in our process group, got it already
        _send(child, info.si_signo, forwarded)


def _same_group(pid: int) -> bool:
    try:
        return os.getpgid(pid) == os.getpgrp()
    except OSError:
        return False
