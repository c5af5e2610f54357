"""Pid files of the background processes ``make run`` starts (front server, tile listener, the
queue's worker)."""

from __future__ import annotations

import contextlib
import os
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
