"""The project's private PostgreSQL cluster, kept under ``var/``.

``make run`` and ``make test`` call ``python -m geoportal.cluster ensure``: it creates the cluster on
first use (``initdb`` as the ``postgres`` OS user when run as root), starts it on the project port,
creates the application role and database, and PostGIS in ``template1`` (so test databases inherit
it) and in the application database. Every step is skipped when already done, so a second call
takes well under a second.

Where the files live: PostgreSQL never runs as root, so as root the cluster runs as the
``postgres`` OS user, which must be able to enter its data folder. When it can reach ``var/``,
the data stays in ``var/pgdata``. When it cannot (a clone in root's home, in a ``mktemp -d``
folder, or under any folder only root may enter), the server's files (data, socket, log) live in
the ``postgres`` user's own home, ``/var/lib/postgresql/geoportal/<folder>-<hash>/``, and
``var/pgdata`` is a link to them; ``destroy`` removes them. A non-root user's cluster runs as that
user, in ``var/``.

Authentication: peer on the Unix socket for the superuser, scram-sha-256 on 127.0.0.1 for the
application role, whose random password is kept in ``var/db-password`` (mode 600).

``make replica`` (``python -m geoportal.cluster replica``) adds a hot standby: ``pg_basebackup``
of the running cluster into ``var/replica`` (beside ``pgdata``, wherever that lives) through a
replication slot, started on the next port with its own socket; it streams the primary's WAL
and answers reads (``geoportal/replicas.py``). ``stop`` stops it before the primary, ``destroy``
deletes it and its slot.

When ``DATABASE_URL`` is set no cluster is created: ``ensure`` only checks that the server answers
and has PostGIS, and says plainly what is missing.

This module uses the standard library only (plus psycopg to check a ``DATABASE_URL``), so it runs
before anything else is set up.
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

APP_ROLE = "geoportal"
APP_DATABASE = "geoportal"
DEFAULT_PORT = 54329
SERVER_USER = "postgres"  # the OS user the cluster runs as when set up by root
MIN_FREE_BYTES = 512 * 1024 * 1024
PRIMARY = "pgdata"  # the primary's folder name under var/
REPLICA = "replica"  # the hot standby's (``make replica``), on the primary's port + 1
REPLICA_SLOT = "geoportal_replica"
REPO_ROOT = Path(__file__).resolve().parent.parent


class ClusterError(Exception):
    """A set-up step cannot proceed; the message tells the operator what to do."""


def _pg_bindir() -> Path:
    """The newest PostgreSQL server binaries installed (Debian keeps them off PATH)."""
    candidates = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1]
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise ClusterError(
        "PostgreSQL server binaries not found. As root run: "
        "apt-get install -y postgresql postgresql-15-postgis-3 (or `make system`)."
    )


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _os_user() -> str:
    """The name of the effective OS user (not ``$USER``, which ``runuser`` leaves unchanged)."""
    return pwd.getpwuid(os.geteuid()).pw_name


def _server_user_can_enter(folder: Path) -> bool:
    """Whether the ``postgres`` OS user can reach ``folder``: every folder above it must let it
    through, which a clone in root's home (mode 0700) does not."""
    proc = subprocess.run(
        ["runuser", "-u", SERVER_USER, "--", "test", "-x", str(folder)], capture_output=True
    )
    return proc.returncode == 0


def outside_home(root: Path) -> Path:
    """The folder in the ``postgres`` user's home for the cluster of ``root``: named after the
    clone's folder, with a hash of its full path so that two clones never share one."""
    try:
        server_home = Path(pwd.getpwnam(SERVER_USER).pw_dir)
    except KeyError:
        raise ClusterError(
            f"the {SERVER_USER} OS user does not exist: install PostgreSQL first (`make system`)"
        ) from None
    resolved = root.resolve()
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", resolved.parent.name or "root")[:24]
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:10]
    return server_home / "geoportal" / f"{name}-{digest}"


