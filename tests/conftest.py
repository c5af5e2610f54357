"""Shared fixtures. Per-area fixture modules are registered here."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SETTINGS_DIR = REPO_ROOT / "geoportal" / "settings"


def compile_catalogues(root: Path = REPO_ROOT) -> bool:
    """Compile each ``locale/*/LC_MESSAGES/django.po`` whose ``.mo`` is missing or older (what
    ``make setup`` does with ``compilemessages``), so that ``pytest`` alone sees the
    translations of a fresh clone, or of a catalogue just edited. True when one was compiled."""
    compiled = False
    for po in sorted(root.glob("locale/*/LC_MESSAGES/django.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)
            compiled = True
    return compiled


def forget_loaded_catalogues() -> None:
    """Drop the catalogues already read: ``django.setup()``, which pytest-django runs before
    this file's hooks, reads the default language's ``.mo``, and both Django and Python's
    ``gettext`` keep it for the whole process (what Django's own ``setting_changed`` receiver
    for ``LOCALE_PATHS`` does, plus the ``gettext`` module's cache)."""
    import gettext

    from asgiref.local import Local
    from django.utils.translation import trans_real

    gettext._translations.clear()  # type: ignore[attr-defined]
    trans_real._translations = {}  # type: ignore[attr-defined]
    trans_real._default = None  # type: ignore[attr-defined]
    trans_real._active = Local()  # type: ignore[attr-defined]


def pytest_configure(config: pytest.Config) -> None:
    if compile_catalogues():
        forget_loaded_catalogues()


def _ephemeral_ports() -> range:
    """The ports the kernel hands to outgoing connections (each connection to PostgreSQL takes
    one): a server started on one of them can find it taken between choosing and binding."""
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


def free_port() -> int:
    """A port free on 127.0.0.1 for a server a test starts, outside the ephemeral range when the
    system leaves room for it, so that no outgoing connection takes it before the server binds."""
    ephemeral = _ephemeral_ports()
    candidates = [p for p in range(10000, 32768) if p not in ephemeral]
    for _ in range(200 if candidates else 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", secrets.choice(candidates)))
            except OSError:
                continue
            return sock.getsockname()[1]
    with socket.socket() as sock:  # the kernel's choice
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Each test starts in the platform's default language: a request of an earlier test (the
    test client runs in this thread) leaves its language active."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def english() -> Iterator[None]:
    """For a test that checks messages by their English source text outside a request (inside
    one, the request's ``Accept-Language`` decides)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def django_db_setup(
    django_db_setup, django_db_blocker, django_db_keepdb, django_db_createdb
) -> Iterator[None]:
    """pytest-django's test database, and before it is dropped, the connections pygeoapi (``/ogc``)
    opened to it on its own closed.

    pytest-django sets up only the databases that the selected tests declare (``django_db``,
    ``db``, ...). A fixture that reaches the database by itself (the demo city loaded once per
    module, the standby) in a run that selects none of those would find the connection still
    on the development database, and load, empty or truncate it there. So the test database is
    set up here in that case, as pytest-django would have."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    ours = None
    if connection.settings_dict["NAME"] != connection.settings_dict["TEST"]["NAME"]:
        with django_db_blocker.unblock():
            ours = setup_databases(
                verbosity=0,
                interactive=False,
                aliases={"default"},  # type: ignore[arg-type]  # any collection; stubs: Mapping
                keepdb=django_db_keepdb and not django_db_createdb,
            )
    yield
    from ogc.api import reset_apis

    reset_apis()
    if ours is not None and not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(ours, verbosity=0)


def _manage_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["DJANGO_SETTINGS_MODULE"] = "geoportal.settings"
    return env


@pytest.fixture
def manage_env() -> dict[str, str]:
    """Environment for running ``manage.py`` or gunicorn in a subprocess."""
    return _manage_env()


@pytest.fixture(scope="session")
def manage_env_session() -> dict[str, str]:
    return _manage_env()


