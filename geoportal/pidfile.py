"""Pid files of the background processes ``make run`` starts (front server, tile listener, the
queue's worker)."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path


def running_pid(path: Path) -> int | None:
    """The pid written in ``path`` if that process is running, else ``None`` (no file, no
    number, or no such process)."""
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


def is_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs: reaped first if it is our child, and a zombie (ended,
    not yet reaped by its parent) is not alive."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def runs(pid: int, program: str) -> bool:
    """Whether process ``pid``'s command line names ``program``: a pid file left by a server that
    was killed may name a number another process has taken since, which must not be signalled."""
    try:
        return program.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def terminate(pid: int, kill_after_s: float, group: bool = False) -> None:
    """SIGTERM to ``pid``, then SIGKILL if it still runs ``kill_after_s`` later (to its whole
    process group with ``group``: a server and the workers it forked, in their own session)."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + kill_after_s
    while is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if is_alive(pid):
        (os.killpg if group else os.kill)(pid, signal.SIGKILL)