@dataclass(frozen=True)
class Cluster:
    """A PostgreSQL cluster of the folder ``root`` (``var/``), listening on 127.0.0.1:``port``
    and on a socket beside its data. ``name`` is its folder: ``pgdata`` for the primary,
    ``replica`` for its hot standby (:meth:`replica`)."""

    root: Path
    port: int = DEFAULT_PORT
    name: str = PRIMARY

    @classmethod
    def from_env(cls) -> Cluster:
        root = Path(os.environ.get("GEOPORTAL_VAR_DIR", REPO_ROOT / "var"))
        port = os.environ.get("GEOPORTAL_DB_PORT", str(DEFAULT_PORT))
        if not port.isdigit() or not 1024 <= int(port) <= 65535:
            raise ClusterError(f"GEOPORTAL_DB_PORT must be a port number 1024-65535, not {port!r}")
        return cls(root=root, port=int(port))

    def replica(self, port: int | None = None, name: str = REPLICA) -> Cluster:
        """The hot standby of this cluster: ``var/replica`` on the next port (``make replica``)."""
        return Cluster(root=self.root, port=port or self.port + 1, name=name)

    @property
    def is_primary(self) -> bool:
        return self.name == PRIMARY

    # -- paths and identities -------------------------------------------------------------
    @property
    def link(self) -> Path:
        """``var/pgdata``: the data folder itself, or a link to it when it lives outside."""
        return self.root / self.name

    @property
    def home(self) -> Path:
        """The folder holding the server's files (``pgdata``, ``pgsock``, the log)."""
        if self.link.is_symlink():
            return self.link.readlink().parent
        if os.geteuid() == 0 and not self.link.exists():
            parent = self.root if self.root.exists() else self.root.parent
            while not parent.exists():
                parent = parent.parent
            if not _server_user_can_enter(parent):
                return outside_home(self.root)
        return self.root

    @property
    def outside(self) -> bool:
        return self.home != self.root

    @property
    def datadir(self) -> Path:
        return self.home / self.name

    @property
    def sockdir(self) -> Path:
        return self.home / ("pgsock" if self.is_primary else f"{self.name}-sock")

    @property
    def logfile(self) -> Path:
        return self.home / ("postgresql.log" if self.is_primary else f"{self.name}.log")

    @property
    def password_file(self) -> Path:
        return self.root / "db-password"

    @property
    def superuser(self) -> str:
        return SERVER_USER if os.geteuid() == 0 else _os_user()

    def database_url(self, database: str = APP_DATABASE) -> str:
        # Before the first `ensure` there is no password yet; the URL still names the server.
        password = self.password_file.read_text().strip() if self.password_file.exists() else ""
        return f"postgresql://{APP_ROLE}:{password}@127.0.0.1:{self.port}/{database}"

    # -- process helpers ----------------------------------------------------------------------
    def _run(
        self, *args: str, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd="/", input=stdin)
        if check and proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip()
            if "No space left on device" in detail:
                raise ClusterError(f"disk full under {self.root}: free some space and run again")
            raise ClusterError(f"{Path(args[0]).name} failed: {detail}")
        return proc

    def psql(self, script: str, database: str = "postgres", **variables: str) -> str:
        """Run a psql script as the superuser; values are passed as psql variables (``:'name'``)."""
        bindir = _pg_bindir()
        args = [
            str(bindir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-h", str(self.sockdir), "-p", str(self.port), "-U", self.superuser, "-d", database,
        ]  # fmt: skip
        for name, value in variables.items():
            args += ["-v", f"{name}={value}"]
        return self._run(*args, stdin=script).stdout.strip()

    # -- lifecycle ----------------------------------------------------------------------------
    def initialized(self) -> bool:
        return (self.datadir / "PG_VERSION").exists()

    def running(self) -> bool:
        if not self.initialized():
            return False
        proc = self._run(
            str(_pg_bindir() / "pg_ctl"), "-D", str(self.datadir), "status", check=False
        )
        return proc.returncode == 0

    def _prepare_dirs(self) -> None:
        home = self.home  # decided before var/ exists, from what the server user can reach
        self.root.mkdir(parents=True, exist_ok=True)
        home.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(home).free
        if free < MIN_FREE_BYTES:
            raise ClusterError(
                f"disk full: only {free // 2**20} MB free under {home}; "
                f"the database needs at least {MIN_FREE_BYTES // 2**20} MB"
            )
        for d in (self.datadir, self.sockdir):
            d.mkdir(mode=0o700, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(d, SERVER_USER, SERVER_USER)
        if os.geteuid() == 0:
            # The server writes its log beside its data.
            shutil.chown(home, SERVER_USER, SERVER_USER)
            home.chmod(0o755)
        if home != self.root and not self.link.is_symlink():
            self.link.symlink_to(self.datadir, target_is_directory=True)

    def init(self) -> None:
        self._prepare_dirs()
        if self.initialized():
            return
        self._run(
            str(_pg_bindir() / "initdb"), "-D", str(self.datadir), "-U", self.superuser,
            "--auth-local=peer", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip

    def start(self) -> None:
        if self.running():
            return
        if not port_is_free(self.port):
            raise ClusterError(
                f"port {self.port} is already taken by another program: stop it, or choose "
                f"another port with GEOPORTAL_DB_PORT={self.port + 1}"
            )
        self._prepare_dirs()
        opts = (
            f"-p {self.port} -k {self.sockdir} -c listen_addresses=127.0.0.1 "
            "-c shared_buffers=512MB -c work_mem=32MB -c maintenance_work_mem=256MB "
            "-c max_connections=100 -c fsync=on -c jit=off "
            # Streaming replication (the defaults, said here): WAL for a standby, senders for it.
            "-c wal_level=replica -c max_wal_senders=10 -c max_replication_slots=10"
        )
        if not self.is_primary:
            # A standby answers reads, and tells the primary which rows its queries still
            # need, so that a long read is not cancelled by the primary's vacuum.
            opts += " -c hot_standby=on -c hot_standby_feedback=on"
        self._run(
            str(_pg_bindir() / "pg_ctl"), "-D", str(self.datadir), "-w", "-t", "60",
            "-l", str(self.logfile), "-o", opts, "start",
        )  # fmt: skip

    def stop(self) -> None:
        if self.running():
            self._run(
                str(_pg_bindir() / "pg_ctl"), "-D", str(self.datadir), "-w", "-m", "fast", "stop"
            )

    def destroy(self) -> None:
        """Stop the cluster and delete its data, wherever it lives (``make clean``)."""
        self.stop()
        if self.outside and self.is_primary:
            shutil.rmtree(self.home, ignore_errors=True)
        elif not self.is_primary:  # a standby shares its primary's home: only its own files
            datadir, sockdir, logfile = self.datadir, self.sockdir, self.logfile
            shutil.rmtree(datadir, ignore_errors=True)
            shutil.rmtree(sockdir, ignore_errors=True)
            logfile.unlink(missing_ok=True)
        if self.link.is_symlink():
            self.link.unlink()
        else:
            shutil.rmtree(self.link, ignore_errors=True)
        shutil.rmtree(self.root / self.sockdir.name, ignore_errors=True)

    # -- streaming replication ----------------------------------------------------------------
    def create_standby(self, primary: Cluster, slot: str = REPLICA_SLOT) -> None:
        """Make this cluster a hot standby of ``primary`` with ``pg_basebackup``: a copy of its
        data streamed with its WAL, a replication slot on the primary (it keeps the WAL the
        standby has not received yet, so a stopped standby catches up when started again), and
        ``standby.signal`` plus ``primary_conninfo`` written for streaming (``-R``). Skipped
        when the standby exists."""
        if self.initialized():
            return
        if not primary.running():
            raise ClusterError(f"the primary on port {primary.port} is not running: `make db`")
        self._prepare_dirs()
        # A slot left by a standby that was deleted would keep WAL forever: drop it, unused.
        primary.psql(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
            "WHERE slot_name = :'slot' AND NOT active;",
            slot=slot,
        )
        self._run(
            str(_pg_bindir() / "pg_basebackup"), "-D", str(self.datadir),
            "-h", str(primary.sockdir), "-p", str(primary.port), "-U", primary.superuser,
            "-R", "-C", "-S", slot, "-X", "stream", "-c", "fast",
        )  # fmt: skip

    def drop_standby(self, primary: Cluster, slot: str = REPLICA_SLOT) -> None:
        """Delete this standby and its slot on the primary (which would keep WAL for it)."""
        self.destroy()
        if primary.running():
            primary.psql(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                "WHERE slot_name = :'slot';",
                slot=slot,
            )

    def bootstrap(self) -> None:
        """Application role, database and PostGIS; each created only when missing."""
        if not self.password_file.exists():
            self.password_file.write_text(secrets.token_urlsafe(24) + "\n")
            self.password_file.chmod(0o600)
        self.psql(
            """
            SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') AS missing \\gset
            \\if :missing
              CREATE ROLE :"role" LOGIN CREATEDB;
            \\endif
            ALTER ROLE :"role" PASSWORD :'pw';
            SELECT NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') AS missing \\gset
            \\if :missing
              CREATE DATABASE :"db" OWNER :"role";
            \\endif
            """,
            role=APP_ROLE, db=APP_DATABASE, pw=self.password_file.read_text().strip(),
        )  # fmt: skip
        # In template1 too, so databases made by the app role (Django's test ones) inherit it.
        for database in ("template1", APP_DATABASE):
            self.psql("CREATE EXTENSION IF NOT EXISTS postgis;", database=database)

    def ensure(self) -> None:
        self.init()
        self.start()
        self.bootstrap()


def check_database_url(url: str) -> str:
    """Connect to an outside ``DATABASE_URL`` and confirm PostGIS; return its version."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - the venv always has it
        raise ClusterError("psycopg is missing: run `make venv` first") from exc
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            row = conn.execute(
                "SELECT extversion FROM pg_extension WHERE extname = 'postgis'"
            ).fetchone()
            if row is None:
                try:
                    conn.execute("CREATE EXTENSION postgis")
                except psycopg.Error as exc:
                    raise ClusterError(
                        "the database at DATABASE_URL has no PostGIS and this role cannot create "
                        "it: ask its administrator to run CREATE EXTENSION postgis; "
                        f"({exc.diag.message_primary})"
                    ) from exc
                row = conn.execute(
                    "SELECT extversion FROM pg_extension WHERE extname = 'postgis'"
                ).fetchone()
            if row is None:
                raise ClusterError("CREATE EXTENSION postgis succeeded but PostGIS is not listed")
            return str(row[0])
    except psycopg.OperationalError as exc:
        raise ClusterError(f"cannot connect to DATABASE_URL: {str(exc).strip()}") from exc


def drop_database(url: str, name: str) -> None:
    """Drop the database ``name`` of the server at ``url`` (a URL of another of its databases),
    this role's sessions in it ended first. Not ``WITH (FORCE)``: PostgreSQL 15 refuses it to a
    role that is not a superuser while an autovacuum worker is in the database, as after a bulk
    load; a plain ``DROP DATABASE`` tells autovacuum to leave and waits for it (and for the ended
    sessions, up to 5 s)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND usename = current_user AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geoportal.cluster", description=__doc__)
    parser.add_argument(
        "action",
        choices=[
            "ensure", "start", "stop", "status", "url", "shell", "destroy",
            "replica", "replica-start", "replica-stop", "replica-destroy", "replica-url",
        ],
    )  # fmt: skip
    args = parser.parse_args(argv)
    try:
        url = os.environ.get("DATABASE_URL")
        if url and args.action in ("ensure", "status"):
            version = check_database_url(url)
            print(f"DATABASE_URL answers, PostGIS {version}; no private cluster used")
            return 0
        cluster = Cluster.from_env()
        standby = cluster.replica()
        if args.action.startswith("replica") and url:
            raise ClusterError(
                "with DATABASE_URL the replicas are servers of their own: give their URLs in "
                "GEOPORTAL_READ_REPLICAS (README, Running on several machines)"
            )
        if args.action == "replica":
            started = time.monotonic()
            cluster.ensure()
            standby.create_standby(cluster)
            standby.start()
            print(
                f"hot standby in {standby.datadir} on 127.0.0.1:{standby.port} streaming from "
                f"port {cluster.port} ({time.monotonic() - started:.1f} s)"
            )
        elif args.action == "replica-start":
            standby.start()
        elif args.action == "replica-stop":
            standby.stop()
        elif args.action == "replica-destroy":
            standby.drop_standby(cluster)
            print(f"hot standby in {standby.datadir} deleted")
        elif args.action == "replica-url":
            print(standby.database_url())
        elif args.action == "ensure":
            started = time.monotonic()
            cluster.ensure()
            print(
                f"PostgreSQL cluster in {cluster.datadir} on 127.0.0.1:{cluster.port} "
                f"ready ({time.monotonic() - started:.1f} s)"
            )
        elif args.action == "start":
            cluster.start()
        elif args.action == "stop":
            if standby.running():
                standby.stop()
                print("PostgreSQL hot standby stopped")
            cluster.stop()
            print("PostgreSQL cluster stopped")
        elif args.action == "destroy":
            if standby.initialized():
                standby.drop_standby(cluster)
            cluster.destroy()
            print(f"PostgreSQL cluster in {cluster.datadir} deleted")
        elif args.action == "status":
            print("running" if cluster.running() else "stopped")
            return 0 if cluster.running() else 3
        elif args.action == "url":
            print(url or cluster.database_url())
        elif args.action == "shell":
            os.execvp("psql", ["psql", url or cluster.database_url()])
    except ClusterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            print("error: disk full: free some space and run again", file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