@pytest.fixture
def run_manage(manage_env):
    def run(*args: str, env: dict[str, str] | None = None, check: bool = True):
        return subprocess.run(
            [sys.executable, str(REPO_ROOT / "manage.py"), *args],
            cwd=REPO_ROOT,
            env={**manage_env, **(env or {})},
            capture_output=True,
            text=True,
            check=check,
            timeout=600,
        )

    return run


def _static_digest() -> str:
    """A digest of every file the static finders see, and of what decides how they are collected
    (the settings modules, Django's and WhiteNoise's versions)."""
    from importlib.metadata import version

    from django.contrib.staticfiles.finders import get_finders

    found = []
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            found.append((getattr(storage, "prefix", None) or "", path, storage.path(path)))
    digest = hashlib.sha256(
        f"django {version('django')} whitenoise {version('whitenoise')}".encode()
    )
    sources = [(prefix, path, Path(full)) for prefix, path, full in sorted(found)]
    sources += [("", f"settings/{f.name}", f) for f in sorted(SETTINGS_DIR.glob("*.py"))]
    for prefix, path, full in sources:
        digest.update(f"\0{prefix}/{path}\0".encode())
        digest.update(full.read_bytes())
    return digest.hexdigest()[:20]


@pytest.fixture(scope="session")
def collected_static(manage_env_session) -> Path:
    """The static files as the production settings collect them (WhiteNoise's compressed manifest
    storage), in ``var/test-static/<digest of the sources>/``: collected once for given sources,
    then never written again, so test runs on the same machine (and the servers they started)
    never see a collection half rewritten by another run. Collections unused for a day go."""
    from django.conf import settings

    parent = Path(settings.VAR_DIR) / "test-static"
    target = parent / _static_digest()
    parent.mkdir(parents=True, exist_ok=True)
    if not (target / "staticfiles.json").exists():
        scratch = Path(tempfile.mkdtemp(prefix=".collect-", dir=parent))
        try:
            command = [sys.executable, str(REPO_ROOT / "manage.py"), "collectstatic"]
            command += ["--no-input", "-v", "0"]
            env = {**manage_env_session, "GEOPORTAL_VAR_DIR": str(scratch)}
            subprocess.run(command, cwd=REPO_ROOT, env=env, check=True, timeout=900)
            with contextlib.suppress(OSError):  # another run finished the same collection first
                (scratch / "static").rename(target)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    os.utime(target)  # in use: kept by the clean-up below
    for other in parent.iterdir():
        try:
            if other != target and time.time() - other.stat().st_mtime > 86_400:
                shutil.rmtree(other, ignore_errors=True)
        except FileNotFoundError:
            pass
    return target


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test that ran a live server shows the end of the server's log."""
    report = yield
    log_path = getattr(item, "gunicorn_log", None)
    if report.failed and log_path is not None and log_path.exists():
        report.sections.append(("gunicorn log (end)", log_path.read_text()[-8000:]))
    for n, worker_log in enumerate(getattr(item, "worker_logs", []), start=1):
        if report.failed and worker_log.exists():
            report.sections.append((f"queue worker {n} log (end)", worker_log.read_text()[-8000:]))
    return report


