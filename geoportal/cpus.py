"""How many processors this process may use: the one place that sizes the servers' workers and the
threads of the loads.

``os.cpu_count()`` counts the host's processors. In a container started with ``--cpus=2`` on a
64-core host, or under ``taskset``, that number is wrong: ``2 × 64 + 1`` gunicorn workers of about
250 MB each do not fit such a container's memory, and their processor time is cut to the quota
anyway. So the count here is the smallest of:

- the processors the scheduler lets this process run on (``os.sched_getaffinity``: ``taskset``,
  cpusets, ``docker --cpuset-cpus``);
- the processor time its control group may use, rounded up (``docker --cpus``, Kubernetes' CPU
  limit, systemd's ``CPUQuota=``): cgroup v2's ``cpu.max`` of its group and of each group above it,
  or cgroup v1's ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``.

It imports nothing of Django: the Makefile asks it for the servers' worker count
(``python -m geoportal.cpus workers``) before anything is set up."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _quota(quota: str, period: str) -> float | None:
    """Processors' worth of time a quota over a period allows; ``None`` for no limit."""
    try:
        quota_us, period_us = int(quota), int(period)
    except ValueError:
        return None  # "max": no limit
    if quota_us <= 0 or period_us <= 0:
        return None  # v1 writes -1 for no limit
    return quota_us / period_us


def cgroup_cpu_limit(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> float | None:
    """The processor time this process's control group may use, in processors (1.5 for a quota of
    150 ms every 100 ms), or ``None`` when no group limits it or none can be read. A group inside a
    limited group is held to its parent's limit too, so under cgroup v2 the smallest ``cpu.max``
    from the process's group up to the root counts."""
    membership = _read(proc_cgroup)
    if membership is None:
        return None
    limits: list[float] = []
    for line in membership.splitlines():
        hierarchy, _, rest = line.partition(":")
        controllers, _, group = rest.partition(":")
        if not hierarchy.isdigit() or not group.startswith("/"):
            continue
        if hierarchy == "0" and controllers == "":  # cgroup v2, unified
            base = root if (root / "cgroup.controllers").exists() else root / "unified"
            here = base / group.lstrip("/")
            while True:
                fields = (_read(here / "cpu.max") or "").split()
                if len(fields) == 2 and (limit := _quota(*fields)) is not None:
                    limits.append(limit)
                if here == base or base not in here.parents:
                    break
                here = here.parent
        elif "cpu" in controllers.split(","):  # cgroup v1's cpu controller
            for mount in (root / controllers, root / "cpu", root / "cpu,cpuacct"):
                folder = mount / group.lstrip("/")
                quota, period = (
                    _read(folder / "cpu.cfs_quota_us"),
                    _read(folder / "cpu.cfs_period_us"),
                )
                if quota is not None and period is not None:
                    if (limit := _quota(quota, period)) is not None:
                        limits.append(limit)
                    break
    return min(limits) if limits else None


def usable_cpus() -> int:
    """The processors this process may use (see the module's text); at least 1."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    limit = cgroup_cpu_limit(CGROUP_ROOT, PROC_CGROUP)
    if limit is not None:
        count = min(count, math.ceil(limit))
    return max(1, count)


def server_workers() -> int:
    """Worker processes of a web server (gunicorn's, the tile server's): gunicorn's advice of two
    per processor plus one, since a worker waits on the database about half its time."""
    return 2 * usable_cpus() + 1


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "cpus"
    if what == "cpus":
        print(usable_cpus())
    elif what == "workers":
        print(server_workers())
    else:
        print(f"usage: python -m geoportal.cpus [cpus|workers]; not {what!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
