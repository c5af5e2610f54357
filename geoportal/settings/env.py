"""Everything read from the environment, through one typed helper.

Variables are prefixed ``GEOPORTAL_``, except ``DATABASE_URL`` which is the usual name.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from geoportal.cluster import Cluster

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env[T: (str, int, bool, float)](name: str, default: T) -> T:
    """``GEOPORTAL_<name>`` converted to the type of ``default``; a bad value fails at start-up."""
    raw = os.environ.get(f"GEOPORTAL_{name}")
    if raw is None or raw == "":
        return default
    try:
        if isinstance(default, bool):
            if raw.lower() not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(raw)
            return raw.lower() in {"1", "true", "yes", "on"}
        return type(default)(raw)
    except ValueError as exc:
        msg = f"GEOPORTAL_{name}={raw!r} is not a valid {type(default).__name__}"
        raise ImproperlyConfigured(msg) from exc


VAR_DIR = Path(os.environ.get("GEOPORTAL_VAR_DIR", BASE_DIR / "var"))


# Host names that only this machine reaches. Django's test client calls itself "testserver".
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", "testserver"})


def is_production(debug: bool, allowed_hosts: list[str]) -> bool:
    """Debug off and at least one host name that other machines reach: then several servers may
    answer for the same site, and every one of them must share its secrets."""
    return not debug and any(host not in LOCAL_HOSTS for host in allowed_hosts)


def get_mandatory_secret(name: str, *, production: bool) -> str:
    """A secret from ``GEOPORTAL_<name>``. On a local run it may be missing: one is generated once
    and kept in ``var/`` (mode 600). In production it must be given, or start-up stops: a key made
    by each machine would not be recognised by the others (sessions, signed links)."""
    value = os.environ.get(f"GEOPORTAL_{name}")
    if value:
        return value
    if production:
        msg = (
            f"GEOPORTAL_{name} is not set. In production (GEOPORTAL_DEBUG off and "
            "GEOPORTAL_ALLOWED_HOSTS naming a public host) every server must be given the same "
            "key. Make one with: python -c 'import secrets; print(secrets.token_urlsafe(50))' "
            f"and set GEOPORTAL_{name} to it in the environment of every server."
        )
        raise ImproperlyConfigured(msg)
    path = VAR_DIR / name.lower()
    if not path.exists():
        # Written whole under another name, then linked into place: two processes starting at
        # once (gunicorn's workers, a command beside the server) agree on the first one linked.
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=VAR_DIR, prefix=f".{name.lower()}.")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(50))
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


DEBUG = env("DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
SECRET_KEY = get_mandatory_secret("SECRET_KEY", production=is_production(DEBUG, ALLOWED_HOSTS))
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# Behind a reverse proxy that terminates HTTPS and sets X-Forwarded-Proto (nginx:
# ``proxy_set_header X-Forwarded-Proto $scheme;``): requests that came in over HTTPS are secure
# (secure cookies, HTTP Basic for QGIS). Only with a proxy that always sets the header.
if env("HTTPS_PROXY_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
PUBLIC_URL = env("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

DATABASE_URL = os.environ.get("DATABASE_URL") or Cluster.from_env().database_url()
DB_CONN_MAX_AGE = env("DB_CONN_MAX_AGE", 60)
# A database that does not answer (a host down, a network cut) fails a request after this many
# seconds, with a 503 to retry, instead of holding it for the system's TCP timeout (minutes).
DB_CONNECT_TIMEOUT_S = env("DB_CONNECT_TIMEOUT_S", 10)


def read_replica_urls() -> list[str]:
    """The read replicas: ``GEOPORTAL_READ_REPLICAS`` (URLs separated by commas or spaces);
    without it and without ``DATABASE_URL``, the private hot standby of ``make replica`` when it
    exists. ``GEOPORTAL_READ_REPLICAS=none`` turns them off."""
    raw = env("READ_REPLICAS", "")
    if raw.strip().lower() == "none":
        return []
    urls = [u for u in raw.replace(",", " ").split() if u]
    for url in urls:
        if not url.startswith(("postgres://", "postgresql://", "postgis://")):
            msg = f"GEOPORTAL_READ_REPLICAS: {url.split('@')[-1]!r} is not a postgresql:// URL"
            raise ImproperlyConfigured(msg)
    if urls or os.environ.get("DATABASE_URL"):
        return urls
    standby = Cluster.from_env().replica()
    return [standby.database_url()] if (standby.link / "PG_VERSION").exists() else []


READ_REPLICAS = read_replica_urls()
REPLICA_MAX_LAG_S = env("REPLICA_MAX_LAG_S", 10.0)
READ_YOUR_WRITES_S = env("READ_YOUR_WRITES_S", 30)

# An outside XYZ basemap (OpenStreetMap, an orthophoto); empty means the platform's own layers.
BASEMAP_URL = env("BASEMAP_URL", "")
BASEMAP_ATTRIBUTION = env("BASEMAP_ATTRIBUTION", "")

# The folder the web servers share (a network file system when there are several): the caches
# keyed by version (tiles, open-data exports) and MEDIA_ROOT (uploads, the notes' PDFs). Empty:
# VAR_DIR, on one machine.
SHARED_DIR = Path(env("SHARED_DIR", "")) if env("SHARED_DIR", "") else None

UPLOAD_MAX_MB = env("UPLOAD_MAX_MB", 200)
LOG_LEVEL = env("LOG_LEVEL", "INFO")

# Reverse proxies in front of the app (1 behind `make run`'s front server): the client address is
# then read from X-Forwarded-For (geoportal.clients: the renseignement rate limit counts per
# client, and HTTP Basic's loopback rule looks at it).
TRUSTED_PROXIES = env("TRUSTED_PROXIES", 0)