@pytest.fixture
def live_gunicorn(
    request, transactional_db, manage_env, collected_static, tmp_path_factory
) -> Iterator[str]:
    """The production server (gunicorn) against the test database, on a port it holds from the
    start, with its own ``var/`` (tile and download caches, uploads, OGC templates) and the static
    files collected for this run: nothing it serves comes from another test or another run."""
    from django.db import connection

    s = connection.settings_dict
    url = f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    var = tmp_path_factory.mktemp("live-var")
    (var / "static").symlink_to(collected_static, target_is_directory=True)
    # The listening socket is bound here and handed over: a port chosen, released, then bound by
    # gunicorn could be taken in between by another run's server, which would then answer here.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    # The server's log goes to a file (a pipe nobody reads would stall a talkative server), kept
    # with the server's var/ and shown in the report of a failed test. No control socket:
    # gunicorn's default one is a single path shared by every server of the user.
    log_path = request.node.gunicorn_log = var / "gunicorn.log"
    request.node.gunicorn_var = var  # for fixtures that run beside it (the front server)
    # On a machine busy with other runs, loading the application takes a worker a minute or more
    # (a few seconds of processor time): gunicorn's default 30 s would kill workers still
    # starting, over and over, and the first answer can be slow.
    # The secret key is given, as in production: workers starting together on an empty var/
    # would each race to generate one, and a session signed by one worker would be refused by
    # the next.
    env = {
        **manage_env,
        "DATABASE_URL": url,
        "GEOPORTAL_DB_CONN_MAX_AGE": "0",
        "GEOPORTAL_VAR_DIR": str(var),
        "GEOPORTAL_SECRET_KEY": secrets.token_urlsafe(50),
        "PYTHONUNBUFFERED": "1",
    }
    with listener, log_path.open("wb") as log:
        fd = listener.fileno()
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        command = [gunicorn, "geoportal.wsgi", "--bind", f"fd://{fd}"]
        command += ["--workers", "4", "--timeout", "300", "--no-control-socket"]
        command += ["--access-logfile", "-"]  # which requests reached the app (test_front.py)
        proc = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, pass_fds=[fd]
        )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for_http(base + "/healthz", timeout=300)
        except TimeoutError:
            raise TimeoutError(log_path.read_text()[-5000:]) from None
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run_module(env: dict[str, str], name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m name args`` from the repository with ``env``, its output kept; an error if it
    fails."""
    return subprocess.run(
        [sys.executable, "-m", name, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


# What a command that serves no web request has no use for: the portal's URLs and views, pygeoapi
# and the CQL2 grammar Lark builds for it, SQLAlchemy.
WEB_MODULES = frozenset({"geoportal.urls", "ogc.views", "pygeoapi", "lark", "sqlalchemy"})


def imported_modules(stderr: str) -> set[str]:
    """The modules a process imported, from the report ``PYTHONPROFILEIMPORTTIME=1`` makes it write
    to its standard error."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:")
    }


def live_database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    return f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


class QueueWorker:
    """A queue worker (``manage.py ingest_worker``) in its own process, on the test database."""

    def __init__(self, proc: subprocess.Popen, log: Path) -> None:
        self.proc = proc
        self.log = log

    def kill(self) -> None:
        """SIGKILL: the worker stops at once, without a word to the database."""
        self.proc.kill()
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def queue_worker(request, transactional_db, manage_env, tmp_path_factory):
    """Start a queue worker against the test database, with the settings of
    ``tests/queue_settings.py`` (``hold_file``: where its runs wait; see there), its own
    ``var/`` and its log shown in the report of a failed test; each one started is stopped at
    the end. The queue is emptied first: its tables are not the models' that the test database
    flushes between tests."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE procrastinate_jobs, procrastinate_workers CASCADE")
    started: list[QueueWorker] = []
    request.node.worker_logs = []

    def start(hold_file: Path | None = None) -> QueueWorker:
        var = tmp_path_factory.mktemp("worker-var")
        env = {
            **manage_env,
            "DJANGO_SETTINGS_MODULE": "tests.queue_settings",
            "DATABASE_URL": live_database_url(),
            "GEOPORTAL_DB_CONN_MAX_AGE": "0",
            "GEOPORTAL_VAR_DIR": str(var),
            "GEOPORTAL_SECRET_KEY": secrets.token_urlsafe(50),
            "GEOPORTAL_TEST_HOLD_FILE": str(hold_file or ""),
            "PYTHONUNBUFFERED": "1",
        }
        log_path = var / "worker.log"
        request.node.worker_logs.append(log_path)
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, str(REPO_ROOT / "manage.py"), "ingest_worker"],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        worker = QueueWorker(proc, log_path)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
