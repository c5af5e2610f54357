"""The processors the servers and the loads size themselves on (geoportal/cpus.py): the
scheduler's affinity and the control group's quota, not the host's count. The control-group
trees are written by hand, as the kernel lays them out, so each expected limit is the quota
written divided by its period."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geoportal import cpus

REPO = Path(__file__).resolve().parents[2]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")


def limit(tmp_path: Path, membership: str, files: dict[str, str]) -> float | None:
    root = tmp_path / "cgroup"
    root.mkdir()
    write(root, files)
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text(membership)
    return cpus.cgroup_cpu_limit(root, proc)


def test_cgroup_v2_quota_of_the_process_group(tmp_path: Path) -> None:
    # docker --cpus=1.5: 150 ms of processor time every 100 ms
    files = {"cgroup.controllers": "cpu memory", "system.slice/app/cpu.max": "150000 100000"}
    assert limit(tmp_path, "0::/system.slice/app\n", files) == pytest.approx(1.5)


def test_cgroup_v2_a_parent_group_limits_its_children(tmp_path: Path) -> None:
    files = {
        "cgroup.controllers": "cpu",
        "cgroup.procs": "",
        "pod/cpu.max": "200000 100000",  # the pod: 2 processors
        "pod/app/cpu.max": "max 100000",  # the container: no limit of its own
    }
    assert limit(tmp_path, "0::/pod/app\n", files) == pytest.approx(2.0)
    # a child tighter than its parent: the child's
    (tmp_path / "cgroup" / "pod" / "app" / "cpu.max").write_text("50000 100000\n")
    assert cpus.cgroup_cpu_limit(
        tmp_path / "cgroup", tmp_path / "proc-self-cgroup"
    ) == pytest.approx(0.5)


def test_cgroup_v2_without_limit(tmp_path: Path) -> None:
    files = {"cgroup.controllers": "cpu", "user.slice/cpu.max": "max 100000"}
    assert limit(tmp_path, "0::/user.slice\n", files) is None


def test_cgroup_v1_cfs_quota(tmp_path: Path) -> None:
    membership = "4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n"
    files = {
        "cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "250000",
        "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000",
    }
    assert limit(tmp_path, membership, files) == pytest.approx(2.5)


def test_hybrid_layout_without_quota(tmp_path: Path) -> None:
    # systemd's hybrid layout: an empty unified hierarchy beside v1's cpu controller, quota -1
    membership = "1:cpu:/\n0::/\n"
    files = {
        "unified/cgroup.controllers": "",
        "cpu/cpu.cfs_quota_us": "-1",
        "cpu/cpu.cfs_period_us": "100000",
    }
    assert limit(tmp_path, membership, files) is None


def test_no_readable_cgroup(tmp_path: Path) -> None:
    assert cpus.cgroup_cpu_limit(tmp_path, tmp_path / "absent") is None


def test_usable_cpus_is_held_to_the_quota_rounded_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    allowed = len(os.sched_getaffinity(0))
    write(tmp_path, {"cgroup.controllers": "cpu", "app/cpu.max": "50000 100000"})
    (tmp_path / "proc").write_text("0::/app\n")
    monkeypatch.setattr(cpus, "CGROUP_ROOT", tmp_path)
    monkeypatch.setattr(cpus, "PROC_CGROUP", tmp_path / "proc")
    assert cpus.usable_cpus() == 1  # half a processor still runs one worker
    (tmp_path / "app" / "cpu.max").write_text("1000000 100000\n")  # ten processors' worth
    assert cpus.usable_cpus() == allowed  # the affinity is then the smaller
    assert cpus.server_workers() == 2 * allowed + 1


taskset = shutil.which("taskset")


@pytest.mark.skipif(taskset is None, reason="util-linux's taskset is not installed")
def test_a_process_pinned_to_one_processor_counts_one() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    pinned = [str(taskset), "--cpu-list", "0", sys.executable, "-m", "geoportal.cpus"]
    assert (
        subprocess.run(pinned, env=env, capture_output=True, text=True, check=True).stdout == "1\n"
    )
    workers = subprocess.run(
        [*pinned, "workers"], env=env, capture_output=True, text=True, check=True
    )
    assert workers.stdout == "3\n"
    refused = subprocess.run([*pinned, "threads"], env=env, capture_output=True, text=True)
    assert refused.returncode == 2 and "cpus|workers" in refused.stderr


@pytest.mark.skipif(taskset is None, reason="util-linux's taskset is not installed")
def test_make_sizes_the_servers_on_the_processors_it_may_use() -> None:
    """The Makefile's worker count comes from geoportal/cpus.py: under `taskset` to one processor,
    the tile server and gunicorn get 3 workers, whatever the host has."""
    dry_run = subprocess.run(
        [
            str(taskset),
            "--cpu-list",
            "0",
            "make",
            "--no-print-directory",
            "-n",
            "tileserver",
            "gunicorn",
            "BIND=127.0.0.1:1",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert dry_run.count("--workers 3") == 2, dry_run
