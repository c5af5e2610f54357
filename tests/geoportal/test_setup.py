"""Set-up stops with a plain message, not a traceback, when it cannot proceed."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from geoportal.cluster import Cluster, ClusterError
from tests.conftest import REPO_ROOT, free_port


def test_missing_packages_without_root_print_the_apt_line():
    # The clone may sit in a folder only root can enter (root's home, a mktemp -d folder): the
    # script, which needs nothing beside it, runs from a copy the other user can read.
    folder = Path(tempfile.mkdtemp(prefix="setup-system-"))
    folder.chmod(0o755)
    script = folder / "setup-system"
    shutil.copy(REPO_ROOT / "bin" / "setup-system", script)
    script.chmod(0o755)
    proc = subprocess.run(
        ["/usr/sbin/runuser", "-u", "nobody", "--", str(script)],
        env={"PATH": "/usr/bin:/bin", "GEOPORTAL_EXTRA_PACKAGES": "no-such-package-xyz"},
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert proc.returncode == 1
    assert "missing system packages: no-such-package-xyz" in proc.stderr
    assert "apt-get install -y --no-install-recommends no-such-package-xyz" in proc.stderr
    shutil.rmtree(folder)


def test_installed_packages_are_skipped_quickly():
    proc = subprocess.run([str(REPO_ROOT / "bin" / "setup-system")], capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stdout == ""  # nothing to install, nothing said


def test_no_python_312_says_what_to_install():
    empty = tempfile.mkdtemp()
    # Debian's own python3 (3.11) is on this PATH: too old, so it must be passed over.
    proc = subprocess.run(
        ["/bin/bash", str(REPO_ROOT / "bin" / "find-python")],
        env={"PATH": "/usr/bin:/bin", "PYENV_ROOT": empty, "HOME": empty},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "no Python 3.12 or newer found" in proc.stderr
    assert "apt-get install" in proc.stderr or "pyenv install" in proc.stderr


def test_python_312_is_found_under_pyenv_when_not_on_path():
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    if not list(pyenv_root.glob("versions/3.1[2-9]*/bin/python3")):
        pytest.skip("this machine has no pyenv Python 3.12+")
    proc = subprocess.run(
        [str(REPO_ROOT / "bin" / "find-python")],
        env={"PATH": "/usr/bin:/bin", "PYENV_ROOT": str(pyenv_root), "HOME": str(Path.home())},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    version = subprocess.run(
        [proc.stdout.strip(), "-c", "import sys; print(sys.version_info[:2] >= (3, 12))"],
        capture_output=True,
        text=True,
    )
    assert version.stdout.strip() == "True"


@pytest.fixture
def tiny_disk():
    """A 1 MB tmpfs: a real full disk, not a pretend one."""
    mount = Path(tempfile.mkdtemp(prefix="geoportal-tiny-"))
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)])
    if proc.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    mount.chmod(0o755)
    yield mount
    subprocess.run(["umount", str(mount)])
    shutil.rmtree(mount, ignore_errors=True)


def test_a_full_disk_is_refused_before_initdb(tiny_disk):
    cluster = Cluster(root=tiny_disk / "var", port=free_port())
    with pytest.raises(ClusterError, match="disk full"):
        cluster.ensure()
    assert not cluster.initialized()
