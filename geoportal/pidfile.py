"""Pid files of the background processes ``make run`` starts (front server, tile listener, the
queue's worker)."""

from __future__ import annotations

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
